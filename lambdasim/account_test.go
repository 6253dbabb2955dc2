package lambdasim

import (
	"strings"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune"
)

// TestModelsCheckTheSame holds both constructors to the same verdict, and the same error, on bad
// options and deployments; an error names every bad deployment.
func TestModelsCheckTheSame(t *testing.T) {
	fn := Function{Name: "f", Duration: Flat{Constant(100 * time.Millisecond)}}
	good := Deployment{Function: fn, Config: lambdatune.DefaultConfig()}
	x86Only := lambdatune.DefaultPrices()
	delete(x86Only.Arch, lambdatune.ARM64)
	arm := good
	arm.Config.Architecture = lambdatune.ARM64
	tooMuch := good
	tooMuch.Function.Name = "g"
	tooMuch.Config.Reserved = lambdatune.Reserve(950)
	for _, tc := range []struct {
		name string
		opts Options
		deps []Deployment
		want []string // in the error; none: no error
	}{
		{"good", Options{}, []Deployment{good}, nil},
		{"no deployments", Options{}, nil, []string{"at least one Deployment"}},
		{"interval", Options{Interval: time.Microsecond}, []Deployment{good}, []string{"Options.Interval"}},
		{"scaling", Options{ScalingBurst: -1}, []Deployment{good}, []string{"Options.ScalingBurst"}},
		{"provisioning delay", Options{ProvisioningDelay: Constant(-time.Second)}, []Deployment{good}, []string{"Options.ProvisioningDelay"}},
		{"no prices", Options{Prices: &x86Only}, []Deployment{arm}, []string{"f: initial config", "arm64"}},
		{"two bad deployments", Options{Prices: &x86Only}, []Deployment{arm, tooMuch}, []string{"f: initial config", "g: initial config", "Reserved"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errE := New(tc.opts, tc.deps...)
			_, errI := NewInterval(tc.opts, tc.deps...)
			for model, err := range map[string]error{"New": errE, "NewInterval": errI} {
				if (err != nil) != (tc.want != nil) {
					t.Fatalf("%s: error %v, want one containing %q", model, err, tc.want)
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s: error %q does not say %q", model, err, w)
					}
				}
			}
			if errE != nil && errI != nil {
				if e, i := strings.Replace(errE.Error(), "New ", "NewInterval ", 1), errI.Error(); e != i {
					t.Errorf("the models disagree:\n New:         %s\n NewInterval: %s", errE, errI)
				}
			}
		})
	}
}

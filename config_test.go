package lambdatune

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	ok := DefaultConfig()
	tests := []struct {
		name   string
		mutate func(*Config)
		fields []string // fields named in the errors, in order; nil means valid
	}{
		{"default", func(*Config) {}, nil},
		{"max memory", func(c *Config) { c.MemoryMB = 10240 }, nil},
		{"odd memory in 1 MB steps", func(c *Config) { c.MemoryMB = 1769 }, nil},
		{"memory too small", func(c *Config) { c.MemoryMB = 100 }, []string{"MemoryMB"}},
		{"memory too large", func(c *Config) { c.MemoryMB = 20000 }, []string{"MemoryMB"}},
		{"timeout 0", func(c *Config) { c.Timeout = 0 }, []string{"Timeout"}},
		{"timeout 900s", func(c *Config) { c.Timeout = 900 * time.Second }, nil},
		{"timeout 901s", func(c *Config) { c.Timeout = 901 * time.Second }, []string{"Timeout"}},
		{"timeout fraction", func(c *Config) { c.Timeout = 1500 * time.Millisecond }, []string{"Timeout"}},
		{"reserved 0 is legal", func(c *Config) { c.Reserved = Reserve(0) }, nil},
		{"reserved negative", func(c *Config) { c.Reserved = Reserve(-1) }, []string{"Reserved.N"}},
		{"unset reservation with a number", func(c *Config) { c.Reserved = Reservation{N: 5} }, []string{"Reserved.N"}},
		{"provisioned within reserved", func(c *Config) { c.Reserved = Reserve(10); c.Provisioned = 10 }, nil},
		{"provisioned above reserved", func(c *Config) { c.Reserved = Reserve(10); c.Provisioned = 11 }, []string{"Provisioned"}},
		{"provisioned negative", func(c *Config) { c.Provisioned = -2 }, []string{"Provisioned"}},
		{"arm64", func(c *Config) { c.Architecture = ARM64 }, nil},
		{"empty architecture means x86_64", func(c *Config) { c.Architecture = "" }, nil},
		{"unknown architecture", func(c *Config) { c.Architecture = "riscv" }, []string{"Architecture"}},
		{"storage", func(c *Config) { c.EphemeralStorageMB = 10240 }, nil},
		{"storage too small", func(c *Config) { c.EphemeralStorageMB = 100 }, []string{"EphemeralStorageMB"}},
		{"several at once", func(c *Config) { c.MemoryMB = 0; c.Timeout = time.Hour }, []string{"MemoryMB", "Timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mutate(&c)
			err := c.Validate()
			if got := fieldsOf(err); !equalStrings(got, tt.fields) {
				t.Fatalf("Validate(%v) fields = %v, want %v (err: %v)", c, got, tt.fields, err)
			}
		})
	}
}

func TestConfigErrorMessage(t *testing.T) {
	c := DefaultConfig()
	c.MemoryMB = 100
	err := c.Validate()
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("Validate error %v is not a *ConfigError", err)
	}
	for _, want := range []string{"MemoryMB", "100", "[128, 10240]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestLimitsValidate(t *testing.T) {
	tests := []struct {
		name   string
		limits Limits
		cfg    Config
		fields []string
	}{
		{"900 reservable by default", DefaultLimits(), Config{MemoryMB: 128, Timeout: time.Second, Reserved: Reserve(900)}, nil},
		{"901 leaves less than 100", DefaultLimits(), Config{MemoryMB: 128, Timeout: time.Second, Reserved: Reserve(901)}, []string{"Reserved.N"}},
		{"others reserve", Limits{AccountConcurrency: 1000, MinUnreserved: 100, ReservedElsewhere: 500}, Config{MemoryMB: 128, Timeout: time.Second, Reserved: Reserve(401)}, []string{"Reserved.N"}},
		{"provisioned without reservation", DefaultLimits(), Config{MemoryMB: 128, Timeout: time.Second, Provisioned: 950}, []string{"Provisioned"}},
		{"per-function errors come first", DefaultLimits(), Config{MemoryMB: 1, Timeout: time.Second}, []string{"MemoryMB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.limits.Validate(tt.cfg)
			if got := fieldsOf(err); !equalStrings(got, tt.fields) {
				t.Fatalf("fields = %v, want %v (err: %v)", got, tt.fields, err)
			}
		})
	}
	if err := (Limits{}).Validate(DefaultConfig()); err == nil {
		t.Error("zero Limits accepted")
	}
}

// fieldsOf lists the Field of every *ConfigError joined in err.
func fieldsOf(err error) []string {
	if err == nil {
		return nil
	}
	var out []string
	var walk func(error)
	walk = func(e error) {
		if ce, ok := e.(*ConfigError); ok {
			out = append(out, ce.Field)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	if out == nil {
		out = []string{"<non-field error>"}
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestConfigEqualNormalized(t *testing.T) {
	spelled := DefaultConfig()
	bare := spelled
	bare.Architecture, bare.EphemeralStorageMB = "", 0
	if !bare.Equal(spelled) || bare.Normalize() != spelled {
		t.Errorf("%v and %v differ only in spelled-out defaults", bare, spelled)
	}
	arm := spelled
	arm.Architecture = ARM64
	more := spelled
	more.EphemeralStorageMB = 1024
	for _, d := range []Config{arm, more} {
		if bare.Equal(d) {
			t.Errorf("%v equal to %v", bare, d)
		}
	}
}

// TestTunerIgnoresSpelledDefaults: a policy that spells out the default architecture and storage
// of the configuration in force does not make the tuner apply anything.
func TestTunerIgnoresSpelledDefaults(t *testing.T) {
	start := DefaultConfig()
	start.Architecture, start.EphemeralStorageMB = "", 0
	p := &fakePlatform{cfg: start, load: []int64{1, 2, 3}, failAt: -1}
	tu, err := NewTuner(TunerConfig{Platform: p, Policy: Fixed(DefaultConfig())})
	if err != nil {
		t.Fatal(err)
	}
	if err := tu.Run(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	if len(p.applied) != 0 {
		t.Errorf("applied %v, want nothing", p.applied)
	}
}

package env_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/env/cartpole"
)

func mustBox(t testing.TB, lo, hi []float64) *env.Box {
	t.Helper()
	b, err := env.NewBox(lo, hi)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSpacesContains(t *testing.T) {
	d, _ := env.NewDiscrete(3)
	md, _ := env.NewMultiDiscrete([]int{2, 3})
	b := mustBox(t, []float64{0, math.Inf(-1)}, []float64{1, math.Inf(1)})
	tests := []struct {
		name string
		sp   env.Space
		x    []float64
		want bool
	}{
		{"discrete in", d, []float64{2}, true},
		{"discrete too big", d, []float64{3}, false},
		{"discrete negative", d, []float64{-1}, false},
		{"discrete fraction", d, []float64{0.5}, false},
		{"discrete wrong len", d, []float64{0, 1}, false},
		{"multi in", md, []float64{1, 2}, true},
		{"multi out", md, []float64{2, 0}, false},
		{"multi short", md, []float64{1}, false},
		{"box in", b, []float64{0.5, -1e300}, true},
		{"box bound", b, []float64{1, 0}, true},
		{"box out", b, []float64{1.01, 0}, false},
		{"box NaN", b, []float64{math.NaN(), 0}, false},
		{"box wrong len", b, []float64{0.5}, false},
	}
	for _, tc := range tests {
		if got := tc.sp.Contains(tc.x); got != tc.want {
			t.Errorf("%s: %v.Contains(%v) = %v, want %v", tc.name, tc.sp, tc.x, got, tc.want)
		}
	}
}

func TestSpacesSampleContains(t *testing.T) {
	d, _ := env.NewDiscrete(5)
	md, _ := env.NewMultiDiscrete([]int{2, 7, 1})
	b := mustBox(t, []float64{-1, math.Inf(-1), 0, math.Inf(-1)}, []float64{1, math.Inf(1), math.Inf(1), 3})
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sp := range []env.Space{d, md, b} {
		x := make([]float64, sp.Dim())
		for i := 0; i < 1000; i++ {
			if err := sp.Sample(rng, x); err != nil {
				t.Fatal(err)
			}
			if !sp.Contains(x) {
				t.Fatalf("%v sampled %v outside itself", sp, x)
			}
		}
	}
}

func TestSampleRejectsWrongLength(t *testing.T) {
	d, _ := env.NewDiscrete(2)
	md, _ := env.NewMultiDiscrete([]int{2, 2})
	b := mustBox(t, []float64{0}, []float64{1})
	rng := rand.New(rand.NewPCG(1, 1))
	for _, sp := range []env.Space{d, md, b} {
		if err := sp.Sample(rng, make([]float64, 3)); err == nil {
			t.Errorf("%v sampled into 3 values", sp)
		}
	}
}

func TestSpaceConstructorsRejectBadInput(t *testing.T) {
	if _, err := env.NewDiscrete(0); err == nil || !strings.Contains(err.Error(), "n = 0") {
		t.Errorf("NewDiscrete(0) error = %v", err)
	}
	if _, err := env.NewMultiDiscrete([]int{2, 0}); err == nil || !strings.Contains(err.Error(), "nvec[1] = 0") {
		t.Errorf("NewMultiDiscrete error = %v", err)
	}
	if _, err := env.NewBox([]float64{1}, []float64{0}); err == nil {
		t.Error("NewBox accepted low > high")
	}
	if _, err := env.NewBox([]float64{0, 0}, []float64{1, 1}, 3); err == nil {
		t.Error("NewBox accepted a shape that does not match")
	}
}

func TestCheckCartPole(t *testing.T) {
	e, _ := cartpole.New(cartpole.Config{})
	if err := env.Check(e); err != nil {
		t.Fatal(err)
	}
}

// badEnv breaks one rule of the env contract at a time.
type badEnv struct {
	mode string
	obs  []float64
	rng  *rand.Rand
	box  *env.Box
}

func (b *badEnv) ObservationSpace() env.Space { return b.box }
func (b *badEnv) ActionSpace() env.Space      { d, _ := env.NewDiscrete(2); return d }
func (b *badEnv) Reset(seed env.Seed) ([]float64, env.Info, error) {
	b.obs = []float64{0, 0}
	if b.mode == "wrongshape" {
		b.obs = []float64{0}
	}
	return b.obs, nil, nil
}
func (b *badEnv) Step(a []float64) (env.StepResult, error) {
	if b.mode != "noactioncheck" && (len(a) != 1 || a[0] < 0 || a[0] > 1) {
		return env.StepResult{}, errBad
	}
	r := env.StepResult{Obs: b.obs, Reward: 1}
	switch b.mode {
	case "nan":
		r.Reward = math.NaN()
	case "outside":
		b.obs[0] = 5
	case "nondet":
		b.obs[1] = b.rng.Float64()
	}
	return r, nil
}

var errBad = errString("bad action")

type errString string

func (e errString) Error() string { return string(e) }

func TestCheckCatchesBrokenEnvs(t *testing.T) {
	tests := []struct{ mode, want string }{
		{"nan", "Step 0 returned reward NaN, must be finite (and 199 more times)"},
		{"outside", "Step 0 returned observation [5 0], outside the observation space Box(-1, 1, [2]) (and 199 more times)"},
		{"wrongshape", "length 1"},
		{"nondet", "differ"},
		{"noactioncheck", "must return an error"},
	}
	for _, tc := range tests {
		e := &badEnv{mode: tc.mode, rng: rand.New(rand.NewPCG(1, 1)), box: mustBox(t, []float64{-1, -1}, []float64{1, 1})}
		err := env.Check(e)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Check = %v, want an error containing %q", tc.mode, err, tc.want)
		}
		if tc.mode != "nondet" && strings.Contains(err.Error(), "differ") {
			t.Errorf("%s: Check calls a deterministic env non-deterministic: %v", tc.mode, err)
		}
		if n := strings.Count(err.Error(), "\n") + 1; n > 3 {
			t.Errorf("%s: Check reported %d lines, want each kind of problem once:\n%v", tc.mode, n, err)
		}
	}
}

func newCartPoleVec(t testing.TB, n int, opts ...env.VecOption) *env.Vec {
	t.Helper()
	v, err := env.NewVec(n, func(int) (env.Env, error) {
		e, err := cartpole.New(cartpole.Config{})
		if err != nil {
			return nil, err
		}
		return env.NewEpisodeStats(e, 100)
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func TestVecAutoResetKeepsFinalObs(t *testing.T) {
	v := newCartPoleVec(t, 3)
	obs, err := v.Reset(env.NewSeed(5))
	if err != nil {
		t.Fatal(err)
	}
	// Each copy matches a single env reset with seed 5+i.
	for i := 0; i < 3; i++ {
		e, _ := cartpole.New(cartpole.Config{})
		o, _, _ := e.Reset(env.NewSeed(5 + uint64(i)))
		if !cmp.Equal(o, obs[i*4:(i+1)*4]) {
			t.Fatalf("env %d reset obs %v, want %v", i, obs[i*4:(i+1)*4], o)
		}
	}
	// Always pushing right ends every episode within a few dozen steps.
	acts := []float64{1, 1, 1}
	ref, _ := cartpole.New(cartpole.Config{})
	ref.Reset(env.NewSeed(5))
	for step := 0; step < 100; step++ {
		rr, err := ref.Step([]float64{1})
		if err != nil {
			t.Fatal(err)
		}
		s, err := v.Step(acts)
		if err != nil {
			t.Fatal(err)
		}
		if !s.Done(0) {
			if !cmp.Equal(rr.Obs, s.Obs[:4]) {
				t.Fatalf("step %d: obs %v, want %v", step, s.Obs[:4], rr.Obs)
			}
			continue
		}
		if !rr.Terminated || !s.Terminated[0] {
			t.Fatalf("step %d: vec terminated=%v, reference %+v", step, s.Terminated[0], rr)
		}
		if !cmp.Equal(rr.Obs, s.FinalObs[:4]) {
			t.Fatalf("final obs %v, want %v", s.FinalObs[:4], rr.Obs)
		}
		if cmp.Equal(s.Obs[:4], s.FinalObs[:4]) {
			t.Fatal("obs after done must be the reset observation")
		}
		for _, x := range s.Obs[:4] {
			if math.Abs(x) > 0.05 {
				t.Fatalf("obs after done %v is not a reset observation", s.Obs[:4])
			}
		}
		if got := s.Infos[0][env.InfoEpisodeLength]; got != float64(step+1) {
			t.Fatalf("episode length info = %v, want %d", got, step+1)
		}
		return
	}
	t.Fatal("no episode ended in 100 steps")
}

func TestVecWorkersMatchSequential(t *testing.T) {
	seq := newCartPoleVec(t, 7)
	par := newCartPoleVec(t, 7, env.WithWorkers(3))
	a, _ := seq.Reset(env.NewSeed(1))
	b, _ := par.Reset(env.NewSeed(1))
	if !cmp.Equal(a, b) {
		t.Fatal("reset differs")
	}
	rng := rand.New(rand.NewPCG(9, 9))
	acts := make([]float64, 7)
	for step := 0; step < 300; step++ {
		for i := range acts {
			acts[i] = float64(rng.IntN(2))
		}
		s1, err1 := seq.Step(acts)
		s2, err2 := par.Step(acts)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if diff := cmp.Diff(s1, s2); diff != "" {
			t.Fatalf("step %d differs:\n%s", step, diff)
		}
	}
}

func TestVecStepRejectsBadActions(t *testing.T) {
	v := newCartPoleVec(t, 2)
	v.Reset(env.NewSeed(0))
	if _, err := v.Step([]float64{1}); err == nil {
		t.Error("short action matrix accepted")
	}
	if _, err := v.Step([]float64{1, 3}); err == nil || !strings.Contains(err.Error(), "environment 1") {
		t.Errorf("invalid action error = %v, want one naming environment 1", err)
	}
	_, err := v.Step([]float64{3, 3})
	if err == nil || !strings.Contains(err.Error(), "environment 0") || !strings.Contains(err.Error(), "environment 1") {
		t.Errorf("two invalid actions: error = %v, want one naming environments 0 and 1", err)
	}
	if _, err := v.Step([]float64{1, 0}); err != nil {
		t.Errorf("valid actions after failed steps: %v", err)
	}
}

func TestVecStepDoesNotAllocate(t *testing.T) {
	v := newCartPoleVec(t, 8)
	v.Reset(env.NewSeed(0))
	acts := make([]float64, 8)
	i := 0
	step := func() {
		acts[i%8] = float64(i % 2)
		i++
		if _, err := v.Step(acts); err != nil {
			t.Fatal(err)
		}
	}
	for k := 0; k < 500; k++ { // warm up: every copy finishes an episode
		step()
	}
	// AllocsPerRun rounds the average down; count every allocation instead.
	total := 0.0
	for k := 0; k < 2000; k++ {
		total += testing.AllocsPerRun(1, step)
	}
	if total != 0 {
		t.Errorf("4000 Vec.Step calls allocated %v times", total)
	}
}

func TestEpisodeStatsWindow(t *testing.T) {
	e, _ := cartpole.New(cartpole.Config{})
	s, _ := env.NewEpisodeStats(e, 3)
	s.Reset(env.NewSeed(0))
	var lengths []int
	n := 0
	for len(lengths) < 5 {
		r, err := s.Step([]float64{1})
		if err != nil {
			t.Fatal(err)
		}
		n++
		if r.Done() {
			if r.Info[env.InfoEpisodeReturn] != float64(n) {
				t.Fatalf("return %v, want %d", r.Info[env.InfoEpisodeReturn], n)
			}
			lengths = append(lengths, n)
			n = 0
			s.Reset(env.Seed{})
		}
	}
	if diff := cmp.Diff(lengths[2:], s.Lengths()); diff != "" || s.Episodes() != 5 {
		t.Errorf("window (-want +got):\n%s episodes=%d", diff, s.Episodes())
	}
}

func TestTimeLimit(t *testing.T) {
	e, _ := cartpole.New(cartpole.Config{MaxEpisodeSteps: -1})
	tl, _ := env.NewTimeLimit(e, 3)
	tl.Reset(env.NewSeed(0))
	for i := 1; i <= 3; i++ {
		r, err := tl.Step([]float64{float64(i % 2)})
		if err != nil {
			t.Fatal(err)
		}
		if r.Truncated != (i == 3) {
			t.Fatalf("step %d truncated = %v", i, r.Truncated)
		}
		if i == 3 && r.Info[env.InfoTimeLimitTruncated] != 1 {
			t.Fatal("missing truncation info")
		}
	}
	if _, err := env.NewTimeLimit(e, 0); err == nil {
		t.Error("maxSteps 0 accepted")
	}
}

// recordEnv records the actions it receives.
type recordEnv struct {
	sp  env.Space
	got [][]float64
	obs []float64
}

func (r *recordEnv) ObservationSpace() env.Space { b, _ := env.NewUniformBox(0, 1, 1); return b }
func (r *recordEnv) ActionSpace() env.Space      { return r.sp }
func (r *recordEnv) Reset(env.Seed) ([]float64, env.Info, error) {
	r.obs = []float64{0}
	return r.obs, nil, nil
}
func (r *recordEnv) Step(a []float64) (env.StepResult, error) {
	r.got = append(r.got, append([]float64(nil), a...))
	return env.StepResult{Obs: r.obs}, nil
}

func TestFlattenMultiDiscrete(t *testing.T) {
	md, _ := env.NewMultiDiscrete([]int{4, 3, 3})
	rec := &recordEnv{sp: md}
	f, err := env.NewFlattenMultiDiscrete(rec)
	if err != nil {
		t.Fatal(err)
	}
	if f.ActionSpace().String() != "Discrete(36)" {
		t.Fatalf("space = %v", f.ActionSpace())
	}
	for _, k := range []float64{0, 1, 3, 24, 35} {
		if _, err := f.Step([]float64{k}); err != nil {
			t.Fatal(err)
		}
	}
	want := [][]float64{{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {2, 2, 0}, {3, 2, 2}}
	if diff := cmp.Diff(want, rec.got); diff != "" {
		t.Errorf("mapped actions (-want +got):\n%s", diff)
	}
	if _, err := f.Step([]float64{36}); err == nil {
		t.Error("action 36 accepted")
	}
	// (2²⁰)⁴ = 2⁸⁰ actions do not fit an int: an error, not a wrapped-around count.
	huge, err := env.NewMultiDiscrete([]int{1 << 20, 1 << 20, 1 << 20, 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if f, err := env.NewFlattenMultiDiscrete(&recordEnv{sp: huge}); err == nil {
		t.Errorf("flattened %v into %v", huge, f.ActionSpace())
	}
}

func TestRescaleAction(t *testing.T) {
	b := mustBox(t, []float64{0, -10}, []float64{4, 10})
	rec := &recordEnv{sp: b}
	f, err := env.NewRescaleAction(rec)
	if err != nil {
		t.Fatal(err)
	}
	f.Step([]float64{-1, 1})
	f.Step([]float64{0, 0.5})
	if diff := cmp.Diff([][]float64{{0, 10}, {2, 5}}, rec.got); diff != "" {
		t.Error(diff)
	}
}

func TestRunningMeanStdMatchesBatchStatistics(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	r := env.NewRunningMeanStd(2)
	var all [][2]float64
	for b := 0; b < 50; b++ {
		n := 1 + rng.IntN(5)
		x := make([]float64, 2*n)
		for i := 0; i < n; i++ {
			x[2*i] = 3 + 2*rng.NormFloat64()
			x[2*i+1] = -1 + 0.1*rng.NormFloat64()
			all = append(all, [2]float64{x[2*i], x[2*i+1]})
		}
		r.Update(x, n)
	}
	for j := 0; j < 2; j++ {
		var m, v float64
		for _, a := range all {
			m += a[j]
		}
		m /= float64(len(all))
		for _, a := range all {
			v += (a[j] - m) * (a[j] - m)
		}
		v /= float64(len(all))
		// The 1e-4 prior (mean 0, var 1) shifts the result slightly.
		if math.Abs(r.Mean[j]-m) > 1e-4*math.Abs(m)+1e-6 || math.Abs(r.Var[j]-v) > 1e-4*(v+m*m+1) {
			t.Errorf("dim %d: running mean/var %v/%v, batch %v/%v", j, r.Mean[j], r.Var[j], m, v)
		}
	}
}

func TestVecNormalizeMatchesSB3Formulas(t *testing.T) {
	v := newCartPoleVec(t, 2)
	vn, err := env.NewVecNormalize(v, env.VecNormalizeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	obs, _ := vn.Reset(env.NewSeed(0))
	raw := append([]float64(nil), vn.OriginalObs()...)
	// After one update with 2 rows the statistics are the SB3 combination of the
	// prior (0, 1, 1e-4) with the batch.
	ref := env.NewRunningMeanStd(4)
	ref.Update(raw, 2)
	for i, x := range raw {
		j := i % 4
		want := (x - ref.Mean[j]) / math.Sqrt(ref.Var[j]+1e-8)
		if math.Abs(obs[i]-want) > 1e-12 {
			t.Fatalf("normalized obs[%d] = %v, want %v", i, obs[i], want)
		}
	}
	ret := env.NewRunningMeanStd(1)
	returns := []float64{0, 0}
	for step := 0; step < 50; step++ {
		s, err := vn.Step([]float64{1, 0})
		if err != nil {
			t.Fatal(err)
		}
		for i := range returns {
			returns[i] = returns[i]*0.99 + 1
		}
		ret.Update(returns, 2)
		for i := range returns {
			want := min(max(1/math.Sqrt(ret.Var[0]+1e-8), -10), 10)
			if math.Abs(s.Rewards[i]-want) > 1e-12 {
				t.Fatalf("step %d reward %v, want %v", step, s.Rewards[i], want)
			}
			if s.Done(i) {
				returns[i] = 0
			}
			for _, x := range s.Obs {
				if math.Abs(x) > 10 {
					t.Fatalf("obs %v not clipped to 10", x)
				}
			}
		}
	}
	st := vn.Stats()
	vn.Training = false
	before := vn.Stats()
	vn.Step([]float64{1, 1})
	if diff := cmp.Diff(before, vn.Stats()); diff != "" {
		t.Errorf("statistics changed with Training=false:\n%s", diff)
	}
	if err := vn.SetStats(st); err != nil {
		t.Fatal(err)
	}
	if _, err := env.NewVecNormalize(v, env.VecNormalizeConfig{Gamma: 2}); err == nil {
		t.Error("Gamma 2 accepted")
	}
}

func TestObsNormalizer(t *testing.T) {
	stats := &env.RunningMeanStd{Mean: []float64{1, -2}, Var: []float64{4, 0.25}, Count: 3}
	for _, tc := range []struct {
		name     string
		o        env.ObsNormalizer
		dst, src []float64
		want     []float64 // nil: an error is expected
	}{
		{"two rows, clipped", env.ObsNormalizer{Stats: stats, Clip: 3}, make([]float64, 4), []float64{3, -1, 1, 10}, []float64{1, 2, 0, 3}},
		{"nil statistics", env.ObsNormalizer{Clip: 3}, make([]float64, 2), []float64{0, 0}, nil},
		{"ragged rows", env.ObsNormalizer{Stats: stats, Clip: 3}, make([]float64, 3), []float64{0, 0, 0}, nil},
		{"dst too short", env.ObsNormalizer{Stats: stats, Clip: 3}, make([]float64, 1), []float64{0, 0}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.Normalize(tc.dst, tc.src)
			if tc.want == nil {
				if err == nil {
					t.Fatalf("no error, dst %v", tc.dst)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, tc.dst); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestSpacesRefuseOverflow checks that sizes whose sum or product overflows an int are refused.
func TestSpacesRefuseOverflow(t *testing.T) {
	if _, err := env.NewMultiDiscrete([]int{math.MaxInt, math.MaxInt, 2}); err == nil {
		t.Error("MultiDiscrete whose nvec sum overflows: no error")
	}
	if _, err := env.NewBox([]float64{0}, []float64{1}, 1<<32, 1<<32, 1<<32); err == nil {
		t.Error("Box whose shape product overflows to a small number: no error")
	}
	if _, err := env.NewBox([]float64{0, 0}, []float64{1, 1}, 2, 1<<62, 4); err == nil {
		t.Error("Box shape 2×2⁶²×4 (wraps to 0): no error")
	}
}

// TestObsNormalizerValidate checks the statistics a loaded model may carry.
func TestObsNormalizerValidate(t *testing.T) {
	ok := func() env.ObsNormalizer {
		return env.ObsNormalizer{Stats: &env.RunningMeanStd{Mean: []float64{0}, Var: []float64{1}, Count: 1}, Clip: 10, Epsilon: 1e-8}
	}
	tests := []struct {
		name string
		edit func(o *env.ObsNormalizer)
	}{
		{"negative variance", func(o *env.ObsNormalizer) { o.Stats.Var[0] = -1 }},
		{"NaN mean", func(o *env.ObsNormalizer) { o.Stats.Mean[0] = math.NaN() }},
		{"negative clip", func(o *env.ObsNormalizer) { o.Clip = -1 }},
		{"zero variance and epsilon", func(o *env.ObsNormalizer) { o.Stats.Var[0], o.Epsilon = 0, 0 }},
		{"nil stats", func(o *env.ObsNormalizer) { o.Stats = nil }},
	}
	o := ok()
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		o := ok()
		tc.edit(&o)
		if err := o.Validate(); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

package a2c

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/env/cartpole"
)

func cartPoleVec(t testing.TB, n int) *env.Vec {
	t.Helper()
	v, err := env.NewVec(n, func(int) (env.Env, error) { return cartpole.New(cartpole.Config{}) })
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func newVec(t testing.TB, n int, f func() (env.Env, error)) *env.Vec {
	t.Helper()
	v, err := env.NewVec(n, func(int) (env.Env, error) { return f() })
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func newModel(t testing.TB, v env.VecEnv, cfg Config) *Model {
	t.Helper()
	m, err := New(v.ObservationSpace(), v.ActionSpace(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestA2CCartPole is the acceptance test: SB3's rl-zoo settings for CartPole-v1
// (8 envs, defaults, ent_coef 0) reach a mean return of 475 over the last 100 episodes.
func TestA2CCartPole(t *testing.T) {
	v := cartPoleVec(t, 8)
	cfg := DefaultConfig()
	cfg.Seed = 1
	m := newModel(t, v, cfg)
	reached := int64(-1)
	err := m.Learn(context.Background(), v, 500_000, CallbackFunc(func(p *Progress) error {
		if m.ro.winN >= 100 && p.MeanReturn >= 475 {
			reached = p.Timesteps
			return ErrStop
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	if reached < 0 {
		t.Fatalf("mean return of the last 100 episodes never reached 475 in 500k steps (last %v)", m.RecentReturns())
	}
	t.Logf("seed 1 reached a mean return ≥ 475 after %d steps (SB3: 126k–161k)", reached)
}

func TestSameSeedSameRun(t *testing.T) {
	run := func(seed uint64) ([]float64, []float64) {
		v := cartPoleVec(t, 4)
		cfg := DefaultConfig()
		cfg.Seed = seed
		m := newModel(t, v, cfg)
		if err := m.Learn(context.Background(), v, 10_000); err != nil {
			t.Fatal(err)
		}
		return append([]float64(nil), m.params...), m.RecentReturns()
	}
	p1, r1 := run(3)
	p2, r2 := run(3)
	if !cmp.Equal(p1, p2) || !cmp.Equal(r1, r2) {
		t.Fatal("two runs with seed 3 differ")
	}
	p3, _ := run(4)
	if cmp.Equal(p1, p3) {
		t.Fatal("seeds 3 and 4 gave identical parameters")
	}
}

// lossAt recomputes SB3's A2C loss on the current rollout with fresh forward passes.
func lossAt(m *Model) float64 {
	ro := m.ro
	B := ro.B
	in, _ := ro.piTape.Input(0, B)
	obs := append([]float64(nil), in...)
	pt, vt := m.pi.NewTape(B), m.vf.NewTape(B)
	out, _ := m.pi.Forward(pt, obs, 0, B)
	vals, _ := m.vf.Forward(vt, obs, 0, B)
	var pl, el, vl float64
	for r := 0; r < B; r++ {
		z := out[r*m.nOut : (r+1)*m.nOut]
		a := ro.actions[r*m.actDim : (r+1)*m.actDim]
		var logp, ent float64
		if m.kind == gaussian {
			for j := range z {
				sd := math.Exp(m.logStd[j])
				d := (a[j] - z[j]) / sd
				logp += -0.5*d*d - m.logStd[j] - 0.5*math.Log(2*math.Pi)
				ent += 0.5 + 0.5*math.Log(2*math.Pi) + m.logStd[j]
			}
		} else {
			off := 0
			for dim, n := range m.nvec {
				p := make([]float64, n)
				softmax(p, z[off:off+n])
				logp += math.Log(p[int(a[dim])])
				for _, q := range p {
					ent -= q * math.Log(q)
				}
				off += n
			}
		}
		pl -= ro.adv[r] * logp / float64(B)
		el -= ent / float64(B)
		d := ro.ret[r] - vals[r]
		vl += d * d / float64(B)
	}
	return pl + m.cfg.EntCoef*el + m.cfg.VFCoef*vl
}

func TestLossGradientMatchesFiniteDifferences(t *testing.T) {
	tests := []struct {
		name string
		make func() (env.Env, error)
	}{
		{"categorical", func() (env.Env, error) { return cartpole.New(cartpole.Config{}) }},
		{"multi-categorical", newMatchEnv},
		{"gaussian", newReachEnv},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newVec(t, 3, tc.make)
			cfg := DefaultConfig()
			cfg.PolicyNet, cfg.ValueNet = []int{6, 5}, []int{7}
			cfg.EntCoef = 0.3
			cfg.Seed = 11
			cfg.LogStdInit = -0.3
			m := newModel(t, v, cfg)
			// A little training moves the parameters away from the initialization.
			if err := m.Learn(context.Background(), v, 300); err != nil {
				t.Fatal(err)
			}
			if err := m.collect(); err != nil {
				t.Fatal(err)
			}
			var p Progress
			if err := m.computeGrads(&p); err != nil {
				t.Fatal(err)
			}
			if got, want := p.PolicyLoss+cfg.EntCoef*p.EntropyLoss+cfg.VFCoef*p.ValueLoss, lossAt(m); math.Abs(got-want) > 1e-9*(1+math.Abs(want)) {
				t.Fatalf("reported loss %v, recomputed %v", got, want)
			}
			const h = 1e-6
			for i := range m.params {
				old := m.params[i]
				m.params[i] = old + h
				lp := lossAt(m)
				m.params[i] = old - h
				lm := lossAt(m)
				m.params[i] = old
				num := (lp - lm) / (2 * h)
				if math.Abs(num-m.grads[i]) > 1e-6*(1+math.Abs(num)) {
					t.Errorf("param %d: analytic %v, finite difference %v", i, m.grads[i], num)
				}
			}
		})
	}
}

func TestGaussianPolicyLearns(t *testing.T) {
	v := newVec(t, 8, newReachEnv)
	cfg := DefaultConfig()
	cfg.LearningRate = 3e-3
	cfg.Seed = 2
	m := newModel(t, v, cfg)
	e, _ := newReachEnv()
	before, _, _ := Evaluate(context.Background(), m, e, 200, false, 1)
	if err := m.Learn(context.Background(), v, 40_000); err != nil {
		t.Fatal(err)
	}
	after, _, _ := Evaluate(context.Background(), m, e, 200, true, 1)
	mb, _ := meanStd(before)
	ma, _ := meanStd(after)
	t.Logf("mean return: random init %.3f, trained deterministic %.4f, log σ %v", mb, ma, m.LogStd())
	if ma < -0.02 || mb > -0.5 {
		t.Errorf("Gaussian policy did not learn a = x: before %.3f, after %.4f", mb, ma)
	}
}

func TestMultiCategoricalPolicyLearns(t *testing.T) {
	v := newVec(t, 8, newMatchEnv)
	cfg := DefaultConfig()
	cfg.Seed = 3
	cfg.LearningRate = 3e-3
	m := newModel(t, v, cfg)
	if err := m.Learn(context.Background(), v, 20_000); err != nil {
		t.Fatal(err)
	}
	e, _ := newMatchEnv()
	rets, _, _ := Evaluate(context.Background(), m, e, 100, true, 1)
	mean, _ := meanStd(rets)
	if mean < 1.99 {
		t.Errorf("mean return %v, want 2 (random policy: 2/3)", mean)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func() (env.Env, error)
		opt  string
	}{
		{"cartpole rmsprop", func() (env.Env, error) { return cartpole.New(cartpole.Config{}) }, RMSprop},
		{"gaussian adam", newReachEnv, Adam},
		{"multidiscrete", newMatchEnv, RMSprop},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newVec(t, 2, tc.make)
			vn, err := env.NewVecNormalize(v, env.VecNormalizeConfig{})
			if err != nil {
				t.Fatal(err)
			}
			cfg := DefaultConfig()
			cfg.Optimizer = tc.opt
			cfg.Seed = 5
			m := newModel(t, vn, cfg)
			if err := m.Learn(context.Background(), vn, 2000); err != nil {
				t.Fatal(err)
			}
			if m.ObsNormalizer() == nil {
				t.Fatal("model trained on VecNormalize has no observation normalizer")
			}
			var buf bytes.Buffer
			if err := m.Save(&buf); err != nil {
				t.Fatal(err)
			}
			l, err := Load(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(m.params, l.params) || !cmp.Equal(m.opt, l.opt, cmp.AllowUnexported(optimizers...)) {
				t.Fatal("parameters or optimizer state differ after a round trip")
			}
			if !cmp.Equal(m.obsNorm, l.obsNorm) || l.NumTimesteps() != m.NumTimesteps() || l.Config().Seed != 5 {
				t.Fatal("normalizer, timesteps or config differ after a round trip")
			}
			obs := []float64{0.1, 0.2, 0.3, 0.4}[:m.obsSpace.Dim()]
			a1, _ := m.Predict(obs, true)
			a1 = append([]float64(nil), a1...)
			a2, _ := l.Predict(obs, true)
			v1, _ := m.Value(obs)
			v2, _ := l.Value(obs)
			if !cmp.Equal(a1, a2) || v1 != v2 {
				t.Fatalf("predictions differ: %v/%v vs %v/%v", a1, v1, a2, v2)
			}
		})
	}
}

func TestLoadRejectsOtherVersions(t *testing.T) {
	v := cartPoleVec(t, 1)
	m := newModel(t, v, DefaultConfig())
	var buf bytes.Buffer
	m.Save(&buf)
	s := strings.Replace(buf.String(), `"version":1`, `"version":2`, 1)
	if _, err := Load(strings.NewReader(s)); err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("Load of version 2: %v", err)
	}
	if _, err := Load(strings.NewReader(`{"format":"other"}`)); err == nil {
		t.Error("other format accepted")
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		field string
		mod   func(*Config)
	}{
		{"LearningRate", func(c *Config) { c.LearningRate = 0 }},
		{"NSteps", func(c *Config) { c.NSteps = 0 }},
		{"Gamma", func(c *Config) { c.Gamma = 1.5 }},
		{"GAELambda", func(c *Config) { c.GAELambda = -0.1 }},
		{"EntCoef", func(c *Config) { c.EntCoef = math.NaN() }},
		{"MaxGradNorm", func(c *Config) { c.MaxGradNorm = 0 }},
		{"Optimizer", func(c *Config) { c.Optimizer = "sgd" }},
		{"PolicyNet[1]", func(c *Config) { c.PolicyNet = []int{64, 0} }},
	}
	for _, tc := range tests {
		c := DefaultConfig()
		tc.mod(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: Validate = %v", tc.field, err)
		}
	}
	c := DefaultConfig()
	c.LearningRate = 0
	c.LRSchedule = LinearSchedule(1e-3, 0)
	if err := c.Validate(); err != nil {
		t.Errorf("a schedule without LearningRate: %v", err)
	}
}

func TestLinearScheduleAndCallbacks(t *testing.T) {
	v := cartPoleVec(t, 2)
	cfg := DefaultConfig()
	cfg.LRSchedule = LinearSchedule(1e-3, 0)
	m := newModel(t, v, cfg)
	var lrs []float64
	var log bytes.Buffer
	dir := t.TempDir()
	ev := &Eval{Env: mustCartPole(t), EveryTimesteps: 1000, Episodes: 2, Log: &log, BestModelPath: filepath.Join(dir, "best.json")}
	ck := &Checkpoint{Dir: dir, EveryTimesteps: 2000}
	err := m.Learn(context.Background(), v, 5000, CallbackFunc(func(p *Progress) error {
		lrs = append(lrs, p.LearningRate)
		return nil
	}), Logger(&log, 100), ev, ck)
	if err != nil {
		t.Fatal(err)
	}
	if len(lrs) != 500 || math.Abs(lrs[0]-1e-3*(1-10.0/5000)) > 1e-12 || lrs[len(lrs)-1] != 0 {
		t.Errorf("learning rates: %d updates, first %v, last %v", len(lrs), lrs[0], lrs[len(lrs)-1])
	}
	if len(ev.Results) != 5 || !strings.Contains(log.String(), "ep_rew_mean") || !strings.Contains(log.String(), "eval steps=1000") {
		t.Errorf("eval results %d, log:\n%s", len(ev.Results), log.String())
	}
	for _, f := range []string{"best.json", "a2c_2000_steps.json", "a2c_4000_steps.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
}

func mustCartPole(t testing.TB) env.Env {
	e, err := cartpole.New(cartpole.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestStopAndCancel(t *testing.T) {
	v := cartPoleVec(t, 2)
	m := newModel(t, v, DefaultConfig())
	n := 0
	err := m.Learn(context.Background(), v, 100_000, CallbackFunc(func(p *Progress) error {
		n++
		if n == 3 {
			return ErrStop
		}
		return nil
	}))
	if err != nil || m.NumTimesteps() != 30 {
		t.Fatalf("ErrStop: err %v, timesteps %d, want nil and 30", err, m.NumTimesteps())
	}
	boom := errors.New("boom")
	if err := m.Learn(context.Background(), v, 100, CallbackFunc(func(*Progress) error { return boom })); !errors.Is(err, boom) {
		t.Fatalf("callback error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Learn(ctx, v, 100); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

func TestPredictAndTrainingDoNotAllocate(t *testing.T) {
	v := cartPoleVec(t, 8)
	m := newModel(t, v, DefaultConfig())
	if err := m.Learn(context.Background(), v, 400); err != nil {
		t.Fatal(err)
	}
	obs := []float64{0.01, -0.02, 0.03, 0.04}
	if a := testing.AllocsPerRun(1000, func() { m.Predict(obs, true) }); a != 0 {
		t.Errorf("Predict deterministic: %v allocs", a)
	}
	if a := testing.AllocsPerRun(1000, func() { m.Predict(obs, false) }); a != 0 {
		t.Errorf("Predict stochastic: %v allocs", a)
	}
	var p Progress
	// AllocsPerRun rounds the average down, so count every allocation of 300 updates
	// (hundreds of episodes end in them) one run at a time. The count is the process's: on a
	// loaded machine the runtime has once been seen to add a stray allocation to one of 300
	// updates, so a run of 300 may be repeated, up to three times; an allocation in the code
	// shows in every run.
	var totals []float64
	for range 3 {
		total := 0.0
		for i := 0; i < 300; i++ {
			total += testing.AllocsPerRun(1, func() {
				if err := m.collect(); err != nil {
					t.Fatal(err)
				}
				m.train(0.5, &p)
			})
		}
		if total == 0 {
			return
		}
		totals = append(totals, total)
	}
	t.Errorf("300 rollouts + updates, three times: %v allocations", totals)
}

func TestLearnRejectsMismatchedEnv(t *testing.T) {
	m := newModel(t, cartPoleVec(t, 1), DefaultConfig())
	if err := m.Learn(context.Background(), newVec(t, 1, newMatchEnv), 10); err == nil {
		t.Error("env with other spaces accepted")
	}
	if _, err := m.Predict([]float64{1, 2}, true); err == nil {
		t.Error("short observation accepted")
	}
}

func TestCloneIsIndependent(t *testing.T) {
	v := cartPoleVec(t, 2)
	cfg := DefaultConfig()
	cfg.LRSchedule = LinearSchedule(1e-3, 0)
	m := newModel(t, v, cfg)
	if err := m.Learn(context.Background(), v, 500); err != nil {
		t.Fatal(err)
	}
	c, err := m.Clone()
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(m.params, c.params) || c.cfg.LRSchedule == nil {
		t.Fatal("clone differs from the original")
	}
	c.params[0] += 1
	if m.params[0] == c.params[0] {
		t.Fatal("clone shares parameters with the original")
	}
}

func TestPredictBatchMatchesPredict(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func() (env.Env, error)
	}{
		{"cartpole", func() (env.Env, error) { return cartpole.New(cartpole.Config{}) }},
		{"multidiscrete", newMatchEnv},
		{"gaussian", newReachEnv},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newVec(t, 2, tc.make)
			vn, _ := env.NewVecNormalize(v, env.VecNormalizeConfig{})
			m := newModel(t, vn, DefaultConfig())
			if err := m.Learn(context.Background(), vn, 1000); err != nil {
				t.Fatal(err)
			}
			d, a := m.obsSpace.Dim(), m.actDim
			const n = 7
			obs := make([]float64, n*d)
			for i := range obs {
				obs[i] = float64(i%5) * 0.2
			}
			got := make([]float64, n*a)
			if err := m.PredictBatch(got, obs, true); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				want, _ := m.Predict(obs[i*d:(i+1)*d], true)
				if !cmp.Equal(want, got[i*a:(i+1)*a]) {
					t.Fatalf("row %d: batch %v, single %v", i, got[i*a:(i+1)*a], want)
				}
			}
			if err := m.PredictBatch(got[:1], obs, true); err == nil {
				t.Error("short dst accepted")
			}
		})
	}
}

func TestPeriodDue(t *testing.T) {
	// Updates of 40 steps with a period of 100: the first call (at 40) only schedules
	// 100; then due at the first update at or past each multiple, once per update even
	// when it passes two multiples.
	for _, tc := range []struct {
		name  string
		every int64
		steps []int64
		want  []bool
	}{
		{"updates smaller than the period", 100, []int64{40, 80, 120, 160, 200, 240}, []bool{false, false, true, false, true, false}},
		{"first call on a multiple", 100, []int64{100, 150, 200}, []bool{false, false, true}},
		{"update spanning two multiples", 100, []int64{50, 320, 350, 400}, []bool{false, true, false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var q period
			var got []bool
			for _, s := range tc.steps {
				got = append(got, q.due(s, tc.every))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("due (-want +got):\n%s", diff)
			}
		})
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestCallbacksReportWriteErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cb   Callback
	}{
		{"Logger", Logger(failWriter{}, 1)},
		{"Eval", &Eval{Env: mustCartPole(t), EveryTimesteps: 10, Episodes: 1, Log: failWriter{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := cartPoleVec(t, 2)
			m := newModel(t, v, DefaultConfig())
			err := m.Learn(context.Background(), v, 100, tc.cb)
			if err == nil || !strings.Contains(err.Error(), "disk full") {
				t.Errorf("Learn = %v, want the write error", err)
			}
		})
	}
}

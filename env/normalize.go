package env

import (
	"fmt"
	"math"
)

// VecNormalizeConfig configures [NewVecNormalize]. Zero fields take SB3's VecNormalize
// defaults; use the Disable fields to switch a part off.
type VecNormalizeConfig struct {
	// DisableObs turns observation normalization off (SB3 norm_obs=False).
	DisableObs bool
	// DisableReward turns reward normalization off (SB3 norm_reward=False).
	DisableReward bool
	// ClipObs bounds normalized observations to [-ClipObs, ClipObs]; 0 means 10.
	ClipObs float64
	// ClipReward bounds normalized rewards to [-ClipReward, ClipReward]; 0 means 10.
	ClipReward float64
	// Gamma is the discount of the return whose variance scales rewards; 0 means 0.99.
	// Match it to the learner's discount.
	Gamma float64
	// Epsilon avoids division by zero; 0 means 1e-8.
	Epsilon float64
}

// VecNormalize normalizes the observations and rewards of a VecEnv with running
// statistics, exactly like SB3's VecNormalize:
//
//	obs    ← clip((obs − μ_obs)/√(σ²_obs + ε), ±ClipObs)
//	R      ← γ·R + r   (per env, reset to 0 when its episode ends)
//	reward ← clip(r/√(σ²_R + ε), ±ClipReward)
//
// While Training is true (the default) each Reset and Step first updates the statistics
// with the raw batch. FinalObs is normalized too. Set Training to false for evaluation.
type VecNormalize struct {
	inner VecEnv
	cfg   VecNormalizeConfig
	// Training controls whether the running statistics are updated.
	Training bool

	obsRMS, retRMS *RunningMeanStd
	returns        []float64
	rawObs         []float64
	rawRewards     []float64
	obs, finalObs  []float64
	rewards        []float64
}

var _ VecEnv = (*VecNormalize)(nil)

// NewVecNormalize wraps v. Its observation space must be a Box.
func NewVecNormalize(v VecEnv, cfg VecNormalizeConfig) (*VecNormalize, error) {
	if v == nil {
		return nil, fmt.Errorf("env: VecNormalize: VecEnv is nil")
	}
	if _, ok := v.ObservationSpace().(*Box); !ok && !cfg.DisableObs {
		return nil, fmt.Errorf("env: VecNormalize: observation space is %v, need a Box", v.ObservationSpace())
	}
	for _, f := range []struct {
		name string
		p    *float64
		def  float64
	}{{"ClipObs", &cfg.ClipObs, 10}, {"ClipReward", &cfg.ClipReward, 10}, {"Gamma", &cfg.Gamma, 0.99}, {"Epsilon", &cfg.Epsilon, 1e-8}} {
		if *f.p == 0 {
			*f.p = f.def
		}
		if *f.p < 0 || math.IsNaN(*f.p) || math.IsInf(*f.p, 0) {
			return nil, fmt.Errorf("env: VecNormalize %s = %v, must be a positive finite number", f.name, *f.p)
		}
	}
	if cfg.Gamma > 1 {
		return nil, fmt.Errorf("env: VecNormalize Gamma = %v, must be in (0, 1]", cfg.Gamma)
	}
	n, d := v.NumEnvs(), v.ObservationSpace().Dim()
	return &VecNormalize{
		inner: v, cfg: cfg, Training: true,
		obsRMS: NewRunningMeanStd(d), retRMS: NewRunningMeanStd(1),
		returns: make([]float64, n), rawObs: make([]float64, n*d), rawRewards: make([]float64, n),
		obs: make([]float64, n*d), finalObs: make([]float64, n*d), rewards: make([]float64, n),
	}, nil
}

// NumEnvs returns the wrapped VecEnv's count.
func (v *VecNormalize) NumEnvs() int { return v.inner.NumEnvs() }

// ObservationSpace returns the wrapped observation space (normalized values may lie
// outside it; they lie within ±ClipObs).
func (v *VecNormalize) ObservationSpace() Space { return v.inner.ObservationSpace() }

// ActionSpace returns the wrapped action space.
func (v *VecNormalize) ActionSpace() Space { return v.inner.ActionSpace() }

// Unwrap returns the wrapped VecEnv.
func (v *VecNormalize) Unwrap() VecEnv { return v.inner }

// Reset resets the wrapped VecEnv and the discounted returns.
func (v *VecNormalize) Reset(seed Seed) ([]float64, error) {
	obs, err := v.inner.Reset(seed)
	if err != nil {
		return nil, err
	}
	clear(v.returns)
	copy(v.rawObs, obs)
	if v.Training && !v.cfg.DisableObs {
		if err := v.obsRMS.Update(obs, v.inner.NumEnvs()); err != nil {
			return nil, err
		}
	}
	if err := v.normObs(v.obs, obs); err != nil {
		return nil, err
	}
	return v.obs, nil
}

// Step steps the wrapped VecEnv and normalizes its output.
func (v *VecNormalize) Step(actions []float64) (VecStep, error) {
	s, err := v.inner.Step(actions)
	if err != nil {
		return s, err
	}
	n := v.inner.NumEnvs()
	copy(v.rawObs, s.Obs)
	copy(v.rawRewards, s.Rewards)
	if v.Training && !v.cfg.DisableObs {
		if err := v.obsRMS.Update(s.Obs, n); err != nil {
			return s, err
		}
	}
	if err := v.normObs(v.obs, s.Obs); err != nil {
		return s, err
	}
	if v.Training {
		for i, r := range s.Rewards {
			v.returns[i] = v.returns[i]*v.cfg.Gamma + r
		}
		if err := v.retRMS.Update(v.returns, n); err != nil {
			return s, err
		}
	}
	if v.cfg.DisableReward {
		copy(v.rewards, s.Rewards)
	} else {
		sd := math.Sqrt(v.retRMS.Var[0] + v.cfg.Epsilon)
		for i, r := range s.Rewards {
			v.rewards[i] = min(max(r/sd, -v.cfg.ClipReward), v.cfg.ClipReward)
		}
	}
	d := len(v.obs) / n
	for i := 0; i < n; i++ {
		if s.Done(i) {
			if err := v.normObs(v.finalObs[i*d:(i+1)*d], s.FinalObs[i*d:(i+1)*d]); err != nil {
				return s, err
			}
			v.returns[i] = 0
		}
	}
	s.Obs, s.Rewards, s.FinalObs = v.obs, v.rewards, v.finalObs
	return s, nil
}

func (v *VecNormalize) normObs(dst, src []float64) error {
	if v.cfg.DisableObs {
		copy(dst, src)
		return nil
	}
	o := ObsNormalizer{Stats: v.obsRMS, Clip: v.cfg.ClipObs, Epsilon: v.cfg.Epsilon}
	return o.Normalize(dst, src)
}

// OriginalObs returns the raw observations of the last Reset or Step (SB3 get_original_obs).
func (v *VecNormalize) OriginalObs() []float64 { return v.rawObs }

// OriginalRewards returns the raw rewards of the last Step (SB3 get_original_reward).
func (v *VecNormalize) OriginalRewards() []float64 { return v.rawRewards }

// ObsNormalizer returns a frozen copy of the current observation normalization, or nil
// if observations are not normalized. Models keep it to act on raw observations.
func (v *VecNormalize) ObsNormalizer() *ObsNormalizer {
	if v.cfg.DisableObs {
		return nil
	}
	return &ObsNormalizer{Stats: v.obsRMS.Clone(), Clip: v.cfg.ClipObs, Epsilon: v.cfg.Epsilon}
}

// NormStats is the state of a VecNormalize, to save and restore (SB3 saves it as
// vec_normalize.pkl).
type NormStats struct {
	// Obs holds the observation statistics (SB3 obs_rms).
	Obs *RunningMeanStd `json:"obs_rms"`
	// Return holds the statistics of the discounted return (SB3 ret_rms).
	Return *RunningMeanStd `json:"ret_rms"`
	// Config is the VecNormalize configuration, defaults filled in.
	Config VecNormalizeConfig `json:"config"`
}

// Stats returns a deep copy of the running statistics and the configuration.
func (v *VecNormalize) Stats() NormStats {
	return NormStats{Obs: v.obsRMS.Clone(), Return: v.retRMS.Clone(), Config: v.cfg}
}

// SetStats restores running statistics saved with Stats (the configuration is not changed).
func (v *VecNormalize) SetStats(s NormStats) error {
	if s.Obs == nil || s.Return == nil {
		return fmt.Errorf("env: VecNormalize.SetStats: missing obs or return statistics")
	}
	if len(s.Obs.Mean) != len(v.obsRMS.Mean) || len(s.Obs.Var) != len(s.Obs.Mean) || len(s.Return.Mean) != 1 || len(s.Return.Var) != 1 {
		return fmt.Errorf("env: VecNormalize.SetStats: statistics have dimension %d, env has %d", len(s.Obs.Mean), len(v.obsRMS.Mean))
	}
	for _, st := range []*RunningMeanStd{s.Obs, s.Return} {
		o := ObsNormalizer{Stats: st, Clip: v.cfg.ClipObs, Epsilon: v.cfg.Epsilon}
		if err := o.Validate(); err != nil {
			return fmt.Errorf("env: VecNormalize.SetStats: %w", err)
		}
		if !(st.Count > 0) || math.IsInf(st.Count, 0) {
			return fmt.Errorf("env: VecNormalize.SetStats: Count = %v, want a finite value > 0", st.Count)
		}
	}
	v.obsRMS, v.retRMS = s.Obs.Clone(), s.Return.Clone()
	return nil
}

// SyncObsNormalizer copies the current observation statistics into dst (allocating it
// if nil) and returns it; it returns nil if observations are not normalized. Unlike
// ObsNormalizer it does not allocate once dst exists, so learners call it every update.
func (v *VecNormalize) SyncObsNormalizer(dst *ObsNormalizer) *ObsNormalizer {
	if v.cfg.DisableObs {
		return nil
	}
	if dst == nil || dst.Stats == nil || len(dst.Stats.Mean) != len(v.obsRMS.Mean) {
		return v.ObsNormalizer()
	}
	copy(dst.Stats.Mean, v.obsRMS.Mean)
	copy(dst.Stats.Var, v.obsRMS.Var)
	dst.Stats.Count, dst.Clip, dst.Epsilon = v.obsRMS.Count, v.cfg.ClipObs, v.cfg.Epsilon
	return dst
}

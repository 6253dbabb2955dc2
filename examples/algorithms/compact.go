package main

import (
	"strings"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/env/lambdaenv"
	"github.com/lambdatune/lambdatune/policy"
)

// compactFeatures are the features of the tuning env's observation (policy.Encoder, with the forecast
// features and a horizon of 3) that the compact agents see: how much load there is, how much of
// the warm capacity is provisioned, how many requests miss the SLO and how much load the forecast
// says is coming. Each is clipped to the range Q-learning bins it over, which holds about 99 % of
// the values a random policy meets.
func compactFeatures() []feature {
	return []feature{
		{0, "load log2(1 + erlangs)/4", 0, 1.5},
		{3, "provisioned share of warm capacity", 0, 1},
		{6, "SLO-miss rate log10(r + 1e-4) + 4", 0, 4},
		{19, "forecast peak over warm capacity", 0, 1},
	}
}

// feature is one feature of the Encoder's observation and the range it is clipped to.
type feature struct {
	index     int
	name      string
	low, high float64
}

func compactNames() string {
	fs := compactFeatures()
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	return strings.Join(names, "; ")
}

// pick writes the features fs of the full observation into dst.
func pick(dst, full []float64, fs []feature) []float64 {
	for i, f := range fs {
		dst[i] = min(max(full[f.index], f.low), f.high)
	}
	return dst
}

// compactEnv is the tuning env seen through the compact features: a Box of their ranges.
type compactEnv struct {
	env.Env
	box   *env.Box
	obs   []float64
	feats []feature
}

func newCompactEnv() (*compactEnv, error) {
	e, err := lambdaenv.New(environment())
	if err != nil {
		return nil, err
	}
	fs := compactFeatures()
	low, high := make([]float64, len(fs)), make([]float64, len(fs))
	for i, f := range fs {
		low[i], high[i] = f.low, f.high
	}
	box, err := env.NewBox(low, high)
	if err != nil {
		return nil, err
	}
	return &compactEnv{Env: e, box: box, obs: make([]float64, len(fs)), feats: fs}, nil
}

func (c *compactEnv) ObservationSpace() env.Space { return c.box }

func (c *compactEnv) Reset(seed env.Seed) ([]float64, env.Info, error) {
	obs, info, err := c.Env.Reset(seed)
	if err != nil {
		return nil, nil, err
	}
	return pick(c.obs, obs, c.feats), info, nil
}

func (c *compactEnv) Step(action []float64) (env.StepResult, error) {
	r, err := c.Env.Step(action)
	if err != nil {
		return r, err
	}
	r.Obs = pick(c.obs, r.Obs, c.feats)
	return r, nil
}

// compactPredictor is an agent of the compact observation as a predictor of the full one.
func compactPredictor(predict func(compactObs []float64) ([]float64, error)) policy.Predictor {
	fs := compactFeatures()
	buf := make([]float64, len(fs))
	return policy.PredictorFunc(func(obs []float64) ([]float64, error) { return predict(pick(buf, obs, fs)) })
}

package policy

import (
	"context"
	"fmt"

	"github.com/lambdatune/lambdatune"
)

// Predictor is what a trained agent offers: the action for an encoded observation. An rl/qlearn
// Agent is one as it is; for an rl/a2c Model use PredictorFunc with its deterministic Predict:
//
//	policy.PredictorFunc(func(obs []float64) ([]float64, error) { return m.Predict(obs, true) })
type Predictor interface {
	Predict(obs []float64) ([]float64, error)
}

// PredictorFunc adapts a function to the Predictor interface.
type PredictorFunc func(obs []float64) ([]float64, error)

// Predict calls f.
func (f PredictorFunc) Predict(obs []float64) ([]float64, error) { return f(obs) }

// Agent is a trained agent as a lambdatune.Policy: every interval it encodes the observation
// (Encoder), asks the Predictor for an action and maps it onto a configuration (ActionSet). With
// the encoder's Forecast features it is the "hybrid" strategy, without them "rl-only".
type Agent struct {
	predictor Predictor
	encoder   Encoder
	actions   ActionSet
	buf       []float64
}

// NewAgent returns the policy. It keeps the action set's state and an observation buffer, so one
// Agent serves one tuner.
func NewAgent(p Predictor, enc Encoder, actions ActionSet) (*Agent, error) {
	if p == nil || actions == nil {
		return nil, fmt.Errorf("policy: NewAgent: nil predictor or action set")
	}
	if err := enc.Validate(); err != nil {
		return nil, err
	}
	actions.Reset(enc.BaseMemoryMB)
	return &Agent{predictor: p, encoder: enc, actions: actions, buf: make([]float64, enc.Dim())}, nil
}

// Decide encodes obs, predicts and maps the action. Before the first interval has been observed
// it keeps the configuration.
func (a *Agent) Decide(_ context.Context, obs lambdatune.Observation) (lambdatune.Decision, error) {
	if len(obs.History) == 0 {
		return lambdatune.Decision{Config: obs.Current, Reason: "agent: nothing observed yet"}, nil
	}
	if err := a.encoder.Encode(a.buf, obs); err != nil {
		return lambdatune.Decision{}, err
	}
	act, err := a.predictor.Predict(a.buf)
	if err != nil {
		return lambdatune.Decision{}, fmt.Errorf("policy: agent: %w", err)
	}
	c, err := a.actions.Config(act, obs)
	if err != nil {
		return lambdatune.Decision{}, fmt.Errorf("policy: agent: %w", err)
	}
	return lambdatune.Decision{Config: c, Reason: fmt.Sprintf("agent: action %v", act)}, nil
}

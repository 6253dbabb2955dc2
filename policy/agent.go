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

// DefaultEvery is how many intervals a trained agent's action stands for, an hour of one-minute
// intervals: the agent chooses the headroom level and the memory rung every hour, and the predictive
// sizing under the Headroom action set turns the level into provisioned concurrency every minute.
// The tuning environment's agents (env/lambdaenv.AgentConfig) are trained with it and the harness
// runs them with it.
const DefaultEvery = 60

// Agent is a trained agent as a lambdatune.Policy: every interval it encodes the observation
// (Encoder), asks the Predictor for an action and maps it onto a configuration (ActionSet). With
// the encoder's Forecast features it is the "hybrid" strategy, without them "rl-only".
type Agent struct {
	predictor Predictor
	encoder   Encoder
	actions   ActionSet
	buf       []float64
	every     int       // intervals an action stands for
	decided   int       // decisions made since the last new action
	act       []float64 // the action in force
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
	return &Agent{predictor: p, encoder: enc, actions: actions, buf: make([]float64, enc.Dim()), every: 1}, nil
}

// SetEvery makes the agent choose a new action every k intervals (k ≥ 1; 1 by default) and map
// the one in force afresh in between, as the tuning environment does with Config.Every: an agent
// trained with Every k must run with SetEvery(k).
func (a *Agent) SetEvery(k int) error {
	if k < 1 {
		return fmt.Errorf("policy: Agent.SetEvery(%d), want k >= 1", k)
	}
	a.every, a.decided = k, 0
	return nil
}

// Decide encodes obs, predicts and maps the action. Before the first interval has been observed
// it keeps the configuration.
func (a *Agent) Decide(_ context.Context, obs lambdatune.Observation) (lambdatune.Decision, error) {
	if len(obs.History) == 0 {
		return lambdatune.Decision{Config: obs.Current, Reason: "agent: nothing observed yet"}, nil
	}
	if a.act == nil || a.decided%a.every == 0 {
		if err := a.encoder.Encode(a.buf, obs); err != nil {
			return lambdatune.Decision{}, err
		}
		act, err := a.predictor.Predict(a.buf)
		if err != nil {
			return lambdatune.Decision{}, fmt.Errorf("policy: agent: %w", err)
		}
		a.act, a.decided = append(a.act[:0], act...), 0
	}
	a.decided++
	act := a.act
	c, err := a.actions.Config(act, obs)
	if err != nil {
		return lambdatune.Decision{}, fmt.Errorf("policy: agent: %w", err)
	}
	return lambdatune.Decision{Config: c, Reason: fmt.Sprintf("agent: action %v", act)}, nil
}

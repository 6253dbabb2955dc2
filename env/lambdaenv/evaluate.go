package lambdaenv

import (
	"errors"
	"fmt"
	"math"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/harness"
)

// Evaluation is a policy's mean over held-out episodes of the tuning environment: its return and
// what the Objective makes of each episode.
type Evaluation struct {
	// Return is the mean undiscounted return per episode.
	Return float64
	// Loss, CostPerMillion and ViolationPct are the means over episodes of the Objective's loss, the
	// bill in USD per million requests and the share of requests that violated the SLO, in %.
	Loss, CostPerMillion, ViolationPct float64
}

// Evaluate plays act for the given number of episodes of the environment cfg describes, the first
// seeded with seed and the next continuing its stream (harness.Play), so that every policy evaluated
// with the same seed meets the same days; a seed training did not use makes them held out.
func Evaluate(cfg Config, act func(obs []float64) ([]float64, error), episodes int, seed uint64) (Evaluation, error) {
	if episodes < 1 {
		return Evaluation{}, fmt.Errorf("lambdaenv: Evaluate: episodes = %d, want >= 1", episodes)
	}
	e, err := New(cfg)
	if err != nil {
		return Evaluation{}, err
	}
	rets, sums, err := harness.Play(e, act, episodes, seed, InfoCost, InfoRequests, InfoViolations)
	if err != nil {
		return Evaluation{}, err
	}
	n := float64(episodes)
	var ev Evaluation
	for i, ret := range rets {
		// The Objective needs the bill's total only, not its split.
		s := lambdatune.Score{Requests: int64(sums[i][1]), Violations: int64(sums[i][2]), Cost: lambdatune.Cost{Duration: sums[i][0]}}
		ev.Return += ret / n
		ev.Loss += e.cfg.Objective.Loss(s) / n
		ev.CostPerMillion += s.CostPerMillion() / n
		ev.ViolationPct += 100 * s.ViolationRate() / n
	}
	if math.IsNaN(ev.Return) {
		return ev, errors.New("lambdaenv: Evaluate: the mean return is NaN")
	}
	return ev, nil
}

package policy

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/lambdatune/lambdatune"
)

// Random returns a policy that picks one of choices uniformly at random every interval, from its
// own generator seeded with seed: the floor a learned agent must be shown to beat. The same seed
// gives the same choices.
func Random(choices []lambdatune.Config, seed uint64) (lambdatune.Policy, error) {
	if len(choices) == 0 {
		return nil, fmt.Errorf("policy: Random: no choices, want at least one configuration")
	}
	for i, c := range choices {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("policy: Random: choice %d: %w", i, err)
		}
	}
	choices = append([]lambdatune.Config(nil), choices...)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	return lambdatune.PolicyFunc(func(context.Context, lambdatune.Observation) (lambdatune.Decision, error) {
		i := rng.IntN(len(choices))
		return lambdatune.Decision{Config: choices[i], Reason: fmt.Sprintf("random: choice %d", i)}, nil
	}), nil
}

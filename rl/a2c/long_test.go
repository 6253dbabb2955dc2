package a2c

import (
	"context"
	"os"
	"testing"
)

// TestA2CCartPoleSeeds is the long sample-efficiency study: 5 seeds × 500k steps with
// rl-zoo's CartPole-v1 settings; it reports when each seed's mean return over the last
// 100 episodes first reaches 475 (SB3: 126k–161k steps, median 152k) and fails if a
// seed never does. It runs only with A2C_LONG=1:
//
//	A2C_LONG=1 go test ./rl/a2c -run TestA2CCartPoleSeeds -v -timeout 30m
//
// examples/cartpole runs the same study and also writes the learning curves.
func TestA2CCartPoleSeeds(t *testing.T) {
	if os.Getenv("A2C_LONG") == "" {
		t.Skip("set A2C_LONG=1 to run the 5 seeds × 500k steps study")
	}
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run("seed"+string(rune('0'+seed)), func(t *testing.T) {
			t.Parallel()
			v := cartPoleVec(t, 8)
			cfg := DefaultConfig()
			cfg.Seed = seed
			m := newModel(t, v, cfg)
			first := int64(-1)
			var window []float64
			err := m.Learn(context.Background(), v, 500_000, CallbackFunc(func(p *Progress) error {
				for _, ep := range p.NewEpisodes {
					if len(window) == 100 {
						window = window[1:]
					}
					window = append(window, ep.Return)
					var s float64
					for _, x := range window {
						s += x
					}
					if len(window) == 100 && s/100 >= 475 && first < 0 {
						first = ep.Timestep
					}
				}
				return nil
			}))
			if err != nil {
				t.Fatal(err)
			}
			if first < 0 {
				t.Fatalf("seed %d never reached a mean return of 475 in 500k steps", seed)
			}
			t.Logf("seed %d first reached 475 at step %d; final mean of last 100: %.1f", seed, first, mean(window))
		})
	}
}

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v / float64(len(x))
	}
	return s
}

package lambdasim

import (
	"math"
	"testing"
	"time"
)

func TestSimFaaSParity(t *testing.T) {
	// SimFaaS README example (github.com/pacslab/simfaas): λ = 0.9/s, 10^6 simulated seconds, three
	// independent seeds, each held to the tolerance.
	for seed := uint64(1); seed <= 3; seed++ {
		s := mustNew(t, Options{Interval: 1000 * time.Second, Seed: seed},
			Deployment{Function: simfaasFunction(), Config: bigConfig(), Arrivals: newPoisson(0.9, seed)})
		runFor(t, s, 1000) // 10^6 s
		st := s.Stats(0)
		pc, inst := st.ColdStartRate(), st.MeanInstances()
		t.Logf("seed %d: P(cold) = %.5f (SimFaaS 0.0014), mean instances = %.3f (SimFaaS 7.7), invocations %d, throttles %d",
			seed, pc, inst, st.Invocations, st.Throttles)
		if math.Abs(pc-0.0014)/0.0014 > 0.10 {
			t.Errorf("seed %d: P(cold) = %.5f, want 0.0014 ± 10 %%", seed, pc)
		}
		if math.Abs(inst-7.7)/7.7 > 0.03 {
			t.Errorf("seed %d: mean instances = %.3f, want 7.7 ± 3 %%", seed, inst)
		}
		if st.Throttles != 0 {
			t.Errorf("seed %d: throttles = %d, want 0", seed, st.Throttles)
		}
	}
}

package lambdasim

import (
	"math"
	"testing"
	"time"
)

func TestSimFaaSParity(t *testing.T) {
	// SimFaaS README example (github.com/pacslab/simfaas): λ = 0.9/s, 10^6 simulated seconds.
	s := mustNew(t, Options{Interval: 1000 * time.Second, Seed: 1},
		Deployment{Function: simfaasFunction(), Config: bigConfig(), Arrivals: newPoisson(0.9, 1)})
	runFor(t, s, 1000) // 10^6 s
	st := s.Stats(0)
	pc, inst := st.ColdStartRate(), st.MeanInstances()
	t.Logf("P(cold) = %.5f (SimFaaS 0.0014), mean instances = %.3f (SimFaaS 7.7), invocations %d, throttles %d",
		pc, inst, st.Invocations, st.Throttles)
	if math.Abs(pc-0.0014)/0.0014 > 0.10 {
		t.Errorf("P(cold) = %.5f, want 0.0014 ± 10 %%", pc)
	}
	if math.Abs(inst-7.7)/7.7 > 0.03 {
		t.Errorf("mean instances = %.3f, want 7.7 ± 3 %%", inst)
	}
	if st.Throttles != 0 {
		t.Errorf("throttles = %d, want 0", st.Throttles)
	}
}

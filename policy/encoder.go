package policy

import (
	"fmt"
	"math"
	"time"

	"github.com/lambdatune/lambdatune"
)

// Encoder turns what a policy sees (a lambdatune.Observation) into the vector a learned agent
// reads. Training (env/lambdaenv) and deployment (Agent in a Tuner) use the same Encoder, so an
// agent trained on the simulator sees the same features on AWS.
//
// The features are scale-free: load is measured in erlangs (requests per second × mean duration,
// the number of environments it keeps busy), so a function at 0.1 request/s with 10 s invocations
// and one at 1,000 requests/s with 1 ms ones look alike, as they are alike to Lambda's queueing.
// In order, every feature bounded to about [−4, 4]:
//
//	0      log2(1 + erlangs of the last interval) / 4                  (how much concurrency)
//	       (erlangs use the invocation-weighted mean duration of the last hour)
//	1      log2((requests of the last interval + 1) / (mean of the last hour + 1))   (trend)
//	2      peak concurrency of the last interval / (warm capacity + 1)
//	3      provisioned environments / (warm capacity + 1)
//	4      provisioned utilization of the last interval (Maximum)
//	5–8    log10 of the last interval's cold-start, SLO-miss, throttle and error rates (+1e-4), + 4
//	9–10   log2 of the last interval's p95 and p99 latency over the SLO
//	11     log2(memory / BaseMemoryMB)
//	12–15  time of day and day of week as sine and cosine
//	16…    with Forecast: for each of the Horizon forecast intervals, log2((forecast + 1) /
//	       (last requests + 1)); then the forecast's peak in erlangs over (warm capacity + 1)
//
// Warm capacity is the provisioned environments plus the on-demand ones still warm: the largest
// on-demand concurrency of the last KeepAlive.
type Encoder struct {
	// SLO is the function's latency bound (> 0).
	SLO time.Duration
	// BaseMemoryMB is the memory size feature 11 is relative to (for example the Power Tuning
	// sweep's choice).
	BaseMemoryMB int
	// Forecast includes the forecast features ("hybrid"); without it the agent sees history only
	// ("rl-only").
	Forecast bool
	// Horizon is the number of forecast intervals encoded (≥ 1 with Forecast).
	Horizon int
	// KeepAlive is how long on-demand environments stay warm (10 minutes on AWS).
	KeepAlive time.Duration
}

// Validate reports an error naming the field when the encoder cannot work.
func (e Encoder) Validate() error {
	switch {
	case e.SLO <= 0:
		return fmt.Errorf("policy: Encoder.SLO = %v, want > 0", e.SLO)
	case e.BaseMemoryMB < lambdatune.MinMemoryMB || e.BaseMemoryMB > lambdatune.MaxMemoryMB:
		return fmt.Errorf("policy: Encoder.BaseMemoryMB = %d, want an integer in [%d, %d]", e.BaseMemoryMB, lambdatune.MinMemoryMB, lambdatune.MaxMemoryMB)
	case e.Forecast && (e.Horizon < 1 || e.Horizon > 60):
		return fmt.Errorf("policy: Encoder.Horizon = %d, want an integer in [1, 60] with Forecast", e.Horizon)
	case e.KeepAlive < 0:
		return fmt.Errorf("policy: Encoder.KeepAlive = %v, want >= 0", e.KeepAlive)
	}
	return nil
}

// Dim is the length of an encoded observation.
func (e Encoder) Dim() int {
	if e.Forecast {
		return 16 + e.Horizon + 1
	}
	return 16
}

// Encode writes obs's features into dst (length Dim) without allocating. The history must hold at
// least the last interval; a missing forecast (a forecaster still warming up) encodes as "no
// change from the last interval".
func (e Encoder) Encode(dst []float64, obs lambdatune.Observation) error {
	if len(dst) != e.Dim() {
		return fmt.Errorf("policy: Encoder.Encode: dst has length %d, want %d", len(dst), e.Dim())
	}
	h := obs.History
	if len(h) == 0 {
		return fmt.Errorf("policy: Encoder.Encode: empty history, want at least the last interval")
	}
	last := &h[len(h)-1]
	secs := last.Period.Seconds()
	if secs <= 0 {
		return fmt.Errorf("policy: Encoder.Encode: interval length %v, want > 0", last.Period)
	}
	reqs := float64(last.Invocations + last.Throttles)
	var hourSum, hourN, invs, durSum float64
	warmOnDemand := 0
	for i := len(h) - 1; i >= 0; i-- {
		m := &h[i]
		age := last.Start.Sub(m.Start)
		if age >= time.Hour {
			break
		}
		hourSum += float64(m.Invocations + m.Throttles)
		hourN++
		invs += float64(m.Invocations)
		durSum += float64(m.Invocations) * m.Duration.Mean
		if age < e.KeepAlive {
			warmOnDemand = max(warmOnDemand, m.MaxConcurrency-m.Config.Provisioned)
		}
	}
	meanDur := 0.0 // seconds, invocation-weighted over the last hour
	if invs > 0 {
		meanDur = durSum / invs / 1000
	}
	erlangs := reqs / secs * meanDur
	prov := float64(obs.Current.Provisioned)
	capacity := prov + float64(warmOnDemand) + 1
	rate := func(n int64) float64 {
		if last.Invocations+last.Throttles == 0 {
			return 0
		}
		return math.Log10(float64(n)/float64(last.Invocations+last.Throttles)+1e-4) + 4
	}
	slo := float64(e.SLO) / float64(time.Millisecond)
	dst[0] = math.Log2(1+erlangs) / 4
	dst[1] = clamp(math.Log2((reqs+1)/(hourSum/hourN+1)), 4)
	dst[2] = clamp(float64(last.MaxConcurrency)/capacity, 4)
	dst[3] = prov / capacity
	dst[4] = clamp(last.ProvisionedUtilization, 1)
	dst[5] = rate(last.ColdStarts)
	dst[6] = rate(last.SLOMisses)
	dst[7] = rate(last.Throttles)
	dst[8] = rate(last.Errors)
	dst[9] = clamp(math.Log2((last.Latency.P95+1)/slo), 4)
	dst[10] = clamp(math.Log2((last.Latency.P99+1)/slo), 4)
	dst[11] = clamp(math.Log2(float64(max(obs.Current.MemoryMB, 1))/float64(e.BaseMemoryMB)), 4)
	t := obs.Time.UTC()
	day := 2 * math.Pi * (float64(t.Hour()) + float64(t.Minute())/60) / 24
	week := 2 * math.Pi * (float64(t.Weekday()) + float64(t.Hour())/24) / 7
	dst[12], dst[13], dst[14], dst[15] = math.Sin(day), math.Cos(day), math.Sin(week), math.Cos(week)
	if !e.Forecast {
		return nil
	}
	peak := reqs
	for k := range e.Horizon {
		f := reqs
		if k < len(obs.Forecast) {
			f = max(obs.Forecast[k], 0)
		}
		peak = max(peak, f)
		dst[16+k] = clamp(math.Log2((f+1)/(reqs+1)), 4)
	}
	dst[16+e.Horizon] = clamp(peak/secs*meanDur/capacity, 4)
	return nil
}

// clamp bounds x to [−b, b]; NaN becomes 0.
func clamp(x, b float64) float64 {
	switch {
	case x > b:
		return b
	case x < -b:
		return -b
	case x != x:
		return 0
	}
	return x
}

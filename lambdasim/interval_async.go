package lambdasim

import (
	"math"
	"slices"
)

// asyncBacklog is the interval model's account of an asynchronous function's events that wait:
// events throttled in earlier intervals, by age, which make their retry attempts under AWS's
// backoff until their maximum age, and failed invocations retried 1 and 2 minutes later, up to
// MaxRetryAttempts. Each interval, due hands out the error retries due, attempts gives the load
// the waiting events add for a throttling probability q (stepFn iterates it to a fixed point),
// age moves the throttled events on, and settle adds what this interval leaves waiting.
type asyncBacklog struct {
	thrAge     []float64     // thrAge[k] = events throttled k+1 intervals ago, still waiting
	errDue     [3][2]float64 // errDue[d][r] = error retries due in d intervals that are retry r+1
	maxRetries int           // AsyncOptions.MaxRetryAttempts
	// attempt[d] = expected retry attempts d intervals after an event's first throttle, and
	// attemptDelay[d] their mean delay after it (ns).
	attempt, attemptDelay []float64
	lastPass              float64 // the share of attempts that got through last interval

	// This interval's invocations of retried events: weights (invocations) and latencies beyond
	// the run time (ns); runDelW sums the weights over the run per slot (slot d: cohort d, then
	// the two error retries), at the delays of runDelX.
	delW, delX       []float64
	runDelW, runDelX []float64
}

// newAsyncBacklog returns the empty backlog of a function invoked with options a, in intervals
// of interval ns.
func newAsyncBacklog(interval int64, a *AsyncOptions) *asyncBacklog {
	n := max(1, int(int64(a.MaxEventAge)/interval)) // intervals an event may wait
	b := &asyncBacklog{thrAge: make([]float64, n), maxRetries: a.MaxRetryAttempts, lastPass: 1}
	b.attempt, b.attemptDelay = asyncAttempts(interval, n, int64(a.MaxEventAge))
	b.delW, b.delX = make([]float64, 0, n+4), make([]float64, 0, n+4)
	b.runDelW = make([]float64, n+3)
	b.runDelX = append(slices.Clone(b.attemptDelay), float64(asyncErrorFirstRetry), float64(asyncErrorFirstRetry+2*asyncErrorRetryIncrement))
	return b
}

// asyncAttempts returns, for an event first throttled at a uniform instant of an interval, the
// expected number of retry attempts it makes in that interval (k = 0) and in each of the n
// following ones under AWS's backoff (1 s, doubling, at most 5 min between attempts, none beyond
// maxAge after the first), and the mean time from the first throttle to those attempts (ns), for
// the latency of events that get through.
func asyncAttempts(interval int64, n int, maxAge int64) (att, delay []float64) {
	att, delay = make([]float64, n+1), make([]float64, n+1)
	const samples = 64
	for j := range samples {
		t0 := (float64(j) + 0.5) / samples * float64(interval)
		t, b := t0, float64(asyncThrottleFirstRetry)
		for {
			t += b
			k := int(t / float64(interval))
			if k > n || t-t0 > float64(maxAge) { // no retry beyond the maximum age: dropped
				break
			}
			att[k] += 1.0 / samples
			delay[k] += (t - t0) / samples
			b = min(2*b, float64(asyncThrottleMaxBackoff))
		}
	}
	for k := range delay {
		if att[k] > 0 {
			delay[k] /= att[k]
		}
	}
	return att, delay
}

// due starts an interval: it returns the first and second error retries due in it, moves the
// later ones an interval closer and forgets the last interval's delayed invocations.
func (b *asyncBacklog) due() (first, second float64) {
	first, second = b.errDue[0][0], b.errDue[0][1]
	b.errDue[0], b.errDue[1], b.errDue[2] = b.errDue[1], b.errDue[2], [2]float64{}
	b.delW, b.delX = b.delW[:0], b.delX[:0]
	return first, second
}

// attempts returns the retry attempts of the interval when each is throttled with probability q:
// of the waiting events, those that get through (served) and the attempts throttled (failed); of
// the fresh events throttled now, their attempts within the interval (same).
func (b *asyncBacklog) attempts(q, fresh float64) (served, failed, same float64) {
	if q <= 0 {
		return 0, 0, 0
	}
	for k, n := range b.thrAge {
		if n <= 0 {
			continue
		}
		att := b.attempt[k+1] // at most this many attempts each
		if q >= 1 {
			failed += n * att
			continue
		}
		left := n * math.Pow(q, att)
		served += n - left
		failed += n * q * (1 - math.Pow(q, att)) / (1 - q)
	}
	if q < 1 {
		same = fresh * q * (1 - math.Pow(q, b.attempt[0])) / (1 - q)
	} else {
		same = fresh * b.attempt[0]
	}
	return served, failed, same
}

// age moves the waiting events an interval on, those that got through (with throttling
// probability q) becoming the interval's delayed invocations; it returns the events that reached
// their maximum age, dropped.
func (b *asyncBacklog) age(q float64) (dropped float64) {
	for k := len(b.thrAge) - 1; k >= 0; k-- {
		n := b.thrAge[k]
		if n == 0 {
			continue
		}
		b.thrAge[k] = 0
		left := n
		if q < 1 {
			left = n * math.Pow(q, b.attempt[k+1])
		}
		if n-left > 0 {
			b.delay(k+1, n-left, b.attemptDelay[k+1])
		}
		if k+1 < len(b.thrAge) {
			b.thrAge[k+1] += left
		} else {
			dropped += left
		}
	}
	return dropped
}

// delay records w invocations of events that waited x ns, in run slot slot.
func (b *asyncBacklog) delay(slot int, w, x float64) {
	b.delW = append(b.delW, w)
	b.delX = append(b.delX, x)
	b.runDelW[slot] += w
}

// settle ends an interval in which a share pass of the attempts got through and a share
// failRate of the invocations failed: the fresh events (arrivals and the error retries due)
// throttled at every attempt start waiting, those that got through on a later attempt are delayed
// invocations, failed invocations are retried 1 and 2 minutes later up to MaxRetryAttempts, and
// the events dropped are added to st.dropped.
func (b *asyncBacklog) settle(st *ivStep, pass, failRate float64) {
	b.lastPass = pass
	fresh, q := st.fresh, st.q
	left := fresh * q * math.Pow(q, b.attempt[0]) // throttled at every attempt this interval
	b.thrAge[0] += left
	if same := fresh*q - left; same > 0 {
		b.delay(0, same, b.attemptDelay[0])
	}
	// Error retries run 1 minute after the failed invocation ended, the second 2 minutes after
	// the first retry's: latencies of about 1 and 3 minutes plus the runs before.
	n := len(b.thrAge)
	if w := st.errRetries * pass; w > 0 {
		b.delay(n+1, w, b.runDelX[n+1])
	}
	if w := st.errRetries2 * pass; w > 0 {
		b.delay(n+2, w, b.runDelX[n+2])
	}
	first := (st.arrivals + st.served) * pass * failRate
	second := st.errRetries * pass * failRate
	if b.maxRetries >= 1 {
		b.errDue[0][0] += first
	} else {
		st.dropped += first
	}
	if b.maxRetries >= 2 {
		b.errDue[1][1] += second
	} else {
		st.dropped += second
	}
	st.dropped += st.errRetries2 * pass * failRate
}

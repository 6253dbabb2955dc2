package workload

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/gonum/stat/distuv"
)

func collect(a Arrivals) []time.Duration {
	var out []time.Duration
	for {
		at, ok := a.Next()
		if !ok {
			return out
		}
		out = append(out, at)
	}
}

func constSeries(n int, step time.Duration, c float64) Series {
	counts := make([]float64, n)
	for i := range counts {
		counts[i] = c
	}
	return Series{Start: t0, Step: step, Counts: counts}
}

type arrivalKind struct {
	name string
	make func(Series, *rand.Rand) (Arrivals, error)
}

// stream returns newStream(s, rng), failing the test on an error.
func stream(tb testing.TB, newStream func(Series, *rand.Rand) (Arrivals, error), s Series, rng *rand.Rand) Arrivals {
	tb.Helper()
	a, err := newStream(s, rng)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

var arrivalKinds = []arrivalKind{
	{"Poisson", PoissonArrivals},
	{"ExactCount", ExactCountArrivals},
	{"Rate", RateArrivals},
}

func TestArrivalsDeterministicOrderedInRange(t *testing.T) {
	s, err := OriginalBursty(Grid{Start: t0, Step: time.Minute, Len: 200}, 1)
	if err != nil {
		t.Fatal(err)
	}
	s.Counts[10], s.Counts[11], s.Counts[50] = 0, 0, 0.4 // empty and fractional intervals
	for _, k := range arrivalKinds {
		t.Run(k.name, func(t *testing.T) {
			a := collect(stream(t, k.make, s, rand.New(rand.NewPCG(1, 2))))
			b := collect(stream(t, k.make, s, rand.New(rand.NewPCG(1, 2))))
			c := collect(stream(t, k.make, s, rand.New(rand.NewPCG(3, 4))))
			if !slices.Equal(a, b) {
				t.Errorf("same rng state, different arrivals (%d and %d of them)", len(a), len(b))
			}
			if slices.Equal(a, c) {
				t.Error("different rng states gave identical arrivals")
			}
			if !slices.IsSorted(a) {
				t.Error("arrivals are not non-decreasing")
			}
			if a[0] < 0 || a[len(a)-1] >= s.Duration() {
				t.Errorf("arrivals span [%v, %v], want inside [0, %v)", a[0], a[len(a)-1], s.Duration())
			}
			if rel := math.Abs(float64(len(a))-s.Total()) / s.Total(); rel > 0.02 {
				t.Errorf("%d arrivals for a total of %.0f (rel. error %.3f > 0.02)", len(a), s.Total(), rel)
			}
		})
	}
}

func TestArrivalsInvalidInput(t *testing.T) {
	bad := Series{Start: t0, Step: time.Minute, Counts: []float64{1, -1}}
	good := constSeries(3, time.Minute, 2)
	for _, k := range arrivalKinds {
		for _, tc := range []struct {
			name string
			s    Series
			rng  *rand.Rand
			want string
		}{
			{"negative count", bad, rand.New(rand.NewPCG(1, 1)), "Counts[1] = -1"},
			{"zero step", Series{Counts: []float64{1}}, rand.New(rand.NewPCG(1, 1)), "Step = 0s"},
			{"nil rng", good, nil, "rng = nil"},
		} {
			a, err := k.make(tc.s, tc.rng)
			if a != nil {
				t.Errorf("%s/%s: invalid input returned a stream", k.name, tc.name)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s/%s: error = %v, want it to contain %q", k.name, tc.name, err, tc.want)
			}
		}
		if a, err := k.make(Series{Step: time.Minute}, rand.New(rand.NewPCG(1, 1))); err != nil || len(collect(a)) != 0 {
			t.Errorf("%s: empty series should give an empty stream without error, got error %v", k.name, err)
		}
	}
}

// chiSquareCounts compares a histogram of per-interval counts with a Poisson
// pmf, merging the tail into the last bin, and returns the statistic and its
// degrees of freedom.
func chiSquareCounts(counts []float64, lambda float64) (float64, int) {
	const maxK = 40
	obs := make([]float64, maxK+1)
	for _, c := range counts {
		obs[min(int(c), maxK)]++
	}
	n := float64(len(counts))
	var exp []float64
	var o []float64
	var accE, accO, cum float64
	for k := 0; k <= maxK; k++ {
		lg, _ := math.Lgamma(float64(k + 1))
		p := math.Exp(float64(k)*math.Log(lambda) - lambda - lg)
		if k == maxK {
			p = 1 - cum
		}
		cum += p
		accE += n * p
		accO += obs[k]
		if accE >= 5 && (k == maxK || n*(1-cum) >= 5) { // bins with expectation >= 5
			exp, o = append(exp, accE), append(o, accO)
			accE, accO = 0, 0
		}
	}
	if accE > 0 { // fold a small remainder into the last bin
		exp[len(exp)-1] += accE
		o[len(o)-1] += accO
	}
	var chi float64
	for i := range exp {
		chi += (o[i] - exp[i]) * (o[i] - exp[i]) / exp[i]
	}
	return chi, len(exp) - 1
}

// ksExp returns the Kolmogorov–Smirnov statistic of x against the CDF f.
func ks(x []float64, f func(float64) float64) float64 {
	x = slices.Clone(x)
	slices.Sort(x)
	n := float64(len(x))
	var d float64
	for i, v := range x {
		F := f(v)
		d = math.Max(d, math.Max(F-float64(i)/n, float64(i+1)/n-F))
	}
	return d
}

// ksCrit is the asymptotic KS critical value at significance 0.001.
func ksCrit(n int) float64 { return 1.949 / math.Sqrt(float64(n)) }

func TestPoissonCountsChiSquare(t *testing.T) {
	for _, lambda := range []float64{0.3, 4, 25} {
		s := constSeries(5000, time.Minute, lambda)
		bins, outside, err := Bin(stream(t, PoissonArrivals, s, rand.New(rand.NewPCG(11, 12))), s.Start, s.Step, s.Len())
		if err != nil || outside != 0 {
			t.Fatalf("Bin: outside=%d err=%v", outside, err)
		}
		chi, df := chiSquareCounts(bins.Counts, lambda)
		crit := distuv.ChiSquared{K: float64(df)}.Quantile(0.999)
		t.Logf("λ=%v: χ²=%.2f df=%d critical(0.999)=%.2f", lambda, chi, df, crit)
		if chi > crit {
			t.Errorf("λ=%v: counts not Poisson: χ²=%.2f > %.2f (df %d)", lambda, chi, crit, df)
		}
		st := bins.Stats()
		if disp := st.Std * st.Std / st.Mean; math.Abs(disp-1) > 0.1 {
			t.Errorf("λ=%v: dispersion index %.3f, want 1 ± 0.1", lambda, disp)
		}
	}
}

func TestPoissonInterArrivalKS(t *testing.T) {
	// A constant count is a homogeneous process across interval boundaries, so
	// the gaps are Exp(rate).
	const perSec = 3.0
	s := constSeries(5000, time.Second, perSec)
	at := collect(stream(t, PoissonArrivals, s, rand.New(rand.NewPCG(5, 6))))
	gaps := make([]float64, 0, len(at))
	prev := time.Duration(0)
	for _, a := range at {
		gaps = append(gaps, (a - prev).Seconds())
		prev = a
	}
	d := ks(gaps, func(x float64) float64 { return 1 - math.Exp(-perSec*x) })
	t.Logf("KS D=%.4f over %d gaps, critical(0.001)=%.4f", d, len(gaps), ksCrit(len(gaps)))
	if d > ksCrit(len(gaps)) {
		t.Errorf("inter-arrival times not Exp(%v): KS D=%.4f > %.4f", perSec, d, ksCrit(len(gaps)))
	}
}

func TestExactCountArrivals(t *testing.T) {
	huge, err := ExactCountArrivals(Series{Step: time.Minute, Counts: []float64{1, 1e300}}, rand.New(rand.NewPCG(1, 1)))
	if huge != nil || err == nil || !strings.Contains(err.Error(), "Counts[1] = 1e+300, want <= 2^53") {
		t.Errorf("count 1e300: error = %v, want an error naming Counts[1]", err)
	}
	s := Series{Start: t0, Step: time.Minute, Counts: []float64{0, 1, 2.5, 7.4, 100, 0.49}}
	got, outside, err := Bin(stream(t, ExactCountArrivals, s, rand.New(rand.NewPCG(1, 1))), t0, time.Minute, s.Len())
	if err != nil || outside != 0 {
		t.Fatalf("Bin: outside=%d err=%v", outside, err)
	}
	if diff := cmp.Diff([]float64{0, 1, 3, 7, 100, 0}, got.Counts); diff != "" {
		t.Errorf("per-interval counts (-want +got):\n%s", diff)
	}

	// Positions inside the interval are uniform.
	u := constSeries(2000, time.Minute, 5)
	var pos []float64
	for _, a := range collect(stream(t, ExactCountArrivals, u, rand.New(rand.NewPCG(2, 2)))) {
		pos = append(pos, float64(a%time.Minute)/float64(time.Minute))
	}
	d := ks(pos, func(x float64) float64 { return x })
	if d > ksCrit(len(pos)) {
		t.Errorf("positions not uniform: KS D=%.4f > %.4f", d, ksCrit(len(pos)))
	}
}

// interpRate is an independent implementation of RateArrivals' rate function
// (per second) for the tests.
func interpRate(s Series, t float64) float64 {
	step := s.Step.Seconds()
	x := t/step - 0.5 // in units of midpoints
	n := s.Len()
	switch {
	case x <= 0:
		return s.Counts[0] / step
	case x >= float64(n-1):
		return s.Counts[n-1] / step
	}
	i := int(math.Floor(x))
	f := x - float64(i)
	return ((1-f)*s.Counts[i] + f*s.Counts[i+1]) / step
}

func TestRateArrivalsFollowRate(t *testing.T) {
	s := Series{Start: t0, Step: time.Minute, Counts: []float64{10, 60, 20, 0, 0, 40, 5}}
	const binSec, reps = 10.0, 400
	nb := int(s.Duration().Seconds() / binSec)
	obs := make([]float64, nb)
	rng := rand.New(rand.NewPCG(9, 9))
	for range reps {
		b, outside, err := Bin(stream(t, RateArrivals, s, rng), t0, 10*time.Second, nb)
		if err != nil || outside != 0 {
			t.Fatalf("Bin: outside=%d err=%v", outside, err)
		}
		for i, c := range b.Counts {
			obs[i] += c
		}
	}
	var chi, total float64
	df := 0
	for i := range obs {
		// Simpson's rule on the interpolated rate.
		a := float64(i) * binSec
		const m = 100
		h := binSec / m
		var integ float64
		for k := 0; k <= m; k++ {
			w := 2.0
			if k == 0 || k == m {
				w = 1
			} else if k%2 == 1 {
				w = 4
			}
			integ += w * interpRate(s, a+float64(k)*h)
		}
		exp := reps * integ * h / 3
		total += exp
		if exp == 0 {
			if obs[i] != 0 {
				t.Errorf("bin %d: %v arrivals where the rate is 0", i, obs[i])
			}
			continue
		}
		chi += (obs[i] - exp) * (obs[i] - exp) / exp
		df++
	}
	if math.Abs(total-reps*s.Total()) > 1e-6*total {
		t.Errorf("integrated rate %.3f, want reps·Total = %.3f", total, reps*s.Total())
	}
	crit := distuv.ChiSquared{K: float64(df)}.Quantile(0.999)
	t.Logf("NHPP: χ²=%.2f df=%d critical(0.999)=%.2f", chi, df, crit)
	if chi > crit {
		t.Errorf("arrivals do not follow the interpolated rate: χ²=%.2f > %.2f (df %d)", chi, crit, df)
	}
}

func TestRateArrivalsConstantIsHomogeneous(t *testing.T) {
	s := constSeries(3000, time.Second, 2)
	at := collect(stream(t, RateArrivals, s, rand.New(rand.NewPCG(4, 4))))
	gaps := make([]float64, len(at))
	prev := time.Duration(0)
	for i, a := range at {
		gaps[i] = (a - prev).Seconds()
		prev = a
	}
	if d := ks(gaps, func(x float64) float64 { return 1 - math.Exp(-2*x) }); d > ksCrit(len(gaps)) {
		t.Errorf("constant rate: gaps not Exp(2): KS D=%.4f > %.4f", d, ksCrit(len(gaps)))
	}
}

func TestTimestampArrivals(t *testing.T) {
	ts := []time.Duration{0, time.Second, time.Second, 5 * time.Second}
	a, err := TimestampArrivals(ts)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ts, collect(a)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		ts   []time.Duration
		want string
	}{
		{[]time.Duration{time.Second, 0}, "timestamps[1] = 0s is before timestamps[0] = 1s"},
		{[]time.Duration{-time.Second}, "timestamps[0] = -1s, want >= 0"},
	} {
		if _, err := TimestampArrivals(tc.ts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("TimestampArrivals(%v) error = %v, want %q", tc.ts, err, tc.want)
		}
	}
}

func TestBinErrors(t *testing.T) {
	a, _ := TimestampArrivals([]time.Duration{0, 90 * time.Second})
	s, outside, err := Bin(a, t0, time.Minute, 1)
	if err != nil || outside != 1 || s.Counts[0] != 1 {
		t.Errorf("Bin = %v, outside %d, err %v; want [1], 1, nil", s.Counts, outside, err)
	}
	if _, _, err := Bin(a, t0, 0, 1); err == nil {
		t.Error("Bin with step 0: no error")
	}
	if _, _, err := Bin(a, t0, time.Minute, -1); err == nil {
		t.Error("Bin with n = -1: no error")
	}
}

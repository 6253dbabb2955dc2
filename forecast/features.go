package forecast

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// RollingStat selects statistics computed over rolling windows.
type RollingStat uint8

// Rolling statistics; combine with |.
const (
	RollMean RollingStat = 1 << iota // mean of the window
	RollStd                          // sample standard deviation (ddof = 1, as pandas)
	RollMax                          // maximum of the window
)

// AutoSeasonal configures the detection of seasonal periods by
// autocorrelation (see [DetectPeriods]).
type AutoSeasonal struct {
	// MaxPeriods is how many periods to detect; 0 disables detection.
	MaxPeriods int
	// MinPeriod and MaxPeriod bound the candidate lags (in intervals).
	// MaxPeriod 0 means a third of the history.
	MinPeriod, MaxPeriod int
	// MinACF is the smallest autocorrelation a period must reach.
	MinACF float64
}

// FeatureSpec describes the features used to predict the value y[t] of an
// interval from the values before it and the interval's timestamp. Every
// feature is past-only (uses y[t-1] and earlier) unless
// RollingIncludesCurrent is set. A feature that needs values before the start
// of the history is NaN (missing), which the tree models handle.
type FeatureSpec struct {
	// Calendar adds hour of day (0-23), day of week (Monday = 0, as pandas)
	// and a weekend flag, from the timestamp of the predicted interval.
	Calendar bool
	// CalendarIfSeen keeps a calendar feature only if the training history
	// shows it repeat: hour of day needs a history spanning two days, day of
	// week and weekend two weeks. Without repetition a tree model uses the
	// calendar as a proxy for "how late in the history", which does not
	// generalise (with one day of history, the evening would be predicted
	// from the afternoon).
	CalendarIfSeen bool
	// Lags adds y[t-k] for each k.
	Lags []int
	// Windows adds, for each window length w, the Stats of y[t-w..t-1].
	Windows []int
	// Stats selects the rolling statistics; 0 means RollMean|RollStd|RollMax.
	Stats RollingStat
	// RollingIncludesCurrent makes the rolling windows end at y[t] instead
	// of y[t-1]: y[t-w+1..t]. This is what the original project did; it
	// LEAKS THE TARGET into its own features, so its test scores are
	// optimistic and a model built on it cannot forecast (Predict refuses
	// it). Use it only to reproduce the original's numbers.
	RollingIncludesCurrent bool
	// SeasonalPeriods adds, for each period p, y[t-p], y[t-2p], y[t-p+1]
	// and the mean of y[t-p], y[t-2p], y[t-3p].
	SeasonalPeriods []int
	// Auto detects further seasonal periods from the training history.
	Auto AutoSeasonal
}

// OriginalFeatures is the original project's feature set, for parity:
// hour, dayofweek, is_weekend, invocations_lag1, invocations_lag2,
// invocations_avg_5 and invocations_std_5, where the rolling mean and
// standard deviation (ddof = 1) include the current row. It LEAKS THE TARGET
// (see FeatureSpec.RollingIncludesCurrent): its scores are not forecasts.
func OriginalFeatures() FeatureSpec {
	return FeatureSpec{Calendar: true, Lags: []int{1, 2}, Windows: []int{5}, Stats: RollMean | RollStd, RollingIncludesCurrent: true}
}

// PastOnlyFeatures is the original project's feature set made honest: the
// rolling mean and standard deviation cover the 5 values before the
// predicted interval.
func PastOnlyFeatures() FeatureSpec {
	s := OriginalFeatures()
	s.RollingIncludesCurrent = false
	return s
}

// DefaultFeatures is the default feature set: calendar (when the history
// repeats it, see CalendarIfSeen), lags 1-3, rolling
// mean/std/max over 5 and 12 past intervals, and two seasonal periods
// detected by autocorrelation.
func DefaultFeatures() FeatureSpec {
	return FeatureSpec{
		Calendar:       true,
		CalendarIfSeen: true,
		Lags:           []int{1, 2, 3},
		Windows:        []int{5, 12},
		Stats:          RollMean | RollStd | RollMax,
		Auto:           AutoSeasonal{MaxPeriods: 2, MinPeriod: 4, MinACF: 0.1},
	}
}

// Validate reports the first field out of range.
func (s FeatureSpec) Validate() error {
	for i, k := range s.Lags {
		if k < 1 {
			return fmt.Errorf("forecast: FeatureSpec.Lags[%d] = %d, want >= 1", i, k)
		}
	}
	for i, w := range s.Windows {
		if w < 1 || (w < 2 && s.stats()&RollStd != 0) {
			return fmt.Errorf("forecast: FeatureSpec.Windows[%d] = %d, want >= 2 (>= 1 without RollStd)", i, w)
		}
	}
	for i, p := range s.SeasonalPeriods {
		if p < 2 {
			return fmt.Errorf("forecast: FeatureSpec.SeasonalPeriods[%d] = %d, want >= 2", i, p)
		}
	}
	a := s.Auto
	if a.MaxPeriods < 0 || a.MaxPeriods > 10 {
		return fmt.Errorf("forecast: FeatureSpec.Auto.MaxPeriods = %d, want 0..10", a.MaxPeriods)
	}
	if a.MinPeriod < 0 || a.MaxPeriod < 0 || (a.MaxPeriod > 0 && a.MaxPeriod < max(a.MinPeriod, 2)) {
		return fmt.Errorf("forecast: FeatureSpec.Auto period range [%d, %d] is invalid, want 0 <= MinPeriod <= MaxPeriod (MaxPeriod 0 = automatic)", a.MinPeriod, a.MaxPeriod)
	}
	if !(a.MinACF >= -1 && a.MinACF <= 1) {
		return fmt.Errorf("forecast: FeatureSpec.Auto.MinACF = %v, want in [-1, 1]", a.MinACF)
	}
	if s.Stats&^(RollMean|RollStd|RollMax) != 0 {
		return fmt.Errorf("forecast: FeatureSpec.Stats = %d has unknown bits", s.Stats)
	}
	return nil
}

func (s FeatureSpec) stats() RollingStat {
	if s.Stats == 0 {
		return RollMean | RollStd | RollMax
	}
	return s.Stats
}

// ErrLeakyFeatures is returned when a forecast is asked of a feature set
// whose rolling windows include the predicted value.
var ErrLeakyFeatures = errors.New("forecast: the feature set includes the current value (RollingIncludesCurrent) and cannot forecast; use OneStepAhead on known values for parity evaluation only")

// Builder computes feature rows for a resolved [FeatureSpec] (seasonal
// periods fixed). It is immutable and safe for concurrent use.
type Builder struct {
	spec    FeatureSpec
	hour    bool
	week    bool
	periods []int
	names   []string
	maxBack int
}

// NewBuilder resolves spec against a training history and its timestamps
// (nil if the spec has no calendar features): when spec.Auto is enabled,
// seasonal periods are detected from history and added to
// spec.SeasonalPeriods, and with spec.CalendarIfSeen the calendar features
// the history does not cover twice are dropped.
func NewBuilder(spec FeatureSpec, history []float64, times []time.Time) (*Builder, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if err := checkTimes(spec.Calendar, history, times); err != nil {
		return nil, err
	}
	hour, week := spec.Calendar, spec.Calendar
	if spec.Calendar && spec.CalendarIfSeen {
		span := time.Duration(0)
		if len(times) > 1 {
			span = times[len(times)-1].Sub(times[0])
		}
		hour = span >= 48*time.Hour
		week = span >= 14*24*time.Hour
	}
	periods := slices.Clone(spec.SeasonalPeriods)
	if spec.Auto.MaxPeriods > 0 {
		found, err := DetectPeriods(history, spec.Auto)
		if err != nil {
			return nil, err
		}
		for _, p := range found {
			if !slices.Contains(periods, p) {
				periods = append(periods, p)
			}
		}
	}
	b := &Builder{spec: spec, periods: periods, hour: hour, week: week}
	if hour {
		b.names = append(b.names, "hour")
	}
	if week {
		b.names = append(b.names, "dayofweek", "is_weekend")
	}
	for _, k := range spec.Lags {
		b.names = append(b.names, "lag"+strconv.Itoa(k))
		b.maxBack = max(b.maxBack, k)
	}
	st := spec.stats()
	for _, w := range spec.Windows {
		ws := strconv.Itoa(w)
		if st&RollMean != 0 {
			b.names = append(b.names, "mean"+ws)
		}
		if st&RollStd != 0 {
			b.names = append(b.names, "std"+ws)
		}
		if st&RollMax != 0 {
			b.names = append(b.names, "max"+ws)
		}
		b.maxBack = max(b.maxBack, w)
	}
	for _, p := range periods {
		ps := strconv.Itoa(p)
		b.names = append(b.names, "season"+ps+"_lag1p", "season"+ps+"_lag2p", "season"+ps+"_lag1p_next", "season"+ps+"_mean3")
		b.maxBack = max(b.maxBack, 3*p)
	}
	if len(b.names) == 0 {
		return nil, errors.New("forecast: FeatureSpec selects no features")
	}
	return b, nil
}

// usesTime reports whether the features need timestamps.
func (b *Builder) usesTime() bool { return b.hour || b.week }

// Names returns the feature names, in column order.
func (b *Builder) Names() []string { return slices.Clone(b.names) }

// NumFeature returns the number of features.
func (b *Builder) NumFeature() int { return len(b.names) }

// Periods returns the seasonal periods in use (given and detected).
func (b *Builder) Periods() []int { return slices.Clone(b.periods) }

// Spec returns the specification the builder was made from.
func (b *Builder) Spec() FeatureSpec { return b.spec }

// Leaky reports whether the features include the predicted value.
func (b *Builder) Leaky() bool { return b.spec.RollingIncludesCurrent }

// MaxLookback returns how many past values the features look at.
func (b *Builder) MaxLookback() int { return b.maxBack }

// Row writes into dst (length NumFeature) the features for predicting
// values[t] at time ts, using values[:t] (and values[t] itself only for a
// leaky spec). It does not allocate.
func (b *Builder) Row(dst []float64, values []float64, t int, ts time.Time) error {
	if len(dst) != len(b.names) {
		return fmt.Errorf("forecast: Row: len(dst) = %d, want %d", len(dst), len(b.names))
	}
	if t < 0 || t > len(values) || (b.spec.RollingIncludesCurrent && t >= len(values)) {
		return fmt.Errorf("forecast: Row: t = %d out of range for %d values", t, len(values))
	}
	k := 0
	if b.hour {
		dst[k] = float64(ts.Hour())
		k++
	}
	if b.week {
		dow := (int(ts.Weekday()) + 6) % 7 // Monday = 0
		weekend := 0.0
		if dow >= 5 {
			weekend = 1
		}
		dst[k], dst[k+1] = float64(dow), weekend
		k += 2
	}
	at := func(i int) float64 {
		if i < 0 {
			return math.NaN()
		}
		return values[i]
	}
	for _, l := range b.spec.Lags {
		dst[k] = at(t - l)
		k++
	}
	st := b.spec.stats()
	for _, w := range b.spec.Windows {
		end := t // exclusive
		if b.spec.RollingIncludesCurrent {
			end = t + 1
		}
		start := end - w
		mean, std, mx := math.NaN(), math.NaN(), math.NaN()
		if start >= 0 {
			var s float64
			mx = math.Inf(-1)
			for _, v := range values[start:end] {
				s += v
				mx = max(mx, v)
			}
			mean = s / float64(w)
			if w > 1 {
				var ss float64
				for _, v := range values[start:end] {
					d := v - mean
					ss += d * d
				}
				std = math.Sqrt(ss / float64(w-1))
			}
		}
		if st&RollMean != 0 {
			dst[k] = mean
			k++
		}
		if st&RollStd != 0 {
			dst[k] = std
			k++
		}
		if st&RollMax != 0 {
			dst[k] = mx
			k++
		}
	}
	for _, p := range b.periods {
		a, c := at(t-p), at(t-2*p)
		dst[k] = a
		dst[k+1] = c
		dst[k+2] = at(t - p + 1) // p >= 2, so this is in the past
		dst[k+3] = (a + c + at(t-3*p)) / 3
		k += 4
	}
	return nil
}

// Matrix returns the row-major feature matrix with one row per value:
// row t holds the features for predicting values[t]. times must have one
// timestamp per value when the spec uses calendar features (else it may be
// nil).
func (b *Builder) Matrix(values []float64, times []time.Time) ([]float64, error) {
	if err := checkTimes(b.usesTime(), values, times); err != nil {
		return nil, err
	}
	k := len(b.names)
	x := make([]float64, len(values)*k)
	for t := range values {
		var ts time.Time
		if times != nil {
			ts = times[t]
		}
		if err := b.Row(x[t*k:(t+1)*k], values, t, ts); err != nil {
			return nil, err
		}
	}
	return x, nil
}

func checkTimes(need bool, values []float64, times []time.Time) error {
	if times == nil {
		if need {
			return errors.New("forecast: calendar features need one timestamp per value, got nil times")
		}
		return nil
	}
	if len(times) != len(values) {
		return fmt.Errorf("forecast: %d timestamps for %d values, want one per value", len(times), len(values))
	}
	return nil
}

// DetectPeriods returns up to cfg.MaxPeriods seasonal periods of values,
// strongest first: the lags in [MinPeriod, MaxPeriod] at which the sample
// autocorrelation has a local maximum of at least cfg.MinACF. A peak is
// replaced by a peak near an integer fraction of its lag that reaches 80 % of
// its autocorrelation (the fundamental period), and a lag within 10 % of a
// multiple of a period already chosen is skipped (it is a harmonic).
func DetectPeriods(values []float64, cfg AutoSeasonal) ([]int, error) {
	n := len(values)
	maxP := cfg.MaxPeriod
	if maxP == 0 {
		maxP = n / 3
	}
	minP := max(cfg.MinPeriod, 2)
	if maxP > n-2 {
		maxP = n - 2
	}
	if cfg.MaxPeriods <= 0 || maxP < minP+1 {
		return nil, nil
	}
	acf := ACF(values, maxP+1)
	type peak struct {
		lag int
		r   float64
	}
	var peaks []peak
	for l := minP; l <= maxP; l++ {
		if acf[l] >= cfg.MinACF && acf[l] > acf[l-1] && acf[l] >= acf[l+1] {
			peaks = append(peaks, peak{l, acf[l]})
		}
	}
	slices.SortStableFunc(peaks, func(a, b peak) int {
		switch {
		case a.r > b.r:
			return -1
		case a.r < b.r:
			return 1
		}
		return a.lag - b.lag
	})
	acfAt := map[int]float64{}
	for _, pk := range peaks {
		acfAt[pk.lag] = pk.r
	}
	var out []int
	for _, pk := range peaks {
		// Prefer the fundamental: a peak at lag/k (k >= 2, within one lag)
		// that is nearly as strong stands for this one.
		for k := pk.lag / minP; k >= 2; k-- {
			c := int(math.Round(float64(pk.lag) / float64(k)))
			for _, l := range [3]int{c, c - 1, c + 1} {
				if r, ok := acfAt[l]; ok && r >= 0.8*pk.r {
					pk = peak{l, r}
					k = 0
					break
				}
			}
		}
		harmonic := false
		for _, q := range out {
			m := math.Round(float64(pk.lag) / float64(q))
			if m >= 1 && math.Abs(float64(pk.lag)-m*float64(q)) <= 0.1*float64(q) {
				harmonic = true
				break
			}
		}
		if !harmonic && !slices.Contains(out, pk.lag) {
			out = append(out, pk.lag)
			if len(out) == cfg.MaxPeriods {
				break
			}
		}
	}
	return out, nil
}

// ACF returns the sample autocorrelation of values at lags 0..maxLag
// (len maxLag+1, or shorter for short series). A constant series has
// autocorrelation 0 at every lag > 0.
func ACF(values []float64, maxLag int) []float64 {
	n := len(values)
	if maxLag > n-1 {
		maxLag = n - 1
	}
	if maxLag < 0 {
		return nil
	}
	var mean float64
	for _, v := range values {
		mean += v
	}
	mean /= float64(n)
	// Centre once rather than in every lag's inner loop.
	d := make([]float64, n)
	var c0 float64
	for i, v := range values {
		d[i] = v - mean
		c0 += d[i] * d[i]
	}
	out := make([]float64, maxLag+1)
	if c0 == 0 {
		out[0] = 1
		return out
	}
	for l := 0; l <= maxLag; l++ {
		var c float64
		for i, x := range d[l:] {
			c += x * d[i]
		}
		out[l] = c / c0
	}
	return out
}

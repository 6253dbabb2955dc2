package awsadapter

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/lambdatune/lambdatune"
)

// Platform is a lambdatune.Platform on AWS: one Lambda function (or one alias of it), configured
// through the Lambda API and observed through CloudWatch. It is safe for concurrent use.
//
// Its methods are spread over files by concern: reading the function (state.go), validating a
// change (check.go), Apply and Rollback (apply.go), carrying a change out part by part (change.go,
// parts.go), the guardrails (guard.go), observing intervals and the automatic rollback
// (observe.go), and the audit log (audit.go).
type Platform struct {
	fn   string // as given: name or ARN
	name string // the function name, for CloudWatch dimensions
	lam  LambdaAPI
	cw   CloudWatchAPI
	o    options

	mu sync.Mutex
	// lastGood is the configuration a rollback returns to, valid when goodKnown (see LastKnownGood).
	lastGood   lambdatune.Config
	goodKnown  bool
	changes    []change  // changes of the last hour, oldest first
	lastChange time.Time // zero before the first change
	watch      int       // intervals of the rollback window left
	before     *lambdatune.Metrics
	last       *lambdatune.Metrics
	next       time.Time // start of the next interval to observe (zero: not started)
	outcome    Outcome   // the last Apply's or rollback's, set only by settle
	queries    []metricQuery
	obs        Observation           // how the last interval was measured (slo.go)
	logsCache  map[time.Time]logsRow // REPORT-line summaries by interval start (logs.go)
	logsErrMsg string                // the last logs failure logged, to log a change once
}

// change is a change made, for the dwell time and the hourly budgets.
type change struct {
	at       time.Time
	from, to lambdatune.Config
}

// New returns a Platform for the function (a name or an ARN) using the given clients. It does no I/O.
func New(lam LambdaAPI, cw CloudWatchAPI, function string, opts ...Option) (*Platform, error) {
	if lam == nil || cw == nil {
		return nil, errors.New("awsadapter: New: the Lambda and CloudWatch clients must be non-nil")
	}
	name, err := functionName(function)
	if err != nil {
		return nil, err
	}
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.finish(function); err != nil {
		return nil, err
	}
	p := &Platform{fn: function, name: name, lam: lam, cw: cw, o: o}
	p.queries = p.buildQueries()
	return p, nil
}

// functionName extracts the name from a function name or ARN
// (arn:aws:lambda:region:account:function:name[:qualifier]).
func functionName(fn string) (string, error) {
	if fn == "" {
		return "", errors.New("awsadapter: function name is empty")
	}
	if !strings.HasPrefix(fn, "arn:") {
		if strings.Contains(fn, ":") {
			return "", fmt.Errorf("awsadapter: function %q: pass an alias with WithAlias, not in the name", fn)
		}
		return fn, nil
	}
	f := strings.Split(fn, ":")
	if len(f) != 7 || f[5] != "function" || f[6] == "" {
		return "", fmt.Errorf("awsadapter: function ARN %q, want arn:aws:lambda:REGION:ACCOUNT:function:NAME (pass an alias with WithAlias)", fn)
	}
	return f[6], nil
}

// Function returns the function name or ARN the platform tunes.
func (p *Platform) Function() string { return p.fn }

func (p *Platform) qualifier() *string {
	if p.o.alias == "" {
		return nil
	}
	return aws.String(p.o.alias)
}

// LastKnownGood returns the configuration a rollback returns to and whether one is known yet. It is
// the configuration in force when the adapter first observed an interval (Next) or was asked for a
// change (Apply, Rollback), then every configuration that stayed healthy: through the rollback
// window after a change, or for an interval when no change is being watched.
func (p *Platform) LastKnownGood() (lambdatune.Config, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastGood, p.goodKnown
}

// setLastGood makes c the configuration a rollback returns to.
func (p *Platform) setLastGood(c lambdatune.Config) { p.lastGood, p.goodKnown = c, true }

// noteBaseline makes c, the configuration just read, the last known good one when none is known
// yet. Next, Apply and Rollback call it with what they read, so that a rollback always has a target
// from before the adapter's first change; reading alone (Config, State, History) does not.
func (p *Platform) noteBaseline(c lambdatune.Config) {
	if !p.goodKnown {
		p.setLastGood(c)
	}
}

// toInt32 converts a validated number to the int32 Lambda's API carries, refusing one that
// would not survive the conversion: the number sent must be the one validated and audited.
func toInt32(field string, v int64) (int32, error) {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, fmt.Errorf("awsadapter: %s = %d does not fit the API's 32-bit integer", field, v)
	}
	return int32(v), nil
}

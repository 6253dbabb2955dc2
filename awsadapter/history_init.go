package awsadapter

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// initQuery aggregates the REPORT lines' Init Durations over a whole stretch into one row.
const initQuery = `filter @type = "REPORT"
| stats count(*) as reports, count(@initDuration) as coldStarts, avg(@initDuration) as initMean, pct(@initDuration, 50) as initP50, pct(@initDuration, 99) as initP99`

// errNoLogs is InitStats.Err without WithLogs.
var errNoLogs = errors.New("awsadapter: WithLogs is not set: INIT durations were not read")

// initStats reads the INIT durations of the REPORT lines in [start, end) with one Logs Insights
// query. It never fails: a query that cannot run or answer leaves Source SourceNone and says why.
func (p *Platform) initStats(ctx context.Context, start, end time.Time) InitStats {
	if p.o.logs == nil {
		return InitStats{Source: SourceNone, Err: errNoLogs}
	}
	lo, group := p.o.logs, p.logGroup()
	in := &cloudwatchlogs.StartQueryInput{
		LogGroupName: aws.String(group), QueryString: aws.String(initQuery),
		StartTime: aws.Int64(start.Unix()), EndTime: aws.Int64(end.Unix()), Limit: aws.Int32(1),
	}
	sq, err := callWith(ctx, p, "StartQuery", lo.Retry, logsRetryable, func(ctx context.Context) (*cloudwatchlogs.StartQueryOutput, error) {
		return lo.api.StartQuery(ctx, in)
	})
	if err != nil {
		var nf *logtypes.ResourceNotFoundException
		if errors.As(err, &nf) {
			err = fmt.Errorf("log group %q not found (logs off, or the function never ran): %w", group, err)
		}
		return InitStats{Source: SourceNone, Err: err}
	}
	id := aws.ToString(sq.QueryId)
	rows, err := p.awaitQuery(ctx, id)
	if err != nil {
		return InitStats{Source: SourceNone, Err: err}
	}
	s, err := parseInitRow(rows)
	if err != nil {
		return InitStats{Source: SourceNone, Err: fmt.Errorf("log group %q, query %s: %w", group, id, err)}
	}
	s.Source = SourceLogs
	return s
}

// parseInitRow checks the INIT query's one result row (none when the stretch has no REPORT line).
func parseInitRow(rows [][]logtypes.ResultField) (InitStats, error) {
	var s InitStats
	switch len(rows) {
	case 0:
		return s, nil
	case 1:
	default:
		return s, fmt.Errorf("%d result rows, want 1 (the query aggregates the whole stretch)", len(rows))
	}
	got := map[string]string{}
	for _, f := range rows[0] {
		got[aws.ToString(f.Field)] = aws.ToString(f.Value)
	}
	num := func(name string, optional bool) (float64, error) {
		v, ok := got[name]
		if !ok || v == "" {
			if optional {
				return 0, nil
			}
			return 0, fmt.Errorf("result has no field %s (want reports, coldStarts, initMean, initP50, initP99)", name)
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || x < 0 || x > float64(math.MaxInt64/2) {
			return 0, fmt.Errorf("%s = %q, want a finite number >= 0", name, v)
		}
		return x, nil
	}
	reports, err := num("reports", false)
	if err != nil {
		return s, err
	}
	cold, err := num("coldStarts", false)
	if err != nil {
		return s, err
	}
	if reports != math.Trunc(reports) || cold != math.Trunc(cold) || cold > reports {
		return s, fmt.Errorf("reports = %v, coldStarts = %v, want whole counts with coldStarts <= reports", reports, cold)
	}
	s.Reports, s.ColdStarts = int64(reports), int64(cold)
	ms := func(x float64) time.Duration { return time.Duration(x * float64(time.Millisecond)) }
	for _, f := range []struct {
		name string
		dst  *time.Duration
	}{{"initMean", &s.Mean}, {"initP50", &s.P50}, {"initP99", &s.P99}} {
		x, err := num(f.name, s.ColdStarts == 0)
		if err != nil {
			return s, err
		}
		if x > 15*60*1000 {
			return s, fmt.Errorf("%s = %v ms, want at most 900,000 ms (Lambda's longest timeout)", f.name, x)
		}
		*f.dst = ms(x)
	}
	return s, nil
}

package awsadapter

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// fakeReport is one REPORT line in the fake log group.
type fakeReport struct {
	at                 time.Time
	durationMs, initMs float64 // initMs 0: a warm start (no Init Duration)
	// lag is how long after at the line becomes visible to queries (log delivery).
	lag time.Duration
}

// fakeQuery is a query the fake ran.
type fakeQuery struct {
	id, group, query string
	start, end       int64
	limit            int32
	rows             []map[string]string
	polls            int
}

// fakeLogs is an httptest server speaking CloudWatch Logs' JSON protocol for StartQuery,
// GetQueryResults and StopQuery, which moto implements only in part. It evaluates the adapter's
// aggregating query (the shape logsQuery writes; anything else is a MalformedQueryException) over
// the REPORT lines visible at the virtual clock's time when the query starts, as Logs Insights does.
type fakeLogs struct {
	srv *httptest.Server
	clk *fakeClock

	mu      sync.Mutex
	group   string // the log group that exists ("" : none)
	reports []fakeReport
	// fail, if set, may fail the n-th call (1-based) of op with an HTTP status and error code.
	fail func(op string, n int) (int, string)
	// running is how many GetQueryResults calls of each query answer Running (with the first half of
	// the rows, as Logs Insights returns partial results) before it ends; -1: it never ends.
	running int
	// final is the status a query ends with (default Complete).
	final string
	// onPoll, if set, runs on every GetQueryResults call (without the lock).
	onPoll func(n int)
	// mangle, if set, edits a query's result rows.
	mangle  func(rows []map[string]string) []map[string]string
	count   map[string]int
	queries []*fakeQuery
	stopped []string
}

func newFakeLogs(t testing.TB, clk *fakeClock, group string) *fakeLogs {
	l := &fakeLogs{clk: clk, group: group, count: map[string]int{}}
	l.srv = httptest.NewServer(http.HandlerFunc(l.serve))
	t.Cleanup(l.srv.Close)
	return l
}

func (l *fakeLogs) client() LogsAPI {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")}
	return NewLogsClient(cfg, ClientOptions{Endpoint: l.srv.URL})
}

func (l *fakeLogs) add(r ...fakeReport) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reports = append(l.reports, r...)
}

// configure changes the fake under its lock.
func (l *fakeLogs) configure(f func(*fakeLogs)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f(l)
}

func (l *fakeLogs) stoppedIDs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.stopped...)
}

func (l *fakeLogs) ran() []*fakeQuery {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*fakeQuery(nil), l.queries...)
}

func (l *fakeLogs) calls(op string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count[op]
}

func logsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

func (l *fakeLogs) serve(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "Logs_20140328.")
	body, _ := io.ReadAll(r.Body)
	l.mu.Lock()
	l.count[op]++
	n := l.count[op]
	onPoll := l.onPoll
	l.mu.Unlock()
	if op == "GetQueryResults" && onPoll != nil {
		onPoll(n)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		if status, code := l.fail(op, n); status != 0 {
			logsError(w, status, code, "injected failure of "+op)
			return
		}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch op {
	case "StartQuery":
		l.startQuery(w, body)
	case "GetQueryResults":
		l.getQueryResults(w, body)
	case "StopQuery":
		var in struct{ QueryId string }
		json.Unmarshal(body, &in)
		l.stopped = append(l.stopped, in.QueryId)
		json.NewEncoder(w).Encode(map[string]any{"success": true})
	default:
		logsError(w, 400, "UnknownOperationException", "not implemented: "+op)
	}
}

var (
	fakeQueryIdx   = regexp.MustCompile(`^filter @type = "REPORT"\n\| fields floor\(\(toMillis\(@timestamp\) - (\d+)\) / (\d+)\) as idx, coalesce\(@initDuration, 0\) as init`)
	fakeQuerySlow  = regexp.MustCompile(`, least\(1, greatest\(0, ceil\(@duration \+ coalesce\(@initDuration, 0\) - ([0-9.]+)\)\)\) as slow\n`)
	fakeQueryRange = regexp.MustCompile(`\n\| filter idx >= 0 and idx < (\d+)\n\| stats count\(\*\) as reports, count\(@initDuration\) as coldStarts, sum\(init\) as initMs, sum\(@billedDuration\) as billedMs(, sum\(slow\) as overSLO)? by idx$`)
)

func (l *fakeLogs) startQuery(w http.ResponseWriter, body []byte) {
	var in struct {
		LogGroupName, QueryString string
		StartTime, EndTime        int64
		Limit                     int32
	}
	json.Unmarshal(body, &in)
	if l.group == "" || in.LogGroupName != l.group {
		logsError(w, 400, "ResourceNotFoundException", "The specified log group does not exist.")
		return
	}
	if in.QueryString == initQuery {
		q := &fakeQuery{id: fmt.Sprintf("q%d", len(l.queries)+1), group: in.LogGroupName, query: in.QueryString,
			start: in.StartTime, end: in.EndTime, limit: in.Limit}
		q.rows = l.evaluateInit(in.StartTime, in.EndTime)
		if l.mangle != nil {
			q.rows = l.mangle(q.rows)
		}
		l.queries = append(l.queries, q)
		json.NewEncoder(w).Encode(map[string]string{"queryId": q.id})
		return
	}
	m, r := fakeQueryIdx.FindStringSubmatch(in.QueryString), fakeQueryRange.FindStringSubmatch(in.QueryString)
	if m == nil || r == nil {
		logsError(w, 400, "MalformedQueryException", "the fake does not speak this query: "+in.QueryString)
		return
	}
	base, _ := strconv.ParseInt(m[1], 10, 64)
	per, _ := strconv.ParseInt(m[2], 10, 64)
	n, _ := strconv.Atoi(r[1])
	bound := math.NaN()
	if s := fakeQuerySlow.FindStringSubmatch(in.QueryString); s != nil {
		bound, _ = strconv.ParseFloat(s[1], 64)
	}
	q := &fakeQuery{id: fmt.Sprintf("q%d", len(l.queries)+1), group: in.LogGroupName, query: in.QueryString,
		start: in.StartTime, end: in.EndTime, limit: in.Limit}
	q.rows = l.evaluate(in.StartTime, in.EndTime, base, per, n, bound)
	if l.mangle != nil {
		q.rows = l.mangle(q.rows)
	}
	l.queries = append(l.queries, q)
	json.NewEncoder(w).Encode(map[string]string{"queryId": q.id})
}

// evaluate aggregates the visible REPORT lines in [start, end] seconds (inclusive, as Logs Insights
// takes them) per interval index, as the adapter's query asks.
func (l *fakeLogs) evaluate(start, end, base, per int64, n int, bound float64) []map[string]string {
	type agg struct {
		reports, cold, over int
		init, billed        float64
	}
	aggs := map[int64]*agg{}
	now := l.clk.Now()
	for _, rep := range l.reports {
		ms := rep.at.UnixMilli()
		if ms < start*1000 || ms >= (end+1)*1000 || now.Before(rep.at.Add(rep.lag)) {
			continue
		}
		idx := int64(math.Floor(float64(ms-base) / float64(per)))
		if idx < 0 || idx >= int64(n) {
			continue
		}
		a := aggs[idx]
		if a == nil {
			a = &agg{}
			aggs[idx] = a
		}
		a.reports++
		if rep.initMs > 0 {
			a.cold++
		}
		a.init += rep.initMs
		a.billed += math.Ceil(rep.durationMs + rep.initMs)
		if !math.IsNaN(bound) && rep.durationMs+rep.initMs > bound {
			a.over++
		}
	}
	var keys []int64
	for k := range aggs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	var rows []map[string]string
	for _, k := range keys {
		a := aggs[k]
		row := map[string]string{"idx": strconv.FormatInt(k, 10), "reports": strconv.Itoa(a.reports),
			"coldStarts": strconv.Itoa(a.cold), "initMs": f(a.init), "billedMs": f(a.billed)}
		if !math.IsNaN(bound) {
			row["overSLO"] = strconv.Itoa(a.over)
		}
		rows = append(rows, row)
	}
	return rows
}

func (l *fakeLogs) getQueryResults(w http.ResponseWriter, body []byte) {
	var in struct{ QueryId string }
	json.Unmarshal(body, &in)
	var q *fakeQuery
	for _, c := range l.queries {
		if c.id == in.QueryId {
			q = c
		}
	}
	if q == nil {
		logsError(w, 400, "ResourceNotFoundException", "no such query "+in.QueryId)
		return
	}
	q.polls++
	status, rows := "Running", q.rows[:len(q.rows)/2]
	if l.running >= 0 && q.polls > l.running {
		status, rows = "Complete", q.rows
		if l.final != "" {
			status = l.final
		}
	}
	results := [][]map[string]string{}
	for _, row := range rows {
		var fields []map[string]string
		// A stable field order, with Logs Insights' own @ptr-like noise the adapter must ignore.
		keys := make([]string, 0, len(row))
		for k := range row {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fields = append(fields, map[string]string{"field": k, "value": row[k]})
		}
		results = append(results, fields)
	}
	json.NewEncoder(w).Encode(map[string]any{"status": status, "results": results,
		"statistics": map[string]float64{"recordsMatched": float64(len(l.reports))}})
}

// evaluateInit aggregates the visible REPORT lines in [start, end] seconds into the one row of the
// history's INIT query: counts, and the mean, median and 99th percentile (nearest rank) of the Init
// Durations, fields Logs Insights leaves out when no line has one.
func (l *fakeLogs) evaluateInit(start, end int64) []map[string]string {
	now := l.clk.Now()
	var reports int
	var inits []float64
	for _, rep := range l.reports {
		ms := rep.at.UnixMilli()
		if ms < start*1000 || ms >= (end+1)*1000 || now.Before(rep.at.Add(rep.lag)) {
			continue
		}
		reports++
		if rep.initMs > 0 {
			inits = append(inits, rep.initMs)
		}
	}
	if reports == 0 {
		return nil
	}
	row := map[string]string{"reports": strconv.Itoa(reports), "coldStarts": strconv.Itoa(len(inits))}
	if len(inits) > 0 {
		sort.Float64s(inits)
		var sum float64
		for _, x := range inits {
			sum += x
		}
		rank := func(p float64) float64 { return inits[max(0, int(math.Ceil(p*float64(len(inits))))-1)] }
		f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
		row["initMean"], row["initP50"], row["initP99"] = f(sum/float64(len(inits))), f(rank(0.5)), f(rank(0.99))
	}
	return []map[string]string{row}
}

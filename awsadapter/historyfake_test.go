package awsadapter

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// fakeHistory answers GetMetricData (awsquery) from per-period series, as CloudWatch does for a
// stretch of history: one datapoint per period with data, pages of at most min(MaxDatapoints,
// pageLimit) datapoints with NextToken, StatusCode PartialData on the queries a page cut.
type fakeHistory struct {
	base   time.Time // series[k][i] is the datapoint at base + i·period
	period time.Duration
	// series: "Metric/Stat" -> values; NaN means no datapoint.
	series map[string][]float64
	// whole: "Metric/Stat" -> the value a query whose period covers its whole range returns.
	whole map[string]float64
	// pageLimit caps a page below MaxDatapoints (0: none), as CloudWatch's own paging may.
	pageLimit int
	// partialNoToken makes the last page say PartialData without a NextToken.
	partialNoToken bool
	// status, if set, is the StatusCode of every result (e.g. "InternalError").
	status string
	// hang, if set, makes the n-th call (1-based) wait until the client gives up.
	hang  func(n int) bool
	calls []fakeHistoryCall
}

// fakeHistoryCall is one GetMetricData call the fake answered.
type fakeHistoryCall struct {
	start, end    time.Time
	period        time.Duration
	maxDatapoints int
	queries       int
	token         string
}

type fakeDatapoint struct {
	q int
	t time.Time
	v float64
}

// answer serves one call; the fake's lock (fakeAWS.mu) is held.
func (h *fakeHistory) answer(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("Action") != "GetMetricData" {
		http.Error(w, "bad request", 400)
		return
	}
	start, _ := time.Parse(time.RFC3339, form.Get("StartTime"))
	end, _ := time.Parse(time.RFC3339, form.Get("EndTime"))
	maxDP, _ := strconv.Atoi(form.Get("MaxDatapoints"))
	call := fakeHistoryCall{start: start, end: end, maxDatapoints: maxDP, token: form.Get("NextToken")}
	h.calls = append(h.calls, call)
	if h.hang != nil && h.hang(len(h.calls)) {
		<-r.Context().Done()
		return
	}
	type query struct{ id, key string }
	var qs []query
	var period time.Duration
	for i := 1; ; i++ {
		pre := fmt.Sprintf("MetricDataQueries.member.%d.", i)
		id := form.Get(pre + "Id")
		if id == "" {
			break
		}
		p, _ := strconv.Atoi(form.Get(pre + "MetricStat.Period"))
		period = time.Duration(p) * time.Second
		qs = append(qs, query{id, form.Get(pre+"MetricStat.Metric.MetricName") + "/" + form.Get(pre+"MetricStat.Stat")})
	}
	h.calls[len(h.calls)-1].period, h.calls[len(h.calls)-1].queries = period, len(qs)
	var points []fakeDatapoint
	for qi, q := range qs {
		if period == end.Sub(start) && period != h.period {
			if v, ok := h.whole[q.key]; ok {
				points = append(points, fakeDatapoint{qi, start, v})
			}
			continue
		}
		vals := h.series[q.key]
		for i, v := range vals {
			t := h.base.Add(time.Duration(i) * h.period)
			if !math.IsNaN(v) && !t.Before(start) && t.Before(end) {
				points = append(points, fakeDatapoint{qi, t, v})
			}
		}
	}
	from, _ := strconv.Atoi(call.token)
	limit := maxDP
	if limit == 0 {
		limit = 100800
	}
	if h.pageLimit > 0 {
		limit = min(limit, h.pageLimit)
	}
	to := min(len(points), from+limit)
	page := points[from:to]
	next := ""
	if to < len(points) {
		next = strconv.Itoa(to)
	}
	var b strings.Builder
	b.WriteString(`<GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><GetMetricDataResult><MetricDataResults>`)
	for qi, q := range qs {
		status := "Complete"
		if next != "" || (h.partialNoToken && to == len(points)) {
			for _, p := range points[to:] {
				if p.q == qi {
					status = "PartialData"
				}
			}
			if h.partialNoToken && next == "" {
				status = "PartialData"
			}
		}
		if h.status != "" {
			status = h.status
		}
		fmt.Fprintf(&b, `<member><Id>%s</Id><Label>%s</Label><StatusCode>%s</StatusCode><Timestamps>`, q.id, q.key, status)
		for _, p := range page {
			if p.q == qi {
				fmt.Fprintf(&b, `<member>%s</member>`, p.t.UTC().Format(time.RFC3339))
			}
		}
		b.WriteString(`</Timestamps><Values>`)
		for _, p := range page {
			if p.q == qi {
				fmt.Fprintf(&b, `<member>%s</member>`, strconv.FormatFloat(p.v, 'g', -1, 64))
			}
		}
		b.WriteString(`</Values>`)
		if status != "Complete" {
			fmt.Fprintf(&b, `<Messages><member><Code>%s</Code><Value>injected</Value></member></Messages>`, status)
		}
		b.WriteString(`</member>`)
	}
	b.WriteString(`</MetricDataResults>`)
	if next != "" {
		fmt.Fprintf(&b, `<NextToken>%s</NextToken>`, next)
	}
	b.WriteString(`<Messages/></GetMetricDataResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetMetricDataResponse>`)
	w.Header().Set("Content-Type", "text/xml")
	w.Write([]byte(b.String()))
}

// historyCalls returns the GetMetricData calls the fake's history answered.
func (f *fakeAWS) historyCalls() []fakeHistoryCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeHistoryCall(nil), f.hist.calls...)
}

package awsadapter

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/lambdatune/lambdatune"
)

// fakeAWS is an httptest server speaking the Lambda REST JSON routes the adapter uses (including
// those moto lacks: provisioned concurrency and account settings) and CloudWatch's GetMetricData in
// the awsquery protocol (with percentiles, which moto lacks). It keeps one function's state.
type fakeAWS struct {
	srv *httptest.Server

	mu       sync.Mutex
	name     string
	latest   fnConfig
	versions []fnConfig // versions[i] is version i+1
	alias    string
	aliasVer int // 0: the alias does not exist
	reserved *int
	prov     *provState
	// account
	accountLimit, reservedElsewhere int
	// updateSteps is how many reads report LastUpdateStatus InProgress after an update;
	// readySteps how many reads report IN_PROGRESS after provisioned concurrency changes.
	updateSteps, readySteps int
	pendingUpdate           int
	// provFailures is how many provisioned concurrency allocations end FAILED instead of READY.
	provFailures int
	// codeDrift makes $LATEST's code differ from the published versions'.
	codeDrift bool
	// metrics: "Metric/Stat" -> value; absent keys have no datapoints.
	metrics map[string]float64
	// fail, if set, may make a call fail: it gets the operation and its 1-based count and returns an
	// HTTP status and error type (status 0: no failure).
	fail  func(op string, n int) (int, string)
	count map[string]int
	log   []string // operations in order
	// cwQueries records the Id/Stat of each GetMetricData query.
	cwQueries [][]string
	// hist, if set, answers GetMetricData from per-minute series instead (historyfake_test.go).
	hist *fakeHistory
}

type fnConfig struct {
	Memory, Timeout, Storage int
}

type provState struct {
	requested, allocated int
	status               string
	reads                int
}

func newFakeAWS(t testing.TB, name string, c fnConfig) *fakeAWS {
	f := &fakeAWS{name: name, latest: c, accountLimit: 1000, count: map[string]int{}, metrics: map[string]float64{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// withAlias publishes the current configuration as version 1 and creates the alias on it.
func (f *fakeAWS) withAlias(alias string) *fakeAWS {
	f.versions = append(f.versions, f.latest)
	f.alias, f.aliasVer = alias, 1
	return f
}

// platform returns an adapter on the fake with a virtual clock.
func (f *fakeAWS) platform(t testing.TB, clk *fakeClock, opts ...Option) *Platform {
	t.Helper()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")}
	lam, cw := NewClients(cfg, ClientOptions{Endpoint: f.srv.URL, QueryProtocol: true})
	base := []Option{WithLogger(slog.New(slog.DiscardHandler)), WithClock(clk.Now, clk.Sleep), WithMetricsDelay(0), WithGuardrails(noLimits())}
	if f.alias != "" {
		base = append(base, WithAlias(f.alias))
	}
	p, err := New(lam, cw, f.name, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// config returns the configuration in force on the fake, as the adapter should report it.
func (f *fakeAWS) config() lambdatune.Config {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.latest
	if f.aliasVer > 0 {
		c = f.versions[f.aliasVer-1]
	}
	out := lambdatune.Config{MemoryMB: c.Memory, Timeout: time.Duration(c.Timeout) * time.Second, Architecture: lambdatune.X86_64, EphemeralStorageMB: c.Storage}
	if f.reserved != nil {
		out.Reserved = lambdatune.Reserve(*f.reserved)
	}
	if f.prov != nil {
		out.Provisioned = f.prov.requested
	}
	return out
}

func (f *fakeAWS) ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

func (f *fakeAWS) lambdaError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg})
}

func (f *fakeAWS) cwError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><Error><Type>Sender</Type><Code>%s</Code><Message>injected</Message></Error><RequestId>r</RequestId></ErrorResponse>`, code)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// route names the operation of a request.
func (f *fakeAWS) route(r *http.Request) (op, fn string) {
	p := r.URL.Path
	if r.Method == http.MethodPost && p == "/" {
		return "GetMetricData", ""
	}
	if strings.HasPrefix(p, "/2016-08-19/account-settings") {
		return "GetAccountSettings", ""
	}
	parts := strings.Split(strings.Trim(p, "/"), "/")
	if len(parts) < 4 || parts[1] != "functions" {
		return "", ""
	}
	fn, _ = url.PathUnescape(parts[2])
	switch key := r.Method + " " + parts[0] + " " + parts[3]; key {
	case "GET 2015-03-31 configuration":
		return "GetFunctionConfiguration", fn
	case "PUT 2015-03-31 configuration":
		return "UpdateFunctionConfiguration", fn
	case "POST 2015-03-31 versions":
		return "PublishVersion", fn
	case "PUT 2015-03-31 aliases":
		return "UpdateAlias", fn
	case "GET 2019-09-30 concurrency":
		return "GetFunctionConcurrency", fn
	case "PUT 2017-10-31 concurrency":
		return "PutFunctionConcurrency", fn
	case "DELETE 2017-10-31 concurrency":
		return "DeleteFunctionConcurrency", fn
	case "GET 2019-09-30 provisioned-concurrency":
		return "GetProvisionedConcurrencyConfig", fn
	case "PUT 2019-09-30 provisioned-concurrency":
		return "PutProvisionedConcurrencyConfig", fn
	case "DELETE 2019-09-30 provisioned-concurrency":
		return "DeleteProvisionedConcurrencyConfig", fn
	}
	return "", fn
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	op, fn := f.route(r)
	if op == "" {
		http.Error(w, "<html>not implemented</html>", http.StatusNotFound)
		return
	}
	f.count[op]++
	f.log = append(f.log, op)
	if f.fail != nil {
		if status, typ := f.fail(op, f.count[op]); status != 0 {
			if op == "GetMetricData" {
				f.cwError(w, status, typ)
			} else {
				f.lambdaError(w, status, typ, "injected failure of "+op)
			}
			return
		}
	}
	if fn != "" && fn != f.name {
		f.lambdaError(w, 404, "ResourceNotFoundException", "Function not found: "+fn)
		return
	}
	body, _ := io.ReadAll(r.Body)
	q := r.URL.Query()
	switch op {
	case "GetMetricData":
		if f.hist != nil {
			f.hist.answer(w, r, body)
			return
		}
		f.getMetricData(w, body)
	case "GetAccountSettings":
		unres := f.accountLimit - f.reservedElsewhere
		if f.reserved != nil {
			unres -= *f.reserved
		}
		writeJSON(w, 200, map[string]any{"AccountLimit": map[string]any{"ConcurrentExecutions": f.accountLimit, "UnreservedConcurrentExecutions": unres}})
	case "GetFunctionConfiguration":
		c, ver, status, sha := f.latest, "$LATEST", "Successful", "code-v1"
		if f.codeDrift {
			sha = "code-v2"
		}
		if qual := q.Get("Qualifier"); qual != "" && qual != "$LATEST" {
			n := f.aliasVer
			if qual != f.alias {
				n, _ = strconv.Atoi(qual)
			}
			if n < 1 || n > len(f.versions) {
				f.lambdaError(w, 404, "ResourceNotFoundException", "no such qualifier "+qual)
				return
			}
			c, ver, sha = f.versions[n-1], strconv.Itoa(n), "code-v1"
		} else if f.pendingUpdate > 0 {
			f.pendingUpdate--
			status = "InProgress"
		}
		writeJSON(w, 200, map[string]any{"FunctionName": f.name, "MemorySize": c.Memory, "Timeout": c.Timeout,
			"EphemeralStorage": map[string]any{"Size": c.Storage}, "Architectures": []string{"x86_64"},
			"State": "Active", "LastUpdateStatus": status, "Version": ver, "CodeSha256": sha, "Runtime": "provided.al2023", "Handler": "bootstrap"})
	case "UpdateFunctionConfiguration":
		var in struct {
			MemorySize, Timeout *int
			EphemeralStorage    *struct{ Size int }
		}
		json.Unmarshal(body, &in)
		if in.MemorySize != nil {
			f.latest.Memory = *in.MemorySize
		}
		if in.Timeout != nil {
			f.latest.Timeout = *in.Timeout
		}
		if in.EphemeralStorage != nil {
			f.latest.Storage = in.EphemeralStorage.Size
		}
		f.pendingUpdate = f.updateSteps
		writeJSON(w, 200, map[string]any{"FunctionName": f.name, "LastUpdateStatus": "InProgress"})
	case "PublishVersion":
		f.versions = append(f.versions, f.latest)
		writeJSON(w, 201, map[string]any{"FunctionName": f.name, "Version": strconv.Itoa(len(f.versions)), "State": "Active", "LastUpdateStatus": "Successful"})
	case "UpdateAlias":
		var in struct{ FunctionVersion string }
		json.Unmarshal(body, &in)
		n, err := strconv.Atoi(in.FunctionVersion)
		if err != nil || n < 1 || n > len(f.versions) {
			f.lambdaError(w, 400, "InvalidParameterValueException", "bad version "+in.FunctionVersion)
			return
		}
		f.aliasVer = n
		if f.prov != nil { // provisioned concurrency is re-allocated on the new version
			f.prov.status, f.prov.allocated, f.prov.reads = "IN_PROGRESS", 0, 0
		}
		writeJSON(w, 200, map[string]any{"Name": f.alias, "FunctionVersion": in.FunctionVersion})
	case "GetFunctionConcurrency":
		if f.reserved == nil {
			writeJSON(w, 200, map[string]any{})
		} else {
			writeJSON(w, 200, map[string]any{"ReservedConcurrentExecutions": *f.reserved})
		}
	case "PutFunctionConcurrency":
		var in struct{ ReservedConcurrentExecutions int }
		json.Unmarshal(body, &in)
		if f.prov != nil && in.ReservedConcurrentExecutions < f.prov.requested {
			f.lambdaError(w, 400, "InvalidParameterValueException", "reserved below provisioned")
			return
		}
		n := in.ReservedConcurrentExecutions
		f.reserved = &n
		writeJSON(w, 200, map[string]any{"ReservedConcurrentExecutions": n})
	case "DeleteFunctionConcurrency":
		f.reserved = nil
		w.WriteHeader(204)
	case "GetProvisionedConcurrencyConfig":
		if f.prov == nil {
			f.lambdaError(w, 404, "ProvisionedConcurrencyConfigNotFoundException", "none")
			return
		}
		f.prov.reads++
		if f.prov.status == "IN_PROGRESS" && f.prov.reads > f.readySteps {
			f.prov.status, f.prov.allocated = "READY", f.prov.requested
			if f.provFailures > 0 {
				f.provFailures--
				f.prov.status, f.prov.allocated = "FAILED", 0
			}
		}
		reason := ""
		if f.prov.status == "FAILED" {
			reason = "injected allocation failure"
		}
		writeJSON(w, 200, map[string]any{"RequestedProvisionedConcurrentExecutions": f.prov.requested,
			"AllocatedProvisionedConcurrentExecutions": f.prov.allocated, "AvailableProvisionedConcurrentExecutions": f.prov.allocated,
			"Status": f.prov.status, "StatusReason": reason})
	case "PutProvisionedConcurrencyConfig":
		var in struct{ ProvisionedConcurrentExecutions int }
		json.Unmarshal(body, &in)
		if f.reserved != nil && in.ProvisionedConcurrentExecutions > *f.reserved {
			f.lambdaError(w, 400, "InvalidParameterValueException", "provisioned above reserved")
			return
		}
		f.prov = &provState{requested: in.ProvisionedConcurrentExecutions, status: "IN_PROGRESS"}
		writeJSON(w, 202, map[string]any{"RequestedProvisionedConcurrentExecutions": in.ProvisionedConcurrentExecutions, "Status": "IN_PROGRESS"})
	case "DeleteProvisionedConcurrencyConfig":
		f.prov = nil
		w.WriteHeader(204)
	}
}

// getMetricData answers an awsquery GetMetricData request from f.metrics, one datapoint per query at
// StartTime.
func (f *fakeAWS) getMetricData(w http.ResponseWriter, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("Action") != "GetMetricData" {
		f.cwError(w, 400, "InvalidAction")
		return
	}
	start := form.Get("StartTime")
	var b strings.Builder
	b.WriteString(`<GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><GetMetricDataResult><MetricDataResults>`)
	var qs []string
	for i := 1; ; i++ {
		pre := fmt.Sprintf("MetricDataQueries.member.%d.", i)
		id := form.Get(pre + "Id")
		if id == "" {
			break
		}
		metric, stat := form.Get(pre+"MetricStat.Metric.MetricName"), form.Get(pre+"MetricStat.Stat")
		qs = append(qs, id+"="+metric+"/"+stat)
		fmt.Fprintf(&b, `<member><Id>%s</Id><Label>%s</Label><StatusCode>Complete</StatusCode>`, id, metric)
		if v, ok := f.metrics[metric+"/"+stat]; ok {
			fmt.Fprintf(&b, `<Timestamps><member>%s</member></Timestamps><Values><member>%g</member></Values>`, start, v)
		} else {
			b.WriteString(`<Timestamps/><Values/>`)
		}
		b.WriteString(`</member>`)
	}
	f.cwQueries = append(f.cwQueries, qs)
	b.WriteString(`</MetricDataResults><Messages/></GetMetricDataResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetMetricDataResponse>`)
	w.Header().Set("Content-Type", "text/xml")
	io.WriteString(w, b.String())
}

func intp(n int) *int { return &n }

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func mustClients(f *fakeAWS) LambdaAPI {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")}
	lam, _ := NewClients(cfg, ClientOptions{Endpoint: f.srv.URL, QueryProtocol: true})
	return lam
}

func mustCW(f *fakeAWS) CloudWatchAPI {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")}
	_, cw := NewClients(cfg, ClientOptions{Endpoint: f.srv.URL, QueryProtocol: true})
	return cw
}

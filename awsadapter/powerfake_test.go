package awsadapter

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/lambdatune/lambdatune"
)

// fakeVersion is one published version of the power fake's function.
type fakeVersion struct {
	memory      int
	code        string
	description string
	invoked     int // invocations so far
}

// fakePower is an httptest server speaking the Lambda REST routes a Power Tuning sweep calls:
// Get/UpdateFunctionConfiguration, PublishVersion, ListVersionsByFunction, DeleteFunction (a
// version) and Invoke with LogType Tail, whose REPORT lines come from measure. PublishVersion returns
// the latest version instead of a new one when $LATEST has not changed since it was published, as
// Lambda does.
type fakePower struct {
	srv *httptest.Server

	mu       sync.Mutex
	name     string
	memory   int    // $LATEST's memory
	code     string // $LATEST's CodeSha256
	rev      int    // $LATEST's RevisionId
	versions map[string]*fakeVersion
	next     int    // the next version number
	lastPub  string // the version $LATEST was last published as ("" after a change)
	// updateSteps is how many reads report LastUpdateStatus InProgress after an update.
	updateSteps, pending int
	// measure returns the i-th (0-based) invocation of a version at memory mem.
	measure func(mem, i int) lambdatune.Invocation
	// fail may fail the n-th call (1-based) of an operation with an HTTP status and error type.
	fail func(op string, n int) (int, string)
	// hang makes the n-th call of an operation wait until the client gives up.
	hang func(op string, n int) bool
	// onCall runs before each call is answered, under the lock (to change the function mid-sweep).
	onCall func(f *fakePower, op string, n int)
	count  map[string]int
	log    []string // operations in order, with their qualifier or memory
}

func newFakePower(t testing.TB, memory int, measure func(mem, i int) lambdatune.Invocation) *fakePower {
	f := &fakePower{name: "fn", memory: memory, code: "code-1", rev: 1, next: 1, versions: map[string]*fakeVersion{},
		measure: measure, count: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// withVersion publishes $LATEST as it is now, before the sweep.
func (f *fakePower) withVersion() *fakePower {
	f.publish("released")
	return f
}

func (f *fakePower) publish(desc string) string {
	if f.lastPub != "" {
		return f.lastPub
	}
	v := strconv.Itoa(f.next)
	f.next++
	f.versions[v] = &fakeVersion{memory: f.memory, code: f.code, description: desc}
	f.lastPub = v
	return v
}

// invoker returns a PowerInvoker on the fake with a virtual clock.
func (f *fakePower) invoker(t testing.TB, po PowerOptions, opts ...Option) *PowerInvoker {
	t.Helper()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")}
	lam, _ := NewClients(cfg, ClientOptions{Endpoint: f.srv.URL})
	clk := newFakeClock(t0)
	base := []Option{WithLogger(discard()), WithClock(clk.Now, clk.Sleep), WithWaits(time.Second, time.Minute, time.Minute)}
	v, err := NewPowerInvoker(lam, f.name, po, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// state returns $LATEST's memory and the versions that exist, sorted.
func (f *fakePower) state() (int, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var vs []string
	for v := range f.versions {
		vs = append(vs, v)
	}
	sort.Strings(vs)
	return f.memory, vs
}

func (f *fakePower) ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

func (f *fakePower) route(r *http.Request) (op, qualifier string) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 3 || parts[1] != "functions" {
		return "", ""
	}
	q := r.URL.Query().Get("Qualifier")
	tail := ""
	if len(parts) > 3 {
		tail = parts[3]
	}
	switch r.Method + " " + tail {
	case "GET configuration":
		return "GetFunctionConfiguration", q
	case "PUT configuration":
		return "UpdateFunctionConfiguration", q
	case "POST versions":
		return "PublishVersion", q
	case "GET versions":
		return "ListVersionsByFunction", q
	case "DELETE ":
		return "DeleteFunction", q
	case "POST invocations":
		return "Invoke", q
	}
	return "", ""
}

func (f *fakePower) serve(w http.ResponseWriter, r *http.Request) {
	op, q := f.route(r)
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.count[op]++
	n := f.count[op]
	hang := f.hang != nil && f.hang(op, n)
	f.mu.Unlock()
	if hang {
		<-r.Context().Done()
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, strings.TrimSpace(op+" "+q))
	if f.onCall != nil {
		f.onCall(f, op, n)
	}
	if op == "" {
		http.Error(w, "not implemented", 404)
		return
	}
	if f.fail != nil {
		if status, typ := f.fail(op, n); status != 0 {
			f.lambdaError(w, status, typ)
			return
		}
	}
	switch op {
	case "GetFunctionConfiguration":
		f.getConfig(w, q)
	case "UpdateFunctionConfiguration":
		f.update(w, body)
	case "PublishVersion":
		f.publishVersion(w, body)
	case "ListVersionsByFunction":
		f.listVersions(w, r.URL.Query())
	case "DeleteFunction":
		if _, ok := f.versions[q]; !ok || q == "" {
			f.lambdaError(w, 404, "ResourceNotFoundException")
			return
		}
		delete(f.versions, q)
		w.WriteHeader(204)
	case "Invoke":
		f.invoke(w, r, q)
	}
}

func (f *fakePower) lambdaError(w http.ResponseWriter, status int, typ string) {
	w.Header().Set("X-Amzn-ErrorType", typ)
	writeJSON(w, status, map[string]string{"Type": "User", "message": "injected " + typ})
}

func (f *fakePower) config(ver string, memory int, code string) map[string]any {
	return map[string]any{"FunctionName": f.name, "Version": ver, "MemorySize": memory, "CodeSha256": code, "RevisionId": strconv.Itoa(f.rev),
		"State": "Active", "LastUpdateStatus": "Successful", "Runtime": "provided.al2023", "Timeout": 30}
}

func (f *fakePower) getConfig(w http.ResponseWriter, q string) {
	if q != "" && q != "$LATEST" {
		v, ok := f.versions[q]
		if !ok {
			f.lambdaError(w, 404, "ResourceNotFoundException")
			return
		}
		writeJSON(w, 200, f.config(q, v.memory, v.code))
		return
	}
	c := f.config("$LATEST", f.memory, f.code)
	if f.pending > 0 {
		f.pending--
		c["LastUpdateStatus"] = "InProgress"
	}
	writeJSON(w, 200, c)
}

func (f *fakePower) update(w http.ResponseWriter, body []byte) {
	var in struct {
		MemorySize *int
		RevisionId string
	}
	json.Unmarshal(body, &in)
	if in.RevisionId != "" && in.RevisionId != strconv.Itoa(f.rev) {
		f.lambdaError(w, 412, "PreconditionFailedException")
		return
	}
	if in.MemorySize != nil {
		f.log[len(f.log)-1] += " " + strconv.Itoa(*in.MemorySize)
		if *in.MemorySize != f.memory {
			f.lastPub = ""
		}
		f.memory = *in.MemorySize
	}
	f.rev++
	f.pending = f.updateSteps
	writeJSON(w, 200, map[string]any{"FunctionName": f.name, "LastUpdateStatus": "InProgress"})
}

func (f *fakePower) publishVersion(w http.ResponseWriter, body []byte) {
	var in struct{ CodeSha256, RevisionId, Description string }
	json.Unmarshal(body, &in)
	if in.RevisionId != "" && in.RevisionId != strconv.Itoa(f.rev) || in.CodeSha256 != "" && in.CodeSha256 != f.code {
		f.lambdaError(w, 412, "PreconditionFailedException")
		return
	}
	v := f.publish(in.Description)
	f.log[len(f.log)-1] += " -> " + v
	writeJSON(w, 201, f.config(v, f.versions[v].memory, f.versions[v].code))
}

// listVersions answers in pages of two, to exercise NextMarker.
func (f *fakePower) listVersions(w http.ResponseWriter, q url.Values) {
	all := []string{"$LATEST"}
	var nums []int
	for v := range f.versions {
		n, _ := strconv.Atoi(v)
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		all = append(all, strconv.Itoa(n))
	}
	from, _ := strconv.Atoi(q.Get("Marker"))
	to := min(len(all), from+2)
	var page []map[string]any
	for _, v := range all[from:to] {
		page = append(page, map[string]any{"Version": v})
	}
	out := map[string]any{"Versions": page}
	if to < len(all) {
		out["NextMarker"] = strconv.Itoa(to)
	}
	writeJSON(w, 200, out)
}

func (f *fakePower) invoke(w http.ResponseWriter, r *http.Request, q string) {
	v, ok := f.versions[q]
	if !ok {
		f.lambdaError(w, 404, "ResourceNotFoundException")
		return
	}
	inv := f.measure(v.memory, v.invoked)
	v.invoked++
	line := fmt.Sprintf("REPORT RequestId: r-%d\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: 40 MB\t",
		v.invoked, float64(inv.Duration)/float64(time.Millisecond), inv.BilledMs, v.memory)
	if inv.Cold {
		line += fmt.Sprintf("Init Duration: %.2f ms\t", float64(inv.Init)/float64(time.Millisecond))
	}
	tail := "START RequestId: r\nsome output\nEND RequestId: r\n" + line + "\n"
	if r.Header.Get("X-Amz-Log-Type") == "Tail" {
		w.Header().Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString([]byte(tail)))
	}
	if inv.Error {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
	}
	w.Header().Set("X-Amz-Executed-Version", q)
	w.WriteHeader(200)
	w.Write([]byte(`{"ok":true}`))
}

// powerCtx is a test context with a deadline, so that a hung call cannot hang the test.
func powerCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

package awsadapter

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/lambdatune/lambdatune"
)

// The fields of a REPORT line (the default text log format): tab-separated "Key: value unit".
var (
	reportDuration = regexp.MustCompile(`(?:^|\t)\s*Duration: ([0-9.]+) ms`)
	reportBilled   = regexp.MustCompile(`\tBilled Duration: ([0-9]+) ms`)
	reportInit     = regexp.MustCompile(`\tInit Duration: ([0-9.]+) ms`)
	reportMemory   = regexp.MustCompile(`\tMemory Size: ([0-9]+) MB`)
	reportStatus   = regexp.MustCompile(`\tStatus: ([a-z]+)`)
)

// maxReportMs bounds a REPORT line's durations: Lambda's longest timeout plus its longest INIT (10 s).
const maxReportMs = 900_000 + 10_000

// parseInvocation reads an invocation's outcome from the REPORT line in its log tail (LogType Tail,
// the last 4 KB of its log, base64): Duration, Billed Duration, Init Duration (a cold start) and
// Memory Size, which must be mem. A function error (X-Amz-Function-Error) or a Status of timeout or
// error marks the invocation failed.
func parseInvocation(out *lambda.InvokeOutput, mem int) (lambdatune.Invocation, error) {
	if out.StatusCode != 200 {
		return lambdatune.Invocation{}, fmt.Errorf("status code %d, want 200", out.StatusCode)
	}
	tail, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if err != nil {
		return lambdatune.Invocation{}, fmt.Errorf("log tail is not base64: %w", err)
	}
	line := ""
	for _, l := range strings.Split(string(tail), "\n") {
		if strings.HasPrefix(l, "REPORT RequestId:") {
			line = l
		}
	}
	if line == "" {
		return lambdatune.Invocation{}, errors.New("no REPORT line in the log tail (LogType Tail): is the function's log format text, with the system log level INFO or finer?")
	}
	return parseReport(line, mem, aws.ToString(out.FunctionError))
}

// parseReport reads one REPORT line; functionError is the invocation's X-Amz-Function-Error.
func parseReport(line string, mem int, functionError string) (lambdatune.Invocation, error) {
	num := func(re *regexp.Regexp, name string, optional bool) (float64, bool, error) {
		m := re.FindStringSubmatch(line)
		if m == nil {
			if optional {
				return 0, false, nil
			}
			return 0, false, fmt.Errorf("REPORT line has no %s: %q", name, line)
		}
		x, err := strconv.ParseFloat(m[1], 64)
		if err != nil || math.IsNaN(x) || x < 0 || x > maxReportMs {
			return 0, false, fmt.Errorf("REPORT line's %s = %q, want a number of ms in [0, %d]", name, m[1], maxReportMs)
		}
		return x, true, nil
	}
	dur, _, err := num(reportDuration, "Duration", false)
	if err != nil {
		return lambdatune.Invocation{}, err
	}
	billed, _, err := num(reportBilled, "Billed Duration", false)
	if err != nil {
		return lambdatune.Invocation{}, err
	}
	initMs, cold, err := num(reportInit, "Init Duration", true)
	if err != nil {
		return lambdatune.Invocation{}, err
	}
	m := reportMemory.FindStringSubmatch(line)
	if m == nil || m[1] != strconv.Itoa(mem) {
		return lambdatune.Invocation{}, fmt.Errorf("REPORT line's Memory Size is not %d MB (the version invoked is not the size measured): %q", mem, line)
	}
	ms := func(x float64) time.Duration { return time.Duration(math.Round(x * float64(time.Millisecond))) }
	inv := lambdatune.Invocation{Duration: ms(dur), Init: ms(initMs), BilledMs: int64(billed), Cold: cold, Error: functionError != ""}
	if s := reportStatus.FindStringSubmatch(line); s != nil && s[1] != "success" {
		inv.Error = true
	}
	return inv, nil
}

package original_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/lambdatune/lambdatune/env/original"
)

// WriteLog prints numbers as Python does, so the original's logs round-trip byte for byte.
func TestLogRoundTrip(t *testing.T) {
	for _, name := range []string{"baseline_static", "baseline_ml_only", "baseline_rl_only_a2c", "baseline_hybrid_a2c", "baseline_hybrid"} {
		t.Run(name, func(t *testing.T) {
			raw := readRaw(t, name)
			rows, err := original.ReadLog(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := original.WriteLog(&buf, rows); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), raw) {
				got, want := strings.Split(buf.String(), "\n"), strings.Split(string(raw), "\n")
				for i := range min(len(got), len(want)) {
					if got[i] != want[i] {
						t.Fatalf("line %d: wrote %q, the original has %q", i+1, got[i], want[i])
					}
				}
				t.Fatalf("wrote %d lines, the original has %d", len(got), len(want))
			}
		})
	}
}

func TestWriteLogNumbers(t *testing.T) {
	rows := []original.Row{
		{Step: 0, Forecast: 100, Action: original.Action{MemoryMB: 128, TimeoutS: 3, Concurrency: 1}, Latency: 50, Cost: 0.1, Reward: -2, SLAViolated: true},
		{Step: 1, Forecast: 1e-5, Action: original.Action{MemoryMB: 1024, TimeoutS: 10, Concurrency: 3}, Latency: 0.5, Cost: 2.5e-5, Reward: -1e20},
	}
	var buf bytes.Buffer
	if err := original.WriteLog(&buf, rows); err != nil {
		t.Fatal(err)
	}
	want := original.LogHeader + "\n" +
		"0,100.0,128,3,1,50.0,0.1,-2.0,True\n" +
		"1,1e-05,1024,10,3,0.5,2.5e-05,-1e+20,False\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("WriteLog (-want +got):\n%s", diff)
	}
	back, err := original.ReadLog(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// Forecast, latency and cost are float32 columns.
	rows[0].Cost = float64(float32(0.1))
	rows[1].Forecast, rows[1].Cost = float64(float32(1e-5)), float64(float32(2.5e-5))
	if diff := cmp.Diff(rows, back); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
}

func TestReadLogRejects(t *testing.T) {
	const head = original.LogHeader + "\n"
	const ok = "0,90.8,128,5,2,171.2,0.07,-2.8,False\n"
	tests := []struct {
		name, in, want string
		is             error
	}{
		{"empty", "", "log header", nil},
		{"wrong header", "step,forecast\n", "wrong number of fields", nil},
		{"renamed column", strings.Replace(head, "reward", "rewards", 1) + ok, "log header", nil},
		{"not a number", head + "0,abc,128,5,2,171.2,0.07,-2.8,False\n", "column forecast", nil},
		{"NaN", head + "0,90.8,128,5,2,NaN,0.07,-2.8,False\n", "column latency = NaN", nil},
		{"infinite reward", head + "0,90.8,128,5,2,171.2,0.07,-Inf,False\n", "column reward", nil},
		{"fractional memory", head + "0,90.8,128.5,5,2,171.2,0.07,-2.8,False\n", "want an integer", nil},
		{"memory outside the table", head + "0,90.8,2048,5,2,171.2,0.07,-2.8,False\n", "memory 2048 MB", original.ErrInvalidAction},
		{"timeout outside the table", head + "0,90.8,128,15,2,171.2,0.07,-2.8,False\n", "timeout 15 s", original.ErrInvalidAction},
		{"concurrency outside the table", head + "0,90.8,128,5,4,171.2,0.07,-2.8,False\n", "concurrency 4", original.ErrInvalidAction},
		{"boolean", head + "0,90.8,128,5,2,171.2,0.07,-2.8,false\n", "want True or False", nil},
		{"step skipped", head + ok + strings.Replace(ok, "0,", "2,", 1), "step 2: want 1", nil},
		{"short row", head + "0,90.8,128\n", "wrong number of fields", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := original.ReadLog(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ReadLog error %v, want one mentioning %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("ReadLog error %v does not wrap %v", err, tc.is)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	rows := []original.Row{
		{Latency: 100, Cost: 0.1, Reward: -1},
		{Latency: 250, Cost: 0.05, Reward: -3, SLAViolated: true},
	}
	want := original.Summary{Steps: 2, AvgLatency: 175, AvgCost: 0.075, SLAViolationRate: 0.5, AvgReward: -2}
	if diff := cmp.Diff(want, original.Summarize(rows), cmpopts.EquateApprox(1e-15, 0)); diff != "" {
		t.Errorf("Summarize (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(original.Summary{}, original.Summarize(nil)); diff != "" {
		t.Errorf("Summarize(nil) (-want +got):\n%s", diff)
	}
}

// FuzzReadLog checks that ReadLog never panics and that whatever it accepts writes back and
// reads again to the same rows.
func FuzzReadLog(f *testing.F) {
	f.Add([]byte(original.LogHeader + "\n0,90.84534,128,5,2,171.25691,0.071125336,-2.866983325313589,False\n"))
	f.Add([]byte(original.LogHeader + "\n0,1e-05,1024,10,3,300.0,0.1,-1e+20,True\n1,2,256,3,1,50,0.01,0,False\n"))
	f.Add([]byte("step\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := original.ReadLog(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := original.WriteLog(&buf, rows); err != nil {
			t.Fatal(err)
		}
		again, err := original.ReadLog(&buf)
		if err != nil {
			t.Fatalf("rows written by WriteLog do not read back: %v", err)
		}
		if diff := cmp.Diff(rows, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

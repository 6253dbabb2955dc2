package workload

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// TestReadersRefuseHostileInput covers inputs that once crashed, exhausted memory or were
// believed: each must give an error, quickly and without a large allocation.
func TestReadersRefuseHostileInput(t *testing.T) {
	ctx := context.Background()
	plain := func(r io.Reader) error {
		_, err := ReadPlainCSV(ctx, r, PlainCSVOptions{FillGaps: true})
		return err
	}
	tests := []struct {
		name string
		read func(io.Reader) error
		in   io.Reader
		want string
	}{
		{"nil reader", plain, nil, "reader is nil"},
		{"header over MaxHeaderBytes", plain, io.MultiReader(strings.NewReader("timestamp,count,"), strings.NewReader(strings.Repeat("x", 2*MaxHeaderBytes))), "MaxHeaderBytes"},
		{"plain CSV spanning 2^63 ns in 1 ns steps", func(r io.Reader) error {
			_, err := ReadPlainCSV(ctx, r, PlainCSVOptions{Step: time.Nanosecond, FillGaps: true})
			return err
		}, strings.NewReader("timestamp,count\n1970-01-01T00:00:00Z,1\n2262-04-11T23:47:16.854775807Z,1\n"), "MaxIntervals"},
		{"durations Minimum > Maximum", func(r io.Reader) error { _, err := ReadAzure2019Durations(ctx, r); return err },
			strings.NewReader(strings.Join(durationColumns(), ",") + "\no,a,f,5,1,9,1,1,2,3,4,5,6,7\n"), "Minimum"},
		{"durations decreasing percentiles", func(r io.Reader) error { _, err := ReadAzure2019Durations(ctx, r); return err },
			strings.NewReader(strings.Join(durationColumns(), ",") + "\no,a,f,5,1,1,9,1,2,3,4,5,9,7\n"), "percentile_Average_100"},
		{"memory decreasing percentiles", func(r io.Reader) error { _, err := ReadAzure2019Memory(ctx, r); return err },
			strings.NewReader("HashOwner,HashApp," + strings.Join(memoryColumns(), ",") + "\no,a,1,5,1,2,3,4,5,6,7,1\n"), "AverageAllocatedMb_pct100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.read(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

// TestReadersAcceptBOM checks that a UTF-8 byte-order mark before the header is not part of the
// first column's name.
func TestReadersAcceptBOM(t *testing.T) {
	s, err := ReadPlainCSV(context.Background(), strings.NewReader("\ufefftimestamp,count\n2024-01-01T00:00:00Z,3\n2024-01-01T00:01:00Z,4\n"), PlainCSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2 || s.Counts[1] != 4 {
		t.Fatalf("got %v", s.Counts)
	}
}

// TestSeriesBoundsIntervals checks that a trace whose last arrival is far away is refused rather
// than binned into a huge series.
func TestSeriesBoundsIntervals(t *testing.T) {
	invs, err := ReadAzure2021(context.Background(), strings.NewReader("app,func,end_timestamp,duration\na,f,9000000000,0\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = GroupByFunction(invs)[0].Series(time.Time{}, time.Millisecond, 0)
	if err == nil || !strings.Contains(err.Error(), "MaxIntervals") {
		t.Fatalf("got %v, want a MaxIntervals error", err)
	}
	if _, _, err := Bin(nil, time.Time{}, time.Second, MaxIntervals+1); err == nil {
		t.Fatal("Bin with n > MaxIntervals: no error")
	}
	if _, err := (Series{Step: time.Hour, Counts: make([]float64, 2)}).Resample(time.Nanosecond); !errors.Is(err, ErrResample) {
		t.Fatalf("Resample to 2×3.6e12 intervals: got %v, want ErrResample", err)
	}
}

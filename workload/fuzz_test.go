package workload

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The fuzz tests check that no input makes a reader panic, that a rejected
// input gets a non-empty error, and that whatever a reader accepts its writer
// writes and the reader reads back unchanged. CI runs each briefly:
//
//	go test -run='^$' -fuzz=FuzzReadOriginalCSV -fuzztime=10s ./workload
//
// and likewise FuzzReadPlainCSV, FuzzReadAzure2019Invocations,
// FuzzReadAzure2019Durations, FuzzReadAzure2019Memory and FuzzReadAzure2021.

// addFileHead adds the first n lines of a test file to the corpus.
func addFileHead(f *testing.F, path string, n int) {
	f.Helper()
	file, err := os.Open(path)
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	var buf bytes.Buffer
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for i := 0; i < n && sc.Scan(); i++ {
		buf.Write(sc.Bytes())
		buf.WriteByte('\n')
	}
	f.Add(buf.Bytes())
}

func fuzzRoundTrip[T any](t *testing.T, data []byte, read func(context.Context, io.Reader) (T, error), write func(io.Writer, T) error, skip func(T) bool) {
	ctx := context.Background()
	v, err := read(ctx, bytes.NewReader(data))
	if err != nil {
		if err.Error() == "" {
			t.Fatal("empty error message")
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("error %v (%T) is not a *ParseError", err, err)
		}
		return
	}
	if skip != nil && skip(v) {
		return
	}
	var buf bytes.Buffer
	if err := write(&buf, v); err != nil {
		t.Fatalf("writing what was read: %v", err)
	}
	back, err := read(ctx, &buf)
	if err != nil {
		t.Fatalf("reading back: %v\nwritten:\n%s", err, truncate(buf.String(), 1000))
	}
	if diff := cmp.Diff(v, back, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("round trip changed the data (-read +reread):\n%s", truncate(diff, 2000))
	}
}

func FuzzReadOriginalCSV(f *testing.F) {
	addFileHead(f, seedCSV, 6)
	f.Add([]byte("timestamp,invocations\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,2.5\n"))
	f.Add([]byte("invocations,timestamp\n3,2024-01-01 00:00:00\n4,2024-01-01 01:00:00\n"))
	f.Add([]byte("timestamp,invocations\n\"2024-01-01 00:00:00\",1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, ReadOriginalCSV, WriteOriginalCSV, nil)
	})
}

func FuzzReadPlainCSV(f *testing.F) {
	f.Add([]byte("timestamp,count\n2024-01-01T00:00:00Z,1\n2024-01-01T00:05:00Z,2.5\n"))
	f.Add([]byte("timestamp,count\n2024-01-01T02:00:00+02:00,1\n2024-01-01T02:00:00.5+02:00,0\n"))
	f.Add([]byte("count,timestamp\n1e3,2024-01-01 00:00:00\n0,2024-01-01 00:00:01\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Gaps are filled so that any increasing timestamps are accepted.
		read := func(ctx context.Context, r io.Reader) (Series, error) {
			return ReadPlainCSV(ctx, r, PlainCSVOptions{FillGaps: true})
		}
		fuzzRoundTrip(t, data, read, WritePlainCSV, nil)
	})
}

func FuzzReadAzure2019Invocations(f *testing.F) {
	f.Add([]byte("HashOwner,HashApp,HashFunction,Trigger,480,481\no,a,f,timer,0,1\n"))
	f.Add([]byte("HashFunction,HashApp,HashOwner,minute_1\nf,a,o,7\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, readInv, func(w io.Writer, fs []FunctionCounts) error {
			return WriteAzure2019Invocations(w, day, fs)
		}, func(fs []FunctionCounts) bool { return len(fs) == 0 })
	})
}

func FuzzReadAzure2019Durations(f *testing.F) {
	addFileHead(f, top10Dur, 3)
	addFileHead(f, sampledDur, 3)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, ReadAzure2019Durations, WriteAzure2019Durations, nil)
	})
}

func FuzzReadAzure2019Memory(f *testing.F) {
	addFileHead(f, top10Mem, 3)
	addFileHead(f, sampledMem, 3)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, ReadAzure2019Memory, WriteAzure2019Memory, nil)
	})
}

func FuzzReadAzure2021(f *testing.F) {
	addFileHead(f, azure2021File, 8)
	f.Add([]byte("app,func,end_timestamp,duration\na,f,1e3,.5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, ReadAzure2021, WriteAzure2021, nil)
		if invs, err := ReadAzure2021(context.Background(), bytes.NewReader(data)); err == nil {
			for _, ft := range GroupByFunction(invs) {
				if !strings.Contains(ft.App+ft.Function, "\x00") {
					_, _ = ft.Series(t0, 1<<40, 0) // must not panic
				}
			}
		}
	})
}

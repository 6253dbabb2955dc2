package harden

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// input is one case: run returns nil when the surface accepted the input. mustFail says the
// input is invalid, so acceptance is a wrong result; otherwise (a random mutation that may
// still be valid) only crashes, out-of-memory and hangs count.
type input struct {
	name     string
	mustFail bool
	run      func(ctx context.Context) error
}

// surface is one public entry point and its inputs.
type surface struct {
	name   string
	inputs []input
}

// bad returns an input that must be refused.
func bad(name string, run func(ctx context.Context) error) input {
	return input{name: name, mustFail: true, run: run}
}

// any returns an input that may be accepted (it must only not crash, exhaust memory or hang).
func anyIn(name string, run func(ctx context.Context) error) input {
	return input{name: name, run: run}
}

// selfTest names the surface whose one case allocates past the cap (TestHardenCapWorks).
const selfTest = "harness self-test"

const (
	memCap  = 1 << 30 // RLIMIT_DATA of each case's process
	timeout = 20 * time.Second
)

// mutations returns n deterministic mutations of seed: byte flips, truncations, duplicated
// spans and numbers replaced by extremes.
func mutations(seed []byte, n int, key uint64) [][]byte {
	rng := rand.New(rand.NewPCG(key, 15))
	extremes := []string{"1e308", "-1", "NaN", "Inf", "99999999999999999999", "0", "-0", "1e-320"}
	out := make([][]byte, 0, n)
	for range n {
		b := bytes.Clone(seed)
		switch rng.IntN(4) {
		case 0:
			for range 1 + rng.IntN(3) {
				if len(b) > 0 {
					b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
				}
			}
		case 1:
			b = b[:rng.IntN(len(b)+1)]
		case 2:
			i := rng.IntN(len(b) + 1)
			j := min(len(b), i+rng.IntN(64))
			b = append(append(b[:j:j], b[i:j]...), b[j:]...)
		default:
			// Replace a run of digits by an extreme value.
			i := rng.IntN(len(b) + 1)
			for i < len(b) && (b[i] < '0' || b[i] > '9') {
				i++
			}
			j := i
			for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == '.') {
				j++
			}
			b = append(append(b[:i:i], extremes[rng.IntN(len(extremes))]...), b[j:]...)
		}
		out = append(out, b)
	}
	return out
}

func numMutations() int {
	if v, err := strconv.Atoi(os.Getenv("LAMBDATUNE_HARDEN_MUTATIONS")); err == nil && v >= 0 {
		return v
	}
	return 20
}

// TestHardenChild runs one case in this process; the parent starts it with the case's
// surface and index in the environment and a memory cap.
func TestHardenChild(t *testing.T) {
	sname, idx := os.Getenv("HARDEN_SURFACE"), os.Getenv("HARDEN_INDEX")
	if sname == "" {
		t.Skip("run by TestHarden")
	}
	lim := &syscall.Rlimit{Cur: memCap, Max: memCap}
	if err := syscall.Setrlimit(syscall.RLIMIT_DATA, lim); err != nil {
		t.Fatal(err)
	}
	k, _ := strconv.Atoi(idx)
	for _, s := range surfaces(t) {
		if s.name == sname {
			ctx, cancel := context.WithTimeout(context.Background(), timeout/2)
			defer cancel()
			err := s.inputs[k].run(ctx)
			if err != nil {
				fmt.Printf("HARDEN-RESULT refused: %.200s\n", strings.ReplaceAll(err.Error(), "\n", " "))
			} else {
				fmt.Println("HARDEN-RESULT accepted")
			}
			return
		}
	}
	t.Fatalf("no surface %q", sname)
}

type tally struct{ tried, clean, accepted, panics, oom, hangs, wrong int }

// TestHarden runs every case of every surface in its own process and prints the table. It
// fails if any case panicked, ran out of memory, hung or was wrongly accepted.
func TestHarden(t *testing.T) {
	if os.Getenv("LAMBDATUNE_HARDEN") == "" {
		t.Skip("set LAMBDATUNE_HARDEN=1 to run the hardening harness (a few minutes)")
	}
	ss := surfaces(t)
	type job struct {
		s string
		k int
		n string
		m bool
	}
	var jobs []job
	for _, s := range ss {
		if s.name == selfTest {
			continue // TestHardenCapWorks runs it
		}
		if only := os.Getenv("LAMBDATUNE_HARDEN_SURFACE"); only != "" && s.name != only {
			continue
		}
		for k, in := range s.inputs {
			jobs = append(jobs, job{s.name, k, in.name, in.mustFail})
		}
	}
	results := map[string]*tally{}
	for _, j := range jobs {
		results[j.s] = &tally{}
	}
	var mu sync.Mutex
	var failures []string
	ch := make(chan job)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				outcome, detail := runCase(j.s, j.k)
				mu.Lock()
				r := results[j.s]
				r.tried++
				switch {
				case outcome == "refused":
					r.clean++
				case outcome == "accepted" && j.m:
					r.wrong++
					failures = append(failures, fmt.Sprintf("%s / %s: accepted", j.s, j.n))
				case outcome == "accepted":
					r.accepted++
				case outcome == "panic":
					r.panics++
				case outcome == "oom":
					r.oom++
				case outcome == "hang":
					r.hangs++
				}
				if outcome == "panic" || outcome == "oom" || outcome == "hang" {
					failures = append(failures, fmt.Sprintf("%s / %s: %s: %.300s", j.s, j.n, outcome, detail))
				}
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	names := make([]string, 0, len(results))
	for n := range results {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	var tot tally
	fmt.Fprintf(&b, "| surface | inputs | clean errors | accepted (valid) | panics | OOM | hangs | wrong |\n|---|---|---|---|---|---|---|---|\n")
	for _, n := range names {
		r := results[n]
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d | %d |\n", n, r.tried, r.clean, r.accepted, r.panics, r.oom, r.hangs, r.wrong)
		tot.tried, tot.clean, tot.accepted = tot.tried+r.tried, tot.clean+r.clean, tot.accepted+r.accepted
		tot.panics, tot.oom, tot.hangs, tot.wrong = tot.panics+r.panics, tot.oom+r.oom, tot.hangs+r.hangs, tot.wrong+r.wrong
	}
	fmt.Fprintf(&b, "| **%d surfaces** | %d | %d | %d | %d | %d | %d | %d |\n", len(names), tot.tried, tot.clean, tot.accepted, tot.panics, tot.oom, tot.hangs, tot.wrong)
	t.Log("\n" + b.String())
	if out := os.Getenv("LAMBDATUNE_HARDEN_TABLE"); out != "" {
		_ = os.WriteFile(out, []byte(b.String()), 0o644)
	}
	sort.Strings(failures)
	for _, f := range failures {
		t.Error(f)
	}
}

// runCase runs case k of surface s in a child process and classifies what happened.
func runCase(s string, k int) (outcome, detail string) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHardenChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "HARDEN_SURFACE="+s, "HARDEN_INDEX="+strconv.Itoa(k), "GOTRACEBACK=single")
	out, err := cmd.CombinedOutput()
	text := string(out)
	switch {
	case ctx.Err() != nil:
		return "hang", "no result in " + timeout.String()
	case strings.Contains(text, "out of memory") || strings.Contains(text, "cannot allocate memory") ||
		strings.Contains(text, "pthread_create failed"): // a new thread's stack did not fit the cap
		return "oom", firstLine(text, "fatal error")
	case strings.Contains(text, "panic:") || strings.Contains(text, "fatal error"):
		return "panic", firstLine(text, "panic:") + " " + firstLine(text, "fatal error")
	case strings.Contains(text, "HARDEN-RESULT accepted"):
		return "accepted", ""
	case strings.Contains(text, "HARDEN-RESULT refused"):
		return "refused", firstLine(text, "HARDEN-RESULT")
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return "panic", fmt.Sprintf("exit %d: %.300s", ee.ExitCode(), text)
	}
	return "panic", "no result: " + text
}

func firstLine(text, prefix string) string {
	for l := range strings.SplitSeq(text, "\n") {
		if strings.Contains(l, prefix) {
			return l
		}
	}
	return ""
}

// TestHardenCapWorks checks that the memory cap really stops a case that allocates too much:
// the harness must report out-of-memory, not pass it.
func TestHardenCapWorks(t *testing.T) {
	if os.Getenv("LAMBDATUNE_HARDEN") == "" {
		t.Skip("set LAMBDATUNE_HARDEN=1")
	}
	if out, _ := runCase(selfTest, 0); out != "oom" {
		t.Fatalf("a case allocating 4 GiB under a %d-byte cap: %s, want oom", memCap, out)
	}
}

package lambdasim

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/lambdatune/lambdatune"
)

// TestOptimisticRestoreWhole checks the snapshot field by field, where the digest tests see only
// what reaches the metrics: on fleetAccount (a limit that binds, a function with provisioned
// concurrency, asynchronous retries, configuration changes) an optimistic run undone at the start
// of each of 40 intervals (20 with -short) must leave every function's whole state (cmp.Diff,
// unexported fields included) and the pool's total as those of a twin simulation that never ran
// it, both having pulled the interval's arrivals ahead. A field the run changes and the snapshot
// leaves out fails it, even one that would show in no metric (maxUtil did not, in the digests).
func TestOptimisticRestoreWhole(t *testing.T) {
	ctx := context.Background()
	var sims [2]*Sim
	var change func(i int) (int, *lambdatune.Config)
	for k := range sims {
		opts, deps, ch := fleetAccount(t)
		deps[2].Function.Async = &AsyncOptions{MaxEventAge: 2 * time.Minute, MaxRetryAttempts: 2}
		deps[4].Function.ErrorRate = 0.05
		sims[k], change = mustNew(t, opts, deps...), ch
	}
	a, b := sims[0], sims[1]
	// Unexported fields too; of the backing arrays (fnBacking), what lies past the slices' lengths
	// is no state, and the slices themselves are compared.
	allFields := cmp.Options{cmp.Exporter(func(reflect.Type) bool { return true }),
		cmpopts.IgnoreFields(fnBacking{}, "busy", "envs", "free", "provIdle", "ahead", "pending")}
	steps := 40 // two configuration changes
	if testing.Short() {
		steps = 20 // one
	}
	for i := range steps {
		for _, s := range sims {
			if fn, c := change(i); c != nil {
				if err := s.apply(fn, *c); err != nil {
					t.Fatal(err)
				}
			}
			s.startInterval(s.now)
		}
		end := a.now + a.interval
		a.rollbackAll = true
		if done, err := a.runOptimistic(ctx, end); done || err != nil {
			t.Fatalf("interval %d: runOptimistic with rollbackAll: done %v, err %v", i, done, err)
		}
		a.rollbackAll, a.optWait, a.optBackoff = false, b.optWait, b.optBackoff
		for j, f := range b.fns {
			f.arrivalsBefore(end) // as runOptimistic does for those it ran (an undone run may stop early)
			a.fns[j].arrivalsBefore(end)
			a.fns[j].heldMax, f.heldMax = 0, 0 // set by every run before it is read
			if d := cmp.Diff(*f, *a.fns[j], allFields); d != "" {
				t.Fatalf("interval %d: function %d's state after an undone optimistic run differs from its twin's (-twin +undone):\n%s", i, j, d)
			}
		}
		if a.unresHeld != b.unresHeld {
			t.Fatalf("interval %d: pool total %d after an undone optimistic run, %d in the twin", i, a.unresHeld, b.unresHeld)
		}
		for _, s := range sims {
			if _, err := s.Step(ctx, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
}

package main

import (
	"context"
	"testing"
	"time"
)

func TestWork(t *testing.T) {
	ctx := context.Background()
	a, err := work(ctx, Request{CPURounds: 1000, IOMillis: 20})
	if err != nil {
		t.Fatal(err)
	}
	b, err := work(ctx, Request{CPURounds: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if a.Digest != b.Digest || a.Digest == "" {
		t.Errorf("digests %q and %q, want equal and non-empty (the CPU part is deterministic)", a.Digest, b.Digest)
	}
	if a.IOms < 20 {
		t.Errorf("io_ms = %v, want >= 20", a.IOms)
	}
	c, err := work(ctx, Request{CPURounds: 1001})
	if err != nil {
		t.Fatal(err)
	}
	if c.Digest == a.Digest {
		t.Error("different rounds gave the same digest")
	}
}

func TestWorkRejectsBadPayloads(t *testing.T) {
	for _, r := range []Request{{CPURounds: -1}, {IOMillis: -1}, {IOMillis: maxIOMillis + 1}, {AllocMB: maxAllocMB + 1}, {Fail: true}} {
		if _, err := work(context.Background(), r); err == nil {
			t.Errorf("work(%+v) succeeded, want an error", r)
		}
	}
}

func TestWorkHonoursContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := work(ctx, Request{IOMillis: 10_000}); err == nil {
		t.Error("a 10 s wait under a 10 ms deadline succeeded")
	}
}

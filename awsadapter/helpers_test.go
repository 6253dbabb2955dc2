package awsadapter

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a virtual clock whose sleep advances time and records the waits.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	return nil
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// auditLog captures the adapter's slog records as JSON.
type auditLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (a *auditLog) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.buf.Write(p)
}

func (a *auditLog) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(a, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// records returns the records whose message contains msg.
func (a *auditLog) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(a.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit log line %q: %v", line, err)
		}
		if s, _ := r["msg"].(string); strings.Contains(s, msg) {
			out = append(out, r)
		}
	}
	return out
}

// noLimits returns guardrails that only validate: no bounds beyond Lambda's, no step, hourly or dwell
// limits, no automatic rollback.
func noLimits() Guardrails {
	g := DefaultGuardrails()
	g.Bounds.MaxProvisioned = -1
	g.Bounds.MinReserved = 0
	g.MaxStep = Delta{}
	g.MaxPerHour = Delta{}
	g.MinDwell = 0
	g.Rollback.Window = 0
	return g
}

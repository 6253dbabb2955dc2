package lambdaenv

import (
	"context"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/policy"
	"github.com/lambdatune/lambdatune/rl/a2c"
)

// BenchmarkTuningEnvA2C trains A2C (Stable-Baselines3's defaults, 8 environments stepped in one
// goroutine) on the tuning environment over the interval model, forecaster included (NoisyOracle):
// steps/s is environment steps per second of wall time.
func BenchmarkTuningEnvA2C(b *testing.B) {
	venv, err := env.NewVec(8, func(int) (env.Env, error) { return New(Config{Forecaster: noisy}) })
	if err != nil {
		b.Fatal(err)
	}
	cfg := a2c.DefaultConfig()
	cfg.Seed = 1
	m, err := a2c.New(venv.ObservationSpace(), venv.ActionSpace(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	if err := m.Learn(context.Background(), venv, int64(b.N)); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "steps/s")
}

// BenchmarkTuningEnvA2CHourly trains with the shipped recipe's learner (A2CConfig, 16 environments
// stepped in one goroutine) in AgentConfig's environment, one decision an hour: decisions/s and
// intervals/s (one-minute intervals simulated, 60 a decision) per second of wall time.
func BenchmarkTuningEnvA2CHourly(b *testing.B) {
	venv, err := env.NewVec(16, func(int) (env.Env, error) { return New(AgentConfig(true)) })
	if err != nil {
		b.Fatal(err)
	}
	m, err := a2c.New(venv.ObservationSpace(), venv.ActionSpace(), A2CConfig(1))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	if err := m.Learn(context.Background(), venv, int64(b.N)); err != nil {
		b.Fatal(err)
	}
	secs := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N)/secs, "decisions/s")
	b.ReportMetric(float64(b.N)*policy.DefaultEvery/secs, "intervals/s")
}

// BenchmarkTuningEnvStep steps one environment with a fixed action: the environment's own cost.
func BenchmarkTuningEnvStep(b *testing.B) {
	e, err := New(Config{Forecaster: noisy})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := e.Reset(env.NewSeed(1)); err != nil {
		b.Fatal(err)
	}
	act := []float64{3, 1}
	b.ReportAllocs()
	for b.Loop() {
		r, err := e.Step(act)
		if err != nil {
			b.Fatal(err)
		}
		if r.Done() {
			if _, _, err := e.Reset(env.Seed{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

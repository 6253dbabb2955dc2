// Command function is a Go AWS Lambda function whose work is tunable by its payload: a CPU-bound part
// (SHA-256 rounds, which run faster with more memory because Lambda's CPU share grows with it) and an
// I/O-bound part (a wait, which memory does not speed up). It is the function examples/awspoc tunes.
//
// Payload (all fields optional):
//
//	{"cpu_rounds": 200000, "io_ms": 50, "alloc_mb": 16, "fail": false}
//
// Build it for the provided.al2023 runtime as described in ../README.md.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// Request is the payload.
type Request struct {
	// CPURounds is the number of SHA-256 rounds over a 64-byte block (about 0.3 µs each at 1 vCPU).
	CPURounds int `json:"cpu_rounds"`
	// IOMillis is how long to wait, standing for a call to a database or another service.
	IOMillis int `json:"io_ms"`
	// AllocMB is memory to allocate and touch (tests the memory size).
	AllocMB int `json:"alloc_mb"`
	// Fail makes the invocation return an error (to exercise the tuner's error-rate rollback).
	Fail bool `json:"fail"`
}

// Response reports the work done.
type Response struct {
	Digest  string  `json:"digest"`
	CPUms   float64 `json:"cpu_ms"`
	IOms    float64 `json:"io_ms"`
	TotalMs float64 `json:"total_ms"`
}

// Limits on the payload, so that a bad request cannot run the function into its timeout by accident.
const (
	maxCPURounds = 200_000_000
	maxIOMillis  = 900_000
	maxAllocMB   = 10_000
)

// work performs the request's work; the context bounds the I/O wait.
func work(ctx context.Context, r Request) (Response, error) {
	switch {
	case r.CPURounds < 0 || r.CPURounds > maxCPURounds:
		return Response{}, fmt.Errorf("cpu_rounds = %d, want 0..%d", r.CPURounds, maxCPURounds)
	case r.IOMillis < 0 || r.IOMillis > maxIOMillis:
		return Response{}, fmt.Errorf("io_ms = %d, want 0..%d", r.IOMillis, maxIOMillis)
	case r.AllocMB < 0 || r.AllocMB > maxAllocMB:
		return Response{}, fmt.Errorf("alloc_mb = %d, want 0..%d", r.AllocMB, maxAllocMB)
	case r.Fail:
		return Response{}, errors.New("failure requested by the payload")
	}
	start := time.Now()
	sum := sha256.Sum256([]byte("lambdatune"))
	for range r.CPURounds {
		sum = sha256.Sum256(sum[:])
	}
	if r.AllocMB > 0 {
		buf := make([]byte, r.AllocMB<<20)
		for i := 0; i < len(buf); i += 4096 {
			buf[i] = sum[i%len(sum)]
		}
		sum[0] ^= buf[len(buf)-1]
	}
	cpu := time.Since(start)
	ioStart := time.Now()
	if r.IOMillis > 0 {
		t := time.NewTimer(time.Duration(r.IOMillis) * time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return Response{}, ctx.Err()
		}
	}
	io := time.Since(ioStart)
	return Response{
		Digest:  hex.EncodeToString(sum[:8]),
		CPUms:   float64(cpu.Microseconds()) / 1000,
		IOms:    float64(io.Microseconds()) / 1000,
		TotalMs: float64(time.Since(start).Microseconds()) / 1000,
	}, nil
}

func main() {
	lambda.Start(work)
}

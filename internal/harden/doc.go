// Package harden holds the hardening harness: tests (in harden_test.go) that try many bad
// inputs against every public reader, loader, constructor and Apply path of the module, each
// in its own process under a memory cap and a time limit, and tabulate per surface the inputs
// tried, clean errors, panics, out-of-memory crashes, hangs and wrong results (bad input
// accepted). It has no API: run it with
//
//	LAMBDATUNE_HARDEN=1 go test ./internal/harden -run TestHarden -v
//
// LAMBDATUNE_HARDEN_MUTATIONS sets the random mutations per reader (default 20), and
// LAMBDATUNE_HARDEN_SURFACE runs one surface only (by its name in the table).
package harden

package qlearn

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/lambdatune/lambdatune/env"
)

// FormatName and FormatVersion identify the Q-table file written by Save: one JSON
// object {"format": "lambdatune/qlearn", "version": 1, "config": {...}, "actions": n,
// "low": [...], "high": [...], "epsilon": ε, "episodes": k, "q": [...]} where q holds
// Bins^dim rows of n values (state-major; the state index is the mixed-radix number of
// the feature bins, first feature most significant).
const (
	FormatName    = "lambdatune/qlearn"
	FormatVersion = 1
)

type fileJSON struct {
	Format   string    `json:"format"`
	Version  int       `json:"version"`
	Config   Config    `json:"config"`
	Actions  int       `json:"actions"`
	Low      []float64 `json:"low"`
	High     []float64 `json:"high"`
	Epsilon  float64   `json:"epsilon"`
	Episodes int       `json:"episodes"`
	Q        []float64 `json:"q"`
}

// Save writes the agent (configuration, binning, ε, episode count and Q-table).
func (a *Agent) Save(w io.Writer) error {
	if a.q == nil {
		return errZero
	}
	f := fileJSON{Format: FormatName, Version: FormatVersion, Config: a.cfg, Actions: a.nActions,
		Low: a.low, High: a.high, Epsilon: a.eps, Episodes: a.episodes, Q: a.q}
	bw := bufio.NewWriter(w)
	if err := json.NewEncoder(bw).Encode(f); err != nil {
		return fmt.Errorf("qlearn: saving: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("qlearn: saving: %w", err)
	}
	return nil
}

// Load reads an agent written by Save. Exploration continues with a generator seeded
// from Config.Seed and the episode count.
func Load(r io.Reader) (*Agent, error) {
	if r == nil {
		return nil, errors.New("qlearn: loading: the reader is nil")
	}
	var f fileJSON
	if err := json.NewDecoder(bufio.NewReader(r)).Decode(&f); err != nil {
		return nil, fmt.Errorf("qlearn: loading: %w", err)
	}
	if f.Format != FormatName || f.Version != FormatVersion {
		return nil, fmt.Errorf("qlearn: loading: format %q version %d, this library reads %q version %d", f.Format, f.Version, FormatName, FormatVersion)
	}
	if len(f.Low) == 0 || len(f.Low) != len(f.High) {
		return nil, fmt.Errorf("qlearn: loading: %d low and %d high bounds", len(f.Low), len(f.High))
	}
	// The table's size follows from the declared actions and bins: check it against the values
	// actually read before New allocates it.
	if f.Actions < 1 || f.Actions > len(f.Q) || len(f.Q)%f.Actions != 0 {
		return nil, fmt.Errorf("qlearn: loading: %d actions for a Q-table of %d values, want a divisor >= 1 of the table size", f.Actions, len(f.Q))
	}
	obs, err := env.NewBox(f.Low, f.High)
	if err != nil {
		return nil, fmt.Errorf("qlearn: loading: %w", err)
	}
	act, err := env.NewDiscrete(f.Actions)
	if err != nil {
		return nil, fmt.Errorf("qlearn: loading: %w", err)
	}
	cfg := f.Config
	cfg.Low, cfg.High = f.Low, f.High
	a, err := New(obs, act, cfg)
	if err != nil {
		return nil, fmt.Errorf("qlearn: loading: %w", err)
	}
	if len(f.Q) != len(a.q) {
		return nil, fmt.Errorf("qlearn: loading: Q-table has %d values, need %d", len(f.Q), len(a.q))
	}
	if !(f.Epsilon >= 0 && f.Epsilon <= 1) {
		return nil, fmt.Errorf("qlearn: loading: epsilon = %v, must be in [0, 1]", f.Epsilon)
	}
	if f.Episodes < 0 {
		return nil, fmt.Errorf("qlearn: loading: episodes = %d, must be ≥ 0", f.Episodes)
	}
	for i, v := range f.Q {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("qlearn: loading: Q-table value %d is %v", i, v)
		}
	}
	copy(a.q, f.Q)
	a.eps, a.episodes = f.Epsilon, f.Episodes
	a.rng = rand.New(rand.NewPCG(cfg.Seed, 0x9+uint64(f.Episodes)))
	return a, nil
}

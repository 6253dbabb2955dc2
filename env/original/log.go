package original

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/lambdatune/lambdatune/env"
)

// LogHeader is the header line of the original's CSV logs.
const LogHeader = "step,forecast,memory,timeout,concurrency,latency,cost,reward,sla_violated"

// columns returns the names of the log's columns.
func columns() [9]string {
	return [...]string{"step", "forecast", "memory", "timeout", "concurrency", "latency", "cost", "reward", "sla_violated"}
}

// Row is one step of a log in the original's format.
type Row struct {
	// Step counts from 0.
	Step int
	// Forecast is the forecast value of the step (not normalized).
	Forecast float64
	// Action is the configuration chosen for the step.
	Action Action
	// Latency and Cost are as the original logs them: in float32, the cost capped at 0.1 USD.
	Latency, Cost float64
	// Reward is the step's reward.
	Reward float64
	// SLAViolated reports latency > 200 ms.
	SLAViolated bool
}

// RowFromInfo builds the row of a step from the reward and Info returned by Env.Step.
func RowFromInfo(reward float64, info env.Info) (Row, error) {
	keys := [...]string{InfoStep, InfoForecast, InfoMemory, InfoTimeout, InfoConcurrency, InfoLatency, InfoCost, InfoSLAViolated}
	for _, k := range keys {
		if _, ok := info[k]; !ok {
			return Row{}, fmt.Errorf("original: Info has no %q: want the Info of Env.Step", k)
		}
	}
	r := Row{
		Step:        int(info[InfoStep]),
		Forecast:    info[InfoForecast],
		Action:      Action{MemoryMB: int(info[InfoMemory]), TimeoutS: int(info[InfoTimeout]), Concurrency: int(info[InfoConcurrency])},
		Latency:     info[InfoLatency],
		Cost:        info[InfoCost],
		Reward:      reward,
		SLAViolated: info[InfoSLAViolated] != 0,
	}
	return r, nil
}

// ReadLog reads a log in the original's CSV format (the header LogHeader, then one row per
// step; the Python booleans True and False in sla_violated). The forecast, latency and cost
// columns hold float32 values and are read as such (rounded to the nearest float32). It rejects a wrong header,
// a malformed or non-finite number, an action outside the table and a step column that does
// not count 0, 1, 2, ….
func ReadLog(r io.Reader) ([]Row, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = len(columns())
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("original: log header: %w", err)
	}
	if h := strings.Join(head, ","); h != LogHeader {
		return nil, fmt.Errorf("original: log header %q: want %q", h, LogHeader)
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("original: log: %w", err)
		}
		row, err := parseRow(rec)
		if err != nil {
			return nil, fmt.Errorf("original: log line %d: %w", len(rows)+2, err)
		}
		if row.Step != len(rows) {
			return nil, fmt.Errorf("original: log line %d: step %d: want %d (steps count from 0)", len(rows)+2, row.Step, len(rows))
		}
		rows = append(rows, row)
	}
}

func parseRow(rec []string) (Row, error) {
	names := columns()
	var v [8]float64
	for i := range v {
		bits := 64
		if i == 1 || i == 5 || i == 6 {
			bits = 32 // forecast, latency and cost are float32 values
		}
		x, err := strconv.ParseFloat(rec[i], bits)
		if err != nil {
			return Row{}, fmt.Errorf("column %s: %w", names[i], err)
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return Row{}, fmt.Errorf("column %s = %v: want a finite number", names[i], x)
		}
		v[i] = x
	}
	for _, i := range [...]int{0, 2, 3, 4} {
		if v[i] != math.Trunc(v[i]) || math.Abs(v[i]) > 1<<31 {
			return Row{}, fmt.Errorf("column %s = %v: want an integer", names[i], v[i])
		}
	}
	r := Row{
		Step: int(v[0]), Forecast: v[1],
		Action:  Action{MemoryMB: int(v[2]), TimeoutS: int(v[3]), Concurrency: int(v[4])},
		Latency: v[5], Cost: v[6], Reward: v[7],
	}
	if _, err := r.Action.Index(); err != nil {
		return Row{}, err
	}
	switch rec[8] {
	case "True":
		r.SLAViolated = true
	case "False":
	default:
		return Row{}, fmt.Errorf("column sla_violated = %q: want True or False", rec[8])
	}
	return r, nil
}

// WriteLog writes rows in the original's CSV format, with numbers printed as Python prints
// them: forecast, latency and cost as float32 values, the reward as a float64 value.
func WriteLog(w io.Writer, rows []Row) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(LogHeader + "\n")
	var buf []byte
	for _, r := range rows {
		buf = buf[:0]
		buf = strconv.AppendInt(buf, int64(r.Step), 10)
		buf = appendPyFloat(append(buf, ','), r.Forecast, 32)
		buf = strconv.AppendInt(append(buf, ','), int64(r.Action.MemoryMB), 10)
		buf = strconv.AppendInt(append(buf, ','), int64(r.Action.TimeoutS), 10)
		buf = strconv.AppendInt(append(buf, ','), int64(r.Action.Concurrency), 10)
		buf = appendPyFloat(append(buf, ','), r.Latency, 32)
		buf = appendPyFloat(append(buf, ','), r.Cost, 32)
		buf = appendPyFloat(append(buf, ','), r.Reward, 64)
		if r.SLAViolated {
			buf = append(buf, ",True\n"...)
		} else {
			buf = append(buf, ",False\n"...)
		}
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("original: writing log: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("original: writing log: %w", err)
	}
	return nil
}

// appendPyFloat appends x as Python's repr prints it (for bitSize 32, as NumPy prints a
// float32): the shortest digits that read back to the same value, positional notation from
// 1e-4 up to 1e16, and ".0" after an integral value.
func appendPyFloat(dst []byte, x float64, bitSize int) []byte {
	if bitSize == 32 {
		x = float64(float32(x))
	}
	ax := math.Abs(x)
	if ax != 0 && (ax < 1e-4 || ax >= 1e16) {
		// Like Python, Go writes the exponent with at least two digits: 1e-05, 1.5e+16.
		return strconv.AppendFloat(dst, x, 'e', -1, bitSize)
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, x, 'f', -1, bitSize)
	if bytes.IndexByte(dst[start:], '.') < 0 {
		dst = append(dst, ".0"...)
	}
	return dst
}

// Summary holds the averages the original reported for a run.
type Summary struct {
	// Steps is the number of rows.
	Steps int
	// AvgLatency (ms) and AvgCost (USD) average the logged values (so the cost is the capped
	// one, as the original reported it).
	AvgLatency, AvgCost float64
	// SLAViolationRate is the fraction of steps with latency > 200 ms.
	SLAViolationRate float64
	// AvgReward averages the rewards.
	AvgReward float64
}

// Summarize averages rows; the zero Summary for no rows.
func Summarize(rows []Row) Summary {
	s := Summary{Steps: len(rows)}
	if len(rows) == 0 {
		return s
	}
	var viol int
	for _, r := range rows {
		s.AvgLatency += r.Latency
		s.AvgCost += r.Cost
		s.AvgReward += r.Reward
		if r.SLAViolated {
			viol++
		}
	}
	n := float64(len(rows))
	s.AvgLatency /= n
	s.AvgCost /= n
	s.AvgReward /= n
	s.SLAViolationRate = float64(viol) / n
	return s
}

// Policy chooses an action index in [0, 36) from an observation of the Env.
type Policy func(obs []float64) (int, error)

// StaticAction is the original's static strategy: 128 MB, 5 s, concurrency 2.
const StaticAction = 4

// Static is the original's static strategy: always StaticAction.
func Static(_ []float64) (int, error) { return StaticAction, nil }

// MLOnly is the original's threshold rule ("ML-only") on the normalized forecast in obs[0]:
// action 15 (256 MB, 10 s, concurrency 1) if f > 0.75, action 10 (256 MB, 3 s, 2) if f > 0.5,
// else action 0 (128 MB, 3 s, 1).
func MLOnly(obs []float64) (int, error) {
	if len(obs) != 3 {
		return 0, fmt.Errorf("original: MLOnly: observation of length %d: want 3", len(obs))
	}
	switch f := obs[0]; {
	case f > 0.75:
		return 15, nil
	case f > 0.5:
		return 10, nil
	}
	return 0, nil
}

// Run resets e and plays policy p through one episode, returning one Row per step.
func Run(e *Env, p Policy) ([]Row, error) {
	obs, _, err := e.Reset(env.Seed{})
	if err != nil {
		return nil, err
	}
	rows := make([]Row, 0, e.Len())
	act := make([]float64, 1)
	for {
		a, err := p(obs)
		if err != nil {
			return rows, fmt.Errorf("original: Run: policy at step %d: %w", len(rows), err)
		}
		act[0] = float64(a)
		r, err := e.Step(act)
		if err != nil {
			return rows, fmt.Errorf("original: Run: step %d: %w", len(rows), err)
		}
		row, err := RowFromInfo(r.Reward, r.Info)
		if err != nil {
			return rows, err
		}
		rows = append(rows, row)
		if r.Done() {
			return rows, nil
		}
		obs = r.Obs
	}
}

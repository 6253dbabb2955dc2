package harden

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lambdatune/lambdatune"
	"github.com/lambdatune/lambdatune/awsadapter"
	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/forecast"
	"github.com/lambdatune/lambdatune/forecast/gbdt"
	"github.com/lambdatune/lambdatune/lambdasim"
	"github.com/lambdatune/lambdatune/rl/a2c"
	"github.com/lambdatune/lambdatune/rl/nn"
	"github.com/lambdatune/lambdatune/rl/qlearn"
	"github.com/lambdatune/lambdatune/workload"
)

const root = "../../"

func mustRead(t testing.TB, path string) []byte {
	b, err := os.ReadFile(root + path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readerSurface builds a surface for a reader: the given bad inputs must be refused, and
// mutations of seed must not crash. A reader that accepts returns nil.
func readerSurface(name string, read func(ctx context.Context, r io.Reader) error, seed []byte, key uint64, bads map[string]string) surface {
	s := surface{name: name}
	s.inputs = append(s.inputs, bad("nil reader", func(ctx context.Context) error { return read(ctx, nil) }))
	// In sorted order: the parent and each child process must number the cases alike.
	for _, n := range slices.Sorted(maps.Keys(bads)) {
		in := bads[n]
		s.inputs = append(s.inputs, bad(n, func(ctx context.Context) error { return read(ctx, strings.NewReader(in)) }))
	}
	for i, m := range mutations(seed, numMutations(), key) {
		s.inputs = append(s.inputs, anyIn(fmt.Sprintf("mutation %d", i), func(ctx context.Context) error { return read(ctx, bytes.NewReader(m)) }))
	}
	return s
}

// hugeReader yields n bytes of c without holding them.
type hugeReader struct {
	n int64
	c byte
}

func (h *hugeReader) Read(p []byte) (int, error) {
	if h.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), h.n)
	for i := range p[:k] {
		p[i] = h.c
	}
	h.n -= k
	return int(k), nil
}

func surfaces(t testing.TB) []surface {
	var ss []surface
	ss = append(ss, workloadSurfaces(t)...)
	ss = append(ss, modelSurfaces(t)...)
	ss = append(ss, rlSurfaces(t)...)
	ss = append(ss, simSurfaces(t)...)
	ss = append(ss, tunerSurfaces(t)...)
	ss = append(ss, surface{name: selfTest, inputs: []input{
		anyIn("allocate 4 GiB", func(context.Context) error {
			b := make([]byte, 4<<30)
			for i := range b {
				b[i] = 1
			}
			return nil
		}),
	}})
	return ss
}

func workloadSurfaces(t testing.TB) []surface {
	plain := func(ctx context.Context, r io.Reader) error {
		_, err := workload.ReadPlainCSV(ctx, r, workload.PlainCSVOptions{FillGaps: true})
		return err
	}
	seedCSV := func(ctx context.Context, r io.Reader) error { _, err := workload.ReadOriginalCSV(ctx, r); return err }
	inv := func(ctx context.Context, r io.Reader) error {
		_, err := workload.ReadAzure2019Invocations(ctx, r, time.Time{})
		return err
	}
	dur := func(ctx context.Context, r io.Reader) error {
		_, err := workload.ReadAzure2019Durations(ctx, r)
		return err
	}
	mem := func(ctx context.Context, r io.Reader) error {
		_, err := workload.ReadAzure2019Memory(ctx, r)
		return err
	}
	az21 := func(ctx context.Context, r io.Reader) error { _, err := workload.ReadAzure2021(ctx, r); return err }
	durHead := "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50,percentile_Average_75,percentile_Average_99,percentile_Average_100\n"
	memHead := "HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1,AverageAllocatedMb_pct5,AverageAllocatedMb_pct25,AverageAllocatedMb_pct50,AverageAllocatedMb_pct75,AverageAllocatedMb_pct95,AverageAllocatedMb_pct99,AverageAllocatedMb_pct100\n"
	ss := []surface{
		readerSurface("workload.ReadPlainCSV", plain, []byte("timestamp,count\n2024-01-01T00:00:00Z,3\n2024-01-01T00:01:00Z,4\n2024-01-01T00:03:00Z,1\n"), 1, map[string]string{
			"empty": "", "NaN count": "timestamp,count\n2024-01-01T00:00:00Z,NaN\n2024-01-01T00:01:00Z,1\n",
			"negative count":       "timestamp,count\n2024-01-01T00:00:00Z,-1\n2024-01-01T00:01:00Z,1\n",
			"decreasing time":      "timestamp,count\n2024-01-01T00:01:00Z,1\n2024-01-01T00:00:00Z,1\n",
			"2^63 ns in 1 ns gaps": "timestamp,count\n1970-01-01T00:00:00Z,1\n1970-01-01T00:00:00.000000001Z,1\n2262-04-11T23:47:16.854775807Z,1\n",
			"span over 292 years":  "timestamp,count\n0001-01-01T00:00:00Z,1\n9999-01-01T00:00:00Z,1\n",
			"missing column":       "time,count\n2024-01-01T00:00:00Z,1\n",
			"infinite count":       "timestamp,count\n2024-01-01T00:00:00Z,1e400\n2024-01-01T00:01:00Z,1\n",
		}),
		readerSurface("workload.ReadOriginalCSV", seedCSV, mustRead(t, "testdata/seed/synthetic_invocations.csv")[:2000], 2, map[string]string{
			"one row": "timestamp,invocations\n2024-01-01 00:00:00,1\n", "bad time": "timestamp,invocations\nyesterday,1\ntoday,2\n",
			"uneven":                   "timestamp,invocations\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,1\n2024-01-01 00:07:00,1\n",
			"fractional count of -0.5": "timestamp,invocations\n2024-01-01 00:00:00,-0.5\n2024-01-01 00:05:00,1\n",
		}),
		readerSurface("workload.ReadAzure2019Invocations", inv, []byte("HashOwner,HashApp,HashFunction,Trigger,1,2,3\no,a,f,http,1,2,3\no,a,g,timer,0,0,1\n"), 3, map[string]string{
			"minute 1e12":        "HashOwner,HashApp,HashFunction,Trigger,1000000000000\no,a,f,http,1\n",
			"fractional count":   "HashOwner,HashApp,HashFunction,Trigger,1\no,a,f,http,1.5\n",
			"gap in minutes":     "HashOwner,HashApp,HashFunction,Trigger,1,3\no,a,f,http,1,1\n",
			"no minute column":   "HashOwner,HashApp,HashFunction,Trigger\no,a,f,http\n",
			"short row":          "HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,1\n",
			"BOM, then bad head": "\ufeffHashOwner,HashApp\n",
		}),
		readerSurface("workload.ReadAzure2019Durations", dur, []byte(durHead+"o,a,f,5,10,1,9,1,2,3,4,5,6,7\n"), 4, map[string]string{
			"Minimum > Maximum":   durHead + "o,a,f,5,10,9,1,1,2,3,4,5,6,7\n",
			"decreasing pctl":     durHead + "o,a,f,5,10,1,9,7,6,5,4,3,2,1\n",
			"negative":            durHead + "o,a,f,-5,10,1,9,1,2,3,4,5,6,7\n",
			"count 1e30":          durHead + "o,a,f,5,1e30,1,9,1,2,3,4,5,6,7\n",
			"infinite percentile": durHead + "o,a,f,5,10,1,9,1,2,3,4,5,6,Inf\n",
		}),
		readerSurface("workload.ReadAzure2019Memory", mem, []byte(memHead+"o,a,10,100,90,91,92,93,94,95,96,97\n"), 5, map[string]string{
			"decreasing pctl": memHead + "o,a,10,100,97,96,95,94,93,92,91,90\n",
			"NaN":             memHead + "o,a,10,NaN,90,91,92,93,94,95,96,97\n",
			"missing column":  "HashOwner,HashApp,SampleCount\no,a,1\n",
		}),
		readerSurface("workload.ReadAzure2021", az21, []byte("app,func,end_timestamp,duration\na,f,10.5,0.25\na,g,11,1\n"), 6, map[string]string{
			"negative end": "app,func,end_timestamp,duration\na,f,-1,0\n", "end 1e30": "app,func,end_timestamp,duration\na,f,1e30,0\n",
			"NaN duration": "app,func,end_timestamp,duration\na,f,1,NaN\n", "no rows but header": "app,func\n",
		}),
	}
	// Readers given a header longer than memory would like.
	for _, r := range []struct {
		name string
		read func(context.Context, io.Reader) error
	}{{"workload.ReadPlainCSV", plain}, {"workload.ReadAzure2019Invocations", inv}, {"workload.ReadAzure2021", az21}} {
		for i := range ss {
			if ss[i].name == r.name {
				ss[i].inputs = append(ss[i].inputs, bad("2 GiB header line", func(ctx context.Context) error {
					return r.read(ctx, io.MultiReader(strings.NewReader("timestamp,count,"), &hugeReader{n: 2 << 30, c: 'x'}))
				}))
			}
		}
	}
	day := func(s string) func(context.Context) error {
		return func(ctx context.Context) error {
			invs, err := workload.ReadAzure2021(ctx, strings.NewReader("app,func,end_timestamp,duration\na,f,"+s+",0\n"))
			if err != nil {
				return err
			}
			_, err = workload.GroupByFunction(invs)[0].Series(time.Time{}, time.Millisecond, 0)
			return err
		}
	}
	ss = append(ss,
		surface{name: "workload.FunctionTrace.Series", inputs: []input{
			bad("end at 72e6 s in 1 ms steps", day("72000000")), bad("end at 9e9 s", day("9000000000")),
			bad("step 0", func(ctx context.Context) error {
				_, err := workload.FunctionTrace{}.Series(time.Time{}, 0, 1)
				return err
			}),
		}},
		surface{name: "workload.Bin", inputs: []input{
			bad("n = 2^40", func(context.Context) error {
				_, _, err := workload.Bin(nil, time.Time{}, time.Second, 1<<40)
				return err
			}),
			bad("n = -1", func(context.Context) error { _, _, err := workload.Bin(nil, time.Time{}, time.Second, -1); return err }),
		}},
		surface{name: "workload.NewSeries/Resample", inputs: []input{
			bad("NaN count", func(context.Context) error {
				_, err := workload.NewSeries(time.Time{}, time.Minute, []float64{math.NaN()})
				return err
			}),
			bad("step 0", func(context.Context) error { _, err := workload.NewSeries(time.Time{}, 0, nil); return err }),
			bad("resample 1h to 1ns", func(context.Context) error {
				s, _ := workload.NewSeries(time.Time{}, time.Hour, []float64{1, 2})
				_, err := s.Resample(time.Nanosecond)
				return err
			}),
		}},
		surface{name: "workload.generators", inputs: []input{
			bad("Grid.Len 2^40", func(context.Context) error {
				_, err := workload.Diurnal(workload.Grid{Step: time.Minute, Len: 1 << 40}, workload.DiurnalConfig{Mean: 1})
				return err
			}),
			bad("NaN mean", func(context.Context) error {
				_, err := workload.Diurnal(workload.Grid{Step: time.Minute, Len: 10}, workload.DiurnalConfig{Mean: math.NaN()})
				return err
			}),
			bad("Constant Inf", func(context.Context) error {
				_, err := workload.Constant(workload.Grid{Step: time.Minute, Len: 10}, math.Inf(1))
				return err
			}),
		}},
		surface{name: "workload.TimestampArrivals", inputs: []input{
			bad("decreasing", func(context.Context) error { _, err := workload.TimestampArrivals([]time.Duration{2, 1}); return err }),
			bad("negative", func(context.Context) error { _, err := workload.TimestampArrivals([]time.Duration{-1}); return err }),
		}},
	)
	return ss
}

func modelSurfaces(t testing.TB) []surface {
	xgb := func(_ context.Context, r io.Reader) error { _, err := gbdt.ReadXGBoostJSON(r); return err }
	lgb := func(_ context.Context, r io.Reader) error {
		m, err := gbdt.ReadLightGBM(r, true)
		if err != nil {
			return err
		}
		_, err = m.Predict(make([]float64, m.NumFeature()))
		return err
	}
	tiny := "tree\nversion=v3\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\nmax_feature_idx=0\nobjective=regression\ntree_sizes=1\n\nTree=0\nnum_leaves=2\nnum_cat=0\nsplit_feature=0\nsplit_gain=1\nthreshold=0.5\ndecision_type=2\nleft_child=-1\nright_child=-2\nleaf_value=1 2\nleaf_weight=1 1\nleaf_count=1 1\ninternal_value=0\ninternal_weight=0\ninternal_count=2\nis_linear=0\nshrinkage=1\n\n\nend of trees\n"
	xgbFile := string(mustRead(t, "testdata/forecast/xgb_reg_hist.json"))
	ss := []surface{
		readerSurface("gbdt.ReadXGBoostJSON", xgb, []byte(xgbFile), 7, map[string]string{
			"empty": "{}", "NaN leaf": strings.Replace(xgbFile, `"split_conditions":[`, `"split_conditions":[NaN,`, 1),
			"num_feature 1e12": strings.ReplaceAll(xgbFile, `"num_feature":"`, `"num_feature":"1000000000000`),
		}),
		readerSurface("gbdt.ReadLightGBM", lgb, []byte(tiny), 8, map[string]string{
			"max_feature_idx 1e12": strings.Replace(tiny, "max_feature_idx=0", "max_feature_idx=1000000000000", 1),
			"NaN leaf":             strings.Replace(tiny, "leaf_value=1 2", "leaf_value=nan 2", 1),
			"Inf leaf":             strings.Replace(tiny, "leaf_value=1 2", "leaf_value=1 inf", 1),
			"num_leaves 1e12":      strings.Replace(tiny, "num_leaves=2", "num_leaves=1000000000000", 1),
			"child loop":           strings.Replace(tiny, "left_child=-1", "left_child=0", 1),
		}),
	}
	big := func(head, tok, tail string, n int) func(context.Context) error {
		return func(ctx context.Context) error {
			return xgb(ctx, strings.NewReader(head+"["+strings.Repeat(tok+",", n)+tok+"]"+tail))
		}
	}
	tail := `}]}},"objective":{"name":"reg:squarederror"}}}`
	ss[0].inputs = append(ss[0].inputs,
		bad("47 MB default_left", big(`{"learner":{"gradient_booster":{"name":"gbtree","model":{"trees":[{"default_left":`, "0", tail, 23_500_000)),
		bad("47 MB split_conditions", big(`{"learner":{"gradient_booster":{"name":"gbtree","model":{"trees":[{"split_conditions":`, "0", tail, 23_500_000)),
		bad("47 MB feature_names", big(`{"learner":{"feature_names":`, `""`, `,"gradient_booster":{"name":"gbtree","model":{"trees":[]}},"objective":{"name":"reg:squarederror"}}}`, 15_600_000)),
	)
	hist := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	var fc []input
	for _, f := range []forecast.Forecaster{forecast.LastValue{}, forecast.SeasonalNaive{Period: 2}, forecast.MovingAverage{Window: 2}, forecast.EWMA{Alpha: 0.5}, forecast.NewHoltWinters(2)} {
		fc = append(fc, bad(fmt.Sprintf("%T horizon 2^40", f), func(context.Context) error { _, err := f.Predict(hist, nil, 1<<40); return err }),
			bad(fmt.Sprintf("%T horizon 0", f), func(context.Context) error { _, err := f.Predict(hist, nil, 0); return err }))
	}
	ss = append(ss, surface{name: "forecast.Forecaster.Predict", inputs: fc},
		surface{name: "gbdt.Train", inputs: []input{
			bad("NaN target", func(ctx context.Context) error {
				_, err := gbdt.Train(ctx, gbdt.Dataset{X: []float64{1, 2}, NumFeature: 1, Y: []float64{1, math.NaN()}}, gbdt.DefaultParams())
				return err
			}),
			bad("short X", func(ctx context.Context) error {
				_, err := gbdt.Train(ctx, gbdt.Dataset{X: []float64{1}, NumFeature: 1, Y: []float64{1, 2}}, gbdt.DefaultParams())
				return err
			}),
			bad("NumFeature 0", func(ctx context.Context) error {
				_, err := gbdt.Train(ctx, gbdt.Dataset{NumFeature: 0, Y: []float64{1}}, gbdt.DefaultParams())
				return err
			}),
		}},
		surface{name: "forecast.TimeSeriesSplit", inputs: []input{
			bad("n -1", func(context.Context) error {
				_, err := forecast.TimeSeriesSplit(-1, 2, forecast.SplitOptions{})
				return err
			}),
			bad("splits 2^40", func(context.Context) error {
				_, err := forecast.TimeSeriesSplit(10, 1<<40, forecast.SplitOptions{})
				return err
			}),
		}},
	)
	return ss
}

// zipBomb returns an SB3 archive whose policy.pth inflates to 1 GiB of zeros (about 1 MB).
func zipBomb(data []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("data")
	_, _ = w.Write(data)
	w, _ = zw.Create("policy.pth")
	chunk := make([]byte, 1<<20)
	for range 1 << 10 {
		_, _ = w.Write(chunk)
	}
	_ = zw.Close()
	return buf.Bytes()
}

// zipOf builds a zip archive of the named entries.
func zipOf(entries map[string][]byte, order []string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range order {
		w, _ := zw.Create(n)
		_, _ = w.Write(entries[n])
	}
	_ = zw.Close()
	return buf.Bytes()
}

func unzip(b []byte) (map[string][]byte, []string) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		panic(err)
	}
	out, order := map[string][]byte{}, []string(nil)
	for _, f := range zr.File {
		rc, _ := f.Open()
		d, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name], order = d, append(order, f.Name)
	}
	return out, order
}

func rlSurfaces(t testing.TB) []surface {
	model := mustRead(t, "testdata/seed/a2c_serverless_model.zip")
	outer, outerOrder := unzip(model)
	inner, innerOrder := unzip(outer["policy.pth"])
	rebuild := func(name string, data []byte) []byte {
		in := map[string][]byte{}
		for k, v := range inner {
			in[k] = v
		}
		in[name] = data
		out := map[string][]byte{}
		for k, v := range outer {
			out[k] = v
		}
		out["policy.pth"] = zipOf(in, innerOrder)
		return zipOf(out, outerOrder)
	}
	imp := func(b []byte) func(context.Context) error {
		return func(context.Context) error {
			m, err := a2c.ImportSB3Reader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				return err
			}
			_, err = m.Predict([]float64{0.5, 0.5, 0.5}, true)
			return err
		}
	}
	pkl := inner["archive/data.pkl"]
	sb3 := surface{name: "a2c.ImportSB3Reader", inputs: []input{
		bad("nil reader", func(context.Context) error { _, err := a2c.ImportSB3Reader(nil, 0); return err }),
		bad("pickle declaring a 4 GiB string", imp(rebuild("archive/data.pkl", []byte{0x80, 2, 'X', 0xff, 0xff, 0xff, 0xff, 'a', '.'}))),
		bad("storage declaring 1e10 elements", imp(rebuild("archive/data.pkl", bytes.Replace(pkl, []byte("cpuq\x07K\xc0"), []byte("cpuq\x07\x8a\x05\x00\xe4\x0bT\x02"), 1)))),
		bad("storage of 1e9 elements", imp(rebuild("archive/data.pkl", bytes.Replace(pkl, []byte("cpuq\x07K\xc0"), []byte("cpuq\x07J\x00\xca\x9a\x3b"), 1)))),
		bad("1 GiB zip bomb", func(ctx context.Context) error { return imp(zipBomb(outer["data"]))(ctx) }),
		bad("NaN weights", imp(rebuild("archive/data/2", bytes.Repeat([]byte{0, 0, 0xc0, 0x7f}, len(inner["archive/data/2"])/4)))),
		bad("truncated tensor", imp(rebuild("archive/data/2", inner["archive/data/2"][:100]))),
		bad("empty pickle", imp(rebuild("archive/data.pkl", nil))),
		bad("pickle of a list", imp(rebuild("archive/data.pkl", []byte("\x80\x02]q\x00.")))),
	}}
	for i, m := range mutations(pkl, 3*numMutations(), 9) {
		sb3.inputs = append(sb3.inputs, anyIn(fmt.Sprintf("pickle mutation %d", i), imp(rebuild("archive/data.pkl", m))))
	}
	for i, m := range mutations(model, numMutations(), 10) {
		sb3.inputs = append(sb3.inputs, anyIn(fmt.Sprintf("zip mutation %d", i), imp(m)))
	}
	for i, m := range mutations(inner["archive/data/8"], numMutations(), 11) {
		sb3.inputs = append(sb3.inputs, anyIn(fmt.Sprintf("tensor mutation %d", i), imp(rebuild("archive/data/8", m))))
	}

	box, _ := env.NewUniformBox(0, 1, 1)
	disc, _ := env.NewDiscrete(2)
	m, _ := a2c.New(box, disc, a2c.DefaultConfig())
	var saved bytes.Buffer
	_ = m.Save(&saved)
	good := saved.String()
	k := strings.Index(good, `"data":[`) + len(`"data":[`)
	load := func(_ context.Context, r io.Reader) error { _, err := a2c.Load(r); return err }
	a2cLoad := readerSurface("a2c.Load", load, saved.Bytes(), 12, map[string]string{
		"infinite weight":   good[:k] + `"inf"` + good[k+strings.IndexByte(good[k:], ','):],
		"65536-unit layers": strings.Replace(good, `"pi":[64,64]`, `"pi":[65536,65536,65536]`, 1),
		"negative variance": strings.Replace(good, `"num_updates":0`, `"num_updates":0,"obs_normalizer":{"stats":{"mean":[0],"var":[-1],"count":1},"clip":10,"epsilon":1e-8}`, 1),
		"negative clip":     strings.Replace(good, `"num_updates":0`, `"num_updates":0,"obs_normalizer":{"stats":{"mean":[0],"var":[1],"count":1},"clip":-1,"epsilon":1e-8}`, 1),
		"nvec sum overflow": strings.Replace(good, `{"type":"Discrete","n":2}`, `{"type":"MultiDiscrete","nvec":[9223372036854775807,9223372036854775807,4]}`, 1),
		"shape overflow":    strings.Replace(good, `"shape":[1]`, `"shape":[4294967296,4294967296]`, 1),
	})
	ql, _ := qlearn.New(box, disc, qlearn.DefaultConfig())
	var qs bytes.Buffer
	_ = ql.Save(&qs)
	qgood := qs.String()
	qLoad := readerSurface("qlearn.Load", func(_ context.Context, r io.Reader) error { _, err := qlearn.Load(r); return err }, qs.Bytes(), 13, map[string]string{
		"1e12 actions":  strings.Replace(qgood, `"actions":2`, `"actions":1000000000000`, 1),
		"NaN epsilon":   strings.Replace(qgood, `"epsilon":1`, `"epsilon":"NaN"`, 1),
		"1e300 range":   strings.Replace(qgood, `"high":[1]`, `"high":[1e300]`, 1),
		"bins overflow": strings.Replace(qgood, `"Bins":10`, `"Bins":4294967297`, 1),
	})
	nanEnv := func(r, o float64) *oneStep { return &oneStep{reward: r, obs: o} }
	learnA2C := func(e *oneStep) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			m, err := a2c.New(box, disc, a2c.DefaultConfig())
			if err != nil {
				return err
			}
			v, _ := env.NewVec(1, func(int) (env.Env, error) { return e, nil })
			return m.Learn(ctx, v, 200)
		}
	}
	learnQ := func(e *oneStep) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			a, err := qlearn.New(box, disc, qlearn.DefaultConfig())
			if err != nil {
				return err
			}
			return a.Learn(ctx, e, 20, nil)
		}
	}
	return []surface{sb3, a2cLoad, qLoad,
		{name: "a2c.Learn", inputs: []input{
			bad("NaN reward", learnA2C(nanEnv(math.NaN(), 0.5))), bad("Inf reward", learnA2C(nanEnv(math.Inf(1), 0.5))),
			bad("NaN observation", learnA2C(nanEnv(1, math.NaN()))),
			bad("zero Model", func(ctx context.Context) error {
				var z a2c.Model
				v, _ := env.NewVec(1, func(int) (env.Env, error) { return nanEnv(1, 0.5), nil })
				return z.Learn(ctx, v, 10)
			}),
			bad("nil env", func(ctx context.Context) error { return m.Learn(ctx, nil, 10) }),
		}},
		{name: "a2c.Predict", inputs: []input{
			bad("NaN observation", func(context.Context) error { _, err := m.Predict([]float64{math.NaN()}, true); return err }),
			bad("Inf observation", func(context.Context) error { _, err := m.Predict([]float64{math.Inf(-1)}, false); return err }),
			bad("zero Model", func(context.Context) error { var z a2c.Model; _, err := z.Predict([]float64{0}, true); return err }),
			bad("wrong length", func(context.Context) error { _, err := m.Predict([]float64{0, 0}, true); return err }),
			bad("PredictBatch NaN", func(context.Context) error { return m.PredictBatch(make([]float64, 2), []float64{0, math.NaN()}, true) }),
		}},
		{name: "a2c.New", inputs: []input{
			bad("nil spaces", func(context.Context) error { _, err := a2c.New(nil, nil, a2c.DefaultConfig()); return err }),
			bad("typed-nil Box", func(context.Context) error {
				var b *env.Box
				_, err := a2c.New(b, disc, a2c.DefaultConfig())
				return err
			}),
			bad("huge layers", func(context.Context) error {
				c := a2c.DefaultConfig()
				c.PolicyNet = []int{65536, 65536, 65536, 65536}
				_, err := a2c.New(box, disc, c)
				return err
			}),
			bad("NaN learning rate", func(context.Context) error {
				c := a2c.DefaultConfig()
				c.LearningRate = math.NaN()
				_, err := a2c.New(box, disc, c)
				return err
			}),
		}},
		{name: "qlearn.Learn/Predict", inputs: []input{
			bad("NaN reward", learnQ(nanEnv(math.NaN(), 0.5))), bad("Inf reward", learnQ(nanEnv(math.Inf(1), 0.5))),
			bad("NaN observation", learnQ(nanEnv(1, math.NaN()))),
			bad("Predict NaN", func(context.Context) error { _, err := ql.Predict([]float64{math.NaN()}); return err }),
			bad("zero Agent", func(context.Context) error { var z qlearn.Agent; _, err := z.Predict([]float64{0}); return err }),
			bad("zero Agent Learn", func(ctx context.Context) error { var z qlearn.Agent; return z.Learn(ctx, nanEnv(1, 0.5), 1, nil) }),
		}},
		{name: "qlearn.New", inputs: []input{
			bad("2^22 actions × 10 states", func(context.Context) error {
				d, _ := env.NewDiscrete(1 << 22)
				_, err := qlearn.New(box, d, qlearn.DefaultConfig())
				return err
			}),
			bad("Bins 0", func(context.Context) error {
				c := qlearn.DefaultConfig()
				c.Bins = 0
				_, err := qlearn.New(box, disc, c)
				return err
			}),
		}},
		{name: "nn.NewMLP", inputs: []input{
			bad("size 0", func(context.Context) error { _, err := nn.NewMLP([]int{1, 0}, nn.Tanh, nil, nil); return err }),
			bad("short params", func(context.Context) error {
				_, err := nn.NewMLP([]int{2, 2}, nn.Tanh, make([]float64, 1), make([]float64, 1))
				return err
			}),
		}},
		{name: "env.spaces", inputs: []input{
			bad("MultiDiscrete sum overflow", func(context.Context) error {
				_, err := env.NewMultiDiscrete([]int{math.MaxInt, math.MaxInt, 4})
				return err
			}),
			bad("Box shape overflow", func(context.Context) error {
				_, err := env.NewBox([]float64{0}, []float64{1}, 1<<32, 1<<32)
				return err
			}),
			bad("Box NaN bound", func(context.Context) error { _, err := env.NewBox([]float64{math.NaN()}, []float64{1}); return err }),
			bad("Discrete 0", func(context.Context) error { _, err := env.NewDiscrete(0); return err }),
		}},
		{name: "env.VecNormalize.SetStats", inputs: []input{
			bad("negative variance", func(context.Context) error {
				v, _ := env.NewVec(1, func(int) (env.Env, error) { return nanEnv(1, 0.5), nil })
				vn, _ := env.NewVecNormalize(v, env.VecNormalizeConfig{})
				st := vn.Stats()
				st.Obs.Var[0] = -1
				return vn.SetStats(st)
			}),
			bad("nil VecEnv", func(context.Context) error { _, err := env.NewVecNormalize(nil, env.VecNormalizeConfig{}); return err }),
		}},
	}
}

// oneStep is a one-step episode env with a set reward and next observation.
type oneStep struct{ reward, obs float64 }

func (e *oneStep) ObservationSpace() env.Space { b, _ := env.NewUniformBox(0, 1, 1); return b }
func (e *oneStep) ActionSpace() env.Space      { d, _ := env.NewDiscrete(2); return d }
func (e *oneStep) Reset(env.Seed) ([]float64, env.Info, error) {
	return []float64{0.5}, nil, nil
}
func (e *oneStep) Step([]float64) (env.StepResult, error) {
	return env.StepResult{Obs: []float64{e.obs}, Reward: e.reward, Terminated: true}, nil
}

// flood arrives forever at the same instant.
type flood struct{}

func (flood) Next() (time.Duration, bool) { return 0, true }

func simSurfaces(t testing.TB) []surface {
	fn := lambdasim.Function{Duration: lambdasim.Flat{Dist: lambdasim.Constant(100 * time.Millisecond)}}
	cfg := lambdatune.DefaultConfig()
	load := func(c float64) func(context.Context) error {
		return func(context.Context) error {
			s, err := workload.NewSeries(lambdasim.DefaultStart(), time.Minute, []float64{c})
			if err != nil {
				return err
			}
			_, err = lambdasim.NewLoad(s, 1)
			return err
		}
	}
	next := func(interval bool, a lambdasim.Arrivals) func(context.Context) error {
		return func(ctx context.Context) error {
			d := lambdasim.Deployment{Function: fn, Config: cfg, Arrivals: a}
			var p lambdatune.Platform
			var err error
			if interval {
				p, err = lambdasim.NewInterval(lambdasim.Options{}, d)
			} else {
				p, err = lambdasim.New(lambdasim.Options{}, d)
			}
			if err != nil {
				return err
			}
			c2, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			_, err = p.Next(c2)
			return err
		}
	}
	badFns := map[string]lambdasim.Function{
		"Inf ARM64Factor": {Duration: lambdasim.CPUModel{CPUTime: time.Second, ARM64Factor: math.Inf(1)}},
		"NaN spread":      {Duration: lambdasim.CPUModel{CPUTime: time.Second, Spread: math.NaN()}},
		"no model":        {},
		"error rate 2":    {Duration: lambdasim.Flat{Dist: lambdasim.Constant(time.Second)}, ErrorRate: 2},
	}
	newSim := func(interval bool) []input {
		var in []input
		for _, n := range slices.Sorted(maps.Keys(badFns)) {
			f := badFns[n]
			c := cfg
			c.Architecture = lambdatune.ARM64
			in = append(in, bad(n, func(context.Context) error {
				d := lambdasim.Deployment{Function: f, Config: c}
				if interval {
					_, err := lambdasim.NewInterval(lambdasim.Options{}, d)
					return err
				}
				_, err := lambdasim.New(lambdasim.Options{}, d)
				return err
			}))
		}
		opts := map[string]lambdasim.Options{"negative interval": {Interval: -1}, "limits overflow": {Limits: lambdatune.Limits{AccountConcurrency: math.MaxInt, MinUnreserved: -math.MaxInt}}}
		for _, n := range slices.Sorted(maps.Keys(opts)) {
			o := opts[n]
			in = append(in, bad(n, func(context.Context) error {
				d := lambdasim.Deployment{Function: fn, Config: cfg}
				if interval {
					_, err := lambdasim.NewInterval(o, d)
					return err
				}
				_, err := lambdasim.New(o, d)
				return err
			}))
		}
		return in
	}
	apply := func(interval bool) []input {
		var in []input
		cfgs := map[string]lambdatune.Config{
			"reserved 2^32":    {MemoryMB: 128, Timeout: time.Second, Reserved: lambdatune.Reserve(1 << 32)},
			"provisioned -1":   {MemoryMB: 128, Timeout: time.Second, Provisioned: -1},
			"memory 100":       {MemoryMB: 100, Timeout: time.Second},
			"timeout 1h":       {MemoryMB: 128, Timeout: time.Hour},
			"reserved > limit": {MemoryMB: 128, Timeout: time.Second, Reserved: lambdatune.Reserve(5000)},
		}
		for _, n := range slices.Sorted(maps.Keys(cfgs)) {
			c := cfgs[n]
			in = append(in, bad(n, func(ctx context.Context) error {
				d := lambdasim.Deployment{Function: fn, Config: cfg}
				var p lambdatune.Platform
				var err error
				if interval {
					p, err = lambdasim.NewInterval(lambdasim.Options{}, d)
				} else {
					p, err = lambdasim.New(lambdasim.Options{}, d)
				}
				if err != nil {
					return err
				}
				return p.Apply(ctx, c)
			}))
		}
		return in
	}
	return []surface{
		{name: "lambdasim.NewLoad", inputs: []input{bad("1e300 a minute", load(1e300)), bad("1e30 a minute", load(1e30)), bad("1e12 a minute", load(1e12))}},
		{name: "lambdasim.Sim.Next", inputs: []input{bad("endless arrivals at one instant", next(false, flood{}))}},
		{name: "lambdasim.IntervalSim.Next", inputs: []input{bad("endless arrivals at one instant", next(true, flood{}))}},
		{name: "lambdasim.New", inputs: newSim(false)},
		{name: "lambdasim.NewInterval", inputs: newSim(true)},
		{name: "lambdasim.Sim.Apply", inputs: apply(false)},
		{name: "lambdasim.IntervalSim.Apply", inputs: apply(true)},
	}
}

func tunerSurfaces(t testing.TB) []surface {
	sim, _ := lambdasim.New(lambdasim.Options{}, lambdasim.Deployment{Function: lambdasim.Function{Duration: lambdasim.Flat{Dist: lambdasim.Constant(time.Second)}}, Config: lambdatune.DefaultConfig()})
	pol := lambdatune.Fixed(lambdatune.DefaultConfig())
	var nilSim *lambdasim.Sim
	tuner := func(c lambdatune.TunerConfig) func(context.Context) error {
		return func(ctx context.Context) error {
			tu, err := lambdatune.NewTuner(c)
			if err != nil {
				return err
			}
			return tu.Step(ctx)
		}
	}
	short := lambdatune.ForecastFunc(func([]float64, []time.Time, int) ([]float64, error) { return []float64{1}, nil })
	nanF := lambdatune.ForecastFunc(func(_ []float64, _ []time.Time, h int) ([]float64, error) { return []float64{math.NaN()}, nil })
	limits := func(l lambdatune.Limits) func(context.Context) error {
		return func(context.Context) error { return l.Validate(lambdatune.DefaultConfig()) }
	}
	return []surface{
		{name: "lambdatune.NewTuner/Step", inputs: []input{
			bad("nil platform", tuner(lambdatune.TunerConfig{Policy: pol})),
			bad("typed-nil platform", tuner(lambdatune.TunerConfig{Platform: nilSim, Policy: pol})),
			bad("history 2^60", tuner(lambdatune.TunerConfig{Platform: sim, Policy: pol, HistoryLen: 1 << 60})),
			bad("horizon 2^40", tuner(lambdatune.TunerConfig{Platform: sim, Policy: pol, Horizon: 1 << 40, Forecaster: short})),
			bad("short forecast", tuner(lambdatune.TunerConfig{Platform: sim, Policy: pol, Horizon: 3, Forecaster: short})),
			bad("NaN forecast", tuner(lambdatune.TunerConfig{Platform: sim, Policy: pol, Forecaster: nanF})),
			bad("zero Tuner", func(ctx context.Context) error { var z lambdatune.Tuner; return z.Step(ctx) }),
		}},
		{name: "lambdatune.Limits.Validate", inputs: []input{
			bad("overflowing sum", limits(lambdatune.Limits{AccountConcurrency: math.MaxInt, MinUnreserved: -math.MaxInt, ReservedElsewhere: -5})),
			bad("MinInt", limits(lambdatune.Limits{AccountConcurrency: 1000, MinUnreserved: math.MinInt, ReservedElsewhere: math.MinInt})),
			bad("2^40 account", limits(lambdatune.Limits{AccountConcurrency: 1 << 40})),
			bad("MaxReservable wraps", func(context.Context) error {
				if n := (lambdatune.Limits{AccountConcurrency: math.MaxInt, MinUnreserved: -math.MaxInt}).MaxReservable(); n > 0 {
					return nil
				}
				return errors.New("negative")
			}),
		}},
		{name: "lambdatune.Config.Validate", inputs: []input{
			bad("reserved 2^32", func(context.Context) error {
				c := lambdatune.DefaultConfig()
				c.Reserved = lambdatune.Reserve(1 << 32)
				return c.Validate()
			}),
			bad("provisioned 2^31", func(context.Context) error {
				c := lambdatune.DefaultConfig()
				c.Reserved, c.Provisioned = lambdatune.Reserve(1<<31), 1<<31
				return c.Validate()
			}),
			bad("storage 1e9", func(context.Context) error {
				c := lambdatune.DefaultConfig()
				c.EphemeralStorageMB = 1e9
				return c.Validate()
			}),
		}},
		{name: "awsadapter.New", inputs: []input{
			bad("nil clients", func(context.Context) error { _, err := awsadapter.New(nil, nil, "fn"); return err }),
			bad("empty name", func(context.Context) error { _, err := awsadapter.New(nil, nil, ""); return err }),
			bad("interval 7s", func(context.Context) error {
				_, err := awsadapter.New(nil, nil, "fn", awsadapter.WithInterval(7*time.Second))
				return err
			}),
			bad("limits overflow", func(context.Context) error {
				_, err := awsadapter.New(nil, nil, "fn", awsadapter.WithLimits(lambdatune.Limits{AccountConcurrency: math.MaxInt, MinUnreserved: -math.MaxInt}))
				return err
			}),
		}},
	}
}

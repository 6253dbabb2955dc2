package gbdt

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Params configures [Train]. Start from [DefaultParams]; the zero value is
// not valid (LearningRate and NEstimators must be positive).
type Params struct {
	// NEstimators is the number of boosting rounds (trees), at least 1.
	NEstimators int
	// MaxDepth is the maximum tree depth, 1 to 30.
	MaxDepth int
	// LearningRate (eta) shrinks each tree's leaves, in (0, 1].
	LearningRate float64
	// Subsample is the fraction of rows each tree samples (Bernoulli per
	// row), in (0, 1].
	Subsample float64
	// ColsampleByTree is the fraction of features each tree may split on,
	// in (0, 1]; at least one feature is always kept.
	ColsampleByTree float64
	// MinChildWeight is the minimum hessian sum (for squared error, the
	// number of sampled rows) in each child of a split, at least 0.
	MinChildWeight float64
	// Lambda is the L2 regularisation of leaf weights, at least 0.
	Lambda float64
	// Gamma (min_split_loss) is the minimum loss reduction a split must
	// bring to survive pruning, at least 0. It is in XGBoost's units:
	// G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ).
	Gamma float64
	// MaxBin is the maximum number of histogram bins per feature, 2 to 256.
	MaxBin int
	// Objective is the loss the trees fit: SquaredError (the default; ""
	// means it too), AbsoluteError (the conditional median) or
	// QuantileError (the conditional QuantileAlpha-quantile), with
	// XGBoost's gradients, initial estimates and, for the last two, its
	// adaptive leaves (each leaf the quantile of its rows' residuals).
	Objective Objective
	// QuantileAlpha is the quantile QuantileError fits, in (0, 1); 0 for
	// the other objectives.
	QuantileAlpha float64
	// BaseScore is the initial prediction. NaN (the default) estimates it
	// from the training targets: their mean for squared error, their
	// median or QuantileAlpha-quantile for the other objectives.
	BaseScore float64
	// EarlyStoppingRounds stops training when the validation loss (RMSE
	// for squared error, mean absolute error, mean pinball loss) has not
	// improved for this many rounds, and keeps the trees up to the best
	// round. 0 disables early stopping.
	EarlyStoppingRounds int
	// ValidationFraction is the fraction of the training rows, taken from
	// the end (the most recent rows of a time series), held out for early
	// stopping when [Train] is called without a validation set, in [0, 0.5].
	// It is only used when EarlyStoppingRounds > 0.
	ValidationFraction float64
	// Seed makes row and column sampling reproducible: the same data,
	// parameters and seed give the same model.
	Seed uint64
}

// DefaultParams returns XGBoost's defaults (100 trees, depth 6, learning
// rate 0.3, no sampling, min_child_weight 1, lambda 1, gamma 0, 256 bins)
// with the base score estimated from the data, and a 20 % validation split
// for early stopping when it is enabled.
func DefaultParams() Params {
	return Params{
		NEstimators:        100,
		MaxDepth:           6,
		LearningRate:       0.3,
		Subsample:          1,
		ColsampleByTree:    1,
		MinChildWeight:     1,
		Lambda:             1,
		Gamma:              0,
		MaxBin:             256,
		BaseScore:          math.NaN(),
		ValidationFraction: 0.2,
	}
}

// Validate reports the first parameter out of its range.
func (p Params) Validate() error {
	bad := func(name string, v any, want string) error {
		return fmt.Errorf("gbdt: Params.%s = %v, want %s", name, v, want)
	}
	switch {
	case p.NEstimators < 1:
		return bad("NEstimators", p.NEstimators, ">= 1")
	case p.MaxDepth < 1 || p.MaxDepth > 30:
		return bad("MaxDepth", p.MaxDepth, "1..30")
	case !(p.LearningRate > 0 && p.LearningRate <= 1):
		return bad("LearningRate", p.LearningRate, "in (0, 1]")
	case !(p.Subsample > 0 && p.Subsample <= 1):
		return bad("Subsample", p.Subsample, "in (0, 1]")
	case !(p.ColsampleByTree > 0 && p.ColsampleByTree <= 1):
		return bad("ColsampleByTree", p.ColsampleByTree, "in (0, 1]")
	case !(p.MinChildWeight >= 0) || math.IsInf(p.MinChildWeight, 0):
		return bad("MinChildWeight", p.MinChildWeight, ">= 0 and finite")
	case !(p.Lambda >= 0) || math.IsInf(p.Lambda, 0):
		return bad("Lambda", p.Lambda, ">= 0 and finite")
	case !(p.Gamma >= 0) || math.IsInf(p.Gamma, 0):
		return bad("Gamma", p.Gamma, ">= 0 and finite")
	case p.MaxBin < 2 || p.MaxBin > 256:
		return bad("MaxBin", p.MaxBin, "2..256")
	case math.IsInf(p.BaseScore, 0):
		return bad("BaseScore", p.BaseScore, "finite, or NaN for the target mean")
	case p.EarlyStoppingRounds < 0:
		return bad("EarlyStoppingRounds", p.EarlyStoppingRounds, ">= 0")
	case !(p.ValidationFraction >= 0 && p.ValidationFraction <= 0.5):
		return bad("ValidationFraction", p.ValidationFraction, "in [0, 0.5]")
	}
	return p.checkObjective()
}

// Dataset is a row-major feature matrix with its targets.
type Dataset struct {
	// X holds len(Y) rows of NumFeature values; NaN marks a missing value.
	X []float64
	// NumFeature is the number of columns of X.
	NumFeature int
	// Y holds the targets; they must be finite and within float32's range.
	Y []float64
	// FeatureNames optionally names the columns (saved with the model).
	FeatureNames []string
}

// Rows returns the number of rows.
func (d Dataset) Rows() int { return len(d.Y) }

func (d Dataset) validate(name string) error {
	if d.NumFeature < 1 {
		return fmt.Errorf("gbdt: %s.NumFeature = %d, want >= 1", name, d.NumFeature)
	}
	if len(d.X) != len(d.Y)*d.NumFeature {
		return fmt.Errorf("gbdt: %s: len(X) = %d, want len(Y)*NumFeature = %d*%d", name, len(d.X), len(d.Y), d.NumFeature)
	}
	if d.FeatureNames != nil && len(d.FeatureNames) != d.NumFeature {
		return fmt.Errorf("gbdt: %s: %d FeatureNames for NumFeature = %d", name, len(d.FeatureNames), d.NumFeature)
	}
	for i, y := range d.Y {
		if math.IsNaN(y) || math.Abs(y) > math.MaxFloat32 {
			return fmt.Errorf("gbdt: %s.Y[%d] = %v, want a finite float32-representable value (margins and leaves are float32, as in XGBoost)", name, i, y)
		}
	}
	for i, x := range d.X {
		if math.IsInf(x, 0) || math.Abs(x) > math.MaxFloat32 {
			return fmt.Errorf("gbdt: %s.X[%d] (row %d, feature %d) = %v, want a float32-representable value or NaN", name, i, i/d.NumFeature, i%d.NumFeature, x)
		}
	}
	return nil
}

// Train fits a model of p.Objective. When p.EarlyStoppingRounds > 0, the last
// p.ValidationFraction of the rows are held out for early stopping (use
// [TrainWithValidation] to pass a validation set).
func Train(ctx context.Context, train Dataset, p Params) (*Model, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.EarlyStoppingRounds > 0 {
		if p.ValidationFraction <= 0 {
			return nil, fmt.Errorf("gbdt: Params.ValidationFraction = %v with EarlyStoppingRounds = %d, want > 0 (or call TrainWithValidation)", p.ValidationFraction, p.EarlyStoppingRounds)
		}
		n := train.Rows()
		nv := int(math.Round(float64(n) * p.ValidationFraction))
		if nv < 1 || n-nv < 2 {
			return nil, fmt.Errorf("gbdt: %d rows are too few for a %.2f validation split", n, p.ValidationFraction)
		}
		if err := train.validate("train"); err != nil {
			return nil, err
		}
		k := train.NumFeature
		tr := Dataset{X: train.X[:(n-nv)*k], NumFeature: k, Y: train.Y[:n-nv], FeatureNames: train.FeatureNames}
		va := Dataset{X: train.X[(n-nv)*k:], NumFeature: k, Y: train.Y[n-nv:]}
		return trainModel(ctx, tr, &va, p)
	}
	return trainModel(ctx, train, nil, p)
}

// TrainWithValidation fits a model of p.Objective and, when
// p.EarlyStoppingRounds > 0, stops early on valid's loss.
func TrainWithValidation(ctx context.Context, train, valid Dataset, p Params) (*Model, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := valid.validate("valid"); err != nil {
		return nil, err
	}
	if valid.NumFeature != train.NumFeature {
		return nil, fmt.Errorf("gbdt: valid.NumFeature = %d, want train's %d", valid.NumFeature, train.NumFeature)
	}
	return trainModel(ctx, train, &valid, p)
}

// binned is the training matrix bucketed per feature.
type binned struct {
	n, p    int
	bins    []uint16    // row-major, n*p; missing values have bin nbins[f]
	binsT   []uint16    // column-major copy, p*n
	cuts    [][]float32 // cuts[f][j]: values < cuts[f][j] have bins <= j
	nbins   []int       // number of non-missing bins per feature
	offsets []int       // offset of feature f in a histogram (nbins[f]+1 slots)
	abs     []uint32    // row-major, n*p: offsets[f] + bin, the histogram slot
	histLen int
}

func buildBins(d Dataset, maxBin int) *binned {
	n, p := d.Rows(), d.NumFeature
	b := &binned{n: n, p: p, bins: make([]uint16, n*p), cuts: make([][]float32, p), nbins: make([]int, p), offsets: make([]int, p)}
	col := make([]float32, 0, n)
	for f := range p {
		col = col[:0]
		for i := range n {
			v := float32(d.X[i*p+f])
			if v == v {
				col = append(col, v)
			}
		}
		slices.Sort(col)
		b.cuts[f] = quantileCuts(col, maxBin)
		b.nbins[f] = len(b.cuts[f]) + 1
		b.offsets[f] = b.histLen
		b.histLen += b.nbins[f] + 1
		cuts := b.cuts[f]
		for i := range n {
			v := float32(d.X[i*p+f])
			if v != v {
				b.bins[i*p+f] = uint16(b.nbins[f])
				continue
			}
			// Number of cuts <= v.
			j, _ := slices.BinarySearchFunc(cuts, v, func(c, v float32) int {
				if c <= v {
					return -1
				}
				return 1
			})
			b.bins[i*p+f] = uint16(j)
		}
	}
	b.binsT = make([]uint16, n*p)
	for i := range n {
		for f := range p {
			b.binsT[f*n+i] = b.bins[i*p+f]
		}
	}
	b.abs = make([]uint32, n*p)
	for i := range n {
		for f := range p {
			b.abs[i*p+f] = uint32(b.offsets[f] + int(b.bins[i*p+f]))
		}
	}
	return b
}

// quantileCuts returns at most maxBin-1 increasing cut points for sorted
// values: every distinct value but the smallest when there are at most
// maxBin of them (so each value gets its own bin, as XGBoost does), else
// values at evenly spaced ranks.
func quantileCuts(sorted []float32, maxBin int) []float32 {
	if len(sorted) == 0 {
		return nil
	}
	distinct := 1
	for i := 1; i < len(sorted); i++ {
		if sorted[i] != sorted[i-1] {
			distinct++
		}
	}
	cuts := make([]float32, 0, min(distinct, maxBin)-1)
	if distinct <= maxBin {
		for i := 1; i < len(sorted); i++ {
			if sorted[i] != sorted[i-1] {
				cuts = append(cuts, sorted[i])
			}
		}
		return cuts
	}
	n := len(sorted)
	for q := 1; q < maxBin; q++ {
		v := sorted[q*n/maxBin]
		if v > sorted[0] && (len(cuts) == 0 || v > cuts[len(cuts)-1]) {
			cuts = append(cuts, v)
		}
	}
	return cuts
}

type gh struct{ g, h float64 }

type tnode struct {
	lo, hi      int // rows[lo:hi] belong to this node
	g, h        float64
	depth       int
	hist        int // index of its histogram in the pool, -1 if none
	feat        int
	bin         int // split: bins <= bin go left
	defaultLeft bool
	gl, hl      float64 // gradient and hessian sums of the left child
	gain        float64
	left, right int // children in tree.nodes, -1 for a leaf
	weight      float64
}

type trainer struct {
	p       Params
	loss    lossKind
	b       *binned
	y       []float64
	pred    []float32 // current margin per training row
	grad    []float64
	rows    []int32 // sampled rows, partitioned by node
	tmp     []int32
	hists   [][]gh
	free    []int
	feats   []int
	allF    []int
	nodes   []tnode
	rng     *rand.Rand
	lambda  float64
	mcw     float64
	sampled []bool
	stack   []int
	// Per-tree scratch, reused so that a boosting round allocates nothing
	// once the buffers have grown.
	level, next []int
	layout      []layoutItem
	res         []float32 // a leaf's residuals (refreshLeaves)
}

// layoutItem is a node of a grown tree waiting to be appended to a Model,
// with the Model index of its parent.
type layoutItem struct{ ti, parent int32 }

func (t *trainer) getHist() int {
	if n := len(t.free); n > 0 {
		i := t.free[n-1]
		t.free = t.free[:n-1]
		clear(t.hists[i])
		return i
	}
	t.hists = append(t.hists, make([]gh, t.b.histLen))
	return len(t.hists) - 1
}

func (t *trainer) putHist(i int) { t.free = append(t.free, i) }

func (t *trainer) buildHist(h []gh, rows []int32) {
	p := t.b.p
	abs := t.b.abs
	if len(t.feats) == p {
		for _, r := range rows {
			g := t.grad[r]
			for _, a := range abs[int(r)*p : int(r)*p+p] {
				s := &h[a]
				s.g += g
				s.h++
			}
		}
		return
	}
	for _, r := range rows {
		g := t.grad[r]
		ra := abs[int(r)*p : int(r)*p+p]
		for _, f := range t.feats {
			s := &h[ra[f]]
			s.g += g
			s.h++
		}
	}
}

func (t *trainer) leafWeight(g, h float64) float64 { return -g / (h + t.lambda) }

func (t *trainer) score(g, h float64) float64 { return g * g / (h + t.lambda) }

// bestSplit finds the best split of node nd from its histogram.
func (t *trainer) bestSplit(nd *tnode) {
	nd.gain, nd.feat = 0, -1
	h := t.hists[nd.hist]
	parent := t.score(nd.g, nd.h)
	const rtEps = 1e-6
	best := rtEps
	for _, f := range t.feats {
		off, nb := t.b.offsets[f], t.b.nbins[f]
		miss := h[off+nb]
		var gl, hl float64
		for j := 0; j < nb-1; j++ {
			if h[off+j].h == 0 {
				// Same partition as the previous candidate, which wins ties.
				continue
			}
			gl += h[off+j].g
			hl += h[off+j].h
			// Missing values right.
			grr, hrr := nd.g-gl, nd.h-hl
			if hl >= t.mcw && hrr >= t.mcw && hl > 0 && hrr > 0 {
				if c := t.score(gl, hl) + t.score(grr, hrr) - parent; c > best {
					best, nd.feat, nd.bin, nd.defaultLeft = c, f, j, false
					nd.gl, nd.hl = gl, hl
				}
			}
			if miss.h > 0 {
				gll, hll := gl+miss.g, hl+miss.h
				grr, hrr := nd.g-gll, nd.h-hll
				if hll >= t.mcw && hrr >= t.mcw && hrr > 0 {
					if c := t.score(gll, hll) + t.score(grr, hrr) - parent; c > best {
						best, nd.feat, nd.bin, nd.defaultLeft = c, f, j, true
						nd.gl, nd.hl = gll, hll
					}
				}
			}
		}
	}
	if nd.feat >= 0 {
		nd.gain = best
	}
}

// goesLeft reports whether a row whose bin of the split feature is b goes to
// the left child of the split node nd; bin nbins of the feature is missing.
func (nd *tnode) goesLeft(b, nbins int) bool {
	if b == nbins {
		return nd.defaultLeft
	}
	return b <= nd.bin
}

// growTree builds one tree on the sampled rows t.rows and returns its
// nodes (index 0 is the root).
func (t *trainer) growTree() []tnode {
	t.nodes = t.nodes[:0]
	var g, h float64
	for _, r := range t.rows {
		g += t.grad[r]
		h++
	}
	root := tnode{lo: 0, hi: len(t.rows), g: g, h: h, hist: t.getHist(), left: -1, right: -1}
	t.buildHist(t.hists[root.hist], t.rows)
	t.nodes = append(t.nodes, root)
	level, next := append(t.level[:0], 0), t.next
	for depth := 0; depth < t.p.MaxDepth && len(level) > 0; depth++ {
		next = next[:0]
		for _, ni := range level {
			nd := &t.nodes[ni]
			t.bestSplit(nd)
			if nd.feat < 0 {
				t.putHist(nd.hist)
				nd.hist = -1
				continue
			}
			// Stable partition of the node's rows.
			rows := t.rows[nd.lo:nd.hi]
			binsF, nbins := t.b.binsT[nd.feat*t.b.n:(nd.feat+1)*t.b.n], t.b.nbins[nd.feat]
			tmp := t.tmp[:0]
			k := 0
			for _, r := range rows {
				if nd.goesLeft(int(binsF[r]), nbins) {
					rows[k] = r
					k++
				} else {
					tmp = append(tmp, r)
				}
			}
			copy(rows[k:], tmp)
			l := tnode{lo: nd.lo, hi: nd.lo + k, depth: depth + 1, left: -1, right: -1, hist: -1}
			r := tnode{lo: nd.lo + k, hi: nd.hi, depth: depth + 1, left: -1, right: -1, hist: -1}
			// Child sums come from the histogram, as in XGBoost.
			l.g, l.h = nd.gl, nd.hl
			r.g, r.h = nd.g-l.g, nd.h-l.h
			if depth+1 < t.p.MaxDepth {
				// Histogram subtraction: build the smaller child, derive the other.
				small, large := &l, &r
				if r.hi-r.lo < l.hi-l.lo {
					small, large = &r, &l
				}
				small.hist = t.getHist()
				t.buildHist(t.hists[small.hist], t.rows[small.lo:small.hi])
				large.hist = nd.hist
				hs, hl := t.hists[small.hist], t.hists[large.hist]
				for i := range hl {
					hl[i].g -= hs[i].g
					hl[i].h -= hs[i].h
				}
			} else {
				t.putHist(nd.hist)
			}
			nd.hist = -1
			li, ri := len(t.nodes), len(t.nodes)+1
			nd.left, nd.right = li, ri
			t.nodes = append(t.nodes, l, r) // nd is invalid after this
			next = append(next, li, ri)
		}
		level, next = next, level
	}
	t.level, t.next = level, next
	for _, ni := range level {
		if t.nodes[ni].hist >= 0 {
			t.putHist(t.nodes[ni].hist)
			t.nodes[ni].hist = -1
		}
	}
	// Prune bottom-up: a split whose children are leaves and whose gain is
	// below Gamma becomes a leaf (XGBoost's prune updater).
	if t.p.Gamma > 0 {
		for i := len(t.nodes) - 1; i >= 0; i-- {
			t.pruneNode(i)
		}
	}
	for i := range t.nodes {
		nd := &t.nodes[i]
		nd.weight = t.leafWeight(nd.g, nd.h)
	}
	return t.nodes
}

func (t *trainer) pruneNode(i int) {
	nd := &t.nodes[i]
	if nd.left < 0 {
		return
	}
	if t.nodes[nd.left].left < 0 && t.nodes[nd.right].left < 0 && nd.gain < t.p.Gamma {
		nd.left, nd.right, nd.feat = -1, -1, -1
	}
}

func trainModel(ctx context.Context, train Dataset, valid *Dataset, p Params) (*Model, error) {
	if err := train.validate("train"); err != nil {
		return nil, err
	}
	n := train.Rows()
	if n < 2 {
		return nil, fmt.Errorf("gbdt: %d training rows, want at least 2", n)
	}
	t, m := newTrainer(train, p)
	var vpred []float32
	if valid != nil && p.EarlyStoppingRounds > 0 {
		vpred = make([]float32, valid.Rows())
		for i := range vpred {
			vpred[i] = m.base
		}
	}
	bestLoss, bestIter := math.Inf(1), -1
	for iter := 0; iter < p.NEstimators; iter++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("gbdt: training stopped at round %d: %w", iter, err)
		}
		t.round(m, iter)
		if vpred == nil {
			continue
		}
		addLastTree(m, valid, vpred)
		if l := validLoss(t.loss, p.alpha(), vpred, valid.Y); l < bestLoss {
			bestLoss, bestIter = l, iter
		} else if iter-bestIter >= p.EarlyStoppingRounds {
			break
		}
	}
	if vpred != nil && bestIter >= 0 {
		m.keepRounds(bestIter + 1)
		m.bestIteration = bestIter
	}
	m.nodes = slices.Clip(m.nodes)
	return m, nil
}

// newTrainer returns the trainer of a dataset and the empty model it grows, every margin at the
// base score (estimated from the targets unless Params.BaseScore is set).
func newTrainer(train Dataset, p Params) (*trainer, *Model) {
	n, k := train.Rows(), train.NumFeature
	loss, _ := trainLoss(p.Objective)
	base := p.BaseScore
	if math.IsNaN(base) {
		base = baseScore(train.Y, p, loss)
	}
	obj := p.Objective
	if obj == "" {
		obj = SquaredError
	}
	t := &trainer{
		p: p, b: buildBins(train, p.MaxBin), y: train.Y, loss: loss,
		pred:    make([]float32, n),
		grad:    make([]float64, n),
		rows:    make([]int32, 0, n),
		tmp:     make([]int32, 0, n),
		rng:     rand.New(rand.NewPCG(p.Seed, 0x9e3779b97f4a7c15)),
		lambda:  p.Lambda,
		mcw:     p.MinChildWeight,
		allF:    make([]int, k),
		sampled: make([]bool, n),
	}
	for f := range k {
		t.allF[f] = f
	}
	m := &Model{
		baseScore:     float32(base),
		base:          float32(base),
		objective:     obj,
		quantileAlpha: p.QuantileAlpha,
		link:          linkIdentity,
		numFeature:    k,
		bestIteration: -1,
	}
	if train.FeatureNames != nil {
		m.featureNames = slices.Clone(train.FeatureNames)
	}
	for i := range t.pred {
		t.pred[i] = m.base
	}
	return t, m
}

// round grows boosting round iter: the gradients, the sampled rows and features, the tree, and
// the training margins updated with it.
func (t *trainer) round(m *Model, iter int) {
	n, k := len(t.pred), len(t.allF)
	t.gradients()
	t.rows = t.rows[:0]
	for i := range n {
		if t.p.Subsample >= 1 || t.rng.Float64() < t.p.Subsample {
			t.rows = append(t.rows, int32(i))
		}
	}
	t.feats = append(t.feats[:0], t.allF...)
	if nSel := max(1, int(float64(k)*t.p.ColsampleByTree)); nSel < k {
		for i := range nSel {
			j := i + t.rng.IntN(k-i)
			t.feats[i], t.feats[j] = t.feats[j], t.feats[i]
		}
		t.feats = t.feats[:nSel]
		slices.Sort(t.feats)
	}
	if len(t.rows) == 0 {
		// Nothing sampled: the tree is a single zero leaf.
		m.roots = append(m.roots, int32(len(m.nodes)))
		m.nodes = append(m.nodes, node{left: -1, right: -1})
		m.stats = append(m.stats, nodeStats{parent: -1, treeIdx: int32(iter)})
		return
	}
	tree := t.growTree()
	if t.loss != lossSquared {
		t.refreshLeaves(tree)
	}
	t.appendTree(m, tree, iter)
	t.updateMargins(tree)
}

// updateMargins adds a new tree's values to every training margin (sampled or not), in float32
// like XGBoost's prediction cache. Sampled rows are already partitioned by leaf.
func (t *trainer) updateMargins(tree []tnode) {
	n := len(t.pred)
	clear(t.sampled)
	stack := append(t.stack[:0], 0)
	for len(stack) > 0 {
		nd := &tree[stack[len(stack)-1]]
		stack = stack[:len(stack)-1]
		if nd.left >= 0 {
			stack = append(stack, nd.left, nd.right)
			continue
		}
		v := float32(nd.weight * t.p.LearningRate)
		for _, r := range t.rows[nd.lo:nd.hi] {
			t.pred[r] += v
			t.sampled[r] = true
		}
	}
	t.stack = stack
	if len(t.rows) < n {
		for i := range n {
			if !t.sampled[i] {
				t.pred[i] += t.leafOf(tree, i)
			}
		}
	}
}

// addLastTree adds the model's last tree to the validation margins vpred.
func addLastTree(m *Model, valid *Dataset, vpred []float32) {
	k := m.numFeature
	root := m.roots[len(m.roots)-1]
	for i := range vpred {
		// treeValue rounds each value to float32, as XGBoost does.
		vpred[i] += treeValue(m.nodes, root, valid.X[i*k:(i+1)*k])
	}
}

// keepRounds drops the trees after the first keep (early stopping's best iteration).
func (m *Model) keepRounds(keep int) {
	if keep < len(m.roots) {
		end := m.roots[keep]
		m.roots = m.roots[:keep]
		m.nodes = m.nodes[:end]
		m.stats = m.stats[:end]
	}
}

// appendTree converts a grown tree to Model nodes in depth-first order.
func (t *trainer) appendTree(m *Model, tree []tnode, iter int) {
	root := int32(len(m.nodes))
	m.roots = append(m.roots, root)
	eta := t.p.LearningRate
	stack := append(t.layout[:0], layoutItem{0, -1})
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		tn := &tree[it.ti]
		idx := int32(len(m.nodes))
		if it.parent >= 0 {
			pn := &m.nodes[it.parent]
			if pn.left == -2 {
				pn.left = idx
			} else {
				pn.right = idx
			}
		}
		st := nodeStats{gain: float32(tn.gain), hess: float32(tn.h), weight: float32(tn.weight), parent: it.parent, treeIdx: int32(iter)}
		if tn.left < 0 {
			m.nodes = append(m.nodes, node{cond: float32(tn.weight * eta), left: -1, right: -1})
			st.gain = 0
		} else {
			nd := node{cond: t.b.cuts[tn.feat][tn.bin], feat: uint32(tn.feat), left: -2, right: -2}
			if tn.defaultLeft {
				nd.feat |= defaultLeftBit
			}
			m.nodes = append(m.nodes, nd)
			// Push right first so the left subtree is laid out first; the
			// left child's placement fills pn.left (marked -2).
			stack = append(stack, layoutItem{int32(tn.right), idx}, layoutItem{int32(tn.left), idx})
		}
		m.stats = append(m.stats, st)
	}
	t.layout = stack
}

// leafOf returns the (shrunk) leaf value of the grown tree for training row
// i, walking the tree on the binned matrix.
func (t *trainer) leafOf(tree []tnode, i int) float32 {
	p := t.b.p
	row := t.b.bins[i*p : i*p+p]
	j := 0
	for {
		nd := &tree[j]
		if nd.left < 0 {
			return float32(nd.weight * t.p.LearningRate)
		}
		if nd.goesLeft(int(row[nd.feat]), t.b.nbins[nd.feat]) {
			j = nd.left
		} else {
			j = nd.right
		}
	}
}

func treeValue[T float32 | float64](nodes []node, root int32, row []T) float32 {
	i := root
	for {
		n := &nodes[i]
		if n.left < 0 {
			return n.cond
		}
		v := float32(row[n.feat&^defaultLeftBit]) // XGBoost compares in float32
		switch {
		case v != v:
			if n.feat&defaultLeftBit != 0 {
				i = n.left
			} else {
				i = n.right
			}
		case v < n.cond:
			i = n.left
		default:
			i = n.right
		}
	}
}

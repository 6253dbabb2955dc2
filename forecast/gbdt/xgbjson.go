package gbdt

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// DefaultMaxModelBytes is the largest model file the readers accept unless
// [WithMaxBytes] says otherwise (256 MiB). Reading takes memory up to about 12 times the
// file's size (an array of short tokens, such as feature names, is the worst case).
const DefaultMaxModelBytes = 1 << 28

// ErrUnsupported is wrapped by every error about a model that is well formed
// but uses a feature this package does not implement (categorical splits,
// multi-target or multi-class output, dart or gblinear boosters, unknown
// objectives).
var ErrUnsupported = errors.New("gbdt: unsupported model")

// ErrMalformed is wrapped by every error about a model file that is not a
// valid model (bad JSON, inconsistent arrays, cycles, out-of-range indices).
var ErrMalformed = errors.New("gbdt: malformed model")

// ReadOption configures the model readers.
type ReadOption func(*readConfig)

type readConfig struct {
	maxBytes int64
}

// WithMaxBytes limits how many bytes a reader consumes; a longer input is an
// error. The default is [DefaultMaxModelBytes]. Memory use while reading is
// proportional to this limit.
func WithMaxBytes(n int64) ReadOption { return func(c *readConfig) { c.maxBytes = n } }

func readLimited(r io.Reader, opts []ReadOption) ([]byte, error) {
	cfg := readConfig{maxBytes: DefaultMaxModelBytes}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.maxBytes <= 0 {
		return nil, fmt.Errorf("gbdt: WithMaxBytes(%d): the limit must be positive", cfg.maxBytes)
	}
	data, err := io.ReadAll(io.LimitReader(r, cfg.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("gbdt: reading model: %w", err)
	}
	if int64(len(data)) > cfg.maxBytes {
		return nil, fmt.Errorf("%w: model is larger than the %d-byte limit (see WithMaxBytes)", ErrMalformed, cfg.maxBytes)
	}
	return data, nil
}

// arrayTokens calls fn with each element of a JSON array of scalars (numbers, true, false,
// null), in order, without building an intermediate value per element: the readers' memory
// stays proportional to the model rather than to the number of tokens times a slice header.
func arrayTokens(data []byte, fn func(i int, tok []byte) error) error {
	data = bytes.TrimSpace(data)
	if len(data) < 2 || data[0] != '[' || data[len(data)-1] != ']' {
		return fmt.Errorf("want an array of numbers, got %.20q", data)
	}
	body := bytes.TrimSpace(data[1 : len(data)-1])
	if len(body) == 0 {
		return nil
	}
	i := 0
	for tok := range bytes.SplitSeq(body, []byte(",")) {
		tok = bytes.TrimSpace(tok)
		if len(tok) == 0 || tok[0] == '"' || tok[0] == '[' || tok[0] == '{' {
			return fmt.Errorf("element %d = %.20q, want a number", i, tok)
		}
		if err := fn(i, tok); err != nil {
			return err
		}
		i++
	}
	return nil
}

// stringArray decodes a JSON array of strings (feature names or types) of at most n elements,
// stopping at the first element past n: a long array of empty strings costs a string header
// per three bytes, so the count is checked against num_feature while reading.
func stringArray(field string, raw json.RawMessage, n int) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, fmt.Errorf("%w: %s is not an array of strings", ErrMalformed, field)
	}
	out := make([]string, 0, min(n, len(raw)/3+1))
	for dec.More() {
		if len(out) == n {
			return nil, fmt.Errorf("%w: %s has more than num_feature = %d entries", ErrMalformed, field, n)
		}
		var v string
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%w: %s[%d]: %w", ErrMalformed, field, len(out), err)
		}
		out = append(out, v)
	}
	return out, nil
}

// flexBools decodes an array of booleans written as true/false or 0/1.
type flexBools []bool

// UnmarshalJSON implements json.Unmarshaler.
func (b *flexBools) UnmarshalJSON(data []byte) error {
	out := make([]bool, 0, bytes.Count(data, []byte(","))+1)
	err := arrayTokens(data, func(i int, v []byte) error {
		switch string(v) {
		case "true", "1":
			out = append(out, true)
		case "false", "0":
			out = append(out, false)
		default:
			return fmt.Errorf("default_left[%d] = %s, want 0, 1, true or false", i, v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	*b = out
	return nil
}

// float32s decodes an array of numbers into float32, each rounded once from its decimal text
// (as XGBoost reads it); null (a NaN or infinity in XGBoost's output) and values outside
// float32's range become NaN, which the model checks refuse where they matter.
type float32s []float32

// UnmarshalJSON implements json.Unmarshaler.
func (f *float32s) UnmarshalJSON(data []byte) error {
	out := make([]float32, 0, bytes.Count(data, []byte(","))+1)
	err := arrayTokens(data, func(i int, v []byte) error {
		if string(v) == "null" {
			out = append(out, float32(math.NaN()))
			return nil
		}
		x, err := strconv.ParseFloat(string(v), 32)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("split_conditions[%d] = %.20q, want a number", i, v)
		}
		if err != nil {
			x = math.NaN()
		}
		out = append(out, float32(x))
		return nil
	})
	if err != nil {
		return err
	}
	*f = out
	return nil
}

// flexString decodes a JSON string or number as its text.
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *flexString) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var v string
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		*s = flexString(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return err
	}
	*s = flexString(n)
	return nil
}

type xgbTree struct {
	LeftChildren    []int32   `json:"left_children"`
	RightChildren   []int32   `json:"right_children"`
	SplitIndices    []int64   `json:"split_indices"`
	SplitConditions float32s  `json:"split_conditions"`
	DefaultLeft     flexBools `json:"default_left"`
	SplitType       []int     `json:"split_type"`
	Categories      []int64   `json:"categories"`
	CategoriesNodes []int64   `json:"categories_nodes"`
	TreeParam       struct {
		NumNodes       flexString `json:"num_nodes"`
		SizeLeafVector flexString `json:"size_leaf_vector"`
	} `json:"tree_param"`
}

type xgbFile struct {
	Learner *xgbLearner `json:"learner"`
	Version []int       `json:"version"`
}

type xgbLearner struct {
	FeatureNames      json.RawMessage `json:"feature_names"`
	FeatureTypes      json.RawMessage `json:"feature_types"`
	LearnerModelParam struct {
		BaseScore  flexString `json:"base_score"`
		NumClass   flexString `json:"num_class"`
		NumFeature flexString `json:"num_feature"`
		NumTarget  flexString `json:"num_target"`
	} `json:"learner_model_param"`
	Objective struct {
		Name          string `json:"name"`
		QuantileParam *struct {
			Alpha flexString `json:"quantile_alpha"`
		} `json:"quantile_loss_param"`
	} `json:"objective"`
	GradientBooster *struct {
		Name  string      `json:"name"`
		Model *xgbGBModel `json:"model"`
	} `json:"gradient_booster"`
}

type xgbGBModel struct {
	Param struct {
		NumTrees       flexString `json:"num_trees"`
		SizeLeafVector flexString `json:"size_leaf_vector"`
	} `json:"gbtree_model_param"`
	TreeInfo []int64   `json:"tree_info"`
	Trees    []xgbTree `json:"trees"`
}

func parseIntField(name string, s flexString, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	v, err := strconv.Atoi(string(s))
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%w: %s = %q, want a non-negative integer", ErrMalformed, name, string(s))
	}
	return v, nil
}

// parseBaseScore reads base_score written as "x" (XGBoost < 3.1) or "[x]".
func parseBaseScore(s flexString) (float32, error) {
	t := strings.TrimSpace(string(s))
	if t == "" {
		return 0.5, nil
	}
	if strings.HasPrefix(t, "[") {
		if !strings.HasSuffix(t, "]") {
			return 0, fmt.Errorf("%w: base_score %q: unbalanced brackets", ErrMalformed, t)
		}
		t = strings.TrimSpace(t[1 : len(t)-1])
		if strings.Contains(t, ",") {
			return 0, fmt.Errorf("%w: base_score %q has several values (multi-target model)", ErrUnsupported, string(s))
		}
	}
	v, err := strconv.ParseFloat(t, 32)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%w: base_score %q is not a finite number", ErrMalformed, string(s))
	}
	return float32(v), nil
}

// ReadXGBoostJSON reads a model saved by XGBoost with
// booster.save_model("model.json"). See the package documentation for what
// is supported; anything else is refused with an error wrapping
// [ErrUnsupported] or [ErrMalformed].
func ReadXGBoostJSON(r io.Reader, opts ...ReadOption) (*Model, error) {
	if r == nil {
		return nil, errors.New("gbdt: ReadXGBoostJSON: the reader is nil")
	}
	data, err := readLimited(r, opts)
	if err != nil {
		return nil, err
	}
	// XGBoost writes non-finite floats as bare NaN/Infinity (for example the
	// conditions of categorical splits), which is not JSON.
	data = replaceNonFinite(data)
	var f xgbFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%w: XGBoost JSON: %w", ErrMalformed, err)
	}
	gm, err := checkBooster(f.Learner)
	if err != nil {
		return nil, err
	}
	m, err := learnerModel(f.Learner)
	if err != nil {
		return nil, err
	}
	if err := checkTrees(gm); err != nil {
		return nil, err
	}
	total := 0
	for i := range gm.Trees {
		total += len(gm.Trees[i].LeftChildren)
	}
	m.nodes, m.roots = make([]node, 0, total), make([]int32, 0, len(gm.Trees))
	var stack []int32
	for ti := range gm.Trees {
		var err error
		if stack, err = m.addXGBTree(ti, &gm.Trees[ti], stack); err != nil {
			return nil, err
		}
		gm.Trees[ti] = xgbTree{} // release memory early
	}
	return m, nil
}

// checkBooster refuses a file without a gbtree booster and returns its model.
func checkBooster(l *xgbLearner) (*xgbGBModel, error) {
	if l == nil {
		return nil, fmt.Errorf("%w: XGBoost JSON: no \"learner\" object", ErrMalformed)
	}
	gb := l.GradientBooster
	if gb == nil {
		return nil, fmt.Errorf("%w: XGBoost JSON: no learner.gradient_booster", ErrMalformed)
	}
	switch gb.Name {
	case "gbtree":
	case "dart":
		return nil, fmt.Errorf("%w: booster %q (dart trees carry drop weights; only gbtree is supported)", ErrUnsupported, gb.Name)
	case "gblinear":
		return nil, fmt.Errorf("%w: booster %q (linear model; only gbtree is supported)", ErrUnsupported, gb.Name)
	default:
		return nil, fmt.Errorf("%w: booster %q (only gbtree is supported)", ErrUnsupported, gb.Name)
	}
	if gb.Model == nil {
		return nil, fmt.Errorf("%w: XGBoost JSON: no gradient_booster.model", ErrMalformed)
	}
	return gb.Model, nil
}

// learnerModel reads the learner's parameters (outputs, features, objective, base score) into an
// empty model, refusing what is not supported.
func learnerModel(l *xgbLearner) (*Model, error) {
	mp := l.LearnerModelParam
	numClass, err := parseIntField("num_class", mp.NumClass, 0)
	if err != nil {
		return nil, err
	}
	if numClass > 1 {
		return nil, fmt.Errorf("%w: num_class = %d (multi-class models are not supported; want 0 or 1)", ErrUnsupported, numClass)
	}
	numTarget, err := parseIntField("num_target", mp.NumTarget, 1)
	if err != nil {
		return nil, err
	}
	if numTarget > 1 {
		return nil, fmt.Errorf("%w: num_target = %d (multi-target models are not supported; want 1)", ErrUnsupported, numTarget)
	}
	numFeature, featureNames, err := features(l)
	if err != nil {
		return nil, err
	}
	obj := Objective(l.Objective.Name)
	link, ok := objectiveLink(obj)
	if !ok {
		return nil, fmt.Errorf("%w: objective %q (supported: squared, absolute, quantile, pseudo-Huber and squared-log error, logistic, logitraw, Poisson, gamma, Tweedie)", ErrUnsupported, l.Objective.Name)
	}
	baseScore, err := parseBaseScore(mp.BaseScore)
	if err != nil {
		return nil, err
	}
	base, err := baseMargin(link, baseScore)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var alpha float64
	if obj == QuantileError {
		if alpha, err = quantileAlpha(l); err != nil {
			return nil, err
		}
	}
	return &Model{base: base, baseScore: baseScore, objective: obj, quantileAlpha: alpha, link: link, numFeature: numFeature,
		featureNames: featureNames, bestIteration: -1}, nil
}

// quantileAlpha reads the one quantile of a reg:quantileerror model
// ("[0.9]" or "0.9"); a model of several quantiles has several targets,
// which are not supported.
func quantileAlpha(l *xgbLearner) (float64, error) {
	qp := l.Objective.QuantileParam
	if qp == nil {
		return 0, fmt.Errorf("%w: objective %s without quantile_loss_param", ErrMalformed, QuantileError)
	}
	s := strings.TrimSpace(string(qp.Alpha))
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	if strings.Contains(s, ",") {
		return 0, fmt.Errorf("%w: quantile_alpha %q has several quantiles (a multi-target model; want one)", ErrUnsupported, string(qp.Alpha))
	}
	a, err := strconv.ParseFloat(s, 64)
	if err != nil || !(a > 0 && a < 1) {
		return 0, fmt.Errorf("%w: quantile_alpha %q, want one number in (0, 1)", ErrMalformed, string(qp.Alpha))
	}
	return a, nil
}

// features reads the number of features and their names, refusing categorical features.
func features(l *xgbLearner) (int, []string, error) {
	numFeature, err := parseIntField("num_feature", l.LearnerModelParam.NumFeature, 0)
	if err != nil {
		return 0, nil, err
	}
	if numFeature > math.MaxInt32 {
		return 0, nil, fmt.Errorf("%w: num_feature = %d exceeds %d", ErrMalformed, numFeature, math.MaxInt32)
	}
	featureTypes, err := stringArray("feature_types", l.FeatureTypes, numFeature)
	if err != nil {
		return 0, nil, err
	}
	featureNames, err := stringArray("feature_names", l.FeatureNames, numFeature)
	if err != nil {
		return 0, nil, err
	}
	for i, t := range featureTypes {
		if t == "c" {
			return 0, nil, fmt.Errorf("%w: feature %d is categorical (feature_types[%d] = \"c\")", ErrUnsupported, i, i)
		}
	}
	if len(featureNames) > 0 && len(featureNames) != numFeature {
		return 0, nil, fmt.Errorf("%w: %d feature_names for num_feature = %d", ErrMalformed, len(featureNames), numFeature)
	}
	if len(featureNames) == 0 {
		featureNames = nil
	}
	return numFeature, featureNames, nil
}

// checkTrees checks the booster's tree-level parameters: one output, one tree count.
func checkTrees(gm *xgbGBModel) error {
	if slv, err := parseIntField("size_leaf_vector", gm.Param.SizeLeafVector, 0); err != nil {
		return err
	} else if slv > 1 {
		return fmt.Errorf("%w: size_leaf_vector = %d (vector-leaf multi-target trees)", ErrUnsupported, slv)
	}
	numTrees, err := parseIntField("num_trees", gm.Param.NumTrees, len(gm.Trees))
	if err != nil {
		return err
	}
	if numTrees != len(gm.Trees) {
		return fmt.Errorf("%w: num_trees = %d but %d trees are stored", ErrMalformed, numTrees, len(gm.Trees))
	}
	if len(gm.TreeInfo) != 0 && len(gm.TreeInfo) != len(gm.Trees) {
		return fmt.Errorf("%w: tree_info has %d entries for %d trees", ErrMalformed, len(gm.TreeInfo), len(gm.Trees))
	}
	for i, g := range gm.TreeInfo {
		if g != 0 {
			return fmt.Errorf("%w: tree %d belongs to output group %d (multi-output models are not supported)", ErrUnsupported, i, g)
		}
	}
	return nil
}

// addXGBTree validates one tree and appends it to m in depth-first order.
func (m *Model) addXGBTree(ti int, t *xgbTree, stack []int32) ([]int32, error) {
	n := len(t.LeftChildren)
	numNodes, err := parseIntField(fmt.Sprintf("trees[%d].tree_param.num_nodes", ti), t.TreeParam.NumNodes, n)
	if err != nil {
		return stack, err
	}
	if slv, err := parseIntField("size_leaf_vector", t.TreeParam.SizeLeafVector, 0); err != nil {
		return stack, err
	} else if slv > 1 {
		return stack, fmt.Errorf("%w: tree %d has size_leaf_vector = %d (multi-target)", ErrUnsupported, ti, slv)
	}
	if n == 0 || numNodes != n || len(t.RightChildren) != n || len(t.SplitIndices) != n ||
		len(t.SplitConditions) != n || len(t.DefaultLeft) != n {
		return stack, fmt.Errorf("%w: tree %d: num_nodes = %d but left_children %d, right_children %d, split_indices %d, split_conditions %d, default_left %d entries",
			ErrMalformed, ti, numNodes, n, len(t.RightChildren), len(t.SplitIndices), len(t.SplitConditions), len(t.DefaultLeft))
	}
	for i, st := range t.SplitType {
		if st != 0 {
			return stack, fmt.Errorf("%w: tree %d node %d has a categorical split (split_type %d)", ErrUnsupported, ti, i, st)
		}
	}
	if len(t.Categories) > 0 || len(t.CategoriesNodes) > 0 {
		return stack, fmt.Errorf("%w: tree %d has categorical splits", ErrUnsupported, ti)
	}
	if n > math.MaxInt32-len(m.nodes) {
		return stack, fmt.Errorf("%w: too many nodes", ErrMalformed)
	}
	// Depth-first copy from the root: every node must be reached at most
	// once, so the result is a tree and prediction always terminates.
	visited := make([]bool, n)
	local := make([]int32, n) // local index -> index in m.nodes
	root := int32(len(m.nodes))
	m.roots = append(m.roots, root)
	stack = append(stack[:0], 0)
	visited[0] = true
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		local[i] = int32(len(m.nodes))
		c := float64(t.SplitConditions[i])
		if math.IsInf(c, 0) || math.IsNaN(c) {
			return stack, fmt.Errorf("%w: tree %d node %d: split_conditions value %v is not a finite float32", ErrMalformed, ti, i, c)
		}
		nd := node{cond: float32(c), left: -1, right: -1}
		l, r := t.LeftChildren[i], t.RightChildren[i]
		if l == -1 || r == -1 {
			if l != r {
				return stack, fmt.Errorf("%w: tree %d node %d: left child %d, right child %d (a leaf needs both -1)", ErrMalformed, ti, i, l, r)
			}
			m.nodes = append(m.nodes, nd)
			continue
		}
		f := t.SplitIndices[i]
		if f < 0 || f >= int64(m.numFeature) {
			return stack, fmt.Errorf("%w: tree %d node %d: split index %d out of range [0, %d)", ErrMalformed, ti, i, f, m.numFeature)
		}
		nd.feat = uint32(f)
		if t.DefaultLeft[i] {
			nd.feat |= defaultLeftBit
		}
		for _, ch := range [2]int32{l, r} {
			if ch <= 0 || int(ch) >= n {
				return stack, fmt.Errorf("%w: tree %d node %d: child %d out of range [1, %d)", ErrMalformed, ti, i, ch, n)
			}
			if visited[ch] {
				return stack, fmt.Errorf("%w: tree %d: node %d is reached twice (not a tree)", ErrMalformed, ti, ch)
			}
			visited[ch] = true
		}
		// Store the children's local ids for now; fixed up below.
		nd.left, nd.right = l, r
		m.nodes = append(m.nodes, nd)
		stack = append(stack, r, l)
	}
	for j := root; j < int32(len(m.nodes)); j++ {
		nd := &m.nodes[j]
		if nd.left >= 0 {
			nd.left, nd.right = local[nd.left], local[nd.right]
		}
	}
	return stack, nil
}

// WriteXGBoostJSON writes the model in XGBoost's JSON model schema (as
// written by XGBoost 1.7), which XGBoost's Booster.load_model and
// [ReadXGBoostJSON] read.
func (m *Model) WriteXGBoostJSON(w io.Writer) error {
	jw := xgbWriter{bufio.NewWriter(w)}
	jw.p(`{"learner":{"attributes":{`)
	if m.bestIteration >= 0 {
		jw.p(`"best_iteration":"` + strconv.Itoa(m.bestIteration) + `","best_ntree_limit":"` + strconv.Itoa(m.bestIteration+1) + `"`)
	}
	jw.p(`},`)
	jw.list("feature_names", len(m.featureNames), func(i int) string { return quote(m.featureNames[i]) })
	jw.list("feature_types", len(m.featureNames), func(int) string { return `"float"` })
	jw.p(`"gradient_booster":{"model":{"gbtree_model_param":{"num_parallel_tree":"1","num_trees":"` + strconv.Itoa(len(m.roots)) + `","size_leaf_vector":"0"},`)
	jw.list("tree_info", len(m.roots), func(int) string { return "0" })
	jw.p(`"trees":[`)
	for ti, root := range m.roots {
		end := int32(len(m.nodes))
		if ti+1 < len(m.roots) {
			end = m.roots[ti+1]
		}
		if ti > 0 {
			jw.p(",")
		}
		m.writeXGBTree(jw, ti, root, end)
	}
	jw.p(`]},"name":"gbtree"},"learner_model_param":{"base_score":"` + f32String(m.baseScore) +
		`","boost_from_average":"1","num_class":"0","num_feature":"` + strconv.Itoa(m.numFeature) +
		`","num_target":"1"},"objective":{"name":` + quote(string(m.objective)) + `,`)
	switch m.objective {
	case Poisson:
		jw.p(`"poisson_regression_param":{"max_delta_step":"0.699999988"}`)
	case Tweedie:
		jw.p(`"tweedie_regression_param":{"tweedie_variance_power":"1.5"}`)
	case QuantileError:
		jw.p(`"quantile_loss_param":{"quantile_alpha":"[` + strconv.FormatFloat(m.quantileAlpha, 'g', -1, 64) + `]"}`)
	default:
		jw.p(`"reg_loss_param":{"scale_pos_weight":"1"}`)
	}
	// XGBoost 1.7.4 (the version written) has no quantile loss; 2.0 added it.
	if m.objective == QuantileError {
		jw.p(`}},"version":[2,0,0]}`)
	} else {
		jw.p(`}},"version":[1,7,4]}`)
	}
	if err := jw.Flush(); err != nil {
		return fmt.Errorf("gbdt: writing XGBoost JSON: %w", err)
	}
	return nil
}

// writeXGBTree writes tree ti (m.nodes[root:end]) as one element of XGBoost's "trees" array.
// XGBoost's predictor assumes a node's right child is stored right after its left child (it
// computes left + !(x < cond)), so the tree is laid out breadth-first with siblings adjacent.
func (m *Model) writeXGBTree(jw xgbWriter, ti int, root, end int32) {
	nodes, st := m.xgbLayout(root, end)
	parents := make([]int32, len(nodes))
	parents[0] = math.MaxInt32
	for i, nd := range nodes {
		if nd.left >= 0 {
			parents[nd.left] = int32(i)
			parents[nd.right] = int32(i)
		}
	}
	stat := func(get func(nodeStats) float32) func(int) string {
		return func(i int) string {
			if st != nil {
				return f32String(get(st[i]))
			}
			return "0E0"
		}
	}
	child := func(get func(node) int32) func(int) string {
		return func(i int) string {
			if nodes[i].left < 0 {
				return "-1"
			}
			return strconv.Itoa(int(get(nodes[i])))
		}
	}
	n := len(nodes)
	jw.p("{")
	jw.list("base_weights", n, func(i int) string {
		if st == nil && nodes[i].left < 0 {
			return f32String(nodes[i].cond)
		}
		return stat(func(s nodeStats) float32 { return s.weight })(i)
	})
	jw.p(`"categories":[],"categories_nodes":[],"categories_segments":[],"categories_sizes":[],`)
	jw.list("default_left", n, func(i int) string {
		if nodes[i].left >= 0 && nodes[i].feat&defaultLeftBit != 0 {
			return "1"
		}
		return "0"
	})
	jw.p(`"id":` + strconv.Itoa(ti) + `,`)
	jw.list("left_children", n, child(func(nd node) int32 { return nd.left }))
	jw.list("loss_changes", n, stat(func(s nodeStats) float32 { return s.gain }))
	jw.list("parents", n, func(i int) string { return strconv.Itoa(int(parents[i])) })
	jw.list("right_children", n, child(func(nd node) int32 { return nd.right }))
	jw.list("split_conditions", n, func(i int) string { return f32String(nodes[i].cond) })
	jw.list("split_indices", n, func(i int) string {
		if nodes[i].left < 0 {
			return "0"
		}
		return strconv.Itoa(int(nodes[i].feat &^ defaultLeftBit))
	})
	jw.list("split_type", n, func(int) string { return "0" })
	jw.list("sum_hessian", n, stat(func(s nodeStats) float32 { return s.hess }))
	jw.p(`"tree_param":{"num_deleted":"0","num_feature":"` + strconv.Itoa(m.numFeature) +
		`","num_nodes":"` + strconv.Itoa(n) + `","size_leaf_vector":"0"}}`)
}

// xgbWriter writes XGBoost's JSON by hand, to control number formats exactly.
type xgbWriter struct{ *bufio.Writer }

func (w xgbWriter) p(s string) { w.WriteString(s) }

// list writes "name":[v(0),…,v(n−1)], with a trailing comma.
func (w xgbWriter) list(name string, n int, v func(i int) string) {
	w.p(`"` + name + `":[`)
	for i := range n {
		if i > 0 {
			w.p(",")
		}
		w.p(v(i))
	}
	w.p("],")
}

// f32String formats v as XGBoost writes a float32 ("0E0" for zero, keeping its sign).
func f32String(v float32) string {
	if v == 0 {
		if math.Signbit(float64(v)) {
			return "-0E0"
		}
		return "0E0"
	}
	return strconv.FormatFloat(float64(v), 'E', -1, 32)
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// xgbLayout returns the nodes of the tree stored in m.nodes[root:end] in
// breadth-first order with tree-local child indices and each right child
// right after its left sibling, plus their statistics (nil if unknown).
func (m *Model) xgbLayout(root, end int32) ([]node, []nodeStats) {
	out := make([]node, 0, end-root)
	var st []nodeStats
	if m.stats != nil {
		st = make([]nodeStats, 0, end-root)
	}
	queue := make([]int32, 0, end-root) // queue[k] = global index of out[k]
	queue = append(queue, root)
	for k := 0; k < len(queue); k++ {
		nd := m.nodes[queue[k]]
		if m.stats != nil {
			st = append(st, m.stats[queue[k]])
		}
		if nd.left >= 0 {
			l := int32(len(queue))
			queue = append(queue, nd.left, nd.right)
			nd.left, nd.right = l, l+1
		}
		out = append(out, nd)
	}
	return out, st
}

// replaceNonFinite replaces the bare tokens NaN, Infinity and -Infinity
// outside strings with null, so that encoding/json accepts XGBoost's output.
func replaceNonFinite(data []byte) []byte {
	if !bytes.Contains(data, []byte("NaN")) && !bytes.Contains(data, []byte("Infinity")) {
		return data
	}
	out := make([]byte, 0, len(data))
	inString, escaped := false, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			out = append(out, c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
		case bytes.HasPrefix(data[i:], []byte("NaN")):
			out = append(out, "null"...)
			i += len("NaN") - 1
			continue
		case bytes.HasPrefix(data[i:], []byte("Infinity")):
			out = append(out, "null"...)
			i += len("Infinity") - 1
			continue
		case bytes.HasPrefix(data[i:], []byte("-Infinity")):
			out = append(out, "null"...)
			i += len("-Infinity") - 1
			continue
		}
		out = append(out, c)
	}
	return out
}

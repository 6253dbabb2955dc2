package a2c

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/lambdatune/lambdatune/env"
	"github.com/lambdatune/lambdatune/rl/nn"
)

// Episode is a training episode that finished.
type Episode struct {
	// Timestep is the model's NumTimesteps when the episode ended.
	Timestep int64
	// Return is the undiscounted sum of raw (unnormalized) rewards; if the env reports
	// env.InfoEpisodeReturn (an env.EpisodeStats wrapper), that value is used.
	Return float64
	// Length is the number of steps.
	Length int
}

// Progress describes training after an update; Learn passes it to callbacks.
type Progress struct {
	// Model is the model being trained.
	Model *Model
	// Context is the context Learn was called with.
	Context context.Context
	// Timesteps is the model's total number of environment steps so far.
	Timesteps int64
	// TotalTimesteps is the value of Timesteps at which this Learn call ends.
	TotalTimesteps int64
	// Iteration counts the updates of this Learn call, from 1.
	Iteration int64
	// Episodes counts the episodes finished in this Learn call.
	Episodes int64
	// NewEpisodes are the episodes finished since the previous update. The slice is
	// reused; copy what you keep.
	NewEpisodes []Episode
	// MeanReturn and MeanLength average the last 100 finished episodes (NaN before the
	// first), like SB3's rollout/ep_rew_mean and rollout/ep_len_mean.
	MeanReturn, MeanLength float64
	// PolicyLoss, ValueLoss and EntropyLoss are SB3's train/ losses of this update.
	PolicyLoss, ValueLoss, EntropyLoss float64
	// ExplainedVariance is 1 − Var(returns − values)/Var(returns) over the rollout.
	ExplainedVariance float64
	// LearningRate is the learning rate used by this update.
	LearningRate float64
	// GradNorm is the global gradient norm before clipping.
	GradNorm float64
	// Elapsed is the wall time since Learn started and StepsPerSecond the average
	// environment steps per second over it.
	Elapsed        time.Duration
	StepsPerSecond float64
}

// Callback observes training. OnUpdate runs after every update (every NSteps × NumEnvs
// environment steps). Returning ErrStop ends Learn without error; any other error
// aborts Learn and is returned.
type Callback interface {
	OnUpdate(p *Progress) error
}

// CallbackFunc adapts a function to Callback.
type CallbackFunc func(p *Progress) error

// OnUpdate calls f.
func (f CallbackFunc) OnUpdate(p *Progress) error { return f(p) }

// ErrStop is returned by a Callback to stop training early.
var ErrStop = errors.New("a2c: stop training")

const episodeWindow = 100

type rollout struct {
	venv         env.VecEnv
	nEnvs, B     int
	piTape       *nn.Tape
	vfTape       *nn.Tape
	bootTape     *nn.Tape
	actions      []float64
	envActs      []float64
	rewards      []float64
	values       []float64
	starts       []float64
	adv, ret     []float64
	dOut, dV     []float64
	lastObs      []float64
	lastStarts   []float64
	epRet        []float64
	epLen        []int
	winRet       []float64
	winLen       []float64
	winPos, winN int
	newEps       []Episode
	episodes     int64
	rawRewards   func() []float64
	normSrc      obsNormSource
	progress     Progress
}

// obsNormSource is a VecEnv whose observation statistics a model keeps, such as
// env.VecNormalize.
type obsNormSource interface {
	SyncObsNormalizer(*env.ObsNormalizer) *env.ObsNormalizer
}

func (m *Model) newRollout(venv env.VecEnv) *rollout {
	n := venv.NumEnvs()
	B := n * m.cfg.NSteps
	ro := &rollout{
		venv: venv, nEnvs: n, B: B,
		piTape: m.pi.NewTape(B), vfTape: m.vf.NewTape(B), bootTape: m.vf.NewTape(n),
		actions: make([]float64, B*m.actDim), envActs: make([]float64, n*m.actDim),
		rewards: make([]float64, B), values: make([]float64, B), starts: make([]float64, B),
		adv: make([]float64, B), ret: make([]float64, B),
		dOut: make([]float64, B*m.nOut), dV: make([]float64, B),
		lastObs: make([]float64, n*m.obsSpace.Dim()), lastStarts: make([]float64, n),
		epRet: make([]float64, n), epLen: make([]int, n),
		winRet: make([]float64, episodeWindow), winLen: make([]float64, episodeWindow),
		newEps: make([]Episode, 0, n*m.cfg.NSteps),
	}
	// Find a VecNormalize (possibly wrapped) for raw rewards and observation statistics.
	var v env.VecEnv = venv
	for v != nil {
		if s, ok := v.(obsNormSource); ok && ro.normSrc == nil {
			ro.normSrc = s
		}
		if r, ok := v.(interface{ OriginalRewards() []float64 }); ok && ro.rawRewards == nil {
			ro.rawRewards = r.OriginalRewards
		}
		u, ok := v.(interface{ Unwrap() env.VecEnv })
		if !ok {
			break
		}
		v = u.Unwrap()
	}
	return ro
}

// Learn trains the model for totalTimesteps more environment steps on venv (rounded
// up to whole updates of NSteps × NumEnvs steps), like SB3's model.learn. The first
// Learn call (or a call with a different VecEnv) resets venv with the model's seed;
// later calls continue the running episodes. If venv is or wraps an env.VecNormalize,
// the model keeps its observation statistics for Predict and Save.
//
// Learn checks ctx between updates and returns ctx.Err() when it is done.
func (m *Model) Learn(ctx context.Context, venv env.VecEnv, totalTimesteps int64, callbacks ...Callback) error {
	if m.pi == nil {
		return errZero
	}
	if venv == nil {
		return fmt.Errorf("a2c: Learn: VecEnv is nil")
	}
	if totalTimesteps < 1 {
		return fmt.Errorf("a2c: Learn totalTimesteps = %d, must be ≥ 1", totalTimesteps)
	}
	if venv.ObservationSpace().String() != m.obsSpace.String() || venv.ActionSpace().String() != m.actSpace.String() {
		return fmt.Errorf("a2c: Learn: env spaces %v/%v differ from the model's %v/%v",
			venv.ObservationSpace(), venv.ActionSpace(), m.obsSpace, m.actSpace)
	}
	if m.ro == nil || m.ro.venv != venv {
		m.ro = m.newRollout(venv)
		obs, err := venv.Reset(env.NewSeed(m.cfg.Seed))
		if err != nil {
			return fmt.Errorf("a2c: resetting env: %w", err)
		}
		if err := checkFinite("timestep "+strconv.FormatInt(m.numTimesteps, 10)+": reset observation", obs); err != nil {
			m.ro = nil
			return err
		}
		copy(m.ro.lastObs, obs)
		for i := range m.ro.lastStarts {
			m.ro.lastStarts[i] = 1
		}
	}
	ro := m.ro
	start, target := m.numTimesteps, m.numTimesteps+totalTimesteps
	t0 := time.Now()
	ro.episodes = 0
	p := &ro.progress
	*p = Progress{Model: m, Context: ctx, TotalTimesteps: target}
	for m.numTimesteps < target {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := m.collect(); err != nil {
			return err
		}
		progressRemaining := 1 - float64(m.numTimesteps-start)/float64(totalTimesteps)
		if err := m.train(progressRemaining, p); err != nil {
			return err
		}
		if ro.normSrc != nil {
			m.obsNorm = ro.normSrc.SyncObsNormalizer(m.obsNorm)
		}
		p.Iteration++
		p.Timesteps = m.numTimesteps
		p.Episodes = ro.episodes
		p.NewEpisodes = ro.newEps
		p.MeanReturn, p.MeanLength = math.NaN(), math.NaN()
		if ro.winN > 0 {
			var sr, sl float64
			for i := 0; i < ro.winN; i++ {
				sr += ro.winRet[i]
				sl += ro.winLen[i]
			}
			p.MeanReturn, p.MeanLength = sr/float64(ro.winN), sl/float64(ro.winN)
		}
		p.Elapsed = time.Since(t0)
		p.StepsPerSecond = float64(m.numTimesteps-start) / p.Elapsed.Seconds()
		for _, cb := range callbacks {
			if err := cb.OnUpdate(p); err != nil {
				if errors.Is(err, ErrStop) {
					return nil
				}
				return fmt.Errorf("a2c: callback: %w", err)
			}
		}
	}
	return nil
}

// RecentReturns returns a copy of the returns of the last (up to 100) training
// episodes, oldest first.
func (m *Model) RecentReturns() []float64 {
	if m.ro == nil {
		return nil
	}
	ro := m.ro
	out := make([]float64, 0, ro.winN)
	first := 0
	if ro.winN == episodeWindow {
		first = ro.winPos
	}
	for i := 0; i < ro.winN; i++ {
		out = append(out, ro.winRet[(first+i)%episodeWindow])
	}
	return out
}

// collect runs NSteps steps on every env (SB3 collect_rollouts) and computes returns
// and advantages.
func (m *Model) collect() error {
	ro := m.ro
	ro.newEps = ro.newEps[:0]
	n, obsDim, actDim, nOut := ro.nEnvs, m.obsSpace.Dim(), m.actDim, m.nOut
	gamma := m.cfg.Gamma
	for step := 0; step < m.cfg.NSteps; step++ {
		row := step * n
		out, err := m.pi.Forward(ro.piTape, ro.lastObs, row, n)
		if err != nil {
			return err
		}
		vals, err := m.vf.Forward(ro.vfTape, ro.lastObs, row, n)
		if err != nil {
			return err
		}
		copy(ro.values[row:row+n], vals)
		copy(ro.starts[row:row+n], ro.lastStarts)
		acts := ro.actions[row*actDim : (row+n)*actDim]
		for i := 0; i < n; i++ {
			m.sample(out[i*nOut:(i+1)*nOut], acts[i*actDim:(i+1)*actDim])
		}
		envActs := acts
		if m.kind == gaussian {
			m.clipAction(ro.envActs, acts)
			envActs = ro.envActs
		}
		s, err := ro.venv.Step(envActs)
		if err != nil {
			return fmt.Errorf("a2c: env step: %w", err)
		}
		if err := m.checkStep(s, n, obsDim); err != nil {
			return err
		}
		m.numTimesteps += int64(n)
		raw := s.Rewards
		if ro.rawRewards != nil {
			raw = ro.rawRewards()
		}
		for i := 0; i < n; i++ {
			r := s.Rewards[i]
			done := s.Terminated[i] || s.Truncated[i]
			if s.Truncated[i] && !s.Terminated[i] {
				// Bootstrap from the final observation (SB3's TimeLimit.truncated handling).
				v, err := m.vf.Forward(ro.bootTape, s.FinalObs[i*obsDim:(i+1)*obsDim], 0, 1)
				if err != nil {
					return err
				}
				r += gamma * v[0]
			}
			ro.rewards[row+i] = r
			ro.epRet[i] += raw[i]
			ro.epLen[i]++
			ro.lastStarts[i] = 0
			if done {
				ro.lastStarts[i] = 1
				ret := ro.epRet[i]
				if info := s.Infos[i]; info != nil {
					if v, ok := info[env.InfoEpisodeReturn]; ok {
						ret = v
					}
				}
				ro.winRet[ro.winPos], ro.winLen[ro.winPos] = ret, float64(ro.epLen[i])
				ro.winPos = (ro.winPos + 1) % episodeWindow
				ro.winN = min(ro.winN+1, episodeWindow)
				ro.newEps = append(ro.newEps, Episode{Timestep: m.numTimesteps, Return: ret, Length: ro.epLen[i]})
				ro.episodes++
				ro.epRet[i], ro.epLen[i] = 0, 0
			}
		}
		copy(ro.lastObs, s.Obs)
	}
	last, err := m.vf.Forward(ro.bootTape, ro.lastObs, 0, n)
	if err != nil {
		return err
	}
	// Generalized advantage estimation, exactly SB3's compute_returns_and_advantage.
	lam := m.cfg.GAELambda
	for i := 0; i < n; i++ {
		var gae float64
		for step := m.cfg.NSteps - 1; step >= 0; step-- {
			k := step*n + i
			var nextNonTerminal, nextValue float64
			if step == m.cfg.NSteps-1 {
				nextNonTerminal, nextValue = 1-ro.lastStarts[i], last[i]
			} else {
				nextNonTerminal, nextValue = 1-ro.starts[k+n], ro.values[k+n]
			}
			delta := ro.rewards[k] + gamma*nextValue*nextNonTerminal - ro.values[k]
			gae = delta + gamma*lam*nextNonTerminal*gae
			ro.adv[k] = gae
			ro.ret[k] = gae + ro.values[k]
		}
	}
	return nil
}

// train performs one gradient step on the rollout (SB3 A2C.train). The activations of
// the rollout's forward passes are reused: the parameters have not changed since.
// It leaves the parameters unchanged and returns an error naming the update and timestep
// if the gradient or the learning rate is not finite.
func (m *Model) train(progressRemaining float64, p *Progress) error {
	if err := m.computeGrads(p); err != nil {
		return err
	}
	p.GradNorm = nn.ClipGradNorm(m.grads, m.cfg.MaxGradNorm)
	p.LearningRate = m.cfg.lr(progressRemaining)
	if math.IsNaN(p.GradNorm) || math.IsInf(p.GradNorm, 0) {
		return fmt.Errorf("a2c: update %d (timestep %d): the gradient norm is %v (policy loss %v, value loss %v); the parameters are left as they were", m.nUpdates, m.numTimesteps, p.GradNorm, p.PolicyLoss, p.ValueLoss)
	}
	if !(p.LearningRate >= 0) || math.IsInf(p.LearningRate, 0) {
		return fmt.Errorf("a2c: update %d (timestep %d): the learning rate schedule gave %v, want a finite value >= 0", m.nUpdates, m.numTimesteps, p.LearningRate)
	}
	if err := m.opt.Step(m.params, m.grads, p.LearningRate); err != nil {
		return fmt.Errorf("a2c: update %d (timestep %d): optimizer step: %w", m.nUpdates, m.numTimesteps, err)
	}
	m.nUpdates++
	return nil
}

// checkStep returns an error naming the timestep and env of the first NaN or infinite reward
// or observation (final observations included) of a vectorized step, before it reaches the
// rollout.
func (m *Model) checkStep(s env.VecStep, n, obsDim int) error {
	for i := 0; i < n; i++ {
		r := s.Rewards[i]
		bad := math.IsNaN(r) || math.IsInf(r, 0)
		for _, v := range s.Obs[i*obsDim : (i+1)*obsDim] {
			bad = bad || math.IsNaN(v) || math.IsInf(v, 0)
		}
		if s.Terminated[i] || s.Truncated[i] {
			for _, v := range s.FinalObs[i*obsDim : (i+1)*obsDim] {
				bad = bad || math.IsNaN(v) || math.IsInf(v, 0)
			}
		}
		if bad {
			return fmt.Errorf("a2c: timestep %d (env %d of %d): reward %v, observation %v: want finite values (final observation included)", m.numTimesteps+int64(i), i, n, r, s.Obs[i*obsDim:(i+1)*obsDim])
		}
	}
	return nil
}

// computeGrads sets m.grads to the gradient of SB3's A2C loss over the rollout's B rows,
//
//	L = −(1/B) Σ_r A_r log π(a_r|s_r)         policy loss (the advantage A_r a constant)
//	    − EntCoef (1/B) Σ_r H(π(·|s_r))       entropy loss: minus the mean entropy
//	    + VFCoef (1/B) Σ_r (R_r − V(s_r))²     value loss
//
// with advantages A and returns R from GAE, and fills the loss fields of p. The gradient of each
// term is written next to the code that computes it.
func (m *Model) computeGrads(p *Progress) error {
	ro := m.ro
	B := ro.B
	fb := float64(B)
	m.normalizeAdvantages()
	clear(m.grads)
	out, err := ro.piTape.Output(0, B) // B is the tape's capacity
	if err != nil {
		return fmt.Errorf("a2c: update %d: reading the policy's outputs: %w", m.nUpdates, err)
	}
	if m.kind == gaussian {
		for j, ls := range m.logStd {
			m.std[j] = math.Exp(ls)
		}
	}
	var policyLoss, entropySum float64
	for r := 0; r < B; r++ {
		scale := -ro.adv[r] / fb // ∂(policy loss)/∂log π(a_r|s_r)
		z := out[r*m.nOut : (r+1)*m.nOut]
		d := ro.dOut[r*m.nOut : (r+1)*m.nOut]
		a := ro.actions[r*m.actDim : (r+1)*m.actDim]
		var logp, ent float64
		if m.kind == gaussian {
			logp, ent = m.gaussianGrad(z, d, a, scale)
		} else {
			logp, ent = m.categoricalGrad(z, d, a, scale)
		}
		policyLoss += scale * logp
		entropySum += ent
		// ∂(value loss)/∂V_r = −2·VFCoef·(R_r − V_r)/B
		ro.dV[r] = m.cfg.VFCoef * 2 * (ro.values[r] - ro.ret[r]) / fb
	}
	if err := m.pi.Backward(ro.piTape, ro.dOut, B, nil); err != nil {
		return fmt.Errorf("a2c: update %d: policy network backward pass: %w", m.nUpdates, err)
	}
	if err := m.vf.Backward(ro.vfTape, ro.dV, B, nil); err != nil {
		return fmt.Errorf("a2c: update %d: value network backward pass: %w", m.nUpdates, err)
	}
	m.lossStats(p, policyLoss, entropySum)
	return nil
}

// normalizeAdvantages standardizes the rollout's advantages when the configuration asks for it
// (torch.std is unbiased, as SB3 uses it).
func (m *Model) normalizeAdvantages() {
	adv := m.ro.adv
	fb := float64(len(adv))
	if !m.cfg.NormalizeAdvantage || len(adv) < 2 {
		return
	}
	var mean, v float64
	for _, a := range adv {
		mean += a
	}
	mean /= fb
	for _, a := range adv {
		v += (a - mean) * (a - mean)
	}
	sd := math.Sqrt(v / (fb - 1))
	for i, a := range adv {
		adv[i] = (a - mean) / (sd + 1e-8)
	}
}

// gaussianGrad writes into d the gradient of the loss with respect to the means z of a diagonal
// Gaussian policy at action a (and adds to m.gLogStd the log-σ gradient), and returns log π(a)
// and the entropy:
//
//	log π(a) = Σ_j −½((a_j−μ_j)/σ_j)² − log σ_j − ½ log 2π      H = Σ_j ½ + ½ log 2π + log σ_j
//	∂L/∂μ_j = scale·(a_j−μ_j)/σ_j²                             with scale = −A/B
//	∂L/∂log σ_j = scale·(z_j² − 1) − EntCoef/B                  with z_j = (a_j−μ_j)/σ_j
func (m *Model) gaussianGrad(z, d, a []float64, scale float64) (logp, ent float64) {
	halfLog2Pi := 0.5 * math.Log(2*math.Pi)
	entPerRow := m.cfg.EntCoef / float64(m.ro.B)
	for j, mu := range z {
		sd := m.std[j]
		diff := a[j] - mu
		zz := diff / sd
		logp += -0.5*zz*zz - m.logStd[j] - halfLog2Pi
		ent += 0.5 + halfLog2Pi + m.logStd[j]
		d[j] = scale * diff / (sd * sd)
		m.gLogStd[j] += scale*(zz*zz-1) - entPerRow
	}
	return logp, ent
}

// categoricalGrad writes into d the gradient of the loss with respect to the logits z of a
// (multi-)categorical policy at action a and returns log π(a) and the entropy. For each
// categorical, with p = softmax(z) and lse = log Σ exp z:
//
//	log π(a) = z_a − lse                  H = −Σ_j p_j (z_j − lse)
//	∂L/∂z_j = scale·(1[j = a] − p_j) + (EntCoef/B)·p_j·(z_j − lse + H)     with scale = −A/B
func (m *Model) categoricalGrad(z, d, a []float64, scale float64) (logp, ent float64) {
	entPerRow := m.cfg.EntCoef / float64(m.ro.B)
	off := 0
	for dim, nc := range m.nvec {
		zs := z[off : off+nc]
		ds := d[off : off+nc]
		mx, s := expShifted(ds, zs) // ds temporarily holds exp(z − max)
		lse := mx + math.Log(s)
		inv := 1 / s
		var h float64
		for j, v := range zs {
			pj := ds[j] * inv
			ds[j] = pj // temporarily the probability
			h -= pj * (v - lse)
		}
		ai := int(a[dim])
		logp += zs[ai] - lse
		ent += h
		for j, pj := range ds {
			g := scale * (-pj)
			if j == ai {
				g += scale
			}
			if entPerRow != 0 {
				g += entPerRow * pj * (zs[j] - lse + h)
			}
			ds[j] = g
		}
		off += nc
	}
	return logp, ent
}

// lossStats fills p's losses and the explained variance of the rollout's values.
func (m *Model) lossStats(p *Progress, policyLoss, entropySum float64) {
	ro := m.ro
	fb := float64(ro.B)
	var valueLoss, mr, mv float64
	for r := 0; r < ro.B; r++ {
		e := ro.ret[r] - ro.values[r]
		valueLoss += e * e
		mr += ro.ret[r]
		mv += e
	}
	valueLoss /= fb
	mr /= fb
	mv /= fb
	var vr, ve float64
	for r := 0; r < ro.B; r++ {
		vr += (ro.ret[r] - mr) * (ro.ret[r] - mr)
		e := ro.ret[r] - ro.values[r] - mv
		ve += e * e
	}
	p.ExplainedVariance = math.NaN()
	if vr > 0 {
		p.ExplainedVariance = 1 - ve/vr
	}
	p.PolicyLoss, p.ValueLoss, p.EntropyLoss = policyLoss, valueLoss, -entropySum/fb
}

// Package a2c is synchronous Advantage Actor-Critic (A2C) with Stable-Baselines3's
// defaults and semantics, so that SB3 users get the results and hyperparameters they
// know:
//
//   - DefaultConfig: learning rate 7e-4, n_steps 5, gamma 0.99, gae_lambda 1.0,
//     ent_coef 0, vf_coef 0.5, max_grad_norm 0.5, RMSprop (alpha 0.99, eps 1e-5, ε
//     outside the square root as in PyTorch), separate 64-64 tanh policy and value
//     networks with orthogonal initialization (gains √2, 0.01, 1), advantages not
//     normalized.
//   - The loss is SB3's: −mean(A·log π(a|s)) + ent_coef·(−mean entropy) +
//     vf_coef·MSE(returns, V(s)), with returns and advantages from GAE.
//   - Truncated episodes (Truncated but not Terminated) are bootstrapped: γ·V(final
//     observation) is added to the last reward, as SB3 does for TimeLimit.truncated.
//   - Discrete actions use a categorical policy, MultiDiscrete a product of
//     categoricals, Box a diagonal Gaussian with state-independent log σ (initialized to
//     LogStdInit, 0 by default) whose samples are clipped to the bounds before they
//     reach the env.
//
// Training runs on any env.VecEnv (see package env for the auto-reset semantics):
//
//	m, _ := a2c.New(venv.ObservationSpace(), venv.ActionSpace(), a2c.DefaultConfig())
//	err := m.Learn(ctx, venv, 200_000, a2c.Logger(os.Stdout, 100))
//	act, _ := m.Predict(obs, true)
//
// The same Config.Seed gives the same run bit for bit on the same kind of CPU (amd64
// with AVX2 and FMA, amd64 without, arm64, ...: package nn's kernels sum in an order
// that depends on the instruction set, so runs on different kinds differ in the last
// bits and then diverge as training does). Models are saved in a
// versioned JSON format (see FormatName) that uses SB3 state-dict names, and ImportSB3
// reads an A2C .zip saved by SB3 (MlpPolicy actor-critics).
//
// Speed: a rollout step and an update allocate nothing; the update reuses the
// activations of the rollout's forward passes instead of recomputing them. On amd64
// CPUs with AVX2 and FMA, package nn runs the dense layers, tanh, RMSprop and
// gradient clipping in vector assembly: CartPole with 8 envs trains at about 3 µs of
// CPU per environment step (BenchmarkA2CCartPole, TestCPUTimePerStep; the dense layers
// are about half of that, tanh and RMSprop about an eighth each), and a deterministic
// Predict takes under 1 µs. The portable Go build (-tags purego) takes about 15 µs
// per step. rl/README.md has the measurements.
package a2c

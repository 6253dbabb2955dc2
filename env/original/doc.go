// Package original is the original project's tuning environment, formula for formula
// (github.com/minkoaung89/ai-serverless-tuning, the environment behind its baseline_*.csv logs and
// its reported figures), as an env.Env. It exists so that the original's numbers can be
// reproduced and compared; it is not a model of AWS Lambda (see package lambdasim for that).
//
// # The environment
//
// An episode is one pass over a forecast series (the original's XGBoost forecast of its
// synthetic workload, or any other series). Step t uses f = forecast[t] / max(forecast), the
// forecast normalized by its largest value over the episode.
//
// Actions: Discrete(36), decoded as memory = {128, 256, 512, 1024}[a/9] MB, timeout =
// {3, 5, 10}[(a/3) mod 3] s and concurrency = {1, 2, 3}[a mod 3] (Decode).
//
// Per step, for memory m, timeout T and concurrency c (Evaluate):
//
//	latency = max(50, 250 − 50·c − 0.2·m + 120·f)               (ms)
//	cost    = m · 0.00001667 · (T/60) · c · 200                 (USD)
//	SLA violated when latency > 200
//	reward  = −((latency/200)² + cost·w + 2·[violated]),   w = 50 if f ≥ 0.5 else 30
//	          + 0.4 if latency < 170 and cost < 0.002
//	          − 0.2 if f < 0.3 and m > 512
//	          − 0.2 if f < 0.3 and c > 1
//
// Observation: Box(0, 1, [3]), rounded to float32 as Stable-Baselines3's float32 Box is:
//
//	after Reset:   [f₀, 0, 0]
//	after step t:  [f₍ₜ₊₁₎, min(latencyₜ/300, 1), min(costₜ/0.1, 1)]
//
// that is, the forecast of the interval the next action will serve beside the latency and cost
// of the step just taken; after the last step the forecast slot repeats the last f. The
// original's logs pin this down: fed these observations, its trained agent
// (testdata/seed/a2c_serverless_model.zip) chooses the logged memory size on every one of the
// 8,603 transitions of its hybrid log, against 97.3 % with fₜ in the first slot; and its first
// logged action, 24, is what the agent chooses from [f₀, 0, 0] ([0, 0, 0] would give 3). The
// episode terminates (Terminated, as the original's done flag) after the last value of the
// series.
//
// # Its logs
//
// The original's CSV logs (step, forecast, memory, timeout, concurrency, latency, cost,
// reward, sla_violated) store latency = obs[1]·300 and cost = obs[2]·0.1, both in float32,
// so their cost is capped at 0.1 USD (the 512 MB, 10 s action of its RL-only log really costs
// 0.2845 USD a step, and its "average cost 0.100000" is that cap). Step's Info carries those
// logged values under the CSV's column names (InfoLatency, InfoCost) and the formulas' own
// values (InfoLatencyMS, InfoCostUSD). ReadLog and WriteLog read and write the format, Run
// plays a policy through an episode and records it, and Summarize gives the averages the
// original reported.
//
// Replaying the forecast column of its static and ML-only logs through Env with those
// strategies reproduces every row: the action and SLA flag exactly, the reward to within 1e-7,
// the logged cost bit for bit and the logged latency bit for bit on 98 % of the rows and
// within two float32 steps (3e-5 ms) on the rest. Exactness is limited by the logged forecast
// column, which is itself rounded to float32. Replaying the actions of its Q-learning hybrid
// log, which visits all 36 actions, does the same. One term of the reward never fires: no
// action costs less than 0.002 USD (the cheapest costs 0.021).
//
// # What the logs do not determine
//
// The imported agent, run deterministically, reproduces the RL-only log row for row (its
// reported 155.09 ms, 0.100000 USD, 6.21 % violations). Its hybrid log applies a rule layer
// after the agent that is not in the original's repository: the logged memory size is the
// agent's on every step, but the timeout and concurrency differ on 58 % of steps. Replaying
// the logged actions reproduces the hybrid figures; no rule here claims to be the original's.
package original

// Package gbdt holds gradient-boosted regression trees: a fast, allocation-free
// predictor, a reader and writer for XGBoost's JSON model schema, a native
// histogram-based trainer for squared error, the median and any quantile,
// and a loader for LightGBM text models.
//
// # XGBoost models
//
// [ReadXGBoostJSON] reads what every current XGBoost writes with
// booster.save_model("model.json") (schema of XGBoost 1.x, 2.x and 3.x) and
// reproduces XGBoost's predictions bit for bit: features are compared as
// float32 with a strict "x < split_condition" (XGBoost sends a value equal to
// the condition right), a missing value (NaN) follows the node's default
// direction, leaf values are summed in float32 in tree order starting from the
// base margin, and base_score, written as "x" or "[x]", is converted to a
// margin by the objective (identity for squared error and the absolute and
// quantile losses, logit for logistic,
// log for Poisson, gamma and Tweedie) exactly as XGBoost does. Categorical
// splits, multi-target or multi-class models, dart and gblinear boosters are
// refused with an error. UBJSON and the deprecated binary format are not read.
//
// # Native trainer
//
// [Train] fits squared-error boosted trees the way XGBoost's "hist" method
// does: features are bucketed into at most MaxBin quantile bins, trees grow
// depth-wise, a split's gain is G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ) and is
// kept only when it exceeds Gamma, leaves are −G/(H+λ)·LearningRate, and
// missing values learn a default direction. Training is deterministic for a
// given Params.Seed. Trained models are ordinary [Model] values and are saved
// with [Model.WriteXGBoostJSON], which real XGBoost loads.
//
// # Quantiles
//
// With Params.Objective [AbsoluteError] or [QuantileError] (and
// Params.QuantileAlpha), [Train] fits the conditional median or
// QuantileAlpha-quantile of the target as XGBoost 2.0's reg:quantileerror
// does: the gradient is 1 − α where the prediction is at or above the
// target and −α below it (the pinball loss's), every hessian is 1, the
// intercept is the targets' α-quantile, and each new tree's leaves are reset
// to the α-quantile of their rows' residuals (XGBoost's adaptive trees,
// with its interpolation rule) times the learning rate. XGBoost 1.7 does the
// same for the median (reg:absoluteerror) but without the learning rate on
// those leaves; at learning rate 1 the two agree (the tests compare them on
// the original project's workload). Early stopping uses the mean pinball
// loss. A quantile model is written in XGBoost 2.0's schema for the
// objective (version 2.0.0, "quantile_loss_param"), which XGBoost 1.7
// cannot load.
//
// # LightGBM models
//
// [ReadLightGBM] loads LightGBM's text model format through
// github.com/dmitryikh/leaves.
package gbdt

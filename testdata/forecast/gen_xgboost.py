#!/usr/bin/env python3
"""Regenerate the XGBoost reference models and predictions in this directory.

Run with an XGBoost 1.7.x installation (the committed files were made by
Debian's python3-xgboost 1.7.4):

    python3 gen_xgboost.py

Every model is saved with Booster.save_model("<name>.json"). For each
supported model, <name>.csv holds the test rows (features f0..fN, empty cell
for a missing value) followed by two columns: XGBoost's margin
(output_margin=True) and its prediction, both float32 printed with "%.9g",
which parses back to the same float32. The Go tests must reproduce both
columns exactly (float32 equality). The unsupported_*.json models are kept to
check that the Go reader refuses them with a clear error.
"""
import numpy as np
import pandas as pd
import xgboost as xgb

rng = np.random.default_rng(20240101)


def make_data(n, p, missing_frac):
    X = rng.normal(size=(n, p)).astype(np.float32)
    # Integer-valued and repeated columns make ties with split conditions
    # likely, which exercises the strict "x < condition" comparison.
    X[:, 0] = np.round(X[:, 0] * 4)
    X[:, 1] = rng.integers(0, 24, size=n)
    y = 3 * X[:, 0] + np.sin(X[:, 1] / 3) * 5 + X[:, 2] * X[:, 3] + rng.normal(size=n)
    mask = rng.random(size=X.shape) < missing_frac
    X[mask] = np.nan
    return X, y.astype(np.float32)


def write(name, bst, X):
    bst.save_model(name + ".json")
    d = xgb.DMatrix(X, missing=np.nan)
    margin = bst.predict(d, output_margin=True).astype(np.float32)
    pred = bst.predict(d).astype(np.float32)
    p = X.shape[1]
    with open(name + ".csv", "w") as f:
        f.write(",".join(["f%d" % i for i in range(p)] + ["margin", "prediction"]) + "\n")
        for row, m, y in zip(X, margin, pred):
            cells = ["" if np.isnan(v) else "%.9g" % v for v in row]
            cells += ["%.9g" % m, "%.9g" % y]
            f.write(",".join(cells) + "\n")


X, y = make_data(3000, 6, 0.1)
Xt, _ = make_data(400, 6, 0.15)
Xt[0, :] = np.nan  # a row with every value missing
dtrain = xgb.DMatrix(X, label=y, missing=np.nan)

base = {"max_depth": 6, "eta": 0.1, "nthread": 1, "seed": 7, "subsample": 0.9}
for method in ("exact", "hist", "approx"):
    params = dict(base, tree_method=method, objective="reg:squarederror")
    bst = xgb.train(params, dtrain, num_boost_round=100)
    write("xgb_reg_%s" % method, bst, Xt)

# Logistic and Poisson objectives exercise the base_score and output
# transforms.
yb = (y > np.median(y)).astype(np.float32)
bst = xgb.train(dict(base, tree_method="hist", objective="binary:logistic", base_score=0.3),
                xgb.DMatrix(X, label=yb, missing=np.nan), num_boost_round=50)
write("xgb_logistic_hist", bst, Xt)

yp = rng.poisson(np.exp(np.clip(y / 8, -3, 3))).astype(np.float32)
bst = xgb.train(dict(base, tree_method="exact", objective="count:poisson"),
                xgb.DMatrix(X, label=yp, missing=np.nan), num_boost_round=60)
write("xgb_poisson_exact", bst, Xt)

# A stump-only model and a model whose trees are single leaves.
bst = xgb.train(dict(base, tree_method="hist", max_depth=1, objective="reg:squarederror"),
                dtrain, num_boost_round=5)
write("xgb_stumps", bst, Xt)

# Unsupported models: the reader must refuse them with a clear error.
xgb.train(dict(base, booster="dart", rate_drop=0.1), dtrain, num_boost_round=5).save_model(
    "unsupported_dart.json")
xgb.train(dict(base, booster="gblinear"), dtrain, num_boost_round=5).save_model(
    "unsupported_gblinear.json")
df = pd.DataFrame({"a": pd.Categorical(rng.integers(0, 5, size=500)), "b": rng.normal(size=500)})
dcat = xgb.DMatrix(df, label=rng.normal(size=500), enable_categorical=True)
xgb.train(dict(base, tree_method="hist"), dcat, num_boost_round=3).save_model(
    "unsupported_categorical.json")
Y2 = np.stack([y, -y], axis=1)
xgb.train(dict(base, tree_method="hist"), xgb.DMatrix(X, label=Y2), num_boost_round=3).save_model(
    "unsupported_multitarget.json")
xgb.train(dict(base, tree_method="hist", objective="multi:softprob", num_class=3),
          xgb.DMatrix(X, label=rng.integers(0, 3, size=len(y))), num_boost_round=3).save_model(
    "unsupported_multiclass.json")
print("xgboost", xgb.__version__)

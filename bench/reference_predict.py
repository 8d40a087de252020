#!/usr/bin/env python3
"""An independent numpy/pandas re-implementation of `mlp predict`, from the model JSON alone.

    reference_predict.py MODEL.json DATA.csv [--keep COLS] [--out FILE]
    reference_predict.py MODEL.json DATA.csv --compare PRED.csv

Reads model format version 1 and version 2 (version 1 plus an input schema: `na_values`,
`decimal`, `columns` with numeric / categorical / date encoders; both in docs/model-format.md)
and prints the CSV that `mlp predict` prints: a `prediction` column, then one `p_<class>` column
per class for a classifier; for a regressor `prediction`, or `prediction_<target>` per target
when there are several. `--keep COLS` copies those raw columns
of the data file in front of the predictions (an assumption about the new `mlp predict --keep`).

With `--compare PRED.csv` (a file written by `mlp predict`), it prints the largest absolute
difference over the numeric columns and whether the labels agree, and exits 1 when the headers
differ, a label differs, or a difference is above 1e-9 (--tol).

It shares no code with mlp: the CSV is read by pandas as text (dtype=str,
keep_default_na=False) and every conversion is done here, by the rules of that page.
Exit codes: 0 ok, 1 comparison failed, 2 bad model / data / usage.
"""

import argparse
import csv
import io
import json
import math
import re
import sys

import numpy as np
import pandas as pd

DEFAULT_NA = ["", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "?", "#N/A"]


class Refused(Exception):
    pass


# ----------------------------------------------------------------------------- reading


def load_model(path):
    def no_dupes(pairs):
        d = {}
        for k, v in pairs:
            if k in d:
                raise Refused(f"{path}: key {k!r} appears twice")
            d[k] = v
        return d

    def bad_constant(name):
        raise Refused(f"{path}: {name} is not a finite number")

    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        model = json.loads(text, object_pairs_hook=no_dupes, parse_constant=bad_constant)
        # classes: numbers are read as their text, so read them a second time as written
        raw = json.loads(text, object_pairs_hook=no_dupes, parse_int=str, parse_float=str,
                         parse_constant=bad_constant)
    except json.JSONDecodeError as e:
        raise Refused(f"{path}: not JSON: {e}")
    if not isinstance(model, dict) or model.get("format") != "mlp-model":
        raise Refused(f"{path}: not an mlp-model file")
    v = model.get("version")
    if type(v) is not int or v not in (1, 2):
        raise Refused(f"{path}: unsupported version {v!r}")
    if "classes" in raw:
        model["classes"] = [str(c) for c in raw["classes"]]
    for layer in model["layers"]:
        for row in layer["weights"] + [layer["bias"]]:
            for w in row if isinstance(row, list) else [row]:
                if not math.isfinite(w):
                    raise Refused(f"{path}: a weight is not finite")
    return model


def detect_delimiter(header_line):
    """The most frequent of , tab ; outside double quotes; on a tie comma, then tab, then ;
    (none at all: comma)."""
    counts = {",": 0, "\t": 0, ";": 0}
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts.values())
    return next(d for d in (",", "\t", ";") if counts[d] == best)


def read_table(path, delimiter=None):
    """The CSV as a DataFrame of untouched strings, and the delimiter used."""
    if path == "-":
        data = sys.stdin.read()
    elif path.endswith(".gz"):
        import gzip

        with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
            data = f.read()
    else:
        with open(path, encoding="utf-8", newline="") as f:
            data = f.read()
    if data.startswith("\ufeff"):
        data = data[1:]
    first = data.split("\n", 1)[0].rstrip("\r")
    sep = delimiter or detect_delimiter(first)
    df = pd.read_csv(io.StringIO(data), sep=sep, dtype=str, keep_default_na=False,
                     na_filter=False, quotechar='"', skipinitialspace=False)
    return df, sep


# ----------------------------------------------------------------------------- encoders

_NUM_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
_INF_NAN_RE = re.compile(r"^[+-]?(inf|infinity|nan)$", re.IGNORECASE)


def parse_number(text, decimal="."):
    """float of the trimmed text, or None when it is not a finite plain number.

    Python float() semantics restricted to ASCII decimal/exponent literals: no underscores,
    no non-ASCII digits; inf/nan/overflow are 'not a finite number'."""
    if decimal == ",":
        text = text.replace(",", ".")
    if not _NUM_RE.fullmatch(text):
        return None
    v = float(text)
    return v if math.isfinite(v) else None


_CURRENCY = "$€£¥"


def parse_formatted(text, decimal="."):
    """A number as people write it (the `formatted` format of docs/model-format.md): the plain
    number, or an optional sign, a currency sign before or after, thousands separators between
    groups of three digits, a trailing percent sign, or an accounting negative in
    parentheses; the value without the signs. None when it is none of these."""
    plain = parse_number(text, decimal)
    if plain is not None:
        return plain
    t = text.strip()
    negative = False
    if len(t) >= 2 and t[0] == "(" and t[-1] == ")":
        negative, t = True, t[1:-1].strip()
    m = re.fullmatch(r"([+-]?)\s*([" + _CURRENCY + r"]?)\s*([+-]?)\s*(.*?)\s*([%" + _CURRENCY + r"]?)", t)
    if not m:
        return None
    sign1, before, sign2, body, after = m.groups()
    if (before and after) or (sign2 and (not before or sign1)):
        return None
    minus = "-" in (sign1, sign2)
    seps = (",." if decimal == "." else ".,").replace(decimal, "") + " \u00a0\u202f'"
    whole, _, frac = body.partition(decimal)
    if decimal in body and not re.fullmatch(r"\d+", frac):
        return None
    if not re.fullmatch(r"\d+", whole):
        groups = None
        for sep in seps:
            if sep in whole:
                groups = whole.split(sep)
                break
        if (groups is None or not re.fullmatch(r"\d{1,3}", groups[0])
                or not all(re.fullmatch(r"\d{3}", g) for g in groups[1:])):
            return None
        whole = "".join(groups)
    v = float(whole + ("." + frac if frac else ""))
    return -v if negative != minus else v


_ORDERED_RE = re.compile(
    r"^(\d{1,4})([/.-])(\d{1,2})\2(\d{1,4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{1,2}))?)?$", re.ASCII)


def parse_date_in(text, order="iso"):
    """parse_date, and in the orders mdy, dmy, ymd (docs/model-format.md) dates of three
    numbers with a four-digit year (or, month or day first after slashes, a two-digit one), each other part
    of one or two digits, and an optional time H:MM or H:MM:SS."""
    iso = parse_date(text)
    if iso is not None or order == "iso":
        return iso
    m = _ORDERED_RE.fullmatch(text)
    if not m:
        return None
    a, b, c = m.group(1), m.group(3), m.group(4)
    y, mo, d = {"mdy": (c, a, b), "dmy": (c, b, a), "ymd": (a, b, c)}[order]
    two = len(y) == 2 and order != "ymd" and m.group(2) == "/"
    if (len(y) != 4 and not two) or len(mo) > 2 or len(d) > 2:
        return None
    y, mo, d = int(y), int(mo), int(d)
    if two:  # strptime's %y: 69-99 -> 1969-1999, 00-68 -> 2000-2068
        y += 1900 if y >= 69 else 2000
    if not 1 <= mo <= 12:
        return None
    leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
    if not 1 <= d <= [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]:
        return None
    hh = int(m.group(5)) if m.group(5) else 0
    mi = int(m.group(6)) if m.group(6) else 0
    ss = int(m.group(7)) if m.group(7) else 0
    if hh > 23 or mi > 59 or ss > 59:
        return None
    days = days_from_civil(y, mo, d)
    return [days + (hh * 3600 + mi * 60 + ss) / 86400.0, float(y), float(mo), float(d),
            float((days + 3) % 7)]


def days_from_civil(y, m, d):
    """Days since 1970-01-01 of the proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_DATE_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z)?)?$",
    re.ASCII,
)


def parse_date(text):
    """[days since epoch (fractional), year, month, day, weekday Mon=0] or None."""
    m = _DATE_RE.fullmatch(text)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not 1 <= mo <= 12:
        return None
    leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
    mdays = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]
    if not 1 <= d <= mdays:
        return None
    secs = 0.0
    if m.group(4) is not None:
        hh, mm = int(m.group(4)), int(m.group(5))
        ss = int(m.group(6)) if m.group(6) is not None else 0
        if hh > 23 or mm > 59 or ss > 59:
            return None
        frac = float("0." + m.group(7)) if m.group(7) is not None else 0.0
        secs = hh * 3600 + mm * 60 + ss + frac
    days = days_from_civil(y, mo, d)
    return [days + secs / 86400.0, float(y), float(mo), float(d), float((days + 3) % 7)]


def encode_v2(model, df, decimal_override=None):
    cols = model.get("columns")
    if not cols:
        raise Refused("model: a version-2 model needs `columns`")
    names = model.get("features", [c["name"] for c in cols])  # optional, as in version 1
    if len(names) != len(cols):
        raise Refused("model: `features` and `columns` differ in length")
    if len({c["name"] for c in cols}) != len(cols):
        raise Refused("model: a column appears twice in `columns`")
    # without `na_values`, only the empty field is missing (mlp does not assume its defaults)
    na = set(model.get("na_values", [])) | {""}
    decimal = decimal_override or model.get("decimal", ".")
    if decimal not in (".", ","):
        raise Refused(f"model: decimal {decimal!r} is not '.' or ','")
    missing = [c["name"] for c in cols if c["name"] not in df.columns]
    if missing:
        raise Refused(f"data: missing column(s) {', '.join(missing)}")
    blocks = []
    for name, col in zip(names, cols):
        if col["name"] != name:
            raise Refused(f"model: columns[].name {col['name']!r} != features entry {name!r}")
        texts = [t.strip() for t in df[col["name"]].tolist()]
        kind = col["type"]
        if kind == "numeric":
            fill = float(col["fill"])
            vals, ind = [], []
            for t in texts:
                fmt = col.get("format", "plain")
                if fmt not in ("plain", "formatted"):
                    raise Refused(f"model: unknown number format {fmt!r}")
                parse = parse_formatted if fmt == "formatted" else parse_number
                v = None if t in na else parse(t, decimal)
                vals.append(fill if v is None else v)
                ind.append(1.0 if v is None else 0.0)
            block = [vals] + ([ind] if col.get("indicator") else []) + bins_of(vals, col)
        elif kind == "categorical":
            levels = [str(x) for x in col["levels"]]
            index = {lv: k for k, lv in enumerate(levels)}
            width = len(levels) + bool(col.get("other")) + bool(col.get("missing"))
            block_arr = np.zeros((len(texts), width))
            o_at = len(levels)
            m_at = len(levels) + bool(col.get("other"))
            for r, t in enumerate(texts):
                if t in na:
                    if col.get("missing"):
                        block_arr[r, m_at] = 1.0
                elif t in index:
                    block_arr[r, index[t]] = 1.0
                elif col.get("other"):
                    block_arr[r, o_at] = 1.0
            blocks.append(block_arr)
            continue
        elif kind == "date":
            fill = [float(f) for f in col["fill"]]
            if len(fill) != 5:
                raise Refused(f"model: date column {name!r} needs 5 fill values")
            rows, ind = [], []
            for t in texts:
                order = col.get("format", "iso")
                if order not in ("iso", "mdy", "dmy", "ymd"):
                    raise Refused(f"model: unknown date format {order!r}")
                v = None if t in na else parse_date_in(t, order)
                rows.append(fill if v is None else v)
                ind.append(1.0 if v is None else 0.0)
            block = [list(c) for c in zip(*rows)] if rows else [[] for _ in range(5)]
            if col.get("indicator"):
                block.append(ind)
            block += bins_of([r[0] for r in rows], col)
        else:
            raise Refused(f"model: unknown column type {kind!r}")
        blocks.append(np.array(block, dtype=float).T.reshape(len(texts), -1))
    return np.hstack(blocks) if blocks else np.zeros((len(df), 0))


def encode_v1(model, df, drop=()):
    names = model.get("features")
    if names is None:
        targets = set(model.get("targets", []))
        names = [c for c in df.columns if c not in targets and c not in drop]
    missing = [n for n in names if n not in df.columns]
    if missing:
        raise Refused(f"data: missing column(s) {', '.join(missing)}")
    x = np.empty((len(df), len(names)))
    for j, n in enumerate(names):
        for i, t in enumerate(df[n].tolist()):
            v = parse_number(t.strip())
            if v is None:
                raise Refused(f"data: row {i + 2}, column {n!r}: {t!r} is not a number")
            x[i, j] = v
    return x


# ----------------------------------------------------------------------------- network


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


ACT = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    # version 2 only
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
    "selu": lambda z: 1.0507009873554805 * np.where(
        z > 0, z, 1.6732632423543772 * np.expm1(np.minimum(z, 0.0))),
    "softmax": softmax,
}


def forward(model, x):
    s = model.get("input_scaling")
    if s:
        mean, std = np.array(s["mean"], float), np.array(s["std"], float)
        if mean.shape[0] != x.shape[1]:
            raise Refused(f"model: input_scaling has {mean.shape[0]} entries, the encoded "
                          f"inputs are {x.shape[1]}")
        x = (x - mean) / std
    # an ensemble (version 2): the mean of every member's output, the model's layers first
    members = [model["layers"]] + [m["layers"] for m in model.get("ensemble", [])]
    return sum(layers_forward(layers, x) for layers in members) / len(members)


def layers_forward(layers, x):
    for layer in layers:
        w = np.array(layer["weights"], float)
        if w.shape[1] != x.shape[1]:
            raise Refused(f"model: a layer takes {w.shape[1]} inputs, gets {x.shape[1]}")
        x = ACT[layer["activation"]](x @ w.T + np.array(layer["bias"], float))
    return x


def predict(model, df, drop=(), decimal=None):
    """(header, rows of cells, labels or None, numeric matrix)"""
    if model["version"] == 2:
        x = encode_v2(model, df, decimal)
    else:
        x = encode_v1(model, df, drop)
    out = forward(model, x)
    if "classes" not in model:
        s = model.get("target_scaling")
        if s:
            out = out * np.array(s["std"], float) + np.array(s["mean"], float)
        targets = model.get("targets") or [f"{k}" for k in range(out.shape[1])]
        header = ["prediction"] if out.shape[1] == 1 else [f"prediction_{t}" for t in targets]
        return header, None, out
    classes = model["classes"]
    if out.shape[1] == 1:
        p = np.hstack([1.0 - out, out])
    elif model["layers"][-1]["activation"] == "softmax":
        p = out
    else:
        p = out / out.sum(axis=1, keepdims=True)
    labels = [classes[k] for k in p.argmax(axis=1)]
    return ["prediction"] + [f"p_{c}" for c in classes], labels, p


def fmt(v):
    """Rust's Display for f64: shortest round-trip digits, no exponent."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return np.format_float_positional(v, unique=True, trim="-")


# ----------------------------------------------------------------------------- compare


def compare(header, labels, values, pred_path, keep, df=None):
    got, _ = read_table(pred_path, ",")
    ok = True
    for k in keep:
        if df is not None and k in got.columns and list(got[k]) != list(df[k]):
            print(f"kept column {k} differs from the data file's")
            ok = False
    want_header = list(keep) + header
    if list(got.columns) != want_header:
        print(f"header differs: mlp {list(got.columns)} vs reference {want_header}")
        ok = False
    if len(got) != values.shape[0]:
        print(f"row count differs: mlp {len(got)} vs reference {values.shape[0]}")
        return float("inf"), False
    num_cols = header[1:] if labels is not None else header
    maxdiff, where = 0.0, None
    for j, c in enumerate(num_cols):
        if c not in got.columns:
            continue
        mine = values[:, j]
        theirs = np.array([float(t) if t.strip() else np.nan for t in got[c]])
        d = np.abs(mine - theirs)
        if np.isnan(d).any():
            print(f"column {c}: unreadable or NaN values")
            ok = False
            d = np.nan_to_num(d, nan=np.inf)
        if d.max(initial=0.0) > maxdiff:
            maxdiff, where = float(d.max()), (c, int(d.argmax()))
    agree = "n/a (regression)"
    if labels is not None and "prediction" in got.columns:
        bad = [i for i, (a, b) in enumerate(zip(labels, got["prediction"])) if a != b]
        agree = "yes" if not bad else f"NO ({len(bad)} rows differ, first row {bad[0] + 2})"
        ok &= not bad
    print(f"max |diff| = {maxdiff:.3g}" + (f" (column {where[0]}, row {where[1] + 2})" if where else ""))
    print(f"labels agree: {agree}")
    return maxdiff, ok


# ----------------------------------------------------------------------------- self-test


def bins_of(values, col):
    """The piecewise-linear bin inputs of (filled) values, one list per bin: with edges
    b_0 < ... < b_T, e_t = (x - b_(t-1)) / (b_t - b_(t-1)) clipped to [0, 1], except that e_1
    is not clipped below and e_T not above (docs/model-format.md)."""
    edges = [float(b) for b in col.get("bins", [])]
    if not edges:
        return []
    if len(edges) < 3 or any(not a < b for a, b in zip(edges, edges[1:])):
        raise Refused(f"model: column {col['name']!r}: bins must be >= 3 increasing edges")
    t = len(edges) - 1
    out = []
    for k in range(t):
        lo, hi = edges[k], edges[k + 1]
        e = (np.array(values, dtype=float) - lo) / (hi - lo)
        if k > 0:
            e = np.maximum(e, 0.0)
        if k < t - 1:
            e = np.minimum(e, 1.0)
        out.append(list(e))
    return out


def self_test():
    """The version-2 encoders on a hand-made model whose network is the identity, so that the
    predictions are the encoded inputs; every expected value was worked out by hand."""
    n_in = 2 + 4 + 6
    model = {
        "format": "mlp-model", "version": 2, "loss": "squared_error",
        "features": ["n", "c", "d"],
        "targets": [f"t{k}" for k in range(n_in)],
        "na_values": DEFAULT_NA,
        "columns": [
            {"name": "n", "type": "numeric", "fill": 2.5, "indicator": True},
            {"name": "c", "type": "categorical", "levels": ["a", "b"], "other": True,
             "missing": True},
            {"name": "d", "type": "date", "fill": [0.0, 1970.0, 1.0, 1.0, 3.0],
             "indicator": True},
        ],
        "layers": [{"activation": "identity", "bias": [0.0] * n_in,
                    "weights": [[float(i == j) for j in range(n_in)] for i in range(n_in)]}],
    }
    data = ('extra;n;c;d\n'
            'x; 3.25 ;a;1970-01-02T12:00\n'
            'y;NA;b;2013-01-01T06:00:00Z\n'
            'z;abc;zz;\n'
            'w;1e3; ;2000-02-30\n'
            'v;? ;A;2000-02-29 23:59:59.5\n'
            'u;inf;NaN;2013-01-01 00:00\n'
            '"t;1";1_0;"a";1969-12-31T23:59:59Z\n')
    F = [0.0, 1970.0, 1.0, 1.0, 3.0, 1.0]
    want = [
        [3.25, 0, 1, 0, 0, 0, 1.5, 1970, 1, 2, 4, 0],
        [2.5, 1, 0, 1, 0, 0, 15706.25, 2013, 1, 1, 1, 0],
        [2.5, 1, 0, 0, 1, 0] + F,
        [1000, 0, 0, 0, 0, 1] + F,
        [2.5, 1, 0, 0, 1, 0, 11016 + 86399.5 / 86400, 2000, 2, 29, 1, 0],
        [2.5, 1, 0, 0, 0, 1, 15706, 2013, 1, 1, 1, 0],
        [2.5, 1, 1, 0, 0, 0, -1 / 86400, 1969, 12, 31, 2, 0],
    ]
    first = data.split("\n", 1)[0]
    assert detect_delimiter(first) == ";", "delimiter detection"
    assert detect_delimiter('"a;b;c",d,e') == ",", "quotes"
    assert detect_delimiter("a\tb;c") == "\t", "tie of tab and ';' above comma: tab"
    assert detect_delimiter("a,b;c") == ",", "tie with comma: comma"
    assert detect_delimiter("a;b;c,d\te") == ";" and detect_delimiter("single") == ","
    # `Z` only after a time; seconds 0-59
    for text, dec, value in [("$7,000", ".", 7000.0), ("18%", ".", 18.0), ("(1,250)", ".", -1250.0),
                             ("-$1,234.5", ".", -1234.5), ("1.234,5 €", ",", 1234.5),
                             ("1 234 567", ".", 1234567.0), ("$-12", ".", -12.0)]:
        assert parse_formatted(text, dec) == value, text
    for text in ["1,23", "12,3456", "1,000.", "$$5", "--5", "1, 000", "7,000$%", "$"]:
        assert parse_formatted(text) is None, text
    assert parse_date_in("1/2/1970", "mdy")[0] == 1.0 and parse_date_in("2/1/1970", "dmy")[0] == 1.0
    assert parse_date_in("2016/01/01 00:47", "ymd")[0] == 16801 + 47 / 1440
    assert parse_date_in("13/1/1970", "mdy") is None and parse_date_in("1/2/170", "mdy") is None
    assert parse_date_in("1/2/70", "mdy")[0] == 1.0 and parse_date_in("1/1/68", "mdy")[1] == 2068.0
    assert parse_date_in("3.10.12", "mdy") is None and parse_date_in("1-2-70", "mdy") is None
    assert parse_date_in("1/2/1970", "iso") is None and parse_date_in("1970-01-02", "dmy")[0] == 1.0
    assert parse_date("2013-03-05Z") is None and parse_date("2013-03-05T23:59:60") is None
    assert parse_date("2013-03-05T23:59:59Z") is not None and parse_date("2013-03-05TZ") is None
    df = pd.read_csv(io.StringIO(data), sep=";", dtype=str, keep_default_na=False,
                     na_filter=False)
    header, labels, got = predict(model, df)
    assert header == [f"prediction_t{k}" for k in range(n_in)], header
    err = np.abs(got - np.array(want, float)).max()
    assert err < 1e-12, (err, got)
    # decimal comma
    model["decimal"] = ","
    # as in mlp: a field without a comma is read as written ("1.5" is 1.5), one holding both
    # marks ("1.234,5") is not a number (here: "1.234.5", unparsable)
    df2 = pd.DataFrame({"n": ["1,5", "1.5", "-2,5e1", "1.234,5"], "c": ["a", "b", "a", "a"],
                        "d": ["2024-01-01"] * 4})
    x = encode_v2(model, df2)
    assert list(x[:, 0]) == [1.5, 1.5, -25.0, 2.5] and list(x[:, 1]) == [0, 0, 0, 1], x[:, :2]
    # without other/missing/indicator: all zeros, no extra inputs
    model["columns"][1].update(other=False, missing=False)
    model["columns"][0]["indicator"] = False
    model["columns"][2]["indicator"] = False
    x = encode_v2(model, pd.DataFrame({"n": ["x"], "c": ["q"], "d": ["bad"]}))
    assert x.shape == (1, 1 + 2 + 5) and list(x[0]) == [2.5, 0, 0] + F[:5], x
    x = encode_v2(model, pd.DataFrame({"n": [""], "c": [""], "d": [""]}))
    assert list(x[0, 1:3]) == [0, 0]
    # without `na_values` only the empty field is missing: "NA" is then text (not a number, an
    # unseen level, not a date) and `features` may be left out
    del model["na_values"], model["features"]
    model["columns"][1]["levels"] = ["NA", "a"]
    x = encode_v2(model, pd.DataFrame({"n": ["NA"], "c": ["NA"], "d": ["NA"]}))
    assert list(x[0, :3]) == [2.5, 1, 0] and list(x[0, 3:]) == F[:5], x
    # bins (worked by hand): edges 1, 2, 3, 4, 10 after the number; a date's bins follow its
    # parts, on the days
    model["columns"][0]["bins"] = [1.0, 2.0, 3.0, 4.0, 10.0]
    model["columns"][2]["bins"] = [0.0, 2.0, 4.0]
    x = encode_v2(model, pd.DataFrame({"n": ["2.5", "-1", "15", "x"], "c": ["a"] * 4,
                                       "d": ["1970-01-02", "1970-01-04", "1970-01-11", "bad"]}))
    assert x.shape == (4, 5 + 2 + 5 + 2), x.shape
    assert [list(r[:5]) for r in x] == [[2.5, 1, .5, 0, 0], [-1, -2, 0, 0, 0],
                                        [15, 1, 1, 1, 11 / 6], [2.5, 1, .5, 0, 0]], x[:, :5]
    assert [list(r[-2:]) for r in x] == [[.5, 0], [1, .5], [1, 4], [0, 0]], x[:, -2:]
    print("self-test passed")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", nargs="?")
    ap.add_argument("data", nargs="?")
    ap.add_argument("--self-test", action="store_true",
                    help="check the version-2 encoders on a hand-made model and exit")
    ap.add_argument("--keep", default="", help="comma-separated raw columns to copy in front")
    ap.add_argument("--drop", default="", help="v1 models without `features`: columns to ignore")
    ap.add_argument("--delimiter", default=None, help="',', ';' or 'tab' (default: detected)")
    ap.add_argument("--decimal", default=None, help="override the model's decimal mark")
    ap.add_argument("--out", default="-")
    ap.add_argument("--compare", metavar="PRED.csv")
    ap.add_argument("--tol", type=float, default=1e-9)
    a = ap.parse_args(argv)
    if a.self_test:
        return self_test()
    if not a.model or not a.data:
        ap.error("MODEL.json and DATA.csv are required")
    delim = {"tab": "\t", "\\t": "\t"}.get(a.delimiter, a.delimiter)
    keep = [c for c in a.keep.split(",") if c]
    try:
        model = load_model(a.model)
        df, _ = read_table(a.data, delim)
        for k in keep:
            if k not in df.columns:
                raise Refused(f"data: no column {k!r} to keep")
        header, labels, values = predict(model, df, [c for c in a.drop.split(",") if c], a.decimal)
    except (Refused, KeyError, TypeError, ValueError) as e:
        print(f"reference_predict: error: {e}", file=sys.stderr)
        return 2
    if a.compare:
        maxdiff, ok = compare(header, labels, values, a.compare, keep, df)
        ok = ok and maxdiff <= a.tol
        print("OK" if ok else f"MISMATCH (tolerance {a.tol:g})")
        return 0 if ok else 1
    out = sys.stdout if a.out == "-" else open(a.out, "w", newline="", encoding="utf-8")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(keep + header)
    kept = [df[k].tolist() for k in keep]
    for i in range(values.shape[0]):
        row = [kc[i] for kc in kept]
        if labels is not None:
            row.append(labels[i])
        row += [fmt(v) for v in values[i]]
        w.writerow(row)
    if out is not sys.stdout:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

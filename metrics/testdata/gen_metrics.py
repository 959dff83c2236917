#!/usr/bin/python3
"""Golden values of scikit-learn's classification metrics for lossbook's metrics package.

Run from the repository root with Debian's Python (scikit-learn 1.2.1):

    /usr/bin/python3 metrics/testdata/gen_metrics.py > metrics/testdata/metrics.json

Each case calls one sklearn.metrics function with the given keyword arguments and records its value (NaN as
the string "nan"), the messages of the warnings it raised, or its error. The file also records Python's
whitespace (the code points where str.isspace() is true, which str.split() splits at), and the 13a tokenizer's
output on tricky lines, using the regular expressions of mteval-v13a as sacrebleu 2.x writes them (sacrebleu is
not installed here, so this is our rendering of its four rules, not sacrebleu itself).
"""
import datetime
import json
import math
import os
import re
import sys
import warnings

import numpy as np
import sklearn
from sklearn import metrics

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tokenizer_lines import TOKENIZER_LINES  # noqa: E402

WORKED_TRUE = [0, 0, 0, 0, 1, 1, 2, 2, 2, 2]
WORKED_PRED = [0, 0, 1, 2, 1, 1, 2, 0, 2, 2]


def plain(v):
    if v is None:
        return None
    if isinstance(v, (np.ndarray, list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    v = float(v)
    return "nan" if math.isnan(v) else v


def call(fn, y_true, y_pred, kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = getattr(metrics, fn)(y_true, y_pred, **kwargs)
        except ValueError as e:
            return {"error": str(e)}
    out = {"value": plain(value), "warnings": [str(w.message) for w in caught]}
    return out


CASES = []


def case(name, fn, y_true, y_pred, **kwargs):
    CASES.append({"name": name, "fn": fn, "y_true": y_true, "y_pred": y_pred, "kwargs": kwargs})


# The worked example of shared/REFERENCE.md, every average.
case("worked accuracy", "accuracy_score", WORKED_TRUE, WORKED_PRED)
for avg in [None, "micro", "macro", "weighted"]:
    for fn in ["precision_score", "recall_score", "f1_score", "precision_recall_fscore_support"]:
        case(f"worked {fn} {avg}", fn, WORKED_TRUE, WORKED_PRED, average=avg)

# Binary: default pos_label 1, and pos_label 0.
BIN_TRUE, BIN_PRED = [0, 1, 1, 0, 1, 1, 0, 1], [0, 1, 0, 0, 1, 1, 1, 1]
for fn in ["precision_score", "recall_score", "f1_score", "precision_recall_fscore_support"]:
    case(f"binary {fn}", fn, BIN_TRUE, BIN_PRED, average="binary")
    case(f"binary {fn} pos_label 0", fn, BIN_TRUE, BIN_PRED, average="binary", pos_label=0)

# Zero division: no predicted positive; no positive at all (pos_label absent from one present label); a label
# absent from both in a macro average; no true example of the only scored label in a weighted average.
ZD = ["warn", 0, 1]
for zd in ZD:
    for fn in ["precision_score", "recall_score", "f1_score", "precision_recall_fscore_support"]:
        case(f"no predicted positive {fn} zd={zd}", fn, [0, 1, 1, 0], [0, 0, 0, 0], zero_division=zd)
        case(f"no positive at all {fn} zd={zd}", fn, [0, 0, 0], [0, 0, 0], zero_division=zd)
        case(f"absent label macro {fn} zd={zd}", fn, WORKED_TRUE, WORKED_PRED, labels=[0, 1, 2, 3],
             average="macro", zero_division=zd)
        case(f"absent label none {fn} zd={zd}", fn, WORKED_TRUE, WORKED_PRED, labels=[3, 1, 0],
             average=None, zero_division=zd)
        case(f"absent label micro {fn} zd={zd}", fn, [0, 1, 1], [0, 1, 0], labels=[2],
             average="micro", zero_division=zd)
        case(f"weighted no true {fn} zd={zd}", fn, [0, 1, 1], [0, 1, 0], labels=[2], average="weighted",
             zero_division=zd)
        case(f"weighted no true but predicted {fn} zd={zd}", fn, [0, 1, 1], [5, 1, 0], labels=[5],
             average="weighted", zero_division=zd)

# Labels subset (micro differs from accuracy), sample weights, pos_label ignored by macro.
for fn in ["precision_score", "recall_score", "f1_score"]:
    case(f"labels subset micro {fn}", fn, WORKED_TRUE, WORKED_PRED, labels=[0, 2], average="micro")
    case(f"sample weights weighted {fn}", fn, WORKED_TRUE, WORKED_PRED, average="weighted",
         sample_weight=[1, 2, 1, 0.5, 3, 1, 1, 2, 0.25, 1])
    case(f"pos_label ignored {fn}", fn, WORKED_TRUE, WORKED_PRED, average="macro", pos_label=0)

# Errors.
case("binary on multiclass", "f1_score", WORKED_TRUE, WORKED_PRED)
case("invalid pos_label", "precision_score", [0, 1, 1], [1, 1, 0], pos_label=2)

# Confusion matrices.
case("confusion", "confusion_matrix", WORKED_TRUE, WORKED_PRED)
case("confusion labels reordered", "confusion_matrix", WORKED_TRUE, WORKED_PRED, labels=[2, 0, 1])
case("confusion labels subset weighted", "confusion_matrix", WORKED_TRUE, WORKED_PRED, labels=[2, 0, 4],
     sample_weight=[1, 2, 1, 0.5, 3, 1, 1, 2, 0.25, 1])


# mteval-v13a as sacrebleu 2.x's Tokenizer13a and TokenizerRegexp write it.
RULES = [
    (re.compile(r'([\{-\~\[-\` -\&\(-\+\:-\@\/])'), r' \1 '),
    (re.compile(r'([^0-9])([\.,])'), r'\1 \2 '),
    (re.compile(r'([\.,])([^0-9])'), r' \1 \2'),
    (re.compile(r'([0-9])(-)'), r'\1 \2 '),
]


def tokenize_13a(line):
    line = line.replace('<skipped>', '').replace('-\n', '').replace('\n', ' ')
    if '&' in line:
        line = line.replace('&quot;', '"').replace('&amp;', '&').replace('&lt;', '<').replace('&gt;', '>')
    line = f' {line} '
    for r, repl in RULES:
        line = r.sub(repl, line)
    return ' '.join(line.split())




def main():
    out = {
        "source": "sklearn.metrics; Python's str.isspace; mteval-v13a rules as sacrebleu 2.x writes them",
        "sklearn_version": sklearn.__version__,
        "python_version": sys.version.split()[0],
        "command": "/usr/bin/python3 metrics/testdata/gen_metrics.py > metrics/testdata/metrics.json",
        "date": datetime.date.today().isoformat(),
        "cases": [],
        "python_whitespace": [c for c in range(sys.maxunicode + 1) if chr(c).isspace()],
        "tokenizer_13a": [{"line": l, "tokens": tokenize_13a(l)} for l in TOKENIZER_LINES],
    }
    for c in CASES:
        c = dict(c)
        c["kwargs"] = {k: ("none" if v is None else v) for k, v in c["kwargs"].items()}
        kwargs = {k: (None if v == "none" else v) for k, v in c["kwargs"].items()}
        c.update(call(c["fn"], c["y_true"], c["y_pred"], kwargs))
        out["cases"].append(c)
    json.dump(out, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Golden values of scikit-learn's classification metrics for lossbook's metrics package.

Run from the repository root with Debian's Python (python3-sklearn 1.2.1):

    /usr/bin/python3 metrics/testdata/gen_metrics.py > metrics/testdata/metrics.json

Each case calls one sklearn.metrics function with the given keyword arguments and records its value (NaN, +Inf
and -Inf as the strings "nan", "inf" and "-inf"), the messages of the warnings it raised, or its error. y_pred
holds labels, probabilities or scores, or an indicator matrix, as the function takes. The "calibration" cases
(function "reliability") bin each example's top-label confidence with sklearn.calibration.calibration_curve
(uniform bins) on the outcome "prediction is right", which gives the reliability diagram's accuracy and mean
confidence per non-empty bin; counts come from the same binning (numpy.searchsorted on the inner edges). The file also records Python's
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
from sklearn.calibration import calibration_curve

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
    if isinstance(v, (str, dict)):
        return {k: plain(x) for k, x in v.items()} if isinstance(v, dict) else v
    v = float(v)
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return "nan" if math.isnan(v) else v


def reliability(y_true, probs, n_bins):
    """The reliability diagram of the top-label confidences, binned by scikit-learn's calibration_curve."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.shape[1] == 1:
        probs = np.hstack([1 - probs, probs])
    conf = probs.max(axis=1)
    right = (probs.argmax(axis=1) == np.asarray(y_true)).astype(np.float64)
    acc, mean_conf = calibration_curve(right, conf, n_bins=n_bins, strategy="uniform")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], conf), minlength=n_bins)
    ece = float(np.sum(counts[counts > 0] / len(conf) * np.abs(acc - mean_conf)))
    return {"accuracy": acc, "confidence": mean_conf, "counts": counts, "ece": ece}


def call(fn, y_true, y_pred, kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if fn == "reliability":
                value = reliability(y_true, y_pred, **kwargs)
            else:
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


# Issue 10: confusion matrices of empty inputs, and normalized ones (with an all-zero row and column).
case("confusion empty", "confusion_matrix", [], [])
case("confusion empty labels", "confusion_matrix", [], [], labels=[0, 1, 2])
for norm in ["true", "pred", "all"]:
    case(f"confusion normalize {norm}", "confusion_matrix", WORKED_TRUE, WORKED_PRED, normalize=norm)
    case(f"confusion normalize {norm} zero row", "confusion_matrix", [0, 0, 1, 1], [0, 1, 1, 1], labels=[0, 1, 2],
         normalize=norm, sample_weight=[1, 2, 0.5, 1])

# F-beta.
for beta in [0.0, 0.5, 2.0]:
    for avg in [None, "micro", "macro", "weighted"]:
        case(f"worked fbeta {beta} {avg}", "fbeta_score", WORKED_TRUE, WORKED_PRED, beta=beta, average=avg)
    case(f"binary fbeta {beta}", "fbeta_score", BIN_TRUE, BIN_PRED, beta=beta)
    case(f"absent label fbeta {beta}", "fbeta_score", WORKED_TRUE, WORKED_PRED, beta=beta, labels=[0, 1, 2, 3],
         average="macro")
case("prfs beta 2 weighted", "precision_recall_fscore_support", WORKED_TRUE, WORKED_PRED, beta=2.0,
     average="weighted", sample_weight=[1, 2, 1, 0.5, 3, 1, 1, 2, 0.25, 1])
case("fbeta negative", "fbeta_score", BIN_TRUE, BIN_PRED, beta=-1.0)

# Classification reports: text and dict.
REPORTS = [
    ("worked", WORKED_TRUE, WORKED_PRED, {}),
    ("worked digits 4", WORKED_TRUE, WORKED_PRED, {"digits": 4}),
    ("names", WORKED_TRUE, WORKED_PRED, {"target_names": ["ham", "spam", "a much longer name"]}),
    ("labels subset", WORKED_TRUE, WORKED_PRED, {"labels": [2, 0]}),
    ("labels absent", [0, 1, 2, 2], [0, 2, 2, 1], {"labels": [0, 1, 2, 5]}),
    ("weights", [0, 1, 2, 2], [0, 2, 2, 1], {"sample_weight": [1, 2, 0.5, 1]}),
    ("zero division 1", [0, 0, 1], [0, 0, 0], {"zero_division": 1}),
    ("zero division warn", [0, 0, 1], [0, 0, 0], {}),
    ("binary", BIN_TRUE, BIN_PRED, {}),
]
for name, yt, yp, kw in REPORTS:
    case(f"report {name}", "classification_report", yt, yp, **kw)
    case(f"report dict {name}", "classification_report", yt, yp, output_dict=True, **kw)

# Balanced accuracy, Matthews correlation, Cohen's kappa.
W10 = [1, 2, 1, 0.5, 3, 1, 1, 2, 0.25, 1]
for adj in [False, True]:
    case(f"balanced accuracy adjusted={adj}", "balanced_accuracy_score", WORKED_TRUE, WORKED_PRED, adjusted=adj)
    case(f"balanced accuracy weights adjusted={adj}", "balanced_accuracy_score", WORKED_TRUE, WORKED_PRED,
         adjusted=adj, sample_weight=W10)
    case(f"balanced accuracy unseen prediction adjusted={adj}", "balanced_accuracy_score", [0, 0, 1, 1],
         [0, 2, 1, 1], adjusted=adj)
case("mcc worked", "matthews_corrcoef", WORKED_TRUE, WORKED_PRED)
case("mcc weights", "matthews_corrcoef", WORKED_TRUE, WORKED_PRED, sample_weight=W10)
case("mcc binary", "matthews_corrcoef", BIN_TRUE, BIN_PRED)
case("mcc constant prediction", "matthews_corrcoef", BIN_TRUE, [1] * len(BIN_TRUE))
case("mcc inverse", "matthews_corrcoef", [0, 1, 0, 1], [1, 0, 1, 0])
for w in [None, "linear", "quadratic"]:
    case(f"kappa {w}", "cohen_kappa_score", WORKED_TRUE, WORKED_PRED, weights=w)
    case(f"kappa {w} weights", "cohen_kappa_score", WORKED_TRUE, WORKED_PRED, weights=w, sample_weight=W10)
    case(f"kappa {w} labels", "cohen_kappa_score", WORKED_TRUE, WORKED_PRED, weights=w, labels=[2, 0, 1, 3])
case("kappa one label", "cohen_kappa_score", [1, 1, 1], [1, 1, 1])

# Probabilities: log loss, Brier score, top-k accuracy.
PROBS = [[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.5, 0.3, 0.2], [0.3, 0.3, 0.4],
         [0.05, 0.9, 0.05], [0.25, 0.25, 0.5], [0.4, 0.35, 0.25], [0.2, 0.5, 0.3], [0.0, 0.1, 0.9]]
PROBS_TRUE = [0, 1, 2, 2, 1, 1, 0, 0, 2, 0]
case("log loss", "log_loss", PROBS_TRUE, PROBS)
case("log loss sum weights", "log_loss", PROBS_TRUE, PROBS, normalize=False, sample_weight=W10)
case("log loss eps 0", "log_loss", PROBS_TRUE, PROBS, eps=0.0)
case("log loss eps 1e-3", "log_loss", PROBS_TRUE, PROBS, eps=1e-3)
case("log loss unnormalized rows", "log_loss", [0, 1, 1], [[2.0, 1.0], [0.5, 0.25], [1.0, 3.0]])
case("log loss binary column", "log_loss", [0, 1, 1, 0], [[0.1], [0.8], [0.4], [0.35]])
case("log loss labels", "log_loss", [1, 1, 2], [[0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]],
     labels=[0, 1, 2])
case("log loss one label", "log_loss", [1, 1], [[0.2, 0.8], [0.4, 0.6]])
BRIER_P = [0.1, 0.9, 0.8, 0.3, 0.65, 0.5, 0.0, 1.0]
case("brier", "brier_score_loss", BIN_TRUE, BRIER_P)
case("brier pos_label 0", "brier_score_loss", BIN_TRUE, BRIER_P, pos_label=0)
case("brier weights", "brier_score_loss", BIN_TRUE, BRIER_P, sample_weight=[1, 2, 1, 0.5, 3, 1, 1, 2])
case("brier labels 2 3", "brier_score_loss", [2, 3, 3, 2], [0.2, 0.7, 0.9, 0.4])
case("brier labels -1 1", "brier_score_loss", [-1, 1, 1, -1], [0.2, 0.7, 0.9, 0.4])
case("brier one class", "brier_score_loss", [0, 0, 0], [0.2, 0.1, 0.5])
case("brier above 1", "brier_score_loss", [0, 1], [0.2, 1.5])
TIES = [[0.2, 0.4, 0.4], [0.3, 0.3, 0.4], [0.5, 0.25, 0.25], [1 / 3, 1 / 3, 1 / 3]]
for k in [1, 2, 3]:
    case(f"top {k}", "top_k_accuracy_score", PROBS_TRUE, PROBS, k=k)
    case(f"top {k} ties", "top_k_accuracy_score", [1, 0, 2, 1], TIES, k=k)
    case(f"top {k} ties other", "top_k_accuracy_score", [2, 1, 1, 0], TIES, k=k)
case("top 2 sum weights", "top_k_accuracy_score", PROBS_TRUE, PROBS, k=2, normalize=False, sample_weight=W10)
case("top 1 labels", "top_k_accuracy_score", [1, 1, 2, 1], TIES, k=1, labels=[0, 1, 2])
case("top 1 binary", "top_k_accuracy_score", BIN_TRUE, BRIER_P, k=1)
case("top 1 binary scores", "top_k_accuracy_score", BIN_TRUE, [-2.0, 1.5, 0.3, -0.1, 0.0, 2.0, -1.0, 0.2], k=1)
case("top 2 binary", "top_k_accuracy_score", BIN_TRUE, BRIER_P, k=2)

# ROC AUC and average precision of binary scores (with ties).
SCORES = [0.1, 0.4, 0.35, 0.8, 0.4, 0.7, 0.2, 0.9, 0.4, 0.05, 0.6, 0.35]
SCORES_TRUE = [0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 1, 0]
W12 = [1, 0.5, 2, 1, 1, 3, 1, 0.25, 1, 2, 1, 0]
case("roc auc", "roc_auc_score", SCORES_TRUE, SCORES)
case("roc auc weights", "roc_auc_score", SCORES_TRUE, SCORES, sample_weight=W12)
case("roc auc labels 3 7", "roc_auc_score", [3 + 4 * y for y in SCORES_TRUE], SCORES)
case("roc auc perfect", "roc_auc_score", [0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
case("roc auc all tied", "roc_auc_score", [0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])
case("roc auc one class", "roc_auc_score", [1, 1, 1], [0.5, 0.2, 0.1])
case("roc auc long", "roc_auc_score", [int((i * 7) % 3 == 0) for i in range(40)], [((i * 13) % 17) / 17 for i in range(40)])
case("average precision", "average_precision_score", SCORES_TRUE, SCORES)
case("average precision weights", "average_precision_score", SCORES_TRUE, SCORES, sample_weight=W12)
case("average precision pos_label 0", "average_precision_score", SCORES_TRUE, SCORES, pos_label=0)
case("average precision no positive", "average_precision_score", [0, 0, 0], [0.5, 0.2, 0.1])
case("average precision invalid pos_label", "average_precision_score", [2, 3], [0.5, 0.2])

# Multilabel indicator targets.
ML_TRUE = [[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 0], [1, 0, 0], [0, 1, 1]]
ML_PRED = [[1, 0, 0], [0, 1, 1], [1, 0, 0], [0, 0, 0], [0, 0, 0], [0, 1, 1]]
W6 = [1, 2, 0.5, 1, 3, 1]
for avg in [None, "micro", "macro", "weighted", "samples"]:
    case(f"multilabel prfs {avg}", "precision_recall_fscore_support", ML_TRUE, ML_PRED, average=avg)
    case(f"multilabel prfs {avg} weights", "precision_recall_fscore_support", ML_TRUE, ML_PRED, average=avg,
         sample_weight=W6)
    case(f"multilabel prfs {avg} zd 1", "precision_recall_fscore_support", ML_TRUE, ML_PRED, average=avg,
         zero_division=1)
    case(f"multilabel fbeta 2 {avg}", "fbeta_score", ML_TRUE, ML_PRED, beta=2.0, average=avg)
    case(f"multilabel f1 {avg} labels", "f1_score", ML_TRUE, ML_PRED, average=avg, labels=[2, 0])
case("multilabel f1 binary", "f1_score", ML_TRUE, ML_PRED)
case("multilabel accuracy", "accuracy_score", ML_TRUE, ML_PRED)
case("multilabel accuracy weights", "accuracy_score", ML_TRUE, ML_PRED, sample_weight=W6)
case("multilabel confusion", "multilabel_confusion_matrix", ML_TRUE, ML_PRED)
case("multilabel confusion weights labels", "multilabel_confusion_matrix", ML_TRUE, ML_PRED, sample_weight=W6,
     labels=[2, 0])
case("multilabel report", "classification_report", ML_TRUE, ML_PRED)
case("multilabel report dict", "classification_report", ML_TRUE, ML_PRED, output_dict=True)
case("multilabel report weights", "classification_report", ML_TRUE, ML_PRED, sample_weight=W6,
     target_names=["sport", "politics", "tech"])

# Reliability diagrams and expected calibration error (see the module's doc).
CAL_PROBS = [[0.9, 0.1], [0.3, 0.7], [0.45, 0.55], [0.6, 0.4], [0.2, 0.8], [0.5, 0.5], [0.05, 0.95], [0.7, 0.3],
             [0.35, 0.65], [0.0, 1.0], [1.0, 0.0], [0.4, 0.6]]
CAL_TRUE = [0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1]
for bins in [1, 5, 10, 15]:
    case(f"reliability {bins} bins", "reliability", PROBS_TRUE, PROBS, n_bins=bins)
    case(f"reliability binary {bins} bins", "reliability", CAL_TRUE, CAL_PROBS, n_bins=bins)
case("reliability binary column", "reliability", CAL_TRUE, [[p[1]] for p in CAL_PROBS], n_bins=10)


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
        kwargs = {k: (None if isinstance(v, str) and v == "none" else v) for k, v in c["kwargs"].items()}
        c.update(call(c["fn"], c["y_true"], c["y_pred"], kwargs))
        out["cases"].append(c)
    json.dump(out, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

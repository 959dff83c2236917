#!/usr/bin/python3
"""Peers for SpamAssassin: scikit-learn models on the split that lossbook exports.

Export the split for each seed, then run this script on the folders:

    for s in 1 2 3 4 5; do lossbook data export -seed $s -out /tmp/spam/seed$s spamassassin; done
    /usr/bin/python3 scripts/peers_spam.py /tmp/spam/seed{1,2,3,4,5}

Each folder holds train.jsonl, validation.jsonl and test.jsonl ({"id","group","spam","subject","text"} a
line). A model sees the subject and the text, joined by a line break: what lossbook's tasks see. Every model
is fit on train and scored on test (validation is not used: no hyperparameter is tuned). Prints accuracy and
spam F1 for each seed and model, then the mean over the folders, and the number of validation and test
messages that copy a training message: the same text, lower-cased with white space collapsed (the subject
where there is no text), as lib/data's Message.Key.

Peers (scikit-learn defaults unless named):
  - svm:    TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True) + LinearSVC()
  - logreg: the same features + LogisticRegression(max_iter=1000)
  - nb:     the same features + MultinomialNB()

Measured with Debian's python3-sklearn 1.2.1 under /usr/bin/python3 (Python 3.11.2), 2026-12-07, on the
exports of seeds 1-5 (Split(seed, 0.8, 0.1, 0.1): 4,586 / 573 / 573 messages), mean accuracy and spam F1 on
test:
  svm    0.9815 / 0.9674 (seeds 0.9721-0.9878)
  logreg 0.9665 / 0.9388 (0.9581-0.9703)
  nb     0.8995 / 0.7888 (0.8935-0.9127)
Before copies were found on the decoded text (5,875 messages deduplicated on the raw body, the old
decoder; 15-22 validation and 17-29 test messages per seed copied a training message): svm 0.9881 / 0.9802,
logreg 0.9615 / 0.9329, nb 0.9148 / 0.8371.
"""

import argparse
import json
import os
import sys

import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

MODELS = {
    "svm": lambda: LinearSVC(),
    "logreg": lambda: LogisticRegression(max_iter=1000),
    "nb": lambda: MultinomialNB(),
}


def read_split(folder, name):
    with open(os.path.join(folder, name + ".jsonl"), encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    texts = [r["subject"] + "\n" + r["text"] for r in rows]
    labels = [1 if r["spam"] else 0 for r in rows]
    keys = [key(r) for r in rows]
    return texts, labels, keys


def normalise(text):
    return " ".join(text.lower().split())


def key(row):
    return normalise(row["text"]) or "\n" + normalise(row["subject"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", help="folders written by `lossbook data export`, one per seed")
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated peers to run (default: all)")
    args = ap.parse_args()
    unknown = [m for m in args.models.split(",") if m not in MODELS]
    if unknown:
        ap.error(f"--models: unknown peer(s) {unknown}; valid: {', '.join(MODELS)}")
    models = {m: MODELS[m] for m in args.models.split(",")}
    print(f"scikit-learn {sklearn.__version__}, Python {sys.version.split()[0]}")
    scores = {m: [] for m in models}
    for folder in args.folders:
        xtr, ytr, ktr = read_split(folder, "train")
        xva, _, kva = read_split(folder, "validation")
        xte, yte, kte = read_split(folder, "test")
        seen = set(ktr)
        leak_va = sum(k in seen for k in kva)
        leak_te = sum(k in seen for k in kte)
        print(f"{folder}: train {len(xtr)}, validation {len(xva)}, test {len(xte)}; "
              f"copies of a training message: {leak_va} validation, {leak_te} test")
        for name, model in models.items():
            pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), model())
            pipe.fit(xtr, ytr)
            pred = pipe.predict(xte)
            acc, f1 = accuracy_score(yte, pred), f1_score(yte, pred)
            scores[name].append((acc, f1))
            print(f"  {name:7s} accuracy {acc:.4f}  spam F1 {f1:.4f}")
    print(f"mean over {len(args.folders)} folders:")
    for name, s in scores.items():
        accs, f1s = [a for a, _ in s], [f for _, f in s]
        print(f"  {name:7s} accuracy {sum(accs) / len(accs):.4f} (min {min(accs):.4f}, max {max(accs):.4f})"
              f"  spam F1 {sum(f1s) / len(f1s):.4f}")


if __name__ == "__main__":
    main()

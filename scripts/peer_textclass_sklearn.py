#!/usr/bin/python3
"""scikit-learn peers for `lossbook train textclass`, on exactly the split lossbook trained and tested on.

    lossbook train textclass --out runs/spam
    lossbook eval --checkpoint runs/spam --export /tmp/spam-split
    /usr/bin/python3 scripts/peer_textclass_sklearn.py /tmp/spam-split

The folder holds train.jsonl, validation.jsonl and test.jsonl ({"text", "label", "class", "ids"} a line) and
classes.json. Every peer is fit on train and scored on test (validation is not used: no hyperparameter is
tuned), with what a practitioner tries first:
  - logreg: TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True) + LogisticRegression(max_iter=1000)
  - nb:     the same features + MultinomialNB()
  - majority: DummyClassifier(strategy="most_frequent"), the baseline
Prints accuracy, macro-F1 and, for spam, the spam F1; --json prints them as one JSON object.
"""

import argparse
import json
import os
import sys
import time

import sklearn
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline

PEERS = {
    "logreg": lambda: make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                                    LogisticRegression(max_iter=1000)),
    "nb": lambda: make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), MultinomialNB()),
    "majority": lambda: DummyClassifier(strategy="most_frequent"),
}


def read(folder, name):
    with open(os.path.join(folder, name + ".jsonl"), encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return [r["text"] for r in rows], [r["label"] for r in rows]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", help="folder written by `lossbook eval --checkpoint DIR --export FOLDER`")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()
    with open(os.path.join(args.folder, "classes.json"), encoding="utf-8") as f:
        classes = json.load(f)["classes"]
    xtr, ytr = read(args.folder, "train")
    xte, yte = read(args.folder, "test")
    out = {"sklearn": sklearn.__version__, "python": sys.version.split()[0], "train": len(xtr), "test": len(xte),
           "peers": {}}
    for name, make in PEERS.items():
        start = time.perf_counter()
        model = make().fit(xtr, ytr)
        pred = model.predict(xte)
        r = {"accuracy": accuracy_score(yte, pred),
             "macro_f1": f1_score(yte, pred, average="macro", labels=list(range(len(classes))), zero_division=0),
             "seconds": time.perf_counter() - start}
        if "spam" in classes:
            r["spam_f1"] = f1_score(yte, pred, pos_label=classes.index("spam"), average="binary")
        out["peers"][name] = r
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"scikit-learn {out['sklearn']}, Python {out['python']}; train {len(xtr)}, test {len(xte)}")
    for name, r in out["peers"].items():
        spam = f"  spam F1 {r['spam_f1']:.4f}" if "spam_f1" in r else ""
        print(f"  {name:8s} accuracy {r['accuracy']:.4f}  macro-F1 {r['macro_f1']:.4f}{spam}  ({r['seconds']:.1f} s)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Golden values of sacrebleu's corpus BLEU and 13a tokenizer for lossbook's metrics package.

sacrebleu is not installed on lossbook's development machines (Debian does not package it), so this script runs
wherever it is, e.g. a Python environment with `pip install sacrebleu`:

    python3 metrics/testdata/gen_sacrebleu.py > metrics/testdata/sacrebleu.json

It records sacrebleu's version, the command and the date. The cases are those of bleu_test.go (worked out by hand
there) plus a generated corpus with punctuation, numbers, dashes, HTML entities, case and several references,
some missing; the tokenizer lines are those of gen_metrics.py plus the generated ones.
"""
import datetime
import json
import os
import random
import sys

import sacrebleu
from sacrebleu.metrics import BLEU
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_metrics import TOKENIZER_LINES  # noqa: E402  (no scikit-learn call happens at import)

HAND_HYPS = ["the cat is on the mat", "There is a dog."]
HAND_REFS = [["the cat sat on the mat", "A dog is here"], ["", "There is a big dog."]]

WORDS = ["the", "The", "cat", "dog", "sat", "on", "mat", "a", "A", "big", "is", "was", "there", "There", "here",
         "e-mail", "well-known", "it's", "don't", "Mr.", "U.S.", "3.50", "1,000", "1990-1995", "12", "-", "--",
         "(", ")", ",", ".", "!", "?", ";", ":", "\"", "&amp;", "&quot;", "$", "%", "@", "#", "/", "Ünïcödé",
         "façade", "naïve", "x", "y"]


def sentence(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    s = " ".join(words)
    # Glue some punctuation to the words before it, as detokenized text has it.
    for p in [" .", " ,", " !", " ?", " ;", " :"]:
        if rng.random() < 0.5:
            s = s.replace(p, p.strip())
    return s


def mutate(rng, s):
    words = s.split()
    out = []
    for w in words:
        r = rng.random()
        if r < 0.15:
            continue
        if r < 0.3:
            out.append(rng.choice(WORDS))
        else:
            out.append(w)
        if rng.random() < 0.05:
            out.append(rng.choice(WORDS))
    return " ".join(out)


def generated_corpus():
    rng = random.Random(20240607)
    hyps, refs1, refs2 = [], [], []
    for i in range(300):
        ref = sentence(rng, rng.randint(1, 25))
        refs1.append(ref)
        refs2.append("" if i % 7 == 0 else mutate(rng, ref))
        hyps.append(mutate(rng, ref) if i % 11 else "")
    return hyps, [refs1, refs2]


def score(name, hyps, refs, **kwargs):
    bleu = BLEU(**kwargs)
    s = bleu.corpus_score(hyps, refs)
    return {"name": name, "hyps": hyps, "refs": refs, "kwargs": kwargs, "score": s.score, "counts": list(s.counts),
            "totals": list(s.totals), "precisions": list(s.precisions), "bp": s.bp, "sys_len": s.sys_len,
            "ref_len": s.ref_len, "signature": str(bleu.get_signature()), "string": str(s)}


def main():
    gen_hyps, gen_refs = generated_corpus()
    cases = []
    for smooth in ["exp", "floor", "add-k", "none"]:
        cases.append(score(f"hand corpus smooth {smooth}", HAND_HYPS, HAND_REFS, smooth_method=smooth))
    cases.append(score("hand corpus floor 0.5", HAND_HYPS, HAND_REFS, smooth_method="floor", smooth_value=0.5))
    cases.append(score("short hypothesis corpus", HAND_HYPS + ["the cat sat"],
                       [HAND_REFS[0] + ["the cat sat on the mat"], HAND_REFS[1] + [""]]))
    cases.append(score("short hypothesis alone", ["the cat sat"], [["the cat sat on the mat"]]))
    cases.append(score("short hypothesis effective order", ["the cat sat"], [["the cat sat on the mat"]],
                       effective_order=True))
    cases.append(score("no match", ["xyz"], [["abc def"]]))
    cases.append(score("empty hypothesis", [""], [["abc"]]))
    cases.append(score("identical", ["a b c d e"], [["a b c d e"]]))
    cases.append(score("mixed case", ["THE CAT SAT ON"], [["the cat sat on"]]))
    cases.append(score("lowercase", ["THE CAT SAT ON"], [["the cat sat on"]], lowercase=True))
    cases.append(score("tok none", ["the dog."], [["the dog ."]], tokenize="none", effective_order=True))
    cases.append(score("tok 13a", ["the dog."], [["the dog ."]], effective_order=True))
    for kwargs in [{}, {"lowercase": True}, {"smooth_method": "floor"}, {"smooth_method": "add-k"},
                   {"tokenize": "none"}, {"max_ngram_order": 2}, {"max_ngram_order": 6}]:
        cases.append(score(f"generated corpus {kwargs}", gen_hyps, gen_refs, **kwargs))
    tok = Tokenizer13a()
    lines = TOKENIZER_LINES + gen_hyps[:60] + gen_refs[1][:60]
    out = {
        "source": "sacrebleu.metrics.BLEU.corpus_score and sacrebleu.tokenizers.tokenizer_13a.Tokenizer13a",
        "sacrebleu_version": sacrebleu.__version__,
        "python_version": sys.version.split()[0],
        "command": "python3 metrics/testdata/gen_sacrebleu.py > metrics/testdata/sacrebleu.json",
        "date": datetime.date.today().isoformat(),
        "cases": cases,
        "tokenizer_13a": [{"line": l, "tokens": tok(l)} for l in lines],
    }
    json.dump(out, sys.stdout, indent=1, allow_nan=False, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

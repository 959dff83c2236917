#!/usr/bin/env python3
"""Golden values of sacrebleu's BLEU, chrF/chrF++ and tokenizers for lossbook's metrics package.

Debian does not package sacrebleu; it is installed from PyPI into a virtual environment, and this script runs
there, from the repository root:

    python3 -m venv /tmp/sb && /tmp/sb/bin/pip install sacrebleu==2.6.0
    /tmp/sb/bin/python metrics/testdata/gen_sacrebleu.py > metrics/testdata/sacrebleu.json

It records sacrebleu's version, the command and the date. The BLEU cases are those of bleu_test.go (worked out by
hand there), sacrebleu's own README example, raw_corpus_bleu with a floor of 0, plus a generated corpus with
punctuation, numbers, dashes, HTML entities, case and several references, some empty, for each option and
tokenizer; sentence_bleu and chrF/chrF++ (corpus and sentence) run on the same data. The tokenizer lines are those
of gen_metrics.py, Unicode lines for intl and char, and the generated ones.
"""
import datetime
import json
import os
import random
import sys

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
from sacrebleu.tokenizers.tokenizer_char import TokenizerChar
from sacrebleu.tokenizers.tokenizer_intl import TokenizerV14International

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tokenizer_lines import TOKENIZER_LINES  # noqa: E402

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


def bleu_record(name, hyps, refs, kwargs, bleu, s):
    return {"name": name, "hyps": hyps, "refs": refs, "kwargs": kwargs, "score": s.score, "counts": list(s.counts),
            "totals": list(s.totals), "precisions": list(s.precisions), "bp": s.bp, "sys_len": s.sys_len,
            "ref_len": s.ref_len, "signature": str(bleu.get_signature()), "string": str(s)}


def score(name, hyps, refs, **kwargs):
    bleu = BLEU(**kwargs)
    return bleu_record(name, hyps, refs, kwargs, bleu, bleu.corpus_score(hyps, refs))


def sentence_score(name, hyp, refs, **kwargs):
    """sacrebleu.sentence_bleu(hyp, refs, **kwargs): refs are recorded as streams of one segment."""
    s = sacrebleu.sentence_bleu(hyp, refs, **kwargs)
    # sentence_bleu builds BLEU(..., effective_order=use_effective_order) and returns its sentence_score.
    bleu = BLEU(lowercase=kwargs.get("lowercase", False), tokenize=kwargs.get("tokenize", "13a"),
                smooth_method=kwargs.get("smooth_method", "exp"), smooth_value=kwargs.get("smooth_value"),
                effective_order=kwargs.get("use_effective_order", True))
    bleu.sentence_score(hyp, refs)
    return bleu_record(name, [hyp], [[r] for r in refs], kwargs, bleu, s)


def chrf_score(name, hyps, refs, sentence=False, **kwargs):
    chrf = CHRF(**kwargs)
    s = chrf.sentence_score(hyps[0], [r[0] for r in refs]) if sentence else chrf.corpus_score(hyps, refs)
    stats = chrf._extract_corpus_statistics(hyps, refs)
    total = [sum(col) for col in zip(*stats)]
    return {"name": name, "sentence": sentence, "hyps": hyps, "refs": refs, "kwargs": kwargs, "score": s.score,
            "stats": total, "signature": str(chrf.get_signature()), "string": str(s)}


README_REFS = [["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
               ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."]]
README_SYS = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."]

UNICODE_LINES = [
    "Él dijo: «¡Hola!» — y se fue…",
    "Preis: 3,50 € (ca.) — 1.000.000 Einwohner; 12% mehr.",
    "日本語の文章です。句読点、記号「」も。",
    "中文：你好，世界！2024年。",
    "Ελληνικά; ερώτηση; «εισαγωγικά»",
    "emoji 😀👍🏽 and math ∑x² ≤ ∞ ± 1/2",
    "It was 1990. Then 1991, and 2.5 years",
    "a.b,c-d_e'f\"g(h)i[j]k{l}m",
    "¿Qué? ¡Sí! «No» „ja“ ‚nein‘",
    "tab\tand\u00a0nbsp  double  space ",
    "$5 + $6 = $11; 50°C ~ 122°F; ©2024 ™ ® §1 ¶2",
    "U.S.A. e.g. i.e. etc. Mr. Dr.",
    "",
]


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
    # Issue 10: raw_corpus_bleu with smooth_value 0 (floor 0): 0, not floor 0.1's value.
    raw_h, raw_r = ["the cat sat on the mat today", "a dog"], [["the cat is on the mat", "a big dog"]]
    raw = sacrebleu.raw_corpus_bleu(raw_h, raw_r, 0.0)
    bleu = BLEU(smooth_method="floor", smooth_value=0.0, tokenize="none", effective_order=True, force=True)
    bleu.corpus_score(raw_h, raw_r)
    cases.append(bleu_record("raw_corpus_bleu floor 0", raw_h, raw_r, {"smooth_method": "floor", "smooth_value": 0.0,
                             "tokenize": "none", "effective_order": True}, bleu, raw))
    cases.append(score("hand corpus add-k 0", HAND_HYPS, HAND_REFS, smooth_method="add-k", smooth_value=0.0))
    cases.append(score("readme example", README_SYS, README_REFS))
    cases.append(score("readme example empty reference", README_SYS, [[""] + README_REFS[0][1:], README_REFS[1]]))
    for kwargs in [{"tokenize": "intl"}, {"tokenize": "char"}, {"tokenize": "intl", "lowercase": True}]:
        cases.append(score(f"generated corpus {kwargs}", gen_hyps, gen_refs, **kwargs))
        cases.append(score(f"unicode lines {kwargs}", UNICODE_LINES, [list(reversed(UNICODE_LINES))], **kwargs))

    sentences = []
    for i in range(0, 60, 3):
        refs = [gen_refs[0][i], gen_refs[1][i]]
        sentences.append(sentence_score(f"sentence {i}", gen_hyps[i], refs))
        sentences.append(sentence_score(f"sentence {i} no effective order", gen_hyps[i], refs,
                                        use_effective_order=False))
    for kwargs in [{"smooth_method": "floor"}, {"smooth_method": "floor", "smooth_value": 0.0},
                   {"smooth_method": "add-k"}, {"smooth_method": "none"}, {"tokenize": "intl"},
                   {"tokenize": "char"}, {"lowercase": True}]:
        for i in (1, 4, 9):
            sentences.append(sentence_score(f"sentence {i} {kwargs}", gen_hyps[i], [gen_refs[0][i]], **kwargs))
    sentences.append(sentence_score("readme sentence", README_SYS[2], [README_REFS[0][2], README_REFS[1][2]]))

    chrf = [chrf_score("readme example chrF", README_SYS, README_REFS),
            chrf_score("readme example chrF++", README_SYS, README_REFS, word_order=2)]
    for kwargs in [{}, {"word_order": 2}, {"beta": 1}, {"beta": 0}, {"lowercase": True}, {"whitespace": True},
                   {"eps_smoothing": True}, {"word_order": 2, "eps_smoothing": True}, {"char_order": 0, "word_order": 2},
                   {"char_order": 3, "word_order": 1, "beta": 3}]:
        chrf.append(chrf_score(f"generated corpus chrF {kwargs}", gen_hyps, gen_refs, **kwargs))
        chrf.append(chrf_score(f"unicode lines chrF {kwargs}", UNICODE_LINES, [list(reversed(UNICODE_LINES))],
                               **kwargs))
        for i in (0, 2, 5, 11):
            chrf.append(chrf_score(f"sentence {i} chrF {kwargs}", [gen_hyps[i]], [[gen_refs[0][i]], [gen_refs[1][i]]],
                                   sentence=True, **kwargs))
    chrf.append(chrf_score("punctuation words chrF++", ["(hi) there, you. ok!? -x y- a"],
                           [["(hi there) , you . ok ! ? x y a"]], word_order=2))

    tok = Tokenizer13a()
    intl, char = TokenizerV14International(), TokenizerChar()
    lines = TOKENIZER_LINES + gen_hyps[:60] + gen_refs[1][:60]
    more_lines = lines + UNICODE_LINES
    # The generated and Unicode corpora are written once, under "corpora"; a case that scores one of them names it
    # in "corpus" instead of repeating its hypotheses and references.
    corpora = {"generated": {"hyps": gen_hyps, "refs": gen_refs},
               "unicode": {"hyps": UNICODE_LINES, "refs": [list(reversed(UNICODE_LINES))]}}
    for rec in cases + chrf:
        for name, corpus in corpora.items():
            if rec.get("hyps") == corpus["hyps"] and rec.get("refs") == corpus["refs"]:
                del rec["hyps"], rec["refs"]
                rec["corpus"] = name
    out = {
        "source": "sacrebleu.metrics.BLEU (corpus_score, sentence_bleu, raw_corpus_bleu), sacrebleu.metrics.CHRF and the 13a, intl and char tokenizers",
        "sacrebleu_version": sacrebleu.__version__,
        "python_version": sys.version.split()[0],
        "command": "/tmp/sb/bin/python metrics/testdata/gen_sacrebleu.py > metrics/testdata/sacrebleu.json (sacrebleu installed with pip install sacrebleu==2.6.0 in a venv)",
        "date": datetime.date.today().isoformat(),
        "corpora": corpora,
        "cases": cases,
        "sentence_bleu": sentences,
        "chrf": chrf,
        "tokenizer_13a": [{"line": l, "tokens": tok(l)} for l in lines],
        "tokenizer_intl": [{"line": l, "tokens": intl(l)} for l in more_lines],
        # sacrebleu's char tokenizer keeps white space as tokens that BLEU's split drops: record the split.
        "tokenizer_char": [{"line": l, "tokens": " ".join(char(l).split())} for l in more_lines],
    }
    json.dump(out, sys.stdout, indent=1, allow_nan=False, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

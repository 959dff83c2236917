"""Writes pairs.tsv: a made-up English-Spanish parallel corpus for the tests of tasks/translate.

Sentences "the <noun> <verb> the <noun2>." with their word-by-word Spanish, in 24 "chapters" of 6 verses.
Command: python3 gen_pairs.py > pairs.tsv
"""
import itertools
import random

nouns = [("man", "hombre"), ("dog", "perro"), ("king", "rey"), ("servant", "siervo"), ("son", "hijo"), ("people", "pueblo")]
verbs = [("sees", "ve"), ("loves", "ama"), ("calls", "llama"), ("hears", "oye")]
rng = random.Random(1)
combos = list(itertools.product(nouns, verbs, nouns))
rng.shuffle(combos)
print("# made-up pairs for tests (gen_pairs.py): REF<TAB>ENGLISH<TAB>SPANISH")
for i, ((n1e, n1s), (ve, vs), (n2e, n2s)) in enumerate(combos):
    ch, v = i // 6 + 1, i % 6 + 1
    print(f"Test {ch}:{v}\tThe {n1e} {ve} the {n2e}.\tEl {n1s} {vs} al {n2s}.")

"""Writes trainer_golden.json: what Hugging Face's WordPieceTrainer (Python `tokenizers`, the Rust
tokenizers' bindings) learns from two corpora, with BERT's normalizer and pre-tokenizer, uncased and cased,
with and without limit_alphabet. lossbook's Go tests (TestTrainMatchesHuggingFace) compare against it; they
never run Python.

- "small" cases: a small corpus of mixed scripts where most pairs occur once or twice. Hugging Face breaks
  ties between equally frequent pairs by symbol ids, and its "##" symbols get ids in hash-map order, so its
  merges differ from run to run here: the alphabet (bare characters in order, "##" characters as a set) is
  what these cases check.
- "synthetic" cases: a synthetic corpus (seeded) of 40,000 words drawn from a Zipf law over pseudo-words,
  stored as word counts (a text per word, the word repeated).
For every case the script trains 10 times and records the merges on which all runs agree (the longest common
prefix; none where early ties decide), with the vocabulary size that stops there.

Run: python3 -m venv /tmp/tokvenv && /tmp/tokvenv/bin/pip install tokenizers==0.23.1 &&
     cd lib/tokenize/testdata && /tmp/tokvenv/bin/python gen_trainer.py
"""
import datetime
import json
import random

import tokenizers
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

SMALL = [
    "The quick brown fox jumps over the lazy dog.",
    "Six boxes of wax, 1998 and 2008: the taxi fixed 38 axles.",
    "El niño comió piñas y jalapeños en la montaña; pingüino, cigüeña, güero.",
    "Él dijo: «¿Quién ganó?» ÁNGEL respondió: ¡Ésta vez, Óscar!",
    "Naïve café owners in Zürich serve crème brûlée at 8 o'clock.",
    "中国人 and 東京 tests with ideographs 中 and 国.",
    "lower lowest newer newest wider widest lower newest newest",
    "the the the then there these those other mother brother",
    "Expert extra exact examples exhaust the textbook's context.",
    "abc abc abd abe xyz xyz 888 808 8x8 x8",
]


def synthetic():
    rng = random.Random(20261207)
    onsets = ["", "b", "br", "c", "ch", "d", "f", "g", "gu", "l", "m", "n", "ñ", "p", "qu", "r", "s", "st", "t", "tr", "v", "x", "z"]
    nuclei = ["a", "e", "i", "o", "u", "á", "é", "ü", "ai", "ou", "ee"]
    codas = ["", "", "n", "s", "r", "l", "x", "nd", "st", "8"]
    words = set()
    while len(words) < 1500:
        w = "".join(rng.choice(onsets) + rng.choice(nuclei) + rng.choice(codas) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.2:
            w = w.capitalize()
        words.add(w)
    words = sorted(words)
    rng.shuffle(words)
    weights = [1 / (r + 1) ** 1.1 for r in range(len(words))]
    counts = {}
    for w in rng.choices(words, weights=weights, k=40000):
        counts[w] = counts.get(w, 0) + 1
    return counts


def texts(corpus):
    """The texts of a corpus: a list of texts as is, a dict of word counts as one text per word repeated."""
    if isinstance(corpus, dict):
        return [" ".join([w] * n) for w, n in sorted(corpus.items())]
    return corpus


def train(corpus, lowercase, vocab_size, min_frequency, limit_alphabet):
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=lowercase, lowercase=lowercase)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    kw = dict(vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=SPECIALS, show_progress=False)
    if limit_alphabet:
        kw["limit_alphabet"] = limit_alphabet
    tok.train_from_iterator(corpus, trainers.WordPieceTrainer(**kw))
    return [t for t, _ in sorted(tok.get_vocab().items(), key=lambda x: x[1])]


def split(vocab):
    """Returns the bare alphabet (in order), the "##" alphabet (sorted) and the merges (in order)."""
    rest = vocab[len(SPECIALS):]
    assert vocab[:len(SPECIALS)] == SPECIALS, vocab[:10]
    n = 0
    while n < len(rest) and len(rest[n].removeprefix("##")) == 1:
        n += 1
    bare = [t for t in rest[:n] if not t.startswith("##")]
    cont = sorted(t for t in rest[:n] if t.startswith("##"))
    return bare, cont, rest[n:]


def main():
    out = {
        "generator": "tokenizers (Python, Hugging Face's Rust tokenizers) " + tokenizers.__version__,
        "command": "python gen_trainer.py",
        "date": datetime.date.today().isoformat(),
        "corpora": {"small": SMALL, "synthetic": synthetic()},
        "cases": [],
    }
    for corpus_name, vocab_size, min_frequency in [("small", 30000, 2), ("synthetic", 30000, 2)]:
        corpus = out["corpora"][corpus_name]
        for lowercase in (True, False):
            # No limit, then the first limit near 20 where no two characters tie at the cut (Hugging Face
            # drops among equals in no defined order).
            for limit in (0, [20, 21, 19, 22, 18, 23, 17, 24, 16]):
                for limit in limit if isinstance(limit, list) else [limit]:
                    runs = [train(texts(corpus), lowercase, vocab_size, min_frequency, limit) for _ in range(10)]
                    parts = [split(r) for r in runs]
                    bare, cont, merges = parts[0]
                    if all((b, c) == (bare, cont) for b, c, _ in parts[1:]):
                        break
                else:
                    raise SystemExit("no limit_alphabet near 20 without ties")
                k = 0
                while all(len(m) > k and m[k] == merges[k] for _, _, m in parts):
                    k += 1
                case = {"corpus": corpus_name, "lowercase": lowercase, "limit_alphabet": limit, "min_frequency": min_frequency,
                        "bare": bare, "continuation": cont}
                case["vocab_size"] = len(SPECIALS) + len(bare) + len(cont) + k
                case["merges"] = merges[:k]
                out["cases"].append(case)
                print(corpus_name, "lowercase" if lowercase else "cased", "limit", limit, ":", len(bare), "+", len(cont),
                      "alphabet,", k, "merges agreed by all runs of", len(merges))
    with open("trainer_golden.json", "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")


main()

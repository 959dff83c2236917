"""Tricky lines for the tokenizer golden values of gen_metrics.py and gen_sacrebleu.py."""

TOKENIZER_LINES = [
    "Hello, world!",
    "It costs $3.50, or 3,50 EUR (approx.).",
    "The 1990-1995 period; well-known e-mail: a@b.com",
    "He said &quot;no&quot; &amp; left &lt;now&gt;.",
    "&amp;lt; stays escaped once",
    "Mr. Smith's dog -- isn't it?",
    "trailing dot.",
    "..., .,. 1.2.3 a.b.c 1,000,000.",
    "under_score back\\slash [brackets] {braces} ~tilde^ `tick` |pipe| #hash %pct *star +plus =eq",
    "line one-\nline two\nline three",
    "<skipped> text <skipped>",
    "tab\tand\u00a0nbsp\u2003em-space\u3000ideographic\x1cfs",
    "Ünïcödé, façade. naïve-café 2-3",
    "12-",
    "-12 -a a- 1-2-3",
    "",
]

#!/usr/bin/python3
"""Writes tiny.jsonl: 120 made-up mails, 80 ham and 40 spam, for the tests of tasks/textclass and the CLI.

    /usr/bin/python3 tasks/textclass/testdata/gen_tiny.py > tasks/textclass/testdata/tiny.jsonl

Ham and spam draw from word lists that share a few words, so that a bag of embeddings separates them in a few
dozen steps but not in one.
"""
import json
import random

HAM = "meeting project report tomorrow lunch review code patch kernel build release notes thanks team".split()
SPAM = "free money offer click winner prize cheap viagra loan credit unsubscribe limited urgent cash".split()
BOTH = "the a you your please today now here this is".split()

rng = random.Random(1)
for i in range(120):
    spam = i % 3 == 0
    words = rng.choices(SPAM if spam else HAM, k=rng.randint(4, 12)) + rng.choices(BOTH, k=rng.randint(2, 6))
    rng.shuffle(words)
    subject = " ".join(words[:3])
    print(json.dumps({"text": subject + "\n" + " ".join(words), "label": "spam" if spam else "ham"}))

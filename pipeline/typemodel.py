"""typemodel: a small learned reading of the report type, for documents whose title decides nothing.

A linear classifier (multinomial logistic regression) over the character 1–3-grams of the text
where a title is (or, with no title line, the opening lines). It is trained by
tools/train_type.py on the work set alone and shipped as pipeline/typemodel.json: one weight per
n-gram and type. Loaded on first use, once per process; prediction is a sum over the n-grams.
"""
from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path

MODEL_PATH = Path(__file__).with_name("typemodel.json")
NGRAMS = (1, 2, 3)
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"[\s|]+")


def ngrams(text: str) -> list[str]:
    """The character n-grams of `text`, digits run together into one 0 and spacing and cells dropped:
    the years and figures of one report should not count as evidence of its type."""
    text = _SPACE.sub("", _DIGITS.sub("0", text))
    return [text[i:i + n] for n in NGRAMS for i in range(len(text) - n + 1)]


@cache
def _model() -> dict:
    return json.loads(MODEL_PATH.read_text(encoding="utf-8"))


def predict(text: str, model: dict | None = None) -> tuple[str, float]:
    """(type, probability) for a title region's text."""
    m = model or _model()
    scores = list(m["bias"])
    weights = m["weights"]
    for g in ngrams(text):
        w = weights.get(g)
        if w:
            scores = [s + x for s, x in zip(scores, w)]
    top = max(scores)
    exp = [math.exp(s - top) for s in scores]
    best = max(range(len(scores)), key=scores.__getitem__)
    return m["classes"][best], exp[best] / sum(exp)

#!/usr/bin/env python3
"""Train the report-type fallback model (pipeline/typemodel.json) and cross-validate it.

usage: PYTHONPATH=. python tools/train_type.py [GOLD_DIR] [--cv] [--write]

GOLD_DIR (default /work/sets/work) holds ID.txt and ID.json (ANNOTATION.md). Documents whose id
starts with F are refused: that batch is held back. Each document's type region (its first title
line, else its opening text: pipeline.classify.type_region) is the model's input and its gold
report_type the label. The model is multinomial logistic regression over character 1–3-grams,
trained by full-batch gradient descent from zero weights, so a run is deterministic; the seed only
shuffles the cross-validation folds.

--cv   5-fold cross-validation, repeated over 3 seeds: accuracy of the title rules with the old
       body-keyword fallback against the rules with the model where no title line or form label
       decides (the documents the model answers are counted apart).
--write  train on every document and write pipeline/typemodel.json.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

from pipeline.api import text_of
from pipeline.classify import _title_segments, ruled_type, type_region
from pipeline.rules import rules
from pipeline.typemodel import MODEL_PATH, ngrams, predict

CLASSES = ["department", "project", "policy", "other"]
SEED, FOLDS, REPEATS = 17, 5, 3
L2, STEP, ITERATIONS, MIN_DF = 1e-3, 2.0, 400, 2


def load(gold_dir: Path) -> list[dict]:
    docs = []
    for path in sorted(gold_dir.glob("*.txt")):
        if path.stem.upper().startswith("F"):
            sys.exit(f"train_type: {path.name} belongs to the held-back batch; train on the work set only")
        gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        doc = text_of(path)
        titles = _title_segments(doc)
        start, end = type_region(doc, titles)
        ruled = ruled_type(doc, titles)
        docs.append({"id": path.stem, "gold": gold["report_type"], "region": doc.folded[start:end],
                     "rules": ruled.value if ruled else None, "by_model": ruled is None,
                     "body": _body_keyword(doc)})
    return docs


def _body_keyword(doc) -> str | None:
    """The old fallback, for comparison: the first type keyword anywhere in the document."""
    for r in rules().of("body_type"):
        if r.regex.search(doc.folded):
            return r.param("type")
    return None


def train(docs: list[dict]) -> dict:
    grams = [set(ngrams(d["region"])) for d in docs]
    df: dict[str, int] = {}
    for g in grams:
        for x in g:
            df[x] = df.get(x, 0) + 1
    vocab = sorted(x for x, n in df.items() if n >= MIN_DF)
    index = {x: i for i, x in enumerate(vocab)}
    X = np.zeros((len(docs), len(vocab)))
    for row, g in enumerate(grams):
        for x in g:
            if x in index:
                X[row, index[x]] = 1.0
    Y = np.zeros((len(docs), len(CLASSES)))
    Y[np.arange(len(docs)), [CLASSES.index(d["gold"]) for d in docs]] = 1.0
    W, b = np.zeros((len(vocab), len(CLASSES))), np.zeros(len(CLASSES))
    for _ in range(ITERATIONS):
        Z = X @ W + b
        P = np.exp(Z - Z.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        G = (P - Y) / len(docs)
        W -= STEP * (X.T @ G + L2 * W)
        b -= STEP * G.sum(axis=0)
    return {"classes": CLASSES, "bias": [round(float(x), 4) for x in b],
            "weights": {x: [round(float(v), 4) for v in W[i]] for x, i in index.items()
                        if np.abs(W[i]).max() >= 1e-4}}


def cross_validate(docs: list[dict]) -> None:
    """Out-of-fold predictions of the model for every document, FOLDS x REPEATS."""
    fallback = [d for d in docs if d["by_model"]]
    print(f"{len(docs)} documents; {len(fallback)} have no title line or form label that decides "
          f"({', '.join(d['id'] for d in fallback)})")
    for repeat in range(REPEATS):
        order = list(range(len(docs)))
        random.Random(SEED + repeat).shuffle(order)
        oof: dict[str, str] = {}
        for k in range(FOLDS):
            held = set(order[k::FOLDS])
            model = train([d for i, d in enumerate(docs) if i not in held])
            for i in held:
                oof[docs[i]["id"]] = predict(docs[i]["region"], model)[0]
        old = sum((d["body"] if d["by_model"] else d["rules"]) == d["gold"] for d in docs)
        new = sum((oof[d["id"]] if d["by_model"] else d["rules"]) == d["gold"] for d in docs)
        alone = sum(oof[d["id"]] == d["gold"] for d in docs)
        fb_old = sum(d["body"] == d["gold"] for d in fallback)
        fb_new = sum(oof[d["id"]] == d["gold"] for d in fallback)
        print(f"seed {SEED + repeat}: rules + body keyword {old}/{len(docs)} = {old / len(docs):.3f}; "
              f"rules + model {new}/{len(docs)} = {new / len(docs):.3f}; model alone {alone / len(docs):.3f}; "
              f"on the {len(fallback)} fallback documents body keyword {fb_old}, model {fb_new}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold_dir", nargs="?", default="/work/sets/work", type=Path)
    ap.add_argument("--cv", action="store_true")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    docs = load(args.gold_dir)
    if args.cv:
        cross_validate(docs)
    if args.write:
        model = train(docs)
        MODEL_PATH.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        print(f"wrote {MODEL_PATH} ({len(model['weights'])} n-grams, {MODEL_PATH.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

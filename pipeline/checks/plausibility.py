"""Plausibility: what OCR and layout tools are known to do to numbers, flagged as warnings."""
from __future__ import annotations

import re
from decimal import Decimal

from ..text.interval import Interval
from ..models import Extracted, Fact, Finding
from ..text.numbers import fused_at
from ..rules import rules
from ..text.layer import Span, evidence
from .finding import finding, param
from .money import AMOUNTS, computed_rate, off_by, same_amounts, scopes


def merged_digits(x: Extracted) -> list[Finding]:
    """"369.11316.32": two cells fused into one number, split where the second's decimals begin."""
    doc, out = x.classified.doc, []
    for m in rules().get("merged_digits").regex.finditer(doc.folded):
        fused = fused_at(doc.folded, m.start())
        if fused is None:
            continue
        start, cut, end = fused
        a, b = doc.text[start:cut], doc.text[cut:end]
        out.append(finding("merged_digits", {"text": doc.text[start:end], "first": a, "second": b},
                           [evidence(doc, Span(start, end, "merged_digits"))], text=doc.text[start:end], a=a, b=b))
    return out


def _three_decimals(f: Fact) -> bool:
    m = re.search(r"\d\.(\d+)", f.evidence.text)
    return m is not None and len(m.group(1)) == 3


def _times(f: Fact, k: Decimal) -> Fact:
    return f.model_copy(update={"value": float(Decimal(str(f.value)) * k),
                                "precision": float(Decimal(str(f.precision or 0)) * k)})


def separator_misread(x: Extracted) -> list[Finding]:
    """"3,691.100元" for 3,691,100 元: an amount with three decimals that is 10³ off what the same
    amount is elsewhere, or off the stated rate by exactly that."""
    k = Decimal(param("separator_misread", "factor"))
    out, flagged = [], set()

    def add(f: Fact, other: Fact, why: str) -> None:
        if f.evidence.start not in flagged:
            flagged.add(f.evidence.start)
            out.append(finding("separator_misread", {"stated": f.value, "corrected": float(Decimal(str(f.value)) * k)},
                               [f.evidence, other.evidence], text=f.evidence.text, why=why))

    for column, one, two in same_amounts(x):
        for f, other in ((one, two), (two, one)):
            if _three_decimals(f) and off_by(f, other, k) and Interval.of(f).scale(k).meets(Interval.of(other)):
                add(f, other, f"另处{AMOUNTS[column]}为 {other.evidence.text}")
    for s in scopes(x):
        b, rate = s.budget, s.budget.rate_pct
        computed = computed_rate(b)
        if computed is None or rate is None or computed.meets(Interval.of(rate)):
            continue
        for field in ("executed_yuan", "total_yuan"):
            f = getattr(b, field)
            fixed = computed_rate(b.model_copy(update={field: _times(f, k)}))
            if _three_decimals(f) and fixed is not None and fixed.meets(Interval.of(rate)):
                add(f, rate, f"按 ×1000 计执行率与所称 {rate.evidence.text} 相符")
    return out

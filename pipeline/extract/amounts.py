"""A figure read as a fact, and whether a budget's three figures agree: what the budget's two
readers share (the narrative, budget.py; the 自评表's fund table, fund_table.py)."""
from __future__ import annotations

from decimal import Decimal

from ..models import Fact, NormText
from ..text.interval import Interval
from ..text.layer import evidence
from ..text.numbers import Number

AMOUNT_ROLES = ("initial", "total", "executed")


def to_fact(doc: NormText, n: Number, **cell: int) -> Fact:
    """A figure as a record's fact: a float (whole yuan stay whole), its words as evidence (with the
    table cell it sits in, if any) and the precision it is stated to."""
    value = float(n.value) if n.unit == "%" or n.value != n.value.to_integral() else float(int(n.value))
    return Fact(value=value, evidence=evidence(doc, n.span, **cell), precision=float(n.half))


def agree(total: Fact, executed: Fact, rate: Fact | Interval) -> bool:
    """Whether executed / total can equal the rate at the precision each is stated with."""
    ratio = Interval.of(executed).scale(Decimal(100)).ratio(Interval.of(total))
    return ratio is not None and ratio.meets(rate if isinstance(rate, Interval) else Interval.of(rate))

"""The audit: every consistency rule, each a plain function Extracted -> list[Finding].

Rules never raise and never guess: a rule whose figures are not all stated stays silent. Their
severities, messages and parameters live in rules/audit.yaml; the order below is the order findings
are listed in a record.
"""
from __future__ import annotations

from collections.abc import Callable

from ..models import Extracted, Finding
from . import document, money, plausibility, scores

CHECKS = (
    money.execution_rate, money.executed_exceeds_budget, money.rate_out_of_range, money.amount_out_of_range,
    money.fund_components,
    money.budget_score, money.project_sum, money.unit_scale,
    scores.score_deduction, scores.score_grade, scores.indicator_weight_sum, scores.indicator_score_sum,
    scores.indicator_score_bounds, scores.target_not_met, scores.indicator_count,
    document.year_mismatch, plausibility.merged_digits, plausibility.separator_misread,
)


def audit(x: Extracted) -> list[Finding]:
    return [f for check in CHECKS for f in _run(check, x)]


def _run(check: Callable[[Extracted], list[Finding]], x: Extracted) -> list[Finding]:
    """One check's findings; none when its figures are past what Decimal arithmetic holds (a rate of
    10²⁶ % has more digits than the context's 28 to round to cents): the record keeps its facts, and
    amount_out_of_range and rate_out_of_range say what is wrong with them."""
    try:
        return check(x)
    except ArithmeticError:         # decimal.InvalidOperation, Overflow, DivisionByZero
        return []

"""validate: Extracted -> Record, with the findings (data, not exceptions).

Every stated number stands for the interval its digits imply (1150.50 万元 is ±0.005 万元, 100% is
[99.5, 100.5]); a rule fires only when the intervals cannot meet, the way XBRL calculation checks
do. Decimal arithmetic throughout.
"""
from __future__ import annotations

from decimal import Decimal

from .models import Budget, Extracted, Fact, Finding, Record
from .rules import rules

HUNDRED = Decimal(100)


def validate(x: Extracted) -> Record:
    findings = execution_rate(x.budget, "")
    for p in x.projects:
        findings += execution_rate(p.budget, f"（项目：{p.name}）")
    findings += score_deduction(x.self_score, x.deduction) + score_grade(x.self_score, x.grade)
    c = x.classified
    return Record(source=c.doc.source, status="ok", report_type=c.report_type, fiscal_year=c.fiscal_year,
                  organization=c.organization, budget=x.budget, self_score=x.self_score,
                  deduction=x.deduction, grade=x.grade, quantities=x.quantities, indicators=x.indicators,
                  indicator_structure=x.indicator_structure, projects=x.projects, funds=x.funds,
                  findings=findings)


def interval(f: Fact) -> tuple[Decimal, Decimal]:
    v, h = Decimal(str(f.value)), Decimal(str(f.precision or 0))
    return v - h, v + h


def _meet(a: tuple[Decimal, Decimal], b: tuple[Decimal, Decimal]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _finding(rule_id: str, values: dict, facts: list[Fact], **fmt) -> Finding:
    r = rules().get(rule_id)
    return Finding(rule=rule_id, severity=r.param("severity"), message=r.message.format(**fmt),
                   values=values, evidence=[f.evidence for f in facts])


def _num(d: Decimal) -> str:
    return f"{d.normalize():f}"


def execution_rate(b: Budget, scope: str) -> list[Finding]:
    """The stated rate against executed / total, each taken as the interval its digits imply."""
    t, e, r = b.total_yuan, b.executed_yuan, b.rate_pct
    if not (t and e and r):
        return []
    (t_lo, t_hi), (e_lo, e_hi) = interval(t), interval(e)
    if t_lo <= 0:
        return []
    computed = (e_lo / t_hi * HUNDRED, e_hi / t_lo * HUNDRED)
    if _meet(computed, interval(r)):
        return []
    point = (Decimal(str(e.value)) / Decimal(str(t.value)) * HUNDRED).quantize(Decimal("0.01"))
    stated = Decimal(str(r.value))
    return [_finding("execution_rate", {"computed": float(point), "stated": float(stated),
                                        "executed_yuan": e.value, "total_yuan": t.value},
                     [e, t, r], computed=_num(point), stated=_num(stated), scope=scope)]


def score_deduction(score: Fact | None, deduction: Fact | None) -> list[Finding]:
    if not (score and deduction):
        return []
    d_lo, d_hi = interval(deduction)
    if _meet((HUNDRED - d_hi, HUNDRED - d_lo), interval(score)):
        return []
    computed = HUNDRED - Decimal(str(deduction.value))
    return [_finding("score_deduction", {"computed": float(computed), "stated": score.value,
                                         "deduction": deduction.value}, [deduction, score],
                     deduction=_num(Decimal(str(deduction.value))), computed=_num(computed),
                     stated=_num(Decimal(str(score.value))))]


def score_grade(score: Fact | None, grade: Fact | None) -> list[Finding]:
    if not (score and grade):
        return []
    band = next((r for r in rules().of("grade_band") if grade.value in r.lexicon), None)
    if band is None:
        return []
    low, high = Decimal(str(band.param("low"))), Decimal(str(band.param("high")))
    s_lo, s_hi = interval(score)
    if s_hi >= low and (s_lo < high or high == HUNDRED):
        return []
    return [_finding("score_grade", {"score": score.value, "low": float(low), "high": float(high),
                                     "stated_grade": grade.value}, [grade, score],
                     stated_grade=grade.value, band=f"{_num(low)}–{_num(high)}",
                     score=_num(Decimal(str(score.value))))]

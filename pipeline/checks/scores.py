"""Rules on the scores: 100 − 扣分, the grade's band, and the 自评表's 分值/得分 columns.

Points a scorer assigns (10, 9.5) are exact; a score with more decimals (8.57 = 10 × 85.70%) was
computed and rounded, so it stands for its interval. A stated total may be rounded too.
"""
from __future__ import annotations

import re
from decimal import Decimal

from ..text.interval import HUNDRED, ZERO, Interval, dec, total
from ..models import Extracted, Finding, Indicator
from ..text.numbers import resolve_numeral
from ..rules import rules
from .finding import finding, param, show
from .money import scored_fund_row

TABLE_ROW = "table.indicator_row"     # the rule id tables.py gives an indicator read from a 自评表 row


def _assigned(x: float) -> Interval:
    return Interval.assigned(x, param("indicator_score_sum", "exact_decimals"))


def score_deduction(x: Extracted) -> list[Finding]:
    score, deduction = x.self_score, x.deduction
    if not (score and deduction):
        return []
    computed = Interval.exact(HUNDRED) - _assigned(deduction.value)      # 扣2分 is two points, not 1.5–2.5
    if computed.meets(Interval.of(score)):                              # a stated score may be rounded
        return []
    point = HUNDRED - dec(deduction.value)
    return [finding("score_deduction", {"computed": point, "stated": score.value, "deduction": deduction.value},
                    [deduction.evidence, score.evidence], deduction=show(deduction.value), computed=show(point),
                    stated=show(score.value))]


def score_grade(x: Extracted) -> list[Finding]:
    score, grade = x.self_score, x.grade
    if not (score and grade):
        return []
    band = next((r for r in rules().of("grade_band") if grade.value in (r.lexicon or ())), None)
    if band is None:
        return []
    low, high = dec(band.param("low")), dec(band.param("high"))
    s = Interval.of(score)
    if s.hi >= low and (s.lo < high or high == HUNDRED):
        return []
    return [finding("score_grade", {"score": score.value, "low": low, "high": high, "stated_grade": grade.value},
                    [grade.evidence, score.evidence], stated_grade=grade.value, band=f"{show(low)}–{show(high)}",
                    score=show(score.value))]


def table_rows(x: Extracted) -> list[Indicator]:
    return [i for i in x.indicators if i.evidence.rule == TABLE_ROW]


def _complete(x: Extracted, rows: list[Indicator]) -> bool:
    """The table closes with its 总分 row, and every row-like line up to it was read as a row: a
    document cut off mid-table, or a row OCR garbled, would make any sum a false alarm."""
    doc, first, last = x.classified.doc, rows[0].evidence.start, rows[-1].evidence.end
    window = doc.folded[last:last + param("indicator_weight_sum", "closed_within")]
    close = min((m.start() for r in rules().of("score_row") if (m := r.regex.search(window))), default=None)
    if close is None:
        return False
    read = [(r.evidence.start, r.evidence.end) for r in rows]
    pos = first
    for line in doc.text[first:last + close].split("\n"):
        lo, hi = pos, pos + len(line)
        pos = hi + 1
        if line.count("|") >= param("indicator_weight_sum", "row_cells") - 1 and \
                not any(a < hi and lo < b for a, b in read):
            return False
    return True


def _weights_complete(x: Extracted, rows: list[Indicator]) -> Decimal | None:
    """The 分值 column's total (the scored fund row's 分值 included), or None when a 分值 is missing
    or the table does not close with its 总分 row."""
    if len(rows) < 2 or any(r.weight is None for r in rows) or not _complete(x, rows):
        return None
    fund = scored_fund_row(x)
    extra = dec(fund.weight.value) if fund and fund.weight else ZERO
    return sum((dec(r.weight) for r in rows if r.weight is not None), ZERO) + extra


def indicator_weight_sum(x: Extracted) -> list[Finding]:
    """分值 adds up to 100; a fund row whose 分值 the text lost may account for its usual 10."""
    rows = table_rows(x)
    weights = _weights_complete(x, rows)
    if weights is None or weights == HUNDRED:
        return []
    fund = scored_fund_row(x)
    if (fund is None or fund.weight is None) and x.funds and weights == HUNDRED - dec(param("indicator_weight_sum", "fund_weight")):
        return []
    evidence = [r.evidence for r in rows] + ([fund.weight.evidence] if fund and fund.weight else [])
    return [finding("indicator_weight_sum", {"computed": weights, "stated": HUNDRED, "rows": len(rows)},
                    evidence, computed=show(weights), n=len(rows))]


def indicator_score_sum(x: Extracted) -> list[Finding]:
    """得分 (and the fund row's 得分) add up to the total score, once the 分值 show no row is missing."""
    rows, score = table_rows(x), x.self_score
    if score is None or _weights_complete(x, rows) != HUNDRED or any(r.score is None for r in rows):
        return []
    parts = [_assigned(r.score) for r in rows if r.score is not None]
    evidence = [r.evidence for r in rows]
    fund = scored_fund_row(x)
    if fund and fund.score:
        parts.append(_assigned(fund.score.value))
        evidence.append(fund.score.evidence)
    summed = total(parts)
    if summed.meets(Interval.of(score)):
        return []
    return [finding("indicator_score_sum", {"computed": summed.mid, "stated": score.value, "rows": len(parts)},
                    [*evidence, score.evidence], computed=show(summed.mid, 2), stated=show(score.value),
                    n=len(parts))]


def indicator_score_bounds(x: Extracted) -> list[Finding]:
    out = []
    for r in table_rows(x):
        if r.score is None:
            continue
        s = _assigned(r.score)
        over = r.weight is not None and s.lo > _assigned(r.weight).hi
        if over or s.hi < ZERO:
            out.append(finding("indicator_score_bounds", {"score": r.score, "weight": r.weight},
                               [r.evidence], name=r.level3, score=show(r.score),
                               weight="—" if r.weight is None else show(r.weight)))
    return out


def _target(text: str) -> tuple[str, Decimal, str] | None:
    """'≥95%' -> ('floor', 95, '%'); a bare count is a floor; a bare amount of money says nothing."""
    m = re.fullmatch(rules().expand(param("target_not_met", "target_pattern")), text.strip())
    if not m or (num := resolve_numeral(m.group("num"))) is None:
        return None
    words = param("target_not_met", "comparators")
    written = m.group("cmp") or m.group("post") or ""
    kind = next((k for k, lex in words.items() if written in lex), None) if written else None
    unit = m.group("unit") or ""
    if kind is None:
        if written or unit in param("target_not_met", "no_bare_floor"):
            return None
        kind = "floor"
    return kind, num[0], unit


def _missed(kind: str, target: Decimal, actual: Interval) -> bool:
    return {"floor": actual.hi < target, "above": actual.hi <= target,
            "ceiling": actual.lo > target, "below": actual.lo >= target}[kind]


def target_not_met(x: Extracted) -> list[Finding]:
    """A row whose stated actual misses its target, scored full marks all the same."""
    out = []
    actual_re = re.compile(rules().expand(param("target_not_met", "actual_pattern")))
    for r in table_rows(x):
        if r.weight is None or r.score is None or dec(r.score) != dec(r.weight) or not (r.target and r.actual):
            continue
        target, m = _target(r.target), actual_re.fullmatch(r.actual.strip())
        resolved = resolve_numeral(m.group("num")) if m else None
        if target is None or m is None or resolved is None or (m.group("unit") or "") not in ("", target[2]):
            continue
        value, half = resolved
        if _missed(target[0], target[1], Interval(value - half, value + half)):
            out.append(finding("target_not_met", {"target": r.target, "actual": r.actual, "score": r.score,
                                                  "weight": r.weight}, [r.evidence], name=r.level3,
                               target=r.target, actual=r.actual, score=show(r.score)))
    return out


def indicator_count(x: Extracted) -> list[Finding]:
    """"三级指标 6 个：A、B、C…" names as many indicators as it counts (a list ending in 等 is partial)."""
    out = []
    for lv in x.indicator_structure:
        names = lv.names
        if len(names) < 2 or len(names) == lv.count or any(re.search(r"\d|等$", n) for n in names):
            continue
        out.append(finding("indicator_count", {"stated": lv.count, "listed": len(names), "names": "、".join(names)},
                           [lv.evidence], level="一二三"[lv.level - 1], stated=lv.count, listed=len(names)))
    return out

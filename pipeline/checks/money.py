"""Rules on the money: rates against amounts, parts against wholes, the same amount stated twice."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from ..text.interval import HUNDRED, ZERO, Interval, dec, total
from ..models import Budget, Extracted, Fact, Finding, FundRow
from .finding import finding, param, show

AMOUNTS = {"initial_yuan": "年初预算数", "total_yuan": "全年预算数", "executed_yuan": "执行数"}


@dataclass(frozen=True)
class Scope:
    """One set of budget figures and whose they are: the report's, a key project's, a table row's."""
    name: str
    budget: Budget


def scopes(x: Extracted) -> Iterator[Scope]:
    """Each distinct set of figures once: the report's budget is often the table's total row itself."""
    seen: set[tuple] = set()
    candidates = [Scope("", x.budget)]
    candidates += [Scope(f"（项目：{p.name}）", p.budget) for p in x.projects]
    candidates += [Scope(f"（表：{r.label}）", Budget(total_yuan=r.total_yuan, executed_yuan=r.executed_yuan,
                                                     rate_pct=r.rate_pct)) for r in x.funds]
    for s in candidates:
        key = tuple((f.evidence.start, f.evidence.end) if f else None
                    for f in (s.budget.total_yuan, s.budget.executed_yuan, s.budget.rate_pct))
        if key not in seen:
            seen.add(key)
            yield s


def computed_rate(b: Budget) -> Interval | None:
    """executed / total in percent, as the interval the two stated amounts allow."""
    if not (b.total_yuan and b.executed_yuan):
        return None
    r = Interval.of(b.executed_yuan).ratio(Interval.of(b.total_yuan))
    return r.scale(HUNDRED) if r else None


def _point_rate(executed: Fact, total: Fact) -> Decimal:
    return dec(executed.value) / dec(total.value) * HUNDRED


def execution_rate(x: Extracted) -> list[Finding]:
    """The stated rate against executed / total, for the report, each key project and each table row."""
    out = []
    for s in scopes(x):
        b = s.budget
        computed = computed_rate(b)
        if computed is None or b.rate_pct is None or computed.meets(Interval.of(b.rate_pct)):
            continue
        assert b.executed_yuan and b.total_yuan      # a computed rate has both
        point, stated = _point_rate(b.executed_yuan, b.total_yuan), dec(b.rate_pct.value)
        out.append(finding("execution_rate", {"computed": point.quantize(Decimal("0.01")), "stated": stated,
                                              "executed_yuan": b.executed_yuan.value, "total_yuan": b.total_yuan.value},
                           [b.executed_yuan.evidence, b.total_yuan.evidence, b.rate_pct.evidence],
                           computed=show(point, 2), stated=show(stated), scope=s.name))
    return out


def executed_exceeds_budget(x: Extracted) -> list[Finding]:
    out = []
    for s in scopes(x):
        t, e = s.budget.total_yuan, s.budget.executed_yuan
        if t and e and Interval.of(e).lo > Interval.of(t).hi:
            out.append(finding("executed_exceeds_budget", {"executed_yuan": e.value, "total_yuan": t.value},
                               [e.evidence, t.evidence], executed=e.evidence.text, total=t.evidence.text,
                               scope=s.name))
    return out


def rate_out_of_range(x: Extracted) -> list[Finding]:
    out = []
    for s in scopes(x):
        r = s.budget.rate_pct
        if r and (Interval.of(r).lo > HUNDRED or Interval.of(r).hi < ZERO):
            out.append(finding("rate_out_of_range", {"stated": r.value}, [r.evidence],
                               stated=r.evidence.text, scope=s.name))
    return out


def amount_out_of_range(x: Extracted) -> list[Finding]:
    """An amount larger than any one body's budget can be (10¹³ 元 = 10 万亿元, a third of the whole
    national budget): a unit or digits misread, or a typing error; reported, never a crash."""
    limit = Decimal(str(param("amount_out_of_range", "max_yuan")))
    out, seen = [], set()
    for s in scopes(x):
        for f in (s.budget.total_yuan, s.budget.executed_yuan, x.budget.initial_yuan):
            if f and f.evidence.start not in seen and abs(dec(f.value)) > limit:
                seen.add(f.evidence.start)
                out.append(finding("amount_out_of_range", {"stated": f.value, "limit": limit}, [f.evidence],
                                   stated=f.evidence.text, scope=s.name))
    return out


def _first_of_each_role(rows: list[FundRow]) -> dict[str, FundRow]:
    out: dict[str, FundRow] = {}
    for r in rows:
        out.setdefault(r.role, r)
    return out


def fund_components(x: Extracted) -> list[Finding]:
    """当年财政拨款 + 上年结转 + 其他资金 = 年度资金总额, column by column; a blank cell is 0."""
    rows = _first_of_each_role(x.funds)
    whole_row, parts = rows.get("total"), [rows[r] for r in ("fiscal", "carryover", "other") if r in rows]
    if whole_row is None or "fiscal" not in rows:
        return []
    out = []
    for column, name in AMOUNTS.items():
        whole, facts = getattr(whole_row, column), [getattr(p, column) for p in parts]
        if whole is None or facts[0] is None:
            continue
        stated = [f for f in facts if f is not None]
        summed = total([Interval.of(f) for f in stated])
        if summed.meets(Interval.of(whole)):
            continue
        point = sum((dec(f.value) for f in stated), ZERO)
        out.append(finding("fund_components", {"column": name, "computed": point, "stated": whole.value},
                           [whole.evidence, *(f.evidence for f in stated)],
                           column=name, computed=show(point / 10000, 6), stated=show(dec(whole.value) / 10000, 6)))
    return out


def scored_fund_row(x: Extracted) -> FundRow | None:
    """The fund block's total row when the form scores it (分值 10, 得分 = 分值 × 执行率)."""
    return next((r for r in x.funds if r.role == "total" and (r.weight or r.score)), None)


def budget_score(x: Extracted) -> list[Finding]:
    row = scored_fund_row(x)
    if row is None or not (row.weight and row.score):
        return []
    b = Budget(total_yuan=row.total_yuan, executed_yuan=row.executed_yuan, rate_pct=row.rate_pct)
    rate = Interval.of(row.rate_pct) if row.rate_pct else computed_rate(b)
    if rate is None:
        return []
    weight = dec(row.weight.value)
    expected = rate.clip(ZERO, HUNDRED).scale(weight / HUNDRED)
    if expected.meets(Interval.of(row.score)):
        return []
    used = [f for f in (row.weight, row.rate_pct or row.executed_yuan, None if row.rate_pct else row.total_yuan,
                        row.score) if f]
    return [finding("budget_score", {"computed": expected.mid.quantize(Decimal("0.01")), "stated": row.score.value,
                                     "weight": row.weight.value},
                    [f.evidence for f in used], weight=show(weight), rate=show(rate.mid, 2),
                    computed=show(expected.mid, 2), stated=show(row.score.value))]


def project_sum(x: Extracted) -> list[Finding]:
    """Key projects are part of the report's budget: together they cannot exceed it."""
    out = []
    for column in ("total_yuan", "executed_yuan"):
        whole = getattr(x.budget, column)
        parts = [getattr(p.budget, column) for p in x.projects]
        parts = [f for f in parts if f is not None]
        if whole is None or not parts or total([Interval.of(f) for f in parts]).lo <= Interval.of(whole).hi:
            continue
        point = sum((dec(f.value) for f in parts), ZERO)
        out.append(finding("project_sum", {"column": AMOUNTS[column], "computed": point, "stated": whole.value,
                                           "projects": len(parts)},
                           [whole.evidence, *(f.evidence for f in parts)], column=AMOUNTS[column],
                           n=len(parts), computed=show(point / 10000, 6), stated=whole.evidence.text))
    return out


def same_amounts(x: Extracted) -> Iterator[tuple[str, Fact, Fact]]:
    """(column, narrative fact, table fact): one amount stated in the text and again in the 自评表."""
    for column in ("initial_yuan", "total_yuan", "executed_yuan"):
        a, b = getattr(x.narrative_budget, column), getattr(x.budget, column)
        if a and b and (a.evidence.start, a.evidence.end) != (b.evidence.start, b.evidence.end):
            yield column, a, b


def off_by(a: Fact, b: Fact, factor: Decimal) -> bool:
    """a and b disagree as stated, but agree once one of them is multiplied by `factor`."""
    ia, ib = Interval.of(a), Interval.of(b)
    return not ia.meets(ib) and (ia.scale(factor).meets(ib) or ib.scale(factor).meets(ia))


def unit_scale(x: Extracted) -> list[Finding]:
    factor = Decimal(param("unit_scale", "factor"))
    return [finding("unit_scale", {"column": AMOUNTS[column], "narrative_yuan": a.value, "table_yuan": b.value},
                    [a.evidence, b.evidence], column=AMOUNTS[column], a=a.evidence.text, b=b.evidence.text,
                    ya=show(a.value), yb=show(b.value))
            for column, a, b in same_amounts(x) if off_by(a, b, factor)]

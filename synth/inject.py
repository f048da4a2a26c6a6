"""Deliberate inconsistencies in synthetic reports, and how many of them the audit catches.

Each injector takes a generated report (its spec, its blocks, its .txt and the record extracted from
it) and changes ONE figure, written the way the report writes it (same unit, decimals, spacing,
thousands separators), so that the figures contradict each other the way one audit rule checks:

    execution_rate          a stated 执行率 (key project, fund row) no longer executed / total
    executed_exceeds_budget a 执行数 a few units above its 全年预算数, the stated 100% still true
    rate_out_of_range       a rate's decimal point lost (85.70% -> 8570%)
    amount_out_of_range     a 全年预算数 in 万元 with a run of zeros too many (369.11 -> 3691100000.00)
    score_deduction         the stated 扣分 (or one 扣X分 item) off
    score_grade             the grade word the record reads moved to a band that excludes the score
    indicator_score_sum     one indicator 得分 lowered, the total left as it was
    indicator_weight_sum    one indicator 分值 raised
    indicator_score_bounds  one full-marks indicator 得分 above its 分值
    budget_score            the fund total row's 得分 off 分值 × 执行率
    fund_components         a 年初预算数 component off (上年结转 copied from 全年, a transposed digit)
    indicator_count         "三级指标 N 个：A、B、…" with N one off the names listed
    project_sum             a key project's 全年预算数 with its decimal point slipped (×10, ×100)
    unit_scale              a narrative amount's unit changed (369.11万元 -> 369.11元)
    target_not_met          a full-marks indicator's actual below its numeric target
    year_mismatch           the budget sentence's year one off the title's
    merged_digits           two adjacent amount cells fused ("369.11316.32"), the row one cell short
    separator_misread       a narrative amount in 元 with its last thousands comma read as a point

An injector returns None when the report has nothing to inject into (no key project, no table, no
stated deduction, …). Some contradictions cannot be made with one figure without also breaking a
second relation (a rate over 100% is also not executed / total); `Injection.also` names those rules,
and the experiment counts any other new error finding as collateral.

    python -m synth.inject --count 200 --seed 1
"""
from __future__ import annotations

import argparse
import copy
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property

from pipeline.models import Evidence, NormText, Record
from .compose import Composer, _num, compose
from .doc import Cell, Document, Table
from .render_text import to_txt
from .spec import (
    HUNDRED,
    WAN,
    DocSpec,
    IndicatorRow,
    Kind,
    grade_of,
    make_spec,
    plan,
    q,
    rate_of,
    rng_for,
)

def severity(rule: str) -> str:
    """The rule's severity in the audit catalogue (rules/audit.yaml)."""
    from pipeline.rules import rules
    return rules().get(rule).param("severity")


# columns of the 自评表 (compose.Composer.selfeval_table)
LABEL, INITIAL, TOTAL, EXECUTED, WEIGHT, RATE, SCORE = 1, 3, 4, 5, 6, 7, 8       # fund rows
LEVEL3, TARGET, ACTUAL, IND_WEIGHT, IND_SCORE = 3, 4, 5, 6, 7                    # indicator rows
MARGIN = Decimal("0.05")       # a made-up rate misses the true one by more than its digits allow, and this


# ---------------------------------------------------------------- the report and the injection

@dataclass
class Original:
    """A generated report as written: spec, blocks, .txt; its record and text layer on demand."""
    spec: DocSpec
    doc: Document

    @classmethod
    def make(cls, seed: int, doc_id: str, kind: Kind) -> Original:
        spec = make_spec(seed, doc_id, kind)
        return cls(spec, compose(spec)[0])

    @property
    def id(self) -> str:
        return self.spec.id

    @cached_property
    def text(self) -> str:
        return to_txt(self.doc)

    @cached_property
    def record(self) -> Record:
        from pipeline import extract_text
        return extract_text(self.text, path=f"{self.id}.txt")

    @cached_property
    def norm(self) -> NormText:
        from pipeline import text_layer
        return text_layer(self.text, f"{self.id}.txt")

    @cached_property
    def c(self) -> Composer:
        """A composer in the report's own style: the same 万元/元, separators and spacing."""
        return Composer(self.spec)


@dataclass(frozen=True)
class Injection:
    rule: str
    text: str                                  # the report's .txt with the one figure changed
    what: str                                  # "key project X: 执行率 85.70% -> 87.50%"
    also: frozenset[str] = frozenset()         # rules the same change necessarily contradicts too


Injector = Callable[[Original, random.Random], "Injection | None"]
INJECTORS: dict[str, Injector] = {}


def injector(rule: str) -> Callable[[Injector], Injector]:
    def register(f: Injector) -> Injector:
        INJECTORS[rule] = f
        return f
    return register


def inject(o: Original, rule: str, seed: int | None = None) -> Injection | None:
    """`rule`'s injection into report `o`, drawn from the report's own generator."""
    rng = rng_for(o.spec.seed if seed is None else seed, o.id, f"inject:{rule}")
    return INJECTORS[rule](o, rng)


# ---------------------------------------------------------------- helpers

def _half(text: str) -> Decimal:
    """Half the last printed digit: '85.70' -> 0.005, '100' -> 0.5."""
    text = text.strip().rstrip("%").replace(",", "")
    digits = text.partition(".")[2]
    return Decimal(5).scaleb(-len(digits) - 1)


def _amount_half(spec: DocSpec) -> Decimal:
    return Decimal(50) if spec.money_unit == "wan" else Decimal("0.005")


def _step(spec: DocSpec) -> Decimal:
    """The last printed digit of an amount, in yuan: 0.01 万元 or 1 分."""
    return Decimal(100) if spec.money_unit == "wan" else Decimal("0.01")


def _cell_amount(spec: DocSpec, yuan: Decimal) -> str:
    return f"{q(yuan / WAN)}" if spec.money_unit == "wan" else f"{q(yuan)}"


def _rate_text(rate: Decimal, decimals: int) -> str:
    return f"{q(rate, Decimal(1).scaleb(-decimals))}"


def _computed_rate(e: Decimal, t: Decimal, h: Decimal) -> tuple[Decimal, Decimal]:
    return (e - h) / (t + h) * HUNDRED, (e + h) / (t - h) * HUNDRED


def _rate_contradicts(e: Decimal, t: Decimal, h: Decimal, rate_text: str) -> bool:
    lo, hi = _computed_rate(e, t, h)
    r, rh = Decimal(rate_text), _half(rate_text)
    return r + rh < lo - MARGIN or r - rh > hi + MARGIN


def _swaps(text: str) -> list[str]:
    """Every adjacent-digit transposition of a printed number: 85.70 -> 58.70, 87.50, 85.07."""
    out = []
    for i in range(len(text) - 1):
        a, b = text[i], text[i + 1]
        if a.isdigit() and b.isdigit() and a != b:
            s = text[:i] + b + a + text[i + 2:]
            if not (s[0] == "0" and len(s) > 1 and s[1] != "."):
                out.append(s)
    return out


def _typo_units(lo: int, hi: int) -> list[int]:
    """Amounts a one-digit slip adds: d × 10^j between lo and hi (in the last printed digit's units)."""
    return [d * 10 ** j for j in range(len(str(max(hi, 1)))) for d in range(1, 10) if lo <= d * 10 ** j <= hi]


def _selfeval(doc: Document) -> Table | None:
    return next((t for t in doc.tables() if t.kind == "selfeval"), None)


def _fund_table_copy(o: Original) -> tuple[Document, Table] | None:
    """A copy of a self-evaluation's blocks to change, and its 自评表; None for a negative or no table."""
    if o.spec.kind == "other":
        return None
    doc = copy.deepcopy(o.doc)
    t = _selfeval(doc)
    return None if t is None else (doc, t)


def _row(t: Table, col: int, text: str) -> int | None:
    hits = [r for r, row in enumerate(t.rows) if (cell := row[col]) is not None and cell.text == text]
    return hits[0] if len(hits) == 1 else None


def _set(t: Table, r: int, c: int, text: str, value=None) -> None:
    cell = t.rows[r][c]
    assert cell is not None             # a cell the table writes, not one a merge covers
    t.rows[r][c] = replace(cell, text=text, value=value)


def _replace_para(doc: Document, old: str, new: str, where: Callable[[str], bool] = lambda _: True) -> bool:
    """Replace `old` in the one paragraph that holds it (once); False when not exactly one."""
    hits = [b for b in doc.blocks if b.kind == "para" and where(b.text) and old in b.text]
    if len(hits) != 1 or hits[0].text.count(old) != 1:
        return False
    hits[0].text = hits[0].text.replace(old, new)
    return True


def _done(o: Original, doc: Document, rule: str, what: str, also: tuple[str, ...] = ()) -> Injection:
    text = to_txt(doc)
    assert text != o.text, (o.id, rule, what)
    return Injection(rule, text, what, frozenset(also))


def _project_para(name: str) -> Callable[[str], bool]:
    return lambda text: text.startswith((f"重点项目“{name}”", f"{name}项目："))


PROJECT_TOTAL, PROJECT_EXECUTED = ("全年预算数", "全年预算"), ("执行数", "实际支出")


@dataclass
class Scope:
    """Where a rate is stated with its amounts: a key project's sentence, or a fund row of the table."""
    kind: str                  # "project" | "fund"
    name: str                  # the project's name or the fund row's label
    total: Decimal
    executed: Decimal
    rate: Decimal
    role: str = ""             # a fund row's role

    def __str__(self) -> str:
        return f"key project {self.name}" if self.kind == "project" else f"fund row {self.name}"


def _rate_scopes(o: Original, scored_total: bool = False) -> list[Scope]:
    """Rates the record reads, each with the amounts it must equal: key projects, and the fund rows
    (the total row only when unscored, or if asked: its rate also makes its 得分)."""
    s = o.spec
    out = [Scope("project", p.name, p.total, p.executed, p.rate) for p in s.key_projects]
    if s.kind != "other":
        for line in s.funds:
            if line.total > 0 and (line.role != "total" or s.fund_weight is None or scored_total):
                out.append(Scope("fund", line.label, line.total, line.executed,
                                 rate_of(line.executed, line.total, s.rate_decimals), line.role))
    return out


def _set_rate(o: Original, doc: Document, scope: Scope, new: str) -> bool:
    """Write rate text `new` (digits, no %) where `scope` states its rate."""
    if scope.kind == "project":
        return _replace_para(doc, o.c.pct(scope.rate), o.c.sp(new, "%"), _project_para(scope.name))
    t = _selfeval(doc)
    r = _row(t, LABEL, scope.name) if t else None
    if t is None or r is None:
        return False
    _set(t, r, RATE, f"{new}%", Decimal(new) / HUNDRED)
    return True


def _set_amount(o: Original, doc: Document, scope: Scope, col: int, new: Decimal) -> bool:
    """Write amount `new` (yuan) as the scope's 全年预算数 (TOTAL) or 执行数 (EXECUTED)."""
    if scope.kind == "project":
        old = scope.total if col == TOTAL else scope.executed
        words = PROJECT_TOTAL if col == TOTAL else PROJECT_EXECUTED
        return any(_replace_para(doc, w + o.c.money(old), w + o.c.money(new), _project_para(scope.name))
                   for w in words)
    t = _selfeval(doc)
    r = _row(t, LABEL, scope.name) if t else None
    if t is None or r is None:
        return False
    _set(t, r, col, _cell_amount(o.spec, new), Decimal(_cell_amount(o.spec, new)))
    return True


# ---------------------------------------------------------------- rates and amounts

def _wrong_rate(rng: random.Random, s: DocSpec, scope: Scope) -> str | None:
    """A rate an author could have typed instead (another base, two digits swapped, a few points
    off), within 0–100% and clearly not executed / total."""
    d, h = s.rate_decimals, _amount_half(s)
    old = _rate_text(scope.rate, d)
    other_base = []
    if scope.role == "total" and s.initial != scope.total and s.initial > 0:
        other_base = [_rate_text(rate_of(scope.executed, s.initial, d), d)]     # executed / 年初预算数
    swaps = _swaps(old)
    shifts = [_rate_text(scope.rate - k, d) for k in (1, 2, 3, 5, 8, 10, 15)]
    shifts += [_rate_text(scope.rate + k, d) for k in (1, 2, 3, 5)]
    groups = [other_base, swaps, shifts]
    for g in groups:
        rng.shuffle(g)
    rng.shuffle(groups)
    for text in (x for g in groups for x in g):
        if text != old and 0 <= Decimal(text) <= 100 and _rate_contradicts(scope.executed, scope.total, h, text):
            return text
    return None


@injector("execution_rate")
def inject_execution_rate(o: Original, rng: random.Random) -> Injection | None:
    scopes = _rate_scopes(o)
    rng.shuffle(scopes)
    for scope in scopes:
        new = _wrong_rate(rng, o.spec, scope)
        doc = copy.deepcopy(o.doc)
        if new and _set_rate(o, doc, scope, new):
            return _done(o, doc, "execution_rate",
                         f"{scope}: 执行率 {_rate_text(scope.rate, o.spec.rate_decimals)}% -> {new}%")
    return None


@injector("executed_exceeds_budget")
def inject_executed_exceeds(o: Original, rng: random.Random) -> Injection | None:
    """执行数 a one-digit slip above 全年预算数 where the rate is stated as 100%, by less than the
    rate's printed digits can tell (so the rate itself stays true)."""
    s = o.spec
    scopes = [sc for sc in _rate_scopes(o, scored_total=True) if sc.executed == sc.total]
    rng.shuffle(scopes)
    step, h = _step(s), _amount_half(s)
    for scope in scopes:
        rate_text = _rate_text(scope.rate, s.rate_decimals)
        top = (Decimal(rate_text) + _half(rate_text)) / HUNDRED * (scope.total + h) + h       # (e − h)/(t + h) ≤ r + rh
        units = _typo_units(2, int((top - scope.total) / step))          # 2 steps: e − h > t + h
        if not units:
            continue
        new = scope.total + rng.choice(units) * step
        doc = copy.deepcopy(o.doc)
        if _set_amount(o, doc, scope, EXECUTED, new):
            also = ("fund_components",) if scope.kind == "fund" else ()
            return _done(o, doc, "executed_exceeds_budget",
                         f"{scope}: 执行数 {_cell_amount(s, scope.executed)} -> {_cell_amount(s, new)} "
                         f"(全年预算数 {_cell_amount(s, scope.total)}, 执行率 {rate_text}%)", also)
    return None


@injector("rate_out_of_range")
def inject_rate_out_of_range(o: Original, rng: random.Random) -> Injection | None:
    """A rate whose decimal point was lost (85.70% -> 8570%), or with a digit too many (100% -> 1000%):
    over 100%, and so also no longer executed / total."""
    scopes = _rate_scopes(o)
    rng.shuffle(scopes)
    for scope in scopes:
        old = _rate_text(scope.rate, o.spec.rate_decimals)
        new = old.replace(".", "") if "." in old else old + "0"
        new = new.lstrip("0") or "0"
        if Decimal(new) <= 100:
            continue
        doc = copy.deepcopy(o.doc)
        if _set_rate(o, doc, scope, new):
            return _done(o, doc, "rate_out_of_range", f"{scope}: 执行率 {old}% -> {new}%", ("execution_rate",))
    return None


@injector("amount_out_of_range")
def inject_amount_out_of_range(o: Original, rng: random.Random) -> Injection | None:
    """The 全年预算数 the record reads (the 自评表's total row, or a key project's sentence), in a
    report that counts in 万元, with zeros typed on until it passes 10 万亿元: 369.11 -> 3691100000.00.
    So the stated rate is no longer executed / total either, nor the fund rows' sum the total, nor
    the key projects' sum within the report's."""
    s = o.spec
    if s.money_unit != "wan":       # in 元 the figure would be 15 digits and more: not one short change
        return None
    from pipeline.rules import rules
    limit = Decimal(str(rules().get("amount_out_of_range").param("max_yuan")))
    scopes = [sc for sc in _rate_scopes(o, scored_total=True) if sc.kind == "project" or sc.role == "total"]
    rng.shuffle(scopes)
    for scope in scopes:
        k = 5                       # 10⁵ and more: no unit (10⁴) or separator (10³) slip explains it
        while scope.total * 10 ** k <= limit:
            k += 1
        new = scope.total * 10 ** k
        doc = copy.deepcopy(o.doc)
        if _set_amount(o, doc, scope, TOTAL, new):
            also = ("execution_rate", "fund_components" if scope.kind == "fund" else "project_sum")
            return _done(o, doc, "amount_out_of_range",
                         f"{scope}: 全年预算数 {_cell_amount(s, scope.total)} -> {_cell_amount(s, new)} 万元", also)
    return None


# ---------------------------------------------------------------- scores

def _score_contradicts(deduction: str, score: str) -> bool:
    d, dh, s, sh = Decimal(deduction), _half(deduction), Decimal(score), _half(score)
    return HUNDRED - d + dh < s - sh or HUNDRED - d - dh > s + sh


@injector("score_deduction")
def inject_score_deduction(o: Original, rng: random.Random) -> Injection | None:
    """The stated deduction off: the fund row's loss forgotten, two digits swapped, a few points off;
    or, when the deductions are listed item by item, one item off."""
    s, c = o.spec, o.c
    if s.deduction == 0:
        return None
    score = _num(s.score)
    doc = copy.deepcopy(o.doc)
    for word in ("共扣", "扣分"):
        old = word + c.score_text(s.deduction)
        if not any(b.kind == "para" and old in b.text for b in doc.blocks):
            continue
        cands = []
        if s.fund_score is not None and s.fund_score < 10 and s.deduction - (10 - s.fund_score) > 0:
            cands.append(_num(s.deduction - (10 - s.fund_score)))
        cands += _swaps(_num(s.deduction))
        cands += [_num(s.deduction + k) for k in (Decimal("0.5"), 1, 2, 5)]
        cands += [_num(s.deduction - k) for k in (Decimal("0.5"), 1, 2) if s.deduction - k > 0]
        rng.shuffle(cands)
        new = next((x for x in cands if x != _num(s.deduction) and Decimal(x) < 100 and _score_contradicts(x, score)),
                   None)
        if new is None or not _replace_para(doc, old, word + c.sp(new, "分")):
            return None
        return _done(o, doc, "score_deduction", f"{word}{_num(s.deduction)}分 -> {word}{new}分 (score {score})")
    # item by item: "其中预算执行率扣1.43分，补贴发放户数扣4.5分。"
    items = [(r.level3, r.weight - r.score) for r in s.indicators if r.score < r.weight]
    if s.fund_score is not None and s.fund_score < 10:
        items.insert(0, ("预算执行率", 10 - s.fund_score))
    rng.shuffle(items)
    for name, d in items:
        old = f"{name}扣{c.score_text(d)}"
        if not any(b.kind == "para" and old in b.text for b in doc.blocks):
            continue
        cands = [_num(d + k) for k in (Decimal("0.5"), 1, 2)] + [_num(d - k) for k in (Decimal("0.5"), 1) if d - k > 0]
        cands += _swaps(_num(d))
        rng.shuffle(cands)
        for new in cands:
            total = s.deduction - d + Decimal(new)
            slack = sum((_half(_num(x)) for _, x in items), Decimal(0))
            if abs(total - s.deduction) > slack + _half(score) and _replace_para(doc, old, f"{name}扣{c.sp(new, '分')}"):
                return _done(o, doc, "score_deduction", f"item {name}扣{_num(d)}分 -> 扣{new}分 "
                                                        f"(deductions now {_num(total)}, score {score})")
    return None


BANDS = {"优": (Decimal(90), Decimal(100)), "良": (Decimal(80), Decimal(90)), "中": (Decimal(60), Decimal(80)),
         "差": (Decimal(0), Decimal(60))}
NEIGHBOURS = {"优": ("良", "中"), "良": ("优", "中", "差"), "中": ("良", "差", "优"), "差": ("中", "良")}
LONG = {"优": "优秀", "良": "良好"}


def _evidence_span(o: Original, ev: Evidence) -> tuple[int, int] | None:
    """An evidence's [start, end) in the .txt, when the .txt there reads exactly the evidence."""
    s, e = o.norm.to_raw[ev.start], o.norm.to_raw[ev.end - 1] + 1
    return (s, e) if o.text[s:e] == ev.text else None


@injector("score_grade")
def inject_score_grade(o: Original, rng: random.Random) -> Injection | None:
    """The grade word the record reads (narrative or table) moved to a neighbouring band that the
    score, with its printed digits, is outside of: 94.07 and 良."""
    g = o.record.grade
    if g is None or o.spec.kind == "other":
        return None
    span = _evidence_span(o, g.evidence)
    if span is None:
        return None
    score = _num(o.spec.score)
    s, h = Decimal(score), _half(score)
    band = grade_of(o.spec.score)
    for new in NEIGHBOURS[band]:
        low, high = BANDS[new]
        if s + h < low or (s - h >= high and high < 100):
            word = LONG.get(new, new) if len(g.value) > 1 else new
            text = o.text[:span[0]] + word + o.text[span[1]:]
            return Injection("score_grade", text, f"grade {g.value} -> {word} (score {score})")
    return None


def _table_rows(doc: Document, o: Original) -> tuple[Table | None, list[tuple[int, IndicatorRow]]]:
    """The 自评表 of `doc` (a copy of the report's) and its indicator rows: (row index, spec row)."""
    t = _selfeval(doc)
    if t is None or o.spec.kind == "other":
        return None, []
    rows = []
    for ind in o.spec.indicators:
        r = _row(t, LEVEL3, ind.level3)
        if r is not None:
            rows.append((r, ind))
    return t, rows


@injector("indicator_score_sum")
def inject_indicator_score_sum(o: Original, rng: random.Random) -> Injection | None:
    """One indicator's 得分 a few points lower, the total 得分 left as it was; by more than the
    total's printed digits could round away (a total printed 92 may stand for 91.5)."""
    doc = copy.deepcopy(o.doc)
    t, rows = _table_rows(doc, o)
    rows = [(r, ind) for r, ind in rows if ind.score >= 1]
    if t is None or not rows:
        return None
    r, ind = rng.choice(rows)
    rounded = _half(_num(o.spec.score))
    k = rng.choice([x for x in (Decimal("0.5"), Decimal(1), Decimal(1), Decimal(2), Decimal(2), Decimal(3), Decimal(5))
                    if rounded < x <= ind.score])
    new = ind.score - k
    _set(t, r, IND_SCORE, _num(new), new)
    return _done(o, doc, "indicator_score_sum", f"indicator {ind.level3}: 得分 {_num(ind.score)} -> {_num(new)} "
                                                f"(total stays {_num(o.spec.score)})")


@injector("indicator_weight_sum")
def inject_indicator_weight_sum(o: Original, rng: random.Random) -> Injection | None:
    """One indicator's 分值 a few points higher (the weights no longer add up to 100)."""
    doc = copy.deepcopy(o.doc)
    t, rows = _table_rows(doc, o)
    if t is None or not rows:
        return None
    r, ind = rng.choice(rows)
    new = ind.weight + rng.choice((1, 2, 3, 5))
    _set(t, r, IND_WEIGHT, _num(new), new)
    return _done(o, doc, "indicator_weight_sum", f"indicator {ind.level3}: 分值 {_num(ind.weight)} -> {_num(new)}")


@injector("indicator_score_bounds")
def inject_indicator_score_bounds(o: Original, rng: random.Random) -> Injection | None:
    """A full-marks indicator's 得分 above its 分值 (10 -> 12): the scores no longer add up either."""
    doc = copy.deepcopy(o.doc)
    t, rows = _table_rows(doc, o)
    rows = [(r, ind) for r, ind in rows if ind.score == ind.weight]
    if t is None or not rows:
        return None
    r, ind = rng.choice(rows)
    new = ind.weight + rng.choice((1, 2, 3, 5))
    _set(t, r, IND_SCORE, _num(new), new)
    return _done(o, doc, "indicator_score_bounds", f"indicator {ind.level3}: 得分 {_num(ind.score)} -> {_num(new)} "
                                                   f"(分值 {_num(ind.weight)})", ("indicator_score_sum",))


@injector("budget_score")
def inject_budget_score(o: Original, rng: random.Random) -> Injection | None:
    """The fund total row's 得分 not 分值 × 执行率: full marks despite a lower rate, two digits
    swapped, a point off. The scores then no longer add up to the total either."""
    s = o.spec
    if s.fund_weight is None or s.fund_score is None or s.kind == "other":
        return None
    doc = copy.deepcopy(o.doc)
    t = _selfeval(doc)
    r = _row(t, LABEL, "年度资金总额") if t else None
    if t is None or r is None:
        return None
    rate_text = _rate_text(s.rate, s.rate_decimals)
    lo = s.fund_weight * (Decimal(rate_text) - _half(rate_text)) / HUNDRED
    hi = s.fund_weight * (Decimal(rate_text) + _half(rate_text)) / HUNDRED
    old = _num(s.fund_score)
    cands = _swaps(old) + [_num(s.fund_score + k) for k in (Decimal("0.5"), 1, 2)]
    cands += [_num(s.fund_score - k) for k in (Decimal("0.5"), 1, 2) if s.fund_score - k >= 0]
    rng.shuffle(cands)
    if s.fund_score < s.fund_weight:
        cands.insert(0, _num(s.fund_weight))                  # full marks whatever the rate
    for new in cands:
        v, vh = Decimal(new), _half(new)
        if new != old and 0 <= v <= s.fund_weight and (v + vh < lo - Decimal("0.01") or v - vh > hi + Decimal("0.01")):
            _set(t, r, SCORE, new, v)
            return _done(o, doc, "budget_score", f"fund row 年度资金总额: 得分 {old} -> {new} "
                                                 f"(分值 {_num(s.fund_weight)}, 执行率 {rate_text}%)",
                         ("indicator_score_sum",))
    return None


# ---------------------------------------------------------------- the fund table

@injector("fund_components")
def inject_fund_components(o: Original, rng: random.Random) -> Injection | None:
    """A 年初预算数 component off, so 当年财政拨款 + 上年结转 + 其他资金 ≠ 年度资金总额 in that
    column only (no rate is computed from it): the carry-over copied from the 全年预算数 column into
    the 年初 column, or two digits of the 财政拨款 row's 年初 figure transposed."""
    s, copied = o.spec, _fund_table_copy(o)
    if copied is None:
        return None
    doc, t = copied
    step = _step(s)
    options = []
    carry = next(line for line in s.funds if line.role == "carryover")
    if carry.initial is not None and carry.initial == 0 and carry.total > 0:
        options.append((carry.label, carry.initial, carry.total, "copied from 全年预算数"))
    fiscal = next(line for line in s.funds if line.role == "fiscal")
    assert fiscal.initial is not None       # the 财政拨款 row always states its 年初 figure
    for text in _swaps(_cell_amount(s, fiscal.initial)):
        new = Decimal(text) * (WAN if s.money_unit == "wan" else 1)
        if abs(new - fiscal.initial) > 4 * step:
            options.append((fiscal.label, fiscal.initial, new, "two digits transposed"))
    if not options:
        return None
    label, old, new, how = rng.choice(options)
    r = _row(t, LABEL, label)
    if r is None:
        return None
    _set(t, r, INITIAL, _cell_amount(s, new), Decimal(_cell_amount(s, new)))
    return _done(o, doc, "fund_components", f"fund row {label}: 年初预算数 {_cell_amount(s, old)} -> "
                                            f"{_cell_amount(s, new)} ({how})")


@injector("merged_digits")
def inject_merged_digits(o: Original, rng: random.Random) -> Injection | None:
    """Two adjacent amount cells of a fund row fused into one ("369.11316.32"), the rest of the row
    moved one cell left, as a PDF reader that lost a cell boundary gives it."""
    s, copied = o.spec, _fund_table_copy(o)
    if copied is None:
        return None
    doc, t = copied
    pairs = []
    for line in s.funds:
        r = _row(t, LABEL, line.label)
        if r is None:
            continue
        for a, b in ((INITIAL, TOTAL), (TOTAL, EXECUTED)):
            ta, tb = (c.text if c else "" for c in (t.rows[r][a], t.rows[r][b]))
            if ta and tb and Decimal(ta) > 0 and Decimal(tb) > 0:
                pairs.append((r, a, b, line.label))
    if not pairs:
        return None
    r, a, b, label = rng.choice(pairs)
    row = t.rows[r]
    ca, cb = row[a], row[b]
    assert ca is not None and cb is not None    # both were read above
    fused = ca.text + cb.text
    row[a] = replace(ca, text=fused, value=None)
    row[b:] = row[b + 1:] + [Cell("")]
    names = {INITIAL: "年初预算数", TOTAL: "全年预算数", EXECUTED: "全年执行数"}
    return _done(o, doc, "merged_digits", f"fund row {label}: {names[a]} | {names[b]} fused into {fused}")


# ---------------------------------------------------------------- the narrative

BUDGET_WORDS = {"initial": ("年初预算安排", "年初预算"),
                "total": ("全年预算数", "全年预算为", "预算合计", "全年预算"),
                "executed": ("全年执行数", "实际支出", "当年支出", "已支出")}


def _budget_amounts(o: Original) -> list[tuple[str, str, Decimal]]:
    """The report's amounts its budget sentence states: (role, the words before it, yuan), each
    found exactly once in the narrative."""
    s, c = o.spec, o.c
    names = {p.name for p in s.key_projects}
    out = []
    for role, value in (("initial", s.initial), ("total", s.total), ("executed", s.executed)):
        for w in BUDGET_WORDS[role]:
            needle = w + c.money(value)
            hits = [b for b in o.doc.blocks if b.kind == "para" and needle in b.text
                    and not any(b.text.startswith((f"重点项目“{n}”", f"{n}项目：")) for n in names)]
            if len(hits) == 1 and hits[0].text.count(needle) == 1:
                out.append((role, w, value))
                break
    return out


ROLE_NAMES = {"initial": "年初预算", "total": "全年预算", "executed": "执行数"}


@injector("unit_scale")
def inject_unit_scale(o: Original, rng: random.Random) -> Injection | None:
    """A budget-sentence amount with the wrong unit: 369.11万元 written 369.11元 (or, in a report that
    counts in 元, 3691100.00元 written 3691100.00万元): 10⁴ off the table's figure."""
    amounts = _budget_amounts(o)
    if not amounts or o.spec.kind == "other":
        return None
    role, w, value = rng.choice(amounts)
    old = o.c.money(value)
    new = old.replace("万元", "元") if o.spec.money_unit == "wan" else old.replace("元", "万元")
    doc = copy.deepcopy(o.doc)
    if not _replace_para(doc, w + old, w + new):
        return None
    return _done(o, doc, "unit_scale", f"narrative {ROLE_NAMES[role]}: {old.strip()} -> {new.strip()}")


@injector("separator_misread")
def inject_separator_misread(o: Original, rng: random.Random) -> Injection | None:
    """A budget-sentence amount written in 元 with thousands separators, its last comma read as a
    decimal point by OCR: 369.11万元 -> "3,691.100元" (10³ off the table's figure)."""
    amounts = [(role, w, v) for role, w, v in _budget_amounts(o) if v == v.to_integral() and v >= 1000]
    if not amounts or o.spec.kind == "other":
        return None
    role, w, value = rng.choice(amounts)
    digits = f"{int(value):,}"
    head, _, tail = digits.rpartition(",")
    misread = f"{head}.{tail}"
    old = o.c.money(value)
    new = o.c.sp(misread, "元")
    doc = copy.deepcopy(o.doc)
    if not _replace_para(doc, w + old, w + new):
        return None
    return _done(o, doc, "separator_misread", f"narrative {ROLE_NAMES[role]}: {old.strip()} -> {new.strip()} "
                                              f"(= {digits}元 with its last comma read as a point)")


@injector("year_mismatch")
def inject_year_mismatch(o: Original, rng: random.Random) -> Injection | None:
    """The budget sentence reports on the year before (a sentence kept from last year's report) or
    after the title's."""
    s = o.spec
    if s.kind == "other":
        return None
    y = s.year
    other = y + rng.choice((-1, -1, 1))
    for scope in ("部门", "项目", "专项资金"):
        for old, new in ((f"{y}年{scope}全年预算数", f"{other}年{scope}全年预算数"),
                         (f"{y}年度{scope}预算合计", f"{other}年度{scope}预算合计"),
                         (f"截至{y}年12月31日，{scope}全年预算", f"截至{other}年12月31日，{scope}全年预算")):
            doc = copy.deepcopy(o.doc)
            if _replace_para(doc, old, new):
                return _done(o, doc, "year_mismatch", f"budget sentence: {old} -> {new} (title {y})")
    return None


@injector("indicator_count")
def inject_indicator_count(o: Original, rng: random.Random) -> Injection | None:
    """"三级指标 N 个：A、B、…" with N one off the names listed (a name added or dropped and the count
    not changed). When the last name holds 和/及/与, only N − 1: a reader may split "A和B" in two
    when N is one more than the names."""
    s, c = o.spec, o.c
    if s.kind not in ("department", "project"):
        return None
    inds = s.indicators
    levels = {"一": list(dict.fromkeys(r.level1 for r in inds)), "二": list(dict.fromkeys(r.level2 for r in inds)),
              "三": [r.level3 for r in inds]}
    options = []
    for level, names in levels.items():
        for sep in ("，", "："):
            old = f"{level}级指标{c.sp(str(len(names)), '个')}{sep}{'、'.join(names)}"
            if any(b.kind == "para" and old in b.text for b in o.doc.blocks):
                options.append((level, names, sep, old))
    if not options:
        return None
    level, names, sep, old = rng.choice(options)
    deltas = [-1] if any(w in names[-1] for w in ("和", "及", "与")) else [-1, 1]
    n = len(names) + rng.choice(deltas)
    new = f"{level}级指标{c.sp(str(n), '个')}{sep}{'、'.join(names)}"
    doc = copy.deepcopy(o.doc)
    if not _replace_para(doc, old, new):
        return None
    return _done(o, doc, "indicator_count", f"{level}级指标 {len(names)} 个 -> {n} 个 ({len(names)} names listed)")


@injector("project_sum")
def inject_project_sum(o: Original, rng: random.Random) -> Injection | None:
    """A key project's 全年预算数 with its decimal point slipped one or two places, so the key projects
    add up to more than the department's budget (the project's own rate is then wrong too)."""
    s = o.spec
    if not s.key_projects:
        return None
    p = rng.choice(s.key_projects)
    others = sum((x.total for x in s.key_projects if x is not p), Decimal(0))
    h = _amount_half(s) * (len(s.key_projects) + 1)
    for factor in (10, 100):
        new = p.total * factor
        if others + new > s.total + h:
            doc = copy.deepcopy(o.doc)
            scope = Scope("project", p.name, p.total, p.executed, p.rate)
            if _set_amount(o, doc, scope, TOTAL, new):
                return _done(o, doc, "project_sum", f"key project {p.name}: 全年预算数 {o.c.money(p.total).strip()} -> "
                                                    f"{o.c.money(new).strip()} (department {o.c.money(s.total).strip()})",
                             ("execution_rate",))
            return None
    return None


@injector("target_not_met")
def inject_target_not_met(o: Original, rng: random.Random) -> Injection | None:
    """A full-marks indicator's actual below its numeric target (≥95% target, 93% actual; ≥50个
    target, 45个 actual), the 得分 left at the 分值."""
    doc = copy.deepcopy(o.doc)
    t, rows = _table_rows(doc, o)
    options = []
    for r, ind in rows:
        if ind.score != ind.weight or ind.level2 == "成本指标":
            continue
        if ind.level2 == "数量指标":
            unit = next(cnt.unit for cnt in o.spec.counts if cnt.indicator == ind.level3)
            target = int(ind.target.removeprefix("≥").removesuffix(unit))
            short = target - rng.randint(1, max(1, target // 10))
            if short >= 0:
                options.append((r, ind, f"{short}{unit}"))
        elif ind.target.endswith("%"):
            target = int(ind.target.strip("≥%"))
            options.append((r, ind, f"{max(0, target - rng.randint(1, 5))}%"))
    if t is None or not options:
        return None
    r, ind, new = rng.choice(options)
    _set(t, r, ACTUAL, new)
    return _done(o, doc, "target_not_met", f"indicator {ind.level3}: 实际完成值 {ind.actual} -> {new} "
                                           f"(target {ind.target}, 得分 {_num(ind.score)} = 分值)")


# ---------------------------------------------------------------- the experiment

@dataclass
class Row:
    rule: str
    severity: str
    injected: int = 0
    caught: int = 0
    false_alarms: int = 0          # findings of this rule on the unchanged reports
    collateral: int = 0            # injected reports with another new error finding not in `also`


@dataclass
class Outcome:
    count: int
    seed: int
    rows: list[Row]
    originals_with_errors: int = 0
    false_alarms: list[tuple[str, str, str, str]] = field(default_factory=list)   # (doc, rule, severity, message)
    misses: dict[str, list[tuple[str, str, list[str]]]] = field(default_factory=dict)  # rule -> (doc, what, findings)
    collateral: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)    # rule -> (doc, what, finding)


def originals(count: int, seed: int) -> Iterator[Original]:
    for doc_id, kind in plan(count):
        yield Original.make(seed, doc_id, kind)


def _finding_key(f) -> tuple:
    return f.rule, f.message


def experiment(count: int, seed: int, only: tuple[str, ...] | None = None, progress=None,
               observe: Callable[[Original, Injection, Record], None] | None = None) -> Outcome:
    """Generate `count` reports (.txt in memory), read each, then inject every rule into every report
    that has something to inject into and read it again. `observe(original, injection, record)` is
    called for each injected report (tests check its evidence)."""
    from pipeline import extract_text
    names = only or tuple(INJECTORS)
    rows = {r: Row(r, severity(r)) for r in names}
    out = Outcome(count, seed, list(rows.values()))
    for o in originals(count, seed):
        before = o.record
        if before.status != "ok":
            out.false_alarms.append((o.id, "-", "failed", before.error or ""))
        if any(f.severity == "error" for f in before.findings):
            out.originals_with_errors += 1
        for f in before.findings:
            out.false_alarms.append((o.id, f.rule, f.severity, f.message))
            if f.rule in rows:
                rows[f.rule].false_alarms += 1
        seen = {_finding_key(f) for f in before.findings}
        for rule in names:
            inj = inject(o, rule)
            if inj is None:
                continue
            rec = extract_text(inj.text, path=f"{o.id}.{rule}.txt")
            if observe:
                observe(o, inj, rec)
            row = rows[rule]
            row.injected += 1
            if any(f.rule == rule for f in rec.findings):
                row.caught += 1
            else:
                out.misses.setdefault(rule, []).append(
                    (o.id, inj.what, [f"{f.rule}: {f.message}" for f in rec.findings] or [rec.error or "no finding"]))
            extra = [f for f in rec.findings if f.severity == "error" and f.rule != rule and f.rule not in inj.also
                     and _finding_key(f) not in seen]
            if extra:
                row.collateral += 1
                for f in extra:
                    out.collateral.setdefault(rule, []).append((o.id, inj.what, f"{f.rule}: {f.message}"))
        if progress:
            progress(o)
    return out


def format_outcome(out: Outcome, detail: int = 20) -> str:
    lines = [f"{out.count} reports, seed {out.seed}: {out.originals_with_errors} unchanged reports with an error finding",
             ""]
    head = f"{'rule':<25} {'severity':<8} {'injected':>8} {'caught':>7} {'rate':>7} {'false':>6} {'collateral':>10}"
    lines += [head, "-" * len(head)]
    for r in out.rows:
        rate = f"{r.caught / r.injected:.1%}" if r.injected else "-"
        lines.append(f"{r.rule:<25} {r.severity:<8} {r.injected:>8} {r.caught:>7} {rate:>7} {r.false_alarms:>6} "
                     f"{r.collateral:>10}")
    lines.append("")
    lines.append("injected: reports the rule could be injected into; caught: those with a finding of that rule; "
                 "false: findings of the rule on the unchanged reports; collateral: injected reports with another new "
                 "error finding the change does not imply")
    for rule, misses in out.misses.items():
        lines += ["", f"missed {rule} ({len(misses)}):"]
        for doc, what, findings in misses[:detail]:
            lines.append(f"  {doc}: {what}")
            lines += [f"      found {x}" for x in findings[:4]]
        if len(misses) > detail:
            lines.append(f"  … {len(misses) - detail} more")
    if out.false_alarms:
        lines += ["", f"findings on the unchanged reports ({len(out.false_alarms)}):"]
        lines += [f"  {doc}: {rule} [{sev}] {msg}" for doc, rule, sev, msg in out.false_alarms[:detail * 3]]
        if len(out.false_alarms) > detail * 3:
            lines.append(f"  … {len(out.false_alarms) - detail * 3} more")
    for rule, items in out.collateral.items():
        lines += ["", f"collateral findings after injecting {rule} ({len(items)}):"]
        lines += [f"  {doc}: {what}\n      found {f}" for doc, what, f in items[:detail]]
        if len(items) > detail:
            lines.append(f"  … {len(items) - detail} more")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m synth.inject",
                                 description="Inject one inconsistency per rule into synthetic reports and count "
                                             "how many the audit catches.")
    ap.add_argument("--count", "-n", type=int, default=48, help="reports to generate (all kinds in turn)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rule", action="append", choices=sorted(INJECTORS), help="only this rule (repeatable)")
    ap.add_argument("--detail", type=int, default=20, help="misses, false alarms and collateral findings listed per rule")
    ap.add_argument("--show", metavar="DOC:RULE", help="print the injected .txt of one report and rule, and exit")
    a = ap.parse_args(argv)
    if a.show:
        doc_id, _, rule = a.show.partition(":")
        kind = next((k for i, k in plan(a.count) if i == doc_id), None)
        if kind is None or rule not in INJECTORS:
            ap.error(f"--show: {doc_id} is not among the first {a.count} reports, or {rule} is no rule")
        inj = inject(Original.make(a.seed, doc_id, kind), rule)
        print(inj.what if inj else "nothing to inject", file=sys.stderr)
        if inj:
            sys.stdout.write(inj.text)
        return 0
    out = experiment(a.count, a.seed, tuple(a.rule) if a.rule else None)
    print(format_outcome(out, a.detail))
    return 0


if __name__ == "__main__":
    sys.exit(main())

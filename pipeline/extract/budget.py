"""The budget roles: 年初预算数, 全年预算数, 执行数, 执行率, for the report and for key projects.

Two readers, both on the shared number layer:
- the fund table of a 自评表, flattened into text (cells one per line, or separated by spaces or |):
  the header's columns are read in order, the row's cells are aligned to them (anchored on the one
  percentage cell, since a flattened row often loses an empty cell), amounts take the header's unit
  (or the one a line above the table states for all of it: 单位:万元);
  cells that ran together are split where executed / total agrees with the rate they state;
- the narrative: a role keyword, a short gap, a figure ("全年预算数 1150.50 万元"), and below the
  keywords the role phrases: the nearest role word some words before a figure in its clause
  ("省财政下达我县某某专项资金 120 万元"), decided by head, modifier and scope (rules/budget.yaml),
  or by the words right after a figure that say all of it was spent or arrived (X万元全部执行到位);
  grouped by sentence; a sentence whose lead names a project (重点任务项目X, X项目:, an enumerated
  item) belongs to that project.
The table wins over the narrative: it is the form the figures are reported on. The report's
(total, executed) pair is chosen with the stated rate where readings of equal standing remain.

A narrative figure is about the year the last year marker before its keyword names (rules of kind
year_context): 上年/去年/上一年度 make it last year's, a restatement kept apart in `prior_year`; a
written year N−1 does too, but only when the report states its own figures elsewhere and this one
differs from them (else it is the report's own figure under a stale year, which year_mismatch flags).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from ..text.interval import Interval
from ..models import Budget, Fact, FundRow, NormText, Project
from ..text.numbers import (
    Number,
    fused_at,
    may_hold_amount,
    money_at,
    money_in,
    money_units,
    percent_at,
    plain_at,
    resolve_money,
    resolve_numeral,
)
from ..rules import Rule, rules
from .scope import under_item
from ..text.layer import Span, cell_at, evidence

AMOUNT_ROLES = ("initial", "total", "executed")
SCOPE_GAP = 2             # spending above twice the budget is another scope's: the phrase-read one is dropped
FUND_FIELDS = {"initial": "initial_yuan", "total": "total_yuan", "executed": "executed_yuan",
               "weight": "weight", "rate": "rate_pct", "score": "score"}
FUND_ROWS_WINDOW = 300    # characters after the 年度资金总额 label searched for the rows below it
HEADER_WINDOW = 400       # characters before a fund row searched for its header
HEADER_GAP = 8            # compact characters allowed between two header cells (units such as (万元))
HEADER_TO_ROW = 12        # compact characters allowed between the header and the row label
UNIT_BEFORE_HEADER = 24   # characters before the header's first column name searched for its unit
MAX_CELLS = 10
MIN_ROW_CELLS = 3         # cells right after a header that make them its first row
RATE_DIGITS = 3           # integer digits of a stated execution rate (below 1000%)
ROW_LABEL = 16            # compact characters of a row label between a header and its first cell


class BudgetReading(NamedTuple):
    budget: Budget          # the report's: the 自评表's where it has one, else the narrative's
    narrative: Budget       # the narrative's own figures, even where the table's won
    prior_year: Budget      # last year's figures as this report restates them
    projects: list[Project]
    funds: list[FundRow]


def extract_budget(doc: NormText, fiscal_year: int | None, several: bool = False) -> BudgetReading:
    """The report's budget, the narrative's own figures, last year's restated, key projects, fund rows.

    The narrative's figures are kept beside the table's, so the audit can compare the two statements
    of one amount; last year's never feed either. `several`: the report covers several projects
    (scope.on_several_projects), so a figure under one of its numbered items is that item's."""
    statements = _statements(doc, fiscal_year)
    projects = [_project(doc, s) for s in statements if s.project]
    funds = read_fund_rows(doc, fiscal_year)
    table = _table_budget(funds) or _header_only_row(doc, fiscal_year) or _rate_only_row(doc, fiscal_year)
    report = [s for s in statements if not s.project]
    own = table or _report_level(doc, report, "current", bool(projects), several)
    report = [_settle_written_year(doc, s, own) for s in report]
    narrative = _report_level(doc, report, "current", bool(projects), several)
    prior = _report_level(doc, report, "prior")
    merged = _with_total({role: table.get(role) or narrative.get(role) for role in (*AMOUNT_ROLES, "rate")})
    return BudgetReading(_budget(merged), _budget(narrative), _budget(prior), projects, funds)


def _with_total(facts: dict[str, Fact | None]) -> dict[str, Fact]:
    """Where only the 年初 budget is stated, it is the budget execution is measured against too,
    unless more than it was spent: then the year's budget grew, and its figure is not stated."""
    stated = {role: f for role, f in facts.items() if f is not None}
    spent = stated.get("executed")
    if "total" not in stated and "initial" in stated and (spent is None or spent.value <= stated["initial"].value):
        stated["total"] = stated["initial"]
    return stated


def _budget(facts: dict[str, Fact]) -> Budget:
    return Budget(initial_yuan=facts.get("initial"), total_yuan=facts.get("total"),
                  executed_yuan=facts.get("executed"), rate_pct=facts.get("rate"))


def to_fact(doc: NormText, n: Number, **cell: int) -> Fact:
    value = float(n.value) if n.unit == "%" or n.value != n.value.to_integral() else float(int(n.value))
    return Fact(value=value, evidence=evidence(doc, n.span, **cell), precision=float(n.half))


# ---------------------------------------------------------------- narrative

@dataclass(frozen=True)
class Candidate:
    role: str
    number: Number
    priority: int
    key: int = 0            # where its role keyword starts
    year: str = "current"   # "current", "prior" (上年, 去年 …) or "written_prior" (the year N−1 written)
    phrase: bool = False    # read by a role phrase (a role word some words before), not a keyword
    whole: bool = False     # an aggregate word (共, 合计, 全县 …) makes it the whole, not one item's


@dataclass(frozen=True)
class Statement:
    start: int
    end: int
    candidates: tuple[Candidate, ...]
    project: tuple[int, int, str] | None     # name span and the rule that found it


@cache
def _gap() -> re.Pattern:
    return re.compile(rules().expand("{GAP}"))


# a sentence ends at 。;!? or a line's end, but a label cell that states its unit ("计划安排资金(万元) |")
# goes on into the next line's cell: a table flattened one cell a line
@cache
def _sentence() -> re.Pattern:
    return re.compile(r"(?:\((?:" + money_units() + r")\)[ \t|]*\n|[^。;；!?！？\n])+")


def _statements(doc: NormText, fiscal_year: int | None = None) -> list[Statement]:
    out = []
    items = _items(doc)
    for m in _sentence().finditer(doc.folded):
        cands = _candidates(doc, m.start(), m.end())
        if cands:
            cands = _siblings_dropped(_with_years(doc, cands, m.start(), m.end(), fiscal_year))
        if cands:
            lead_end = min(c.number.span.start for c in cands)
            project = _project_name(doc, m.start(), lead_end) or next(
                (name for s, e, name in items if s <= m.start() < e), None)
            out.append(Statement(m.start(), m.end(), tuple(cands), project))
    return out


def _items(doc: NormText) -> list[tuple[int, int, tuple[int, int, str]]]:
    """(start, end, name) of each list item that names a project (rules whose `carries` marks an item):
    it reaches to the next item marker or the end of its line."""
    out = []
    for r in rules().of("project_name"):
        if not r.param("carries"):
            continue
        marker = re.compile(r.param("carries"))
        for m in r.regex.finditer(doc.folded):
            line_end = doc.folded.find("\n", m.end())
            line_end = len(doc.folded) if line_end < 0 else line_end
            nxt = marker.search(doc.folded, m.end(), line_end)
            out.append((m.start(), nxt.start() if nxt else line_end, (m.start("name"), m.end("name"), r.id)))
    return out


def _year_markers(doc: NormText, start: int, end: int, fiscal_year: int | None) -> list[tuple[int, str]]:
    """(where, which year) of each year marker in a sentence: "prior" for 上年/去年/上一年度 and for
    the year N−1 written ("written_prior"), "current" for 本年/当年 and any other year written.
    A year inside a document's title (《2020年度…办法》) marks nothing."""
    out = []
    for r in rules().of("year_context"):
        for m in r.regex.finditer(doc.folded, start, end):
            if doc.folded.rfind("《", start, m.start()) > doc.folded.rfind("》", start, m.start()):
                continue
            which = r.param("context")
            if which == "written":
                which = "written_prior" if fiscal_year and int(m.group("year")) == fiscal_year - 1 else "current"
            out.append((m.start(), which))
    return sorted(out)


def _with_years(doc: NormText, cands: list[Candidate], start: int, end: int,
                fiscal_year: int | None) -> list[Candidate]:
    """Each candidate marked with the year of the last marker before its keyword in the sentence."""
    markers = _year_markers(doc, start, end, fiscal_year)
    if not markers:
        return cands
    out = []
    for c in cands:
        before = [which for at, which in markers if at < c.key]
        out.append(replace(c, year=before[-1]) if before else c)
    return out


def _settle_written_year(doc: NormText, s: Statement, own: dict[str, Fact]) -> Statement:
    """A sentence naming the year N−1 restates last year's figures when the report states its own
    elsewhere and this sentence's amounts differ from them; otherwise its figures are the report's own
    under a stale year (a sentence kept from last year's report), and year_mismatch says so."""
    written = [c for c in s.candidates if c.year == "written_prior"]
    if not written:
        return s
    differs = any(c.role in own and not Interval.of(own[c.role]).meets(Interval.of(to_fact(doc, c.number)))
                  for c in written if c.role in AMOUNT_ROLES)
    year = "prior" if differs else "current"
    return replace(s, candidates=tuple(replace(c, year=year) if c.year == "written_prior" else c
                                       for c in s.candidates))


class _RoleRule(NamedTuple):
    rule: Rule
    role: str
    regex: re.Pattern
    priority: int           # a project's figure (scope: project) ranks below every report-level one


@cache
def _role_rules() -> tuple[_RoleRule, ...]:
    """The keyword budget_role rules (a figure right after its keyword), each read once."""
    return tuple(_RoleRule(r, r.param("role"), r.regex,
                           r.param("priority", 9) + (100 if r.param("scope") == "project" else 0))
                 for r in rules().of("budget_role")
                 if r.param("reach") is None and r.pattern and r.param("role") in (*AMOUNT_ROLES, "rate"))


def _candidates(doc: NormText, start: int, end: int) -> list[Candidate]:
    if not may_hold_amount(doc.folded, start, end) and not _STATED_UNIT.search(
            doc.folded, max(0, start - HEADER_WINDOW), start):
        return []
    heads = _heads(doc, start, end)
    found: dict[int, Candidate] = {c.number.span.start: c for c in _phrase_candidates(doc, start, end, heads)}
    whole = _whole_candidates(doc, start, end, heads)
    for r, role, regex, priority in _role_rules():
        for m in regex.finditer(doc.folded, start, end):
            if _scoped(doc, heads, m.start()):
                continue
            g = _gap().match(doc.folded, m.end(), end)
            pos = g.end() if g else m.end()
            n = percent_at(doc.folded, pos, r.id) if role == "rate" else (
                money_at(doc.folded, pos, r.id) or _stated_money(doc, pos, r.id))
            if n is None or n.span.end > end or (role == "rate" and _is_target(doc, r, start, m.start(), n)):
                continue
            c = Candidate(role, n, priority, m.start())
            old = found.get(n.span.start)
            if old is None or c.priority < old.priority:
                found[n.span.start] = c
    best: dict[tuple[int, str], Candidate] = {}
    for c in [*found.values(), *whole]:        # a figure's reading of the better standing, per role
        k = (c.number.span.start, c.role)
        if k not in best or c.priority < best[k].priority:
            best[k] = c
    return sorted(best.values(), key=lambda c: c.number.span.start)


_BARE = re.compile(r"(?:0|[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*)(?:\.\d+)?(?=[ \t]*(?:[,;。)\n]|$))")


def _stated_money(doc: NormText, pos: int, rule: str) -> Number | None:
    """A bare figure right after its keyword ("全年预算数80,全年执行数76") in a block whose unit a
    line above states once ("(单位:万元)"), as tables do: that unit's amount. No blank line between,
    and the figure stands alone before punctuation (80人, 80个 are counts, not money)."""
    m = _BARE.match(doc.folded, pos)
    if m is None:
        return None
    block = doc.folded.rfind("\n\n", max(0, pos - HEADER_WINDOW), pos)
    units = _STATED_UNIT.findall(doc.folded, max(0, pos - HEADER_WINDOW, block), pos)
    r = resolve_money(m.group(), units[-1]) if units else None
    return Number(Span(m.start(), m.end(), rule), r[0], r[1], units[-1]) if r else None


# ---------------------------------------------------------------- role phrases

class _Head(NamedTuple):
    start: int
    end: int
    rule: Rule


@cache
def _phrase_rules() -> tuple[Rule, ...]:
    return tuple(r for r in rules().of("budget_role") if r.param("reach") is not None)


@cache
def _aggregate() -> tuple[re.Pattern, int]:
    """The aggregate words, and how much they raise a figure (lower priority wins)."""
    r = rules().get("phrase.aggregate")
    return re.compile("|".join(map(re.escape, r.lexicon or ()))), r.param("boost")


def _heads(doc: NormText, start: int, end: int) -> list[_Head]:
    """The role words of a sentence, longest first where they overlap: 转移支付 (a mask) hides its
    支付, 年初安排预算 (initial) its 安排 and 预算, 基本支出 (a part) its 支出."""
    found = sorted((_Head(m.start(), m.end(), r) for r in _phrase_rules()
                    for m in r.regex.finditer(doc.folded, start, end)),
                   key=lambda h: (h.start, -(h.end - h.start)))
    out: list[_Head] = []
    for h in found:
        if not out or h.start >= out[-1].end:
            out.append(h)
    return out


def _scoped(doc: NormText, heads: list[_Head], key: int) -> bool:
    """Whether a scope word stands right before a role word (项目支出年初预算, 三公经费支出):
    the figure is that part's. 其中 is not such a word: 其中年初预算 X is the report's own."""
    return any(h.rule.param("role") == "part" and key - 2 <= h.end <= key
               and not re.fullmatch(h.rule.param("to_end", "(?!)"), doc.folded[h.start:h.end]) for h in heads)


def _phrase_candidates(doc: NormText, start: int, end: int, heads: list[_Head]) -> list[Candidate]:
    """Figures whose role word stands some words before them in the clause ("下达…专项资金440万元",
    "累计安排资金10万元"): the nearest role word decides. A figure whose nearest word is a part
    (基本支出) or no figure's (较上年减少, 目标值), any figure after 其中, one in brackets opened after
    its role word, the first of a list of bare figures, or one with no role word near is no
    candidate. Aggregate words (共, 合计, 全市 …) by the figure raise it above listed items' figures."""
    heads = [h for h in heads if h.rule.param("role") != "mask"]
    cut = _part_cut(doc, heads, start, end)
    out = []
    figures = money_in(doc.folded, start, end, "phrase")
    for k, n in enumerate(figures):
        if n.span.start >= cut:
            break
        before = [h for h in heads if h.end <= n.span.start]
        if not before:
            continue
        h = _deciding(doc, before)
        role = h.rule.param("role")
        gap = doc.folded[h.end:n.span.start]
        if (role in ("part", "none") or n.span.start - h.end > h.rule.param("reach")
                or (h.rule.param("fallback") and (_list_next(doc, n, figures[:k], heads) or _item_led(doc, start, h.start)))
                or re.search(r"[,;:。]", gap.rstrip(":")) or _in_brackets(doc, h.end, n.span.start)
                or _breaks_down(doc, start, n, figures[:k])
                or _listed(doc, n, figures[k + 1:], heads) or _scoped(doc, heads, h.start)
                or _read_before(doc, h, n, figures[:k])):
            continue
        lead = doc.folded[max(start, h.start - 4):n.span.start]
        whole = bool(_aggregate()[0].search(lead))
        priority = h.rule.param("priority") - (_aggregate()[1] if whole else 0)
        out.append(Candidate(role, replace(n, span=Span(n.span.start, n.span.end, h.rule.id)), priority, h.start,
                             phrase=True, whole=whole))
    return out


def _deciding(doc: NormText, before: list[_Head]) -> _Head:
    """The role word that decides a figure: the nearest before it. A fund noun (资金, 经费: a fallback
    head) decides only where no other role word stands in its clause: in "已拨付资金80万元" 拨付 does,
    in "…项目共计12个,财政资金300万元" or "财政拨款总额300万元" the fund noun names the money itself."""
    h = before[-1]
    if not h.rule.param("fallback"):
        return h
    clause = max(doc.folded.rfind(p, 0, h.start) for p in ",;:。\n") + 1
    others = [o for o in before if not o.rule.param("fallback") and o.start >= clause]
    return others[-1] if others else h


def _siblings_dropped(cands: list[Candidate]) -> list[Candidate]:
    """A sentence that gives two budgets of one year and different amounts close together, each read
    by its own role phrase of one standing and neither with an aggregate word ("中央下达500万元,省级下达300万元";
    "甲项目安排50万元,乙项目安排30万元"), lists parts of a whole it does not state: none of them is the whole.
    (A figure named by its fund noun alone is no sibling of one a role word reads: it stands lower.)"""
    totals = [c for c in cands if c.role == "total" and c.phrase]
    if any(c.whole for c in totals):
        return cands
    near = rules().get("phrase.total").param("sibling_reach")
    paired = {id(c) for a, b in zip(totals, totals[1:])
              if a.number.value != b.number.value and a.year == b.year and a.priority == b.priority
              and b.number.span.start - a.number.span.end <= near for c in (a, b)}
    return [c for c in cands if id(c) not in paired]


def _whole_candidates(doc: NormText, start: int, end: int, heads: list[_Head]) -> list[Candidate]:
    """Figures the words right after them say were wholly spent or arrived ("…资金30万元全部执行到位",
    "30万元均已到位"): the whole budget, and where the word is a spending one, the amount spent too.
    A figure after 其中, in brackets, or led in its clause by a part or no-figure word (人员经费, 较上年)
    is no budget, and stays none."""
    r = rules().get("phrase.whole")
    out = []
    for n in money_in(doc.folded, start, _part_cut(doc, heads, start, end), "phrase"):
        m = r.regex.match(doc.folded, n.span.end, end)
        if m is None or _in_brackets(doc, start, n.span.start) or _led_by_part(doc, heads, start, n):
            continue
        number = replace(n, span=Span(n.span.start, n.span.end, r.id))
        roles = ("total", "executed") if m.group("spent") else ("total",)
        out += [Candidate(role, number, r.param("priority"), n.span.start, phrase=True) for role in roles]
    return out


def _led_by_part(doc: NormText, heads: list[_Head], start: int, n: Number) -> bool:
    """Whether the last role word before n in its clause is a part or no figure's (基本支出, 较上年)."""
    clause = _clause_start(doc, start, n.span.start)
    before = [h for h in heads if clause <= h.start and h.end <= n.span.start]
    return bool(before) and before[-1].rule.param("role") in ("part", "none")


def _clause_start(doc: NormText, start: int, pos: int) -> int:
    """Where the clause of pos begins: after the last , ; or : in [start, pos), else at start."""
    return max(start, *(doc.folded.rfind(p, start, pos) + 1 for p in ",;:"))


def _part_cut(doc: NormText, heads: list[_Head], start: int, end: int) -> int:
    """Where a word that makes every later figure of its sentence a part (其中) ends, else the sentence's
    end. A 其中 inside brackets ("总投资300万元(其中工程费280万元),…") scopes only its bracket, whose
    figures are asides anyway: the sentence goes on after it."""
    return min((h.end for h in heads if (w := h.rule.param("to_end")) and re.fullmatch(w, doc.folded[h.start:h.end])
                and not _in_brackets(doc, start, h.start)),
               default=end)


def _read_before(doc: NormText, h: _Head, n: Number, earlier: list[Number]) -> bool:
    """Whether h's figure is an earlier one: a role word reads the first figure after it, and a
    later one with no role word of its own is the next item of a list ("下达中央资金500万元、
    省级资金300万元"), unless an aggregate word by it makes it the whole ("…,合计800万元"). A figure
    in brackets is an aside, not the one it reads ("下达(含省级资金20万元)资金100万元")."""
    prev = [f for f in earlier if f.span.start >= h.end and not _in_brackets(doc, h.end, f.span.start)]
    return bool(prev) and not _aggregate()[0].search(doc.folded, prev[-1].span.end, n.span.start)


def _listed(doc: NormText, n: Number, later: list[Number], heads: list[_Head]) -> bool:
    """Whether n is the first item of a list: the next figure follows it closely after a , or 、
    with no role word between ("支出设备购置9万元,宣传印刷7万元")."""
    if not later or doc.folded[n.span.end:n.span.end + 1] not in (",", "、"):
        return False
    nxt, part = later[0].span.start, rules().get("phrase.part")
    return (nxt - n.span.end <= part.param("list_reach")
            and not re.search(part.param("list_break"), doc.folded[n.span.end:nxt])
            and not any(n.span.end <= h.start < nxt and not h.rule.param("fallback") for h in heads))


@cache
def _item_markers() -> tuple[re.Pattern, ...]:
    """The markers of a list's items: numbered (scope.several: "3、", "2.") and enumerated (project.enumerated: "(2)", "②")."""
    return (re.compile(rules().expand(rules().get("scope.several").param("marker"))),
            *(re.compile(r"[ \t]*(?:" + r.param("carries") + ")") for r in rules().of("project_name") if r.param("carries")))


def _item_led(doc: NormText, start: int, pos: int) -> bool:
    """Whether the clause of pos opens with a list item's marker ("情况:(2)援建经费50万元"): a figure
    its fund noun alone names there is that item's."""
    return any(m.match(doc.folded, _clause_start(doc, start, pos)) for m in _item_markers())


def _list_next(doc: NormText, n: Number, earlier: list[Number], heads: list[_Head]) -> bool:
    """Whether n is a later item of a list: the figure before it closes with a , or 、 close by, with
    no role word between ("中央资金200万元、省级资金100万元": a fund noun names an item, not the whole)."""
    if not earlier or doc.folded[earlier[-1].span.end:earlier[-1].span.end + 1] not in (",", "、"):
        return False
    prev = earlier[-1].span.end
    return (n.span.start - prev <= rules().get("phrase.part").param("list_reach")
            and not any(prev <= h.start < n.span.start and not h.rule.param("fallback") for h in heads))


def _breaks_down(doc: NormText, start: int, n: Number, earlier: list[Number]) -> bool:
    """Whether n stands in brackets opened right after an earlier figure ("资金800万元(省级资金500万元,
    市级资金300万元)"): that figure's breakdown, a part of it, whatever role word the part names."""
    depth, at = 0, n.span.start
    while at > start and depth >= 0:
        at -= 1
        depth += {")": 1, "(": -1}.get(doc.folded[at], 0)
    return depth < 0 and any(0 <= at - f.span.end <= 1 for f in earlier)


def _in_brackets(doc: NormText, start: int, pos: int) -> bool:
    """Whether pos is inside a bracket opened after start (its role word): an aside, a part of the whole."""
    text = doc.folded[start:pos]
    return text.count("(") > text.count(")")


def _is_target(doc: NormText, rule: Rule, start: int, key: int, n: Number) -> bool:
    """A rate the sentence sets as a goal (执行率达到95%以上; 目标:预算执行率100%), not one it reports:
    qualified by 以上/以下 after it, or by a goal word earlier in its clause."""
    after = rule.param("target_after")
    if after and re.compile(after).match(doc.folded, n.span.end):
        return True
    clause = doc.folded.rfind(",", start, key) + 1 or start       # NFKC made every ， a ,
    words = rule.param("target_words")
    return bool(words and re.compile(words).search(doc.folded, clause, key))


def _project_name(doc: NormText, start: int, lead_end: int) -> tuple[int, int, str] | None:
    best = None
    for r in rules().of("project_name"):
        for m in r.regex.finditer(doc.folded, start, lead_end):
            if best is None or m.start("name") > best[0]:
                best = (m.start("name"), m.end("name"), r.id)
    return best


def _report_level(doc: NormText, statements: list[Statement], year: str,
                  has_projects: bool = False, several: bool = False) -> dict[str, Fact]:
    """Each role's best candidate outside projects, of this year's figures ("current") or of last
    year's as restated ("prior"); execution figures sit beside the chosen budget.

    In a report that lists key projects, an executed amount with no report-level budget (total or
    年初) before it is left alone: it belongs to one of them, and naming it the report's figure would
    be a guess. Elsewhere it stands on its own role word. In a report on several projects, a figure
    read under a numbered item, by a role phrase or a keyword, is that item's (批复20万元 or 实际已支付
    18万元 under "1.某某经费", the first of 15 projects) unless an aggregate word makes it the whole;
    the report's figure is then null.
    (Last year's executed amount stands alone: "2020年度预算执行数 …" is said of the whole report.)
    The rate is the one stated in the budget's or the execution's sentence: a rate elsewhere may be
    another scope's (其中项目支出执行率85%), and checking the amounts against it would be a guess.
    """
    cands = [(i, c) for i, s in enumerate(statements) for c in s.candidates
             if c.priority < 100 and c.year == year
             and not (several and not c.whole and under_item(doc, c.number.span.start))]
    best: dict[str, tuple[int, Candidate]] = {}
    pools: dict[str, list[tuple[int, Candidate]]] = {}
    for role in (*AMOUNT_ROLES, "rate"):
        pool = [(i, c) for i, c in cands if c.role == role]
        if role == "executed" and year != "prior" and has_projects:
            first_budget = min((c.number.span.start for _, c in cands if c.role in ("total", "initial")),
                               default=None)
            pool = [(i, c) for i, c in pool if first_budget is not None and first_budget < c.number.span.start]
        pool = [(i, c) for i, c in pool if not c.phrase] or pool       # a keyword's figure before a phrase's
        if role == "executed" and "total" in best:
            same = [(i, c) for i, c in pool if i == best["total"][0]]
            pool = same or pool
        if role == "rate" and ("total" in best or "executed" in best):
            beside = {best[r][0] for r in ("total", "executed") if r in best}
            pool = ([(i, c) for i, c in pool if i in beside]
                    or [(i, c) for i, c in pool if _next_to(doc, statements, beside, i)
                        and not _year_markers(doc, statements[i].start, c.key, None)])
        if pool:
            pools[role] = pool
            best[role] = min(pool, key=lambda ic: (ic[1].priority, ic[1].number.span.start))
    facts = {role: to_fact(doc, c.number) for role, (_, c) in best.items()}
    if "total" in best and _outgrown(doc, best, pools["total"]):
        del facts["total"]
    facts = _joint(doc, facts, pools)
    if "total" in facts and "executed" in facts and facts["executed"].value > SCOPE_GAP * facts["total"].value:
        for role in ("executed", "total"):       # figures of two scopes: the one a phrase read goes
            if best[role][1].phrase:
                del facts[role]
                break
    return facts


def _next_to(doc: NormText, statements: list[Statement], beside: set[int], j: int) -> bool:
    """Whether statement j follows or leads one of the amounts' statements closely, in the same
    block: a rate stated in a sentence or line of its own ("全年执行数76万元。\n执行率95%。"),
    with at most `rate_near` characters and no blank line or section heading between. (The caller
    also refuses one that names its own year: 2022年执行率92% may be last year's.)"""
    r = rules().get("role.rate")
    for i in beside:
        a, b = sorted((statements[i], statements[j]), key=lambda s: s.start)
        gap = doc.folded[a.end:b.start]
        if len(gap) <= r.param("rate_near") and not re.search(r"\n[ \t]*\n", gap) \
                and not re.search(rules().get("scope.several").param("section"), doc.folded[a.end:b.end]):
            return True
    return False


def _outgrown(doc: NormText, best: dict[str, tuple[int, Candidate]], pool: list[tuple[int, Candidate]]) -> bool:
    """Whether the chosen budget figure, read by a role phrase, is outgrown by another of the same
    standing: a whole is at least each of its parts, so when a later figure read as well is larger
    ("土壤类:下达X万元" … "大气类:下达Y万元"), the two are parts of a whole the text does not state,
    and naming either the report's would be a guess. A sentence that states the spending beside the
    budget is its own whole. The stated rate decides nothing here: a changed rate must not move it."""
    at, chosen = best["total"]
    if not chosen.phrase or best.get("executed", (None,))[0] == at:
        return False
    mine = Interval.of(to_fact(doc, chosen.number))
    return any(c.priority == chosen.priority and Interval.of(to_fact(doc, c.number)).lo > mine.hi
               for _, c in pool)


def _joint(doc: NormText, facts: dict[str, Fact], pools: dict[str, list[tuple[int, Candidate]]]) -> dict[str, Fact]:
    """Where the chosen budget and execution disagree with the stated rate but another pair of the
    same standing agrees with it, that pair is the reading. The rate itself is never changed: with
    no agreeing pair the choice stands, and the audit flags the disagreement."""
    if not {"total", "executed", "rate"} <= facts.keys() or _agree(facts["total"], facts["executed"], facts["rate"]):
        return facts
    rank = lambda c: (c.priority, c.number.span.start)  # noqa: E731
    tier = {r: min(rank(c)[0] for _, c in pools[r]) for r in ("total", "executed")}
    pairs = sorted(((t, e) for _, t in pools["total"] if t.priority == tier["total"]
                    for _, e in pools["executed"] if e.priority == tier["executed"]
                    if _agree(to_fact(doc, t.number), to_fact(doc, e.number), facts["rate"])),
                   key=lambda te: (rank(te[0]), rank(te[1])))
    if pairs:
        facts["total"], facts["executed"] = (to_fact(doc, c.number) for c in pairs[0])
    return facts


def _agree(total: Fact, executed: Fact, rate: Fact | Interval) -> bool:
    """Whether executed / total can equal the rate at the precision each is stated with."""
    ratio = Interval.of(executed).scale(Decimal(100)).ratio(Interval.of(total))
    return ratio is not None and ratio.meets(rate if isinstance(rate, Interval) else Interval.of(rate))


def _project(doc: NormText, s: Statement) -> Project:
    by_role: dict[str, Fact] = {}
    for c in sorted(s.candidates, key=lambda c: c.priority):      # stable: the first of equal priority
        if c.year == "prior":                                     # last year's figure is not the project's
            continue
        by_role.setdefault(c.role, to_fact(doc, c.number))
    assert s.project is not None        # asked only of a statement that names its project
    name_start, name_end, rule_id = s.project
    facts = Budget(initial_yuan=by_role.get("initial"), total_yuan=by_role.get("total"),
                   executed_yuan=by_role.get("executed"), rate_pct=by_role.get("rate"))
    value = lambda f: f.value if f else None  # noqa: E731
    return Project(name=doc.text[name_start:name_end], total_yuan=value(facts.total_yuan),
                   executed_yuan=value(facts.executed_yuan), rate_pct=value(facts.rate_pct),
                   evidence=evidence(doc, Span(name_start, s.end, rule_id)), budget=facts)


# ---------------------------------------------------------------- fund table

@dataclass(frozen=True)
class Column:
    role: str
    rule: str
    start: int = -1         # where the column's name is in the text


@dataclass(frozen=True)
class Cell:
    start: int
    end: int
    numeral: str | None     # None for an explicit empty cell (—, /)
    unit: str | None



@cache
def _cell_re() -> re.Pattern:
    """A cell of a fund row: an amount, a rate or an explicit empty; "1." or "1、" starts a note, not a cell."""
    return re.compile(rules().expand(r"(?P<num>{NUM})(?![.、])[ \t]*(?P<unit>万元|元|%)?|(?P<empty>[—\-/]+)(?=[\s|]|$)"))


_UNIT = re.compile(r"[(（](万元|元|千元|亿元)[)）]")
_LONE_UNIT = re.compile(r"(?<![\d.])[(（]\s*(万元|千元|亿元|元)(?![\d\u4e00-\u9fff])|(?<![\d.\u4e00-\u9fff])(万元|千元|亿元|元)\s*[)）]")
_STATED_UNIT = re.compile(r"(?<![\u4e00-\u9fff])(?:金额|货币|资金)?单位[ \t]*[:：][ \t]*(万元|千元|亿元|元)(?![\u4e00-\u9fff])")
LONE_UNIT_AFTER = 150     # characters after a fund row's label searched for a lone unit
_CELL_SEP = re.compile(r"[\s|:：]*")


def read_fund_rows(doc: NormText, fiscal_year: int | None) -> list[FundRow]:
    """The rows of the first fund table whose 年度资金总额 or 财政拨款 row states an amount, each
    aligned to the header before it; else those of the first whose 年度资金总额 row states a rate;
    [] when there is none."""
    labels = rules().of("fund_label")
    total = next(r for r in labels if r.param("role") == "total")
    table_no, fallback = 0, list[FundRow]()
    for m in total.regex.finditer(doc.folded):
        header, cells_at = _header_before(doc, m.start(), fiscal_year), m.end()
        if header is None:
            header, cells_at = _header_over_cells(doc, m, fiscal_year)
        if header is None:
            continue
        table_no += 1
        below = sorted(((n, r) for r in labels if r is not total
                        for n in r.regex.finditer(doc.folded, m.end(), m.end() + FUND_ROWS_WINDOW)),
                       key=lambda nr: nr[0].start())
        rows, seen = [_fund_row(doc, header, m, total, table_no, 1, cells_at)], {"total"}
        for n, r in below:
            if r.param("role") not in seen:
                seen.add(r.param("role"))
                rows.append(_fund_row(doc, header, n, r, table_no, len(rows) + 1))
        if any(_nonzero(getattr(row, f)) for row in rows[:2] for f in ("total_yuan", "executed_yuan")):
            return rows
        if rows[0].rate_pct is not None and not fallback:
            fallback = rows         # a row whose amounts cannot be read (no unit) still states its rate
    return fallback


def _fund_row(doc: NormText, header: tuple[list[Column], str | None], label: re.Match, rule: Rule,
              table: int, row: int, cells_at: int | None = None) -> FundRow:
    """One row: its cells start after its label, or where the scrambled form put them (cells_at)."""
    columns, unit = header
    at = label.end() if cells_at is None else cells_at
    cells = _cells_after(doc, at) or _run_at(doc, at)
    aligned = _grid_aligned(doc, columns, label) or _align(columns, _split_run(columns, cells))
    facts = _row_facts(doc, columns, unit or _unit_of_figures(doc, columns, aligned), aligned, table, row)
    return FundRow(label=doc.text[label.start():label.end()], role=rule.param("role"),
                   evidence=evidence(doc, Span(label.start(), label.end(), rule.id)),
                   **{FUND_FIELDS[role]: fact for role, fact in facts.items()})


def _table_budget(rows: list[FundRow]) -> dict[str, Fact]:
    """The report's figures from its fund table: the 年度资金总额 row, else the 财政拨款 row; the
    first row's rate alone where no row's amounts can be read."""
    for row in rows:
        if _nonzero(row.total_yuan) or _nonzero(row.executed_yuan):
            return {role: getattr(row, FUND_FIELDS[role]) for role in (*AMOUNT_ROLES, "rate")
                    if getattr(row, FUND_FIELDS[role]) is not None}
    return {"rate": rows[0].rate_pct} if rows and rows[0].rate_pct is not None else {}


def _unit_of_figures(doc: NormText, columns: list[Column], aligned: dict[int, Cell]) -> str | None:
    """The unit of a table whose header names none: the one under which one of its amounts is a
    figure the text states with its unit (全年预算数 80 in the table, 预算80万元 in a sentence);
    None when no amount is so stated (a bare 80 could be 元 or 万元, and no guess is made)."""
    stated = {n.value for n in money_in(doc.folded, 0, len(doc.folded), "unit")}
    for col, cell in aligned.items():
        if columns[col].role in AMOUNT_ROLES and cell.numeral is not None and cell.unit is None:
            for unit in ("万元", "元"):
                r = resolve_money(cell.numeral, unit)
                if r is not None and r[0] != 0 and r[0] in stated:
                    return unit
    return None


def _nonzero(f: Fact | None) -> bool:
    return f is not None and f.value != 0


def _header_before(doc: NormText, pos: int, fiscal_year: int | None) -> tuple[list[Column], str | None] | None:
    start = max(0, pos - HEADER_WINDOW)
    cols = _header_run(doc, start, pos, fiscal_year)
    if cols is None:
        return None
    columns, run_start, run_end = cols
    compact_tail = re.sub(r"[\s|]", "", doc.folded[run_end:pos])
    if len(compact_tail) > HEADER_TO_ROW:
        return None
    # the unit is the header's own (项目资金（万元）just before its columns), not any unit in the window
    unit_start = max(start, run_start - UNIT_BEFORE_HEADER)
    units = _UNIT.findall(doc.folded, unit_start, pos)
    if not units:       # OCR splits "(万元)" across lines, or puts it below the header: a lone "(万元" or "万元)"
        units = [a or b for a, b in _LONE_UNIT.findall(doc.folded, unit_start, pos + LONE_UNIT_AFTER)]
    return columns, units[-1] if units else _stated_unit(doc, run_start)


def _header_over_cells(doc: NormText, label: re.Match, fiscal_year: int | None
                       ) -> tuple[tuple[list[Column], str | None] | None, int]:
    """A scrambled form that prints the header, then the first row's cells, then its labels
    ("年初预算数 全年预算数 全年执行数 … 250.00 250.00 215.4 10 8.62 … 年度资金总额 项目资金(元)"):
    the header and where the cells start, when at least MIN_ROW_CELLS cells follow the header at
    once. The unit is the header's, or the one printed by the label."""
    cols = _header_run(doc, max(0, label.start() - HEADER_WINDOW), label.start(), fiscal_year)
    if cols is None or len(_cells_after(doc, cols[2])) < MIN_ROW_CELLS:
        return None, label.end()
    columns, run_start, run_end = cols
    units = (_UNIT.findall(doc.folded, max(0, run_start - UNIT_BEFORE_HEADER), run_start)
             or _UNIT.findall(doc.folded, label.end(), label.end() + UNIT_BEFORE_HEADER))
    return (columns, units[-1] if units else _stated_unit(doc, run_start)), run_end


def _stated_unit(doc: NormText, run_start: int) -> str | None:
    """The unit a line above the table states once for all of it ("单位:万元", "金额单位：元"), the
    nearest before the header, when the header carries none of its own."""
    units = _STATED_UNIT.findall(doc.folded, max(0, run_start - HEADER_WINDOW), run_start)
    return units[-1] if units else None


def _header_run(doc: NormText, start: int, end: int,
                fiscal_year: int | None) -> tuple[list[Column], int, int] | None:
    """The last run of column names in [start, end), read with whitespace and | removed: its columns,
    and where the run starts and ends in the text."""
    keep = [(c, i) for i, c in enumerate(doc.folded[start:end], start) if c not in " \t\n\f|"]
    compact = "".join(c for c, _ in keep)
    matches = []
    for r in rules().of("fund_column"):
        for m in r.regex.finditer(compact):
            year = m.groupdict().get("year")
            role = r.param("role")
            if year and fiscal_year and int(year) != fiscal_year:
                role = "prior"
            matches.append((m.start(), m.end(), Column(role, r.id, keep[m.start()][1])))
    matches.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    chosen, last_end = [], -1
    for s, e, col in matches:
        if s >= last_end:
            chosen.append((s, e, col))
            last_end = e
    runs: list[list[tuple[int, int, Column]]] = []
    for item in chosen:
        if runs and len(_ASIDE.sub("", compact[runs[-1][-1][1]:item[0]])) <= HEADER_GAP:
            runs[-1].append(item)
        else:
            runs.append([item])
    if not runs:
        return None
    run = _with_unknown(compact, keep, runs[-1])
    columns = [c for _, _, c in run if c.role != "group"]
    if sum(c.role in (*AMOUNT_ROLES, "sum") for c in columns) < 2:
        return None
    return columns, keep[run[0][0]][1], keep[run[-1][1] - 1][1] + 1


_UNKNOWN_COLUMN = re.compile(r"[\u4e00-\u9fff]{3,}")
_ASIDE = re.compile(r"\([^()]*\)")     # a bracketed aside in a header: (万元), (A), (B/A)


def _with_unknown(compact: str, keep: list[tuple[str, int]],
                  run: list[tuple[int, int, Column]]) -> list[tuple[int, int, Column]]:
    """The run with a column of no known role where words no rule names stand between two named
    columns (年初预算数 全年预算数 实际支出数 执行率: 实际支出数): it still holds a cell, and the
    row's cells align to the header only when every column keeps its slot. Bracketed asides
    ((万元), (A)) and a short modifier (全年) are no column, nor are the words before 原因
    (产生差异的原因): they are that column's own."""
    out = [run[0]]
    for item in run[1:]:
        gap = _ASIDE.sub("", compact[out[-1][1]:item[0]])
        if _UNKNOWN_COLUMN.search(gap) and item[2].role != "reason":
            at = out[-1][1]
            out.append((at, item[0], Column("unknown", "col.unknown", keep[at][1])))
        out.append(item)
    return out


def _cells_after(doc: NormText, pos: int) -> list[Cell]:
    cells: list[Cell] = []
    while len(cells) < MAX_CELLS:
        sep = _CELL_SEP.match(doc.folded, pos)
        assert sep is not None          # [...]* matches, if only the empty string
        if "\n" not in sep.group():       # "| |" on one line is an empty cell that kept its place
            cells += [Cell(sep.start(), sep.start(), None, None)] * max(0, sep.group().count("|") - 1)
        pos = sep.end()
        fused = fused_at(doc.folded, pos)
        if fused:                          # "33.7733.77": two cells OCR or a converter fused; the audit warns
            start, cut, end = fused
            cells += [Cell(start, cut, doc.folded[start:cut], None), Cell(cut, end, doc.folded[cut:end], None)]
            pos = end
            continue
        m = _cell_re().match(doc.folded, pos)
        if not m or m.end() == pos:
            break
        if m.group("empty"):
            cells.append(Cell(m.start(), m.end(), None, None))
        else:
            end = m.end("unit") if m.group("unit") else m.end("num")
            cells.append(Cell(m.start("num"), end, m.group("num"), m.group("unit")))
        pos = m.end()
    return cells


_NUMERAL = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?")


def _split_run(columns: list[Column], cells: list[Cell]) -> list[Cell]:
    """A row whose cells ran together, read as the one split whose executed / total agrees with its
    rate at the precision each piece states: a percentage ("1484631.00%": 148 | 46 | 31.00%, the
    columns up to the rate), or a bare run of every column with the rate as a ratio ("1.561.56120":
    1.56 | 1.56 | 1 | 20). Amounts share one number of decimals (as a table's column does) and the
    rate is below 1000%. With no agreeing split, or more than one, the cells stay as they are: a
    guess is no reading. A reading with nothing spent agrees with any total, so one with money
    spent wins over it."""
    rate_col = next((i for i, c in enumerate(columns) if c.role == "rate"), None)
    roles = [c.role for c in columns[:rate_col or 0]]
    first = cells[0] if cells else None
    if (first is None or first.numeral is None or rate_col is None or "total" not in roles
            or "executed" not in roles or (first.unit != "%" and len(cells) > 1)):
        return cells
    ratio = first.unit != "%"
    t, e = roles.index("total"), roles.index("executed")
    readings = [pieces for pieces in _splits(first.numeral, len(columns) if ratio else rate_col + 1)
                if len({_decimals(p) for p in pieces[:rate_col]}) == 1
                and len(pieces[rate_col].partition(".")[0]) <= RATE_DIGITS
                and _agrees(pieces[t], pieces[e], pieces[rate_col], 100 if ratio else 1)]
    # 0 of anything agrees with 0%
    spent = [r for r in readings if (v := resolve_numeral(r[rate_col])) is not None and v[0] != 0]
    readings = spent if len(spent) == 1 else readings
    if len(readings) != 1:
        return cells
    out, at = [], first.start
    for k, piece in enumerate(readings[0]):
        end = first.end if k == rate_col and not ratio else at + len(piece)
        out.append(Cell(at, end, piece, "%" if k == rate_col and not ratio else None))
        at += len(piece)
    return out + cells[1:]


_RUN = re.compile(r"[\s|:]*(?P<run>\d[\d.]{5,})(?![\d.%])")


def _run_at(doc: NormText, pos: int) -> list[Cell]:
    """A run of digits and points no cell reading takes ("1.561.56120"): one cell, to be split."""
    m = _RUN.match(doc.folded, pos)
    return [Cell(m.start("run"), m.end("run"), m.group("run"), None)] if m else []


def _splits(run: str, k: int) -> list[list[str]]:
    """Every way to cut run into k numerals (no leading zeros, one point at most in each)."""
    if k == 1:
        return [[run]] if _NUMERAL.fullmatch(run) else []
    return [[run[:i], *rest] for i in range(1, len(run)) if _NUMERAL.fullmatch(run[:i])
            for rest in _splits(run[i:], k - 1)]


def _decimals(numeral: str) -> int:
    return len(numeral.partition(".")[2])


def _agrees(total: str, executed: str, rate: str, scale: int = 1) -> bool:
    """Whether the numerals agree: executed / total × 100 can equal rate × scale (100 for a ratio)."""
    t, e, r = (resolve_numeral(x) for x in (total, executed, rate))
    if t is None or e is None or r is None:
        return False
    spread = lambda n: Interval(n[0] - n[1], n[0] + n[1])  # noqa: E731
    ratio = spread(e).scale(Decimal(100)).ratio(spread(t)) if t[0] > 0 else None
    return ratio is not None and ratio.meets(spread(r).scale(Decimal(scale)))


def _align(columns: list[Column], cells: list[Cell]) -> dict[int, Cell]:
    """Column index -> cell. The one percentage cell anchors the rate column: cells before it are
    right-aligned to the columns before the rate, cells after it left-aligned to those after.
    A header whose rate column has a name no rule knows still has that column where the template puts
    it, after the amounts and their 分值: the percentage anchors there, and is nobody's amount.
    With no percentage, the rate cell is taken as empty and cells fill the other columns in order,
    unless there is a cell for every column: then the rate column holds the rate as a ratio.
    A percentage never fills an amount column, and a plain number never fills the rate column."""
    rate_col = next((i for i, c in enumerate(columns) if c.role == "rate"), None)
    pct = next((i for i, c in enumerate(cells) if c.unit == "%"), None)
    if pct is None:         # every column filled: the rate is a ratio without % (0.958); else it is empty
        filled = [i for i, c in enumerate(columns) if c.role != "rate" or len(cells) == len(columns)]
        return {slot: cell for slot, cell in zip(filled, cells)}
    if rate_col is None:        # the unnamed rate column: one slot, in no column
        at = 1 + max((i for i, c in enumerate(columns) if c.role in (*AMOUNT_ROLES, "sum", "weight")), default=-1)
        slots: list[int | None] = [*range(at), None, *range(at, len(columns))]
    else:
        at, slots = rate_col, list(range(len(columns)))
    placed: dict[int, Cell] = {}
    before = cells[:pct][-at:] if at else []
    for k, cell in enumerate(reversed(before)):
        placed[at - 1 - k] = cell
    placed[at] = cells[pct]
    for k, cell in enumerate(cells[pct + 1:]):
        placed[at + 1 + k] = cell
    out: dict[int, Cell] = {}
    for v, cell in placed.items():
        col = slots[v] if v < len(slots) else None
        if col is not None and (cell.unit == "%") == (columns[col].role == "rate"):
            out[col] = cell
    return out


def _grid_aligned(doc: NormText, columns: list[Column], label: re.Match) -> dict[int, Cell]:
    """Column index -> cell, when the row and its header are real table cells: by grid column."""
    at = cell_at(doc, label.start(), label.end())
    if at is None:
        return {}
    by_col = {}
    for i, column in enumerate(columns):
        head = cell_at(doc, column.start, column.start + 1)
        if head is not None and head.table == at.table:
            by_col[head.col] = i
    out: dict[int, Cell] = {}
    for c in doc.cells:
        if c.table == at.table and c.row == at.row and c.col in by_col:
            m = _cell_re().fullmatch(doc.folded, c.start, c.end)
            if m and not m.group("empty"):
                end = m.end("unit") if m.group("unit") else m.end("num")
                out[by_col[c.col]] = Cell(m.start("num"), end, m.group("num"), m.group("unit"))
    return out


def _row_facts(doc: NormText, columns: list[Column], unit: str | None, aligned: dict[int, Cell],
               table: int, row: int) -> dict[str, Fact]:
    facts: dict[str, Fact] = {}
    for col, cell in sorted(aligned.items(), key=lambda cc: columns[cc[0]].role == "rate"):   # rate last
        role = columns[col].role
        if cell.numeral is None or role not in FUND_FIELDS or role in facts:
            continue
        if cell.unit == "%" and role != "rate":      # a percentage is no amount, weight or score
            continue
        span = Span(cell.start, cell.end, columns[col].rule)
        if role == "rate":
            r = resolve_numeral(cell.numeral) if cell.unit == "%" else _ratio(cell.numeral, facts)
        elif role in ("weight", "score"):
            r = resolve_numeral(cell.numeral) if cell.unit is None else None
        else:
            r = resolve_money(cell.numeral, cell.unit if cell.unit in ("万元", "元") else unit)
        if r:
            n = Number(span, r[0], r[1], {"rate": "%", "weight": "分", "score": "分"}.get(role, "元"))
            facts[role] = to_fact(doc, n, table=table, row=row, col=col + 1)
    return facts


def _ratio(numeral: str, facts: dict[str, Fact]) -> tuple[Decimal, Decimal] | None:
    """A rate cell written as a ratio (0.958, 1) as the percentage it states, when the row's executed /
    total agrees with it so read; else None (a bare 95.8 or 1 could be either, and no guess is made)."""
    r = resolve_numeral(numeral)
    if r is None or "total" not in facts or "executed" not in facts:
        return None
    pct = (r[0] * 100, r[1] * 100)
    return pct if _agree(facts["total"], facts["executed"], Interval(pct[0] - pct[1], pct[0] + pct[1])) else None


_TOKEN = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.、])[ \t]*%?")


def _header_only_row(doc: NormText, fiscal_year: int | None) -> dict[str, Fact]:
    """Forms whose header (… 合计 | 执行数 | 执行率) is scrambled away from its numbers: when every
    amount after the header is the same figure, budget and execution are that figure, unambiguously."""
    for m in re.finditer(r"执行数", doc.folded):
        header = _header_run(doc, max(0, m.start() - 60), m.end(), fiscal_year)
        if header is None or not {"sum", "total"} & {c.role for c in header[0]}:
            continue
        window_end = min(len(doc.folded), m.end() + 250)
        units = _UNIT.findall(doc.folded, m.start() - 60, window_end)
        if not units:
            continue
        read, rate = [], None
        for t in _TOKEN.finditer(doc.folded, m.end(), window_end):
            if t.group(0).rstrip().endswith("%"):
                rate = percent_at(doc.folded, t.start(), "col.rate")
                break
            read.append(plain_at(doc.folded, t.start(), "col.sum"))
        amounts = [a for a in read if a]
        if len(amounts) < 2 or len({a.value for a in amounts}) != 1:
            continue
        money = [y for a in amounts[:2] if (y := resolve_money(str(a.value), units[0])) is not None]
        if len(money) < 2:
            continue
        total = Number(amounts[0].span, *money[0], "元")
        executed = Number(Span(amounts[1].span.start, amounts[1].span.end, "col.executed"), *money[1], "元")
        facts = {"total": to_fact(doc, total), "executed": to_fact(doc, executed)}
        if rate:
            facts["rate"] = to_fact(doc, rate)
        return facts
    return {}


_ENUMERATOR = re.compile(r"\(\d{1,2}\)")
_FORMULA = re.compile(r"[,/=;。]")


def _rate_only_row(doc: NormText, fiscal_year: int | None) -> dict[str, Fact]:
    """Forms whose amount cells were left blank and whose first row states only the rate
    ("全年预算数 全年执行数 执行率 经费来源:(1)财政拨款 97.5%"): the first figure after a header
    that names amounts and a rate, at most a short row label away, is a percentage; it is the rate.
    A plain number first is an amount of a row this reader cannot align, and nothing is read."""
    rate_rule = rules().get("col.rate")
    for m in rate_rule.regex.finditer(doc.folded):
        header = _header_run(doc, max(0, m.start() - HEADER_WINDOW), m.end(), fiscal_year)
        if header is None or not any(c.role == "rate" and c.start == m.start() for c in header[0]):
            continue
        tail = _header_run(doc, header[1], min(len(doc.folded), header[2] + HEADER_WINDOW), fiscal_year)
        end = tail[2] if tail is not None and tail[1] == header[1] else header[2]
        if _FORMULA.search(re.sub(r"\([^()]*\)", "", doc.folded[header[1]:end])):
            continue        # 执行率=执行数/预算数: a formula in a note, not a header
        t = next((t for t in _TOKEN.finditer(doc.folded, end, end + HEADER_WINDOW)
                  if not _ENUMERATOR.match(doc.folded, t.start() - 1)), None)
        if t is None:
            return {}
        label = _ENUMERATOR.sub("", re.sub(r"[\s|:]", "", doc.folded[end:t.start()]))
        if len(label) > ROW_LABEL or re.search(r"\d", label) or not t.group(0).endswith("%"):
            continue
        rate = percent_at(doc.folded, t.start(), rate_rule.id)
        if rate is not None and len(str(int(rate.value))) <= RATE_DIGITS:
            return {"rate": to_fact(doc, rate)}
    return {}

"""The budget roles: 年初预算数, 全年预算数, 执行数, 执行率, for the report and for key projects.

Two readers, both on the shared number layer:
- the fund table of a 自评表, flattened into text (fund_table.py);
- the narrative, here: a role keyword, a short gap, a figure ("全年预算数 1150.50 万元"), and below the
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
from functools import cache
from typing import NamedTuple

from ..text.interval import Interval
from ..models import Budget, Fact, FundRow, NormText, Project
from ..text.numbers import (
    Number,
    may_hold_amount,
    money_at,
    money_in,
    money_units,
    percent_at,
    resolve_money,
)
from ..rules import Rule, rules
from .amounts import AMOUNT_ROLES, agree, to_fact
from .fund_table import (HEADER_WINDOW, STATED_UNIT, agreeing_row, header_only_row, rate_only_row, read_fund_rows,
                         table_budget)
from .scope import under_item
from ..text.layer import Span, evidence

SCOPE_GAP = 2             # spending above twice the budget is another scope's: the phrase-read one is dropped


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
    table = (table_budget(funds) or header_only_row(doc, fiscal_year) or agreeing_row(doc, fiscal_year)
             or rate_only_row(doc, fiscal_year))
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
    if not may_hold_amount(doc.folded, start, end) and not STATED_UNIT.search(
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
    units = STATED_UNIT.findall(doc.folded, max(0, pos - HEADER_WINDOW, block), pos)
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
    if not {"total", "executed", "rate"} <= facts.keys() or agree(facts["total"], facts["executed"], facts["rate"]):
        return facts
    rank = lambda c: (c.priority, c.number.span.start)  # noqa: E731
    tier = {r: min(rank(c)[0] for _, c in pools[r]) for r in ("total", "executed")}
    pairs = sorted(((t, e) for _, t in pools["total"] if t.priority == tier["total"]
                    for _, e in pools["executed"] if e.priority == tier["executed"]
                    if agree(to_fact(doc, t.number), to_fact(doc, e.number), facts["rate"])),
                   key=lambda te: (rank(te[0]), rank(te[1])))
    if pairs:
        facts["total"], facts["executed"] = (to_fact(doc, c.number) for c in pairs[0])
    return facts


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

"""The organization × fiscal-year panel: `jixiao dataset OUTDIR... -o PANELDIR`.

Reads each OUTDIR/records.jsonl as it streams, keeping a few facts of every ok self-evaluation
(department, project, policy) that states its organization and fiscal year, and makes one row per
(organization, fiscal_year) with year-over-year changes, and the findings only several years show.

Names. An organization's panel name (`org_name`) is the name as written after NFKC (full-width
brackets and spaces half-width), traditional -> simplified, whitespace removed, a pinyin gloss
(區(qū)) dropped, 〔【[ brackets made (), the unambiguous standard abbreviations expanded (人社局 ->
人力资源和社会保障局: rules of kind org_abbrev), a trailing 本级/机关 dropped (org_trailing), and then
the alias table (org_alias, plus `--aliases FILE.csv`). Nothing fuzzier: two names the rules do not
join stay two organizations, and the alias table is where a person joins them.

Several reports of one organization and year. Each report has a scope: its type, and for a project
or fund report its subject (the title without the years, the organization, its place and the
boilerplate words: rules of kind report_subject). Reports of one scope whose figures agree wherever
both state one (the same report in two formats or folders) are one report, counted once; of one scope
with different figures, a `duplicate_report` finding, and the one stating more figures leads. Reports
of different scopes are different reports, all counted (n_department, n_project, n_policy). The row's
figures are its lead's: the department report; without one, the report of the only scope; with
several project or fund scopes and no department report, none (no document states the body's budget).

Across years. Year-over-year changes compare a row with the row of the year before when both rows'
leads have the same scope. `prior_year_mismatch`: a report restates last year's figures (its
`prior_year`) differently from last year's report of the same scope; both are intervals of their
stated digits (pipeline.text.interval), as in the audit. Every finding carries the evidence in each report.
"""
from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .export import CsvWriter, xlsx_text
from ..text.interval import Interval, dec
from ..models import Budget, Evidence, Fact, Record
from ..rules import rules

SELF_EVALUATIONS = ("department", "project", "policy")
COLUMN_NAMES = {"initial_yuan": "年初预算数", "total_yuan": "全年预算数", "executed_yuan": "执行数",
                "rate_pct": "执行率", "self_score": "自评得分"}
TYPE_NAMES = {"department": "部门整体支出", "project": "项目", "policy": "专项资金"}
PLACE = re.compile(r"^(?:[\u4e00-\u9fff]{1,7}?(?:自治区|自治州|自治县|地区|省|市|州|盟|区|县|旗|镇|乡))+")
YEAR_WORD = re.compile(r"\(?(?:19|20)\d{2}年度?\)?")
PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", re.IGNORECASE)
BRACKETS = str.maketrans({"〔": "(", "〕": ")", "【": "(", "】": ")", "[": "(", "]": ")"})


# ---------------------------------------------------------------- names and subjects

def _fold(text: str) -> str:
    """NFKC, traditional -> simplified, no whitespace: the form names are compared in."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).translate(rules().t2s))


@cache
def _abbreviations() -> list[tuple[str, str]]:
    pairs = [(short, r.param("full")) for r in rules().of("org_abbrev") for short in r.lexicon or []]
    return sorted(pairs, key=lambda p: -len(p[0]))


def normalise(name: str) -> str:
    """A name as written -> the form the rules compare: no alias applied."""
    s = PINYIN.sub("", _fold(name)).translate(BRACKETS)
    for short, full in _abbreviations():
        s = s.replace(short, full)
    trailing = [r.regex for r in rules().of("org_trailing")]
    changed = True
    while changed:
        changed = False
        for t in trailing:
            cut = t.sub("", s)
            if cut != s and len(cut) >= 2:
                s, changed = cut, True
    return s


@cache
def _rule_aliases() -> dict[str, str]:
    out = {}
    for r in rules().of("org_alias"):
        canonical = normalise(r.param("canonical"))
        for alias in r.lexicon or []:
            out[normalise(alias)] = canonical
    return out


class Names:
    """Organization names -> panel names: normalisation, then the alias table (rules' and the user's)."""

    def __init__(self, extra: dict[str, str] | None = None):
        self.aliases = dict(_rule_aliases())
        for alias, canonical in (extra or {}).items():
            self.aliases[normalise(alias)] = normalise(canonical)

    def __call__(self, name: str) -> str:
        n = normalise(name)
        return self.aliases.get(n, n)


def org_name(name: str) -> str:
    """The panel name of an organization, with the rules' alias table."""
    return Names()(name)


def read_aliases(path: Path) -> dict[str, str]:
    """A user's alias table: a CSV of alias,canonical (简称,全称); a header row and blank lines are skipped."""
    out = {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        for n, row in enumerate(csv.reader(f), 1):
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            if len(cells) < 2 or not cells[0] or not cells[1]:
                raise ValueError(f"{path} line {n}: expected two columns, alias and canonical name")
            if n == 1 and cells[0].lower() in ("alias", "简称", "别名"):
                continue
            out[cells[0]] = cells[1]
    return out


def place_of(name: str) -> str:
    """The place a body's name starts with: 云溪市凤鸣区 of 云溪市凤鸣区教育局 ("" when none)."""
    m = PLACE.match(name)
    return m.group(0) if m and m.end() < len(name) else ""


def subject_of(title: str, organization: str | None) -> str:
    """A project or fund report's subject from its title: the years, the organization, its place and
    the boilerplate (rules of kind report_subject) taken out; "" for a department report's title."""
    s = YEAR_WORD.sub("", _fold(title)).translate(BRACKETS)
    if organization:
        org = _fold(organization)
        for written in sorted({org, normalise(org)}, key=len, reverse=True):
            s = s.replace(written, "")
        place = place_of(normalise(org))
        if place and s.startswith(place):
            s = s[len(place):]
    for r in rules().of("report_subject"):
        prev = None
        while prev != s:
            prev, s = s, r.regex.sub("", s)
    return s


# ---------------------------------------------------------------- what the panel keeps of a record

@dataclass
class Entry:
    """One report (and its copies): the few facts of its record the panel uses."""
    path: str
    sha256: str
    report_type: str
    year: int
    written: str
    organization: str
    subject: str
    budget: Budget
    prior: Budget
    score: Fact | None
    grade: Fact | None
    errors: int
    warnings: int
    copies: list[str] = field(default_factory=list)      # paths of the same report elsewhere

    @classmethod
    def of(cls, r: Record, names: Names) -> Entry:
        assert r.organization and r.report_type and r.fiscal_year     # panel() keeps only placed reports
        written = r.organization.value
        subject = "" if r.report_type.value == "department" else subject_of(r.report_type.evidence.text, written)
        return cls(path=r.source.path, sha256=r.source.sha256, report_type=r.report_type.value,
                   year=int(r.fiscal_year.value), written=written, organization=names(written), subject=subject,
                   budget=r.budget, prior=r.prior_year, score=r.self_score, grade=r.grade,
                   errors=sum(f.severity == "error" for f in r.findings),
                   warnings=sum(f.severity == "warning" for f in r.findings))

    @property
    def scope(self) -> tuple[str, str]:
        return self.report_type, self.subject

    def fact(self, column: str) -> Fact | None:
        return self.score if column == "self_score" else getattr(self.budget, column)

    def stated(self) -> int:
        return sum(self.fact(c) is not None for c in COLUMN_NAMES)

    def scope_name(self) -> str:
        kind = TYPE_NAMES[self.report_type]
        return kind if not self.subject else f"{kind}“{self.subject}”"


def _differences(a: Entry, b: Entry, columns: list[str]) -> list[tuple[str, Fact, Fact]]:
    """The figures two reports both state and state differently (their intervals cannot meet)."""
    out = []
    for c in columns:
        fa, fb = a.fact(c), b.fact(c)
        if fa is not None and fb is not None and not Interval.of(fa).meets(Interval.of(fb)):
            out.append((c, fa, fb))
    return out


# ---------------------------------------------------------------- findings

class PanelEvidence(BaseModel):
    """A value's evidence in one report: which file, which year, and where in its text."""
    path: str
    fiscal_year: int
    page: int
    start: int
    end: int
    text: str
    table: int | None = None
    row: int | None = None
    col: int | None = None

    @classmethod
    def of(cls, e: Entry, ev: Evidence) -> PanelEvidence:
        return cls(path=e.path, fiscal_year=e.year, page=ev.page, start=ev.start, end=ev.end, text=ev.text,
                   table=ev.table, row=ev.row, col=ev.col)


class PanelFinding(BaseModel):
    rule: str
    severity: str
    message: str
    organization: str
    fiscal_year: int
    sha256: str                     # the report the finding is on (its lead, for a duplicate)
    values: dict[str, Any]
    evidence: list[PanelEvidence]


def _finding(rule_id: str, e: Entry, values: dict, evidence: list[PanelEvidence], **fmt: Any) -> PanelFinding:
    r = rules().get(rule_id)
    return PanelFinding(rule=rule_id, severity=r.param("severity"), message=r.param("message").format(**fmt),
                        organization=e.organization, fiscal_year=e.year, sha256=e.sha256, values=values,
                        evidence=evidence)


def _number(f: Fact) -> float:
    return float(dec(f.value))


def prior_year_mismatch(now: Entry, before: Entry, others: Sequence[Entry] = ()) -> list[PanelFinding]:
    """`now` restates last year's figures; `before` is last year's report of the same scope (its lead),
    `others` the scope's other reports that year (duplicates): a restatement one of them agrees with
    is no finding."""
    out = []
    for column in rules().get("prior_year_mismatch").param("compare"):
        restated, stated = getattr(now.prior, column), before.fact(column)
        if restated is None or stated is None or Interval.of(restated).meets(Interval.of(stated)):
            continue
        if any((f := o.fact(column)) is not None and Interval.of(restated).meets(Interval.of(f))
               for o in others):
            continue
        scope = "" if now.report_type == "department" else f"（{now.scope_name()}）"
        out.append(_finding("prior_year_mismatch", now,
                            {"column": COLUMN_NAMES[column], "restated": _number(restated),
                             "stated": _number(stated), "year": now.year, "prior_year": before.year},
                            [PanelEvidence.of(now, restated.evidence), PanelEvidence.of(before, stated.evidence)],
                            year=now.year, prior=before.year, column=COLUMN_NAMES[column],
                            restated=restated.evidence.text, stated=stated.evidence.text, scope=scope))
    return out


def duplicate_report(lead: Entry, other: Entry, diffs: list[tuple[str, Fact, Fact]]) -> PanelFinding:
    values: dict[str, Any] = {"columns": "、".join(COLUMN_NAMES[c] for c, _, _ in diffs),
                              "path_a": lead.path, "path_b": other.path}
    evidence = []
    for c, a, b in diffs:
        values[f"{c}_a"], values[f"{c}_b"] = _number(a), _number(b)
        evidence += [PanelEvidence.of(lead, a.evidence), PanelEvidence.of(other, b.evidence)]
    text = "；".join(f"{COLUMN_NAMES[c]}“{a.evidence.text}”与“{b.evidence.text}”" for c, a, b in diffs)
    return _finding("duplicate_report", lead, values, evidence, year=lead.year, scope=lead.scope_name(), diffs=text)


# ---------------------------------------------------------------- rows

ROW_COLUMNS: list[tuple[str, str, str]] = [
    # (column, type, 中文 header)   types: str, int, year, float, money, pct, list
    ("organization", "str", "单位"),
    ("organization_as_written", "str", "报告所写单位名称"),
    ("fiscal_year", "year", "年度"),
    ("report_type", "str", "报告类型"),
    ("subject", "str", "项目/资金名称"),
    ("initial_yuan", "money", "年初预算数（元）"),
    ("total_yuan", "money", "全年预算数（元）"),
    ("executed_yuan", "money", "执行数（元）"),
    ("rate_pct", "pct", "执行率（%）"),
    ("self_score", "float", "自评得分"),
    ("grade", "str", "自评等级"),
    ("errors", "int", "报告内错误数"),
    ("warnings", "int", "报告内警告数"),
    ("prior_total_yuan", "money", "报告所述上年预算数（元）"),
    ("prior_executed_yuan", "money", "报告所述上年执行数（元）"),
    ("prior_rate_pct", "pct", "报告所述上年执行率（%）"),
    ("budget_change_pct", "pct", "预算数同比变化（%）"),
    ("executed_change_pct", "pct", "执行数同比变化（%）"),
    ("score_change", "float", "得分变化（分）"),
    ("cross_year_errors", "int", "跨年错误数"),
    ("cross_year_warnings", "int", "跨年警告数"),
    ("n_reports", "int", "报告数"),
    ("n_department", "int", "部门整体报告数"),
    ("n_project", "int", "项目报告数"),
    ("n_policy", "int", "专项资金报告数"),
    ("n_files", "int", "文件数（含重复）"),
    ("lead_path", "str", "取数报告"),
    ("sha256", "str", "取数报告SHA-256"),
    ("source_paths", "list", "全部来源文件"),
]
ROW_DESCRIPTIONS = {
    "organization": "the panel's name for the body: normalised, abbreviations expanded, aliases applied",
    "organization_as_written": "every name the row's reports write, joined by ；",
    "fiscal_year": "the fiscal year the row's reports evaluate",
    "report_type": "the lead report's type: department, project or policy (empty: several project/fund "
                   "reports and no department report, so no figures)",
    "subject": "the lead project or fund report's subject, read from its title",
    "initial_yuan": "the lead report's 年初预算数, yuan", "total_yuan": "the lead report's 全年预算数, yuan",
    "executed_yuan": "the lead report's 执行数, yuan", "rate_pct": "the lead report's stated 执行率, percent",
    "self_score": "the lead report's 自评得分", "grade": "the lead report's 自评等级",
    "errors": "the lead report's audit errors", "warnings": "the lead report's audit warnings",
    "prior_total_yuan": "last year's 全年预算数 as the lead report restates it",
    "prior_executed_yuan": "last year's 执行数 as the lead report restates it",
    "prior_rate_pct": "last year's 执行率 as the lead report restates it",
    "budget_change_pct": "(total − last year's row's total) / last year's × 100, when both leads have one scope",
    "executed_change_pct": "the same for 执行数", "score_change": "self_score − last year's row's, points",
    "cross_year_errors": "cross-year findings (panel_findings) of this row, errors",
    "cross_year_warnings": "cross-year findings of this row, warnings",
    "n_reports": "distinct reports of this body and year (copies counted once)",
    "n_department": "distinct department reports", "n_project": "distinct project reports",
    "n_policy": "distinct policy/fund reports", "n_files": "records read for this row, copies included",
    "lead_path": "the report the figures come from", "source_paths": "every file of this row",
    "sha256": "the lead report's SHA-256: its records.sha256 in the run's tables (empty without a lead)",
}
FINDING_COLUMNS = ("rule", "severity", "message", "organization", "fiscal_year", "sha256", "values",
                   "path_a", "page_a", "start_a", "end_a", "text_a",
                   "path_b", "page_b", "start_b", "end_b", "text_b", "evidence")
FINDING_DESCRIPTIONS = {
    "rule": "the panel rule's id (rules/panel.yaml): a stable code", "severity": "error, warning or info",
    "message": "what was found, in Chinese, with the figures", "organization": "the panel's name for the body",
    "fiscal_year": "the year of the report the finding is on", "sha256": "that report's SHA-256 (records.sha256)",
    "values": "the figures compared (JSON; keys differ by rule)", "evidence": "every evidence (JSON list)",
    **{f"{k}_{side}": f"report {side.upper()}'s {what}" for side in "ab" for k, what in
       (("path", "file"), ("page", "page"), ("start", "start offset"), ("end", "end offset"), ("text", "words"))},
}
FINDING_HEADERS = ("规则", "级别", "说明", "单位", "年度", "SHA-256", "数值",
                   "报告A", "A页", "A起", "A止", "A依据",
                   "报告B", "B页", "B起", "B止", "B依据", "全部依据")


@dataclass
class Group:
    """The reports of one organization and year, by scope: each scope's reports after copies merged."""
    organization: str
    year: int
    scopes: dict[tuple[str, str], list[Entry]] = field(default_factory=dict)
    files: int = 0
    written: list[str] = field(default_factory=list)
    unnamed: list[Entry] = field(default_factory=list)     # project/fund reports whose title names no subject

    def add(self, e: Entry) -> None:
        self.files += 1
        if e.written not in self.written:
            self.written.append(e.written)
        if e.report_type != "department" and not e.subject:
            self.unnamed.append(e)
        else:
            self._place(e)

    def settle(self) -> None:
        """A project or fund report whose title names no subject (a 自评表 alone: 项目支出绩效自评表) is
        of the one subject its type has this year, if there is one; else of its own."""
        for e in self.unnamed:
            subjects = [s for t, s in self.scopes if t == e.report_type]
            if len(subjects) == 1:
                e.subject = subjects[0]
            self._place(e)
        self.unnamed = []

    def _place(self, e: Entry) -> None:
        same = self.scopes.setdefault(e.scope, [])
        for i, kept in enumerate(same):
            if kept.sha256 == e.sha256 or not _differences(kept, e, list(COLUMN_NAMES)):
                if e.stated() > kept.stated():       # the same report again: the fuller reading of it stays
                    e.copies, kept.copies = kept.copies + [kept.path], []
                    same[i] = e
                else:
                    kept.copies.append(e.path)
                return
        same.append(e)

    def leads(self) -> dict[tuple[str, str], Entry]:
        """Each scope's lead: the report stating most figures, then with fewest errors, then by path."""
        return {s: min(es, key=lambda e: (-e.stated(), e.errors, e.path)) for s, es in self.scopes.items()}

    def lead(self) -> Entry | None:
        leads = self.leads()
        dept = [e for s, e in leads.items() if s[0] == "department"]
        if dept:
            return dept[0]
        return next(iter(leads.values())) if len(leads) == 1 else None

    def paths(self) -> list[str]:
        return sorted({p for es in self.scopes.values() for e in es for p in (e.path, *e.copies)})


def _change_pct(now: Fact | None, before: Fact | None) -> float | None:
    if now is None or before is None or dec(before.value) == 0:
        return None
    return float(((dec(now.value) - dec(before.value)) / dec(before.value) * 100).quantize(Decimal("0.01")))


def _value(f: Fact | None):
    return None if f is None else f.value


@dataclass
class Panel:
    rows: list[dict]
    findings: list[PanelFinding]
    unplaced: list[dict]            # self-evaluations without an organization or a year
    counts: Counter


def build(records: Iterable[Record], aliases: dict[str, str] | None = None) -> Panel:
    """Records (streamed) -> the panel's rows and cross-year findings."""
    names = Names(aliases)
    groups: dict[tuple[str, int], Group] = {}
    unplaced: list[dict] = []
    counts: Counter = Counter()
    for r in records:
        counts["records"] += 1
        if r.status != "ok" or r.report_type is None or r.report_type.value not in SELF_EVALUATIONS:
            counts["not a self-evaluation"] += 1
            continue
        if r.organization is None or r.fiscal_year is None:
            missing = "organization" if r.organization is None else "fiscal year"
            unplaced.append({"path": r.source.path, "sha256": r.source.sha256, "report_type": r.report_type.value,
                             "why": f"the report states no {missing} jixiao could read"})
            continue
        e = Entry.of(r, names)
        g = groups.get((e.organization, e.year))
        if g is None:
            g = groups[(e.organization, e.year)] = Group(e.organization, e.year)
        g.add(e)
        counts["placed"] += 1
    for g in groups.values():
        g.settle()
    rows, findings = [], []
    for key in sorted(groups):
        g = groups[key]
        found = _group_findings(g) + _cross_year(g, groups.get((g.organization, g.year - 1)))
        rows.append(_row(g, groups.get((g.organization, g.year - 1)), found))
        findings += found
    counts["rows"] = len(rows)
    counts["organisations"] = len({r["organization"] for r in rows})
    for f in findings:
        counts[f"finding:{f.rule}"] += 1
    return Panel(rows, findings, unplaced, counts)


def _group_findings(g: Group) -> list[PanelFinding]:
    columns = rules().get("duplicate_report").param("compare")
    out = []
    for scope, lead in g.leads().items():
        for other in sorted(g.scopes[scope], key=lambda e: e.path):
            if other is not lead:
                out.append(duplicate_report(lead, other, _differences(lead, other, columns)))
    return out


def _cross_year(g: Group, before: Group | None) -> list[PanelFinding]:
    if before is None:
        return []
    then = before.leads()
    return [f for scope, e in g.leads().items() if scope in then
            for f in prior_year_mismatch(e, then[scope], [o for o in before.scopes[scope] if o is not then[scope]])]


def _row(g: Group, before: Group | None, found: list[PanelFinding]) -> dict:
    lead = g.lead()
    prev = before.lead() if before else None
    comparable = lead is not None and prev is not None and prev.scope == lead.scope
    distinct = [e for es in g.scopes.values() for e in es]
    by_type = Counter(e.report_type for e in distinct)
    b = lead.budget if lead else Budget()
    p = lead.prior if lead else Budget()
    score_change = None
    if comparable and lead and prev and lead.score is not None and prev.score is not None:
        score_change = float(dec(lead.score.value) - dec(prev.score.value))
    return {
        "organization": g.organization, "organization_as_written": "；".join(g.written), "fiscal_year": g.year,
        "sha256": lead.sha256 if lead else None,
        "report_type": lead.report_type if lead else None, "subject": (lead.subject or None) if lead else None,
        "initial_yuan": _value(b.initial_yuan), "total_yuan": _value(b.total_yuan),
        "executed_yuan": _value(b.executed_yuan), "rate_pct": _value(b.rate_pct),
        "self_score": _value(lead.score) if lead else None, "grade": _value(lead.grade) if lead else None,
        "errors": lead.errors if lead else None, "warnings": lead.warnings if lead else None,
        "prior_total_yuan": _value(p.total_yuan), "prior_executed_yuan": _value(p.executed_yuan),
        "prior_rate_pct": _value(p.rate_pct),
        "budget_change_pct": _change_pct(b.total_yuan, prev.budget.total_yuan) if comparable and prev else None,
        "executed_change_pct": _change_pct(b.executed_yuan, prev.budget.executed_yuan) if comparable and prev else None,
        "score_change": score_change,
        "cross_year_errors": sum(f.severity == "error" for f in found),
        "cross_year_warnings": sum(f.severity == "warning" for f in found),
        "n_reports": len(distinct), "n_department": by_type["department"], "n_project": by_type["project"],
        "n_policy": by_type["policy"], "n_files": g.files, "lead_path": lead.path if lead else None,
        "source_paths": g.paths(),
    }


# ---------------------------------------------------------------- reading and writing

def records_of(outdirs: Iterable[Path]) -> Iterator[Record]:
    """The records of each OUTDIR's records.jsonl (or of a .jsonl named directly), one at a time."""
    from .findings_view import read_jsonl
    for d in outdirs:
        yield from read_jsonl(jsonl_of(d))


def jsonl_of(d: Path) -> Path:
    return d if d.suffix.lower() == ".jsonl" else d / "records.jsonl"


def finding_row(f: PanelFinding) -> dict:
    row = {"rule": f.rule, "severity": f.severity, "message": f.message, "organization": f.organization,
           "fiscal_year": f.fiscal_year, "sha256": f.sha256, "values": json.dumps(f.values, ensure_ascii=False),
           "evidence": json.dumps([e.model_dump(exclude_none=True) for e in f.evidence], ensure_ascii=False)}
    for side, e in zip("ab", f.evidence[:2]):
        row.update({f"path_{side}": e.path, f"page_{side}": e.page, f"start_{side}": e.start,
                    f"end_{side}": e.end, f"text_{side}": e.text})
    return row


def _csv_cell(v):
    return "; ".join(v) if isinstance(v, list) else v


def write(panel: Panel, outdir: Path) -> list[Path]:
    """panel.parquet, panel.csv, panel_findings.csv, panel_findings.parquet, panel_unplaced.csv, panel.xlsx."""
    outdir.mkdir(parents=True, exist_ok=True)
    written = [_parquet_rows(panel.rows, outdir / "panel.parquet"),
               _parquet_findings(panel.findings, outdir / "panel_findings.parquet")]
    written.append(_csv(outdir / "panel.csv", [c for c, _, _ in ROW_COLUMNS],
                        ({k: _csv_cell(v) for k, v in r.items()} for r in panel.rows)))
    written.append(_csv(outdir / "panel_findings.csv", FINDING_COLUMNS, (finding_row(f) for f in panel.findings)))
    written.append(_csv(outdir / "panel_unplaced.csv", ("path", "sha256", "report_type", "why"), panel.unplaced))
    written.append(_xlsx(panel, outdir / "panel.xlsx"))
    return written


def _csv(path: Path, columns, rows: Iterable[dict]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = CsvWriter(f, columns)
        w.writeheader()
        w.writerows(rows)
    return path


def _types(kind: str):
    """A column kind's Arrow type and pandas dtype: the year as in the run's tables (store.YEAR)."""
    import pyarrow as pa
    return {"str": (pa.string(), "string"), "int": (pa.int32(), "Int32"), "year": (pa.int16(), "Int16"),
            "float": (pa.float64(), "float64"), "money": (pa.float64(), "float64"), "pct": (pa.float64(), "float64"),
            "list": (pa.list_(pa.string()), "object")}[kind]


def _parquet(rows: list[dict], columns: list[tuple[str, str]], descriptions: dict[str, str], path: Path) -> Path:
    """A table whose schema describes itself, as the run's tables do (store.described_schema)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .store import described_schema
    schema = described_schema((c, *_types(k), descriptions[c]) for c, k in columns)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


def _parquet_rows(rows: list[dict], path: Path) -> Path:
    return _parquet(rows, [(c, k) for c, k, _ in ROW_COLUMNS], ROW_DESCRIPTIONS, path)


def _parquet_findings(findings: list[PanelFinding], path: Path) -> Path:
    ints = {"page_a", "start_a", "end_a", "page_b", "start_b", "end_b"}
    columns = [(c, "year" if c == "fiscal_year" else "int" if c in ints else "str") for c in FINDING_COLUMNS]
    return _parquet([finding_row(f) for f in findings], columns, FINDING_DESCRIPTIONS, path)


NUMBER_FORMATS = {"money": "#,##0.00", "pct": "0.00", "float": "0.##", "int": "0", "year": "0"}


def _append(ws, values: list) -> None:
    """One row of a sheet: text stays text (openpyxl would make "=…" a live formula) and is cleaned of
    what a cell cannot hold."""
    ws.append([xlsx_text(v) if isinstance(v, str) else v for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def _xlsx(panel: Panel, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    wb = Workbook()
    ws = wb.active
    ws.title = "panel"
    _append(ws, [h for _, _, h in ROW_COLUMNS])
    for r in panel.rows:
        _append(ws, [_csv_cell(r[c]) for c, _, _ in ROW_COLUMNS])
    for j, (_, kind, _) in enumerate(ROW_COLUMNS, 1):
        if kind in NUMBER_FORMATS:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = NUMBER_FORMATS[kind]
    fs = wb.create_sheet("findings")
    _append(fs, list(FINDING_HEADERS))
    for f in panel.findings:
        row = finding_row(f)
        _append(fs, [row.get(c) for c in FINDING_COLUMNS])
    us = wb.create_sheet("unplaced")
    _append(us, ["文件", "报告类型", "原因"])
    for u in panel.unplaced:
        _append(us, [u["path"], u["report_type"], u["why"]])
    cs = wb.create_sheet("columns")
    _append(cs, ["列", "column", "说明"])
    for c, _, h in ROW_COLUMNS:
        _append(cs, [h, c, ROW_DESCRIPTIONS[c]])
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    wb.save(path)
    return path


# ---------------------------------------------------------------- rule examples (tests/test_rules.py)

EXAMPLE_SEPARATOR = re.compile(r"\n===\n")


def example_field(text: str, name: str):
    """What a rule example in rules/panel.yaml states: panel.name (a name), panel.subject (a report),
    panel.findings / panel.rows (reports separated by a line ===, through the pipeline and the panel)."""
    from ..api import extract_text
    if name == "panel.name":
        return org_name(text)
    if name == "panel.subject":
        r = extract_text(text)
        title = r.report_type.evidence.text if r.report_type else ""
        return subject_of(title, r.organization.value if r.organization else None)
    records = [extract_text(t, path=f"example-{i}.txt") for i, t in enumerate(EXAMPLE_SEPARATOR.split(text), 1)]
    panel = build(records)
    if name == "panel.findings":
        return [f.model_dump(mode="json") for f in panel.findings]
    if name == "panel.rows":
        return panel.rows
    raise ValueError(f"no panel field {name!r}")

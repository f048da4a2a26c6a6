"""report: a finished OUTDIR -> report.html (overview and document list) and report/doc.html (every
document's page, from report/docs-<k>.js).

Everything is read back from what `jixiao extract` wrote: records.jsonl, one record at a time, and
texts.jsonl, the text layers every evidence offset indexes (and, for a document with findings, its
original file, for page images and cell names). Nothing is held for the whole batch but counts,
histogram bins, the list's index and one chunk of document pages: each document's page is rendered as
soon as its record is read, and its row of the document list goes to a spool file that the list pages
are written from at the end.

- report.html: the overview (documents by status and by report type, findings by rule and
  severity, histograms of the stated execution rates and of the self-evaluation scores as inline
  SVG) and the document list: the first `page_size` rows as HTML (further rows go to
  report/list-<k>.html), and every row in an embedded JSON index that an inline script (list.js)
  searches, filters, sorts and pages.
- report/doc.html#n=<n>: document n of records.jsonl (1-based): its facts, findings (each rule
  explained from rules/explain.yaml) and tables, every value linked to its evidence, the text with
  every evidence highlighted as <mark id="e<start>-<end>">, and for a PDF the pages holding evidence
  as images with each evidence's box (originals.py; images in report/img). The pages are rendered
  here, a hundred to a chunk file report/docs-<k>.js, which doc.html's script (doc.js) loads: a
  few dozen files a run rather than one per document (creating a file costs 75-225 appends).

Every page is self-contained (inline CSS and script, no network) and made by Jinja2 templates
(pipeline/templates) with autoescape on, so a document's own text can never become markup.

    python -m pipeline.outputs.report OUTDIR
"""
from __future__ import annotations

import heapq
import json
import math
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Set
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from itertools import islice
from pathlib import Path
from typing import overload

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .export import PAGES, replacing
from .findings_view import REPORT_TYPE, SEVERITY_ORDER, evidence_line, read_jsonl
from ..models import Budget, Evidence, Fact, Record
from .originals import Original, original
from .labels import label, labels
from .texts import Texts
from ..rules import RULES_DIR, yaml_data

PAGE_SIZE = 500                 # rows of the document list per page (report.html holds the first page)
TEMPLATES = Path(__file__).parent / "templates"
SEVERITIES = ("error", "warning", "info")
SEVERITY_LABEL = labels().labels.severity       # code -> Chinese name, one vocabulary (rules/labels.yaml)
STATUS_LABEL = labels().labels.status
BUDGET_LABEL = {"initial_yuan": "年初预算数", "total_yuan": "全年预算数", "executed_yuan": "执行数",
                "rate_pct": "执行率"}
FUND_ROLE = labels().labels.fund_role
_OWN_PAGE = re.compile(r"(\d+|list-\d+|doc)\.html|docs-\d+\.js")     # <n>.html: an earlier version's
CHUNK_DOCS = 100                # document pages per report/docs-<k>.js ...
CHUNK_CHARS = 4_000_000         # ... or fewer, past this many characters (a few long reports)
IMAGES = "img"                  # report/img: the PDF page images


@cache
def explanations() -> dict[str, dict]:
    """rule id -> {title, compared, check, values: {key: {label, unit}}} from rules/explain.yaml: the
    words an auditor reads beside a rule, kept as data beside the rules they explain."""
    try:
        data = yaml_data(RULES_DIR / "explain.yaml") or {}
    except OSError:
        return {}
    return data.get("explain") or {}


def explain(rule: str) -> dict:
    """A rule's explanation, titled with its name in the one vocabulary (rules/labels.yaml), or its
    name alone for a rule explain.yaml does not know."""
    return {"compared": "", "check": "", "values": {}, **explanations().get(rule, {}), "title": label("rule", rule)}


# ---------------------------------------------------------------- the overview's numbers

@dataclass
class Histogram:
    """Counts in 5-point bins over 0-100 (100 falls in the last bin) plus one bin for values outside."""
    title: str
    unit: str
    width: int = 5
    bins: list[int] = field(default_factory=lambda: [0] * 21)
    n: int = 0
    missing: int = 0            # ok documents that do not state the value
    low: float | None = None
    high: float | None = None
    total: float = 0.0

    def add(self, v: float | None) -> None:
        if v is None or not isinstance(v, (int, float)) or math.isnan(v):
            self.missing += 1
            return
        self.n += 1
        self.total += v
        self.low = v if self.low is None else min(self.low, v)
        self.high = v if self.high is None else max(self.high, v)
        self.bins[self.bin(v)] += 1

    def bin(self, v: float) -> int:
        last = len(self.bins) - 2
        if 0 <= v <= 100:
            return min(int(v // self.width), last)
        return last + 1

    def label(self, i: int) -> str:
        if i == len(self.bins) - 1:
            return "0–100以外"
        lo = i * self.width
        return f"{lo}–{lo + self.width}{self.unit}"

    def chart(self, *, width: int = 660, height: int = 220) -> dict:
        """The bars' geometry in SVG user units; the template only draws them."""
        left, right, top, bottom = 40, 10, 12, 36
        plot_w, plot_h = width - left - right, height - top - bottom
        step = plot_w / len(self.bins)
        peak = max(self.bins) or 1
        bars = []
        for i, count in enumerate(self.bins):
            h = round(plot_h * count / peak, 1)
            bars.append({"x": round(left + i * step + 1, 1), "y": round(top + plot_h - h, 1),
                         "w": round(step - 2, 1), "h": h, "count": count, "label": self.label(i),
                         "outside": i == len(self.bins) - 1})
        ticks = [{"x": round(left + i * step, 1), "label": str(i * self.width)}
                 for i in range(0, len(self.bins), 4)]
        return {"width": width, "height": height, "left": left, "top": top, "plot_w": plot_w,
                "plot_h": plot_h, "base": top + plot_h, "peak": peak, "bars": bars, "ticks": ticks,
                "outside_x": round(left + (len(self.bins) - 0.5) * step, 1),
                "mean": self.total / self.n if self.n else None}


@dataclass
class Overview:
    documents: int = 0
    status: Counter = field(default_factory=Counter)
    types: Counter = field(default_factory=Counter)              # ok documents only; None: not recognised
    findings: Counter = field(default_factory=Counter)           # (rule, severity) -> findings
    rule_documents: Counter = field(default_factory=Counter)     # rule -> documents
    years: Counter = field(default_factory=Counter)              # ok documents by fiscal year
    with_findings: int = 0
    rates: Histogram = field(default_factory=lambda: Histogram("报告所称执行率", "%"))
    scores: Histogram = field(default_factory=lambda: Histogram("自评得分", "分"))

    def add(self, r: Record) -> None:
        self.documents += 1
        self.status[r.status] += 1
        if r.status != "ok":
            return
        self.types[None if r.report_type is None else r.report_type.value] += 1
        self.years[_value(r.fiscal_year)] += 1
        self.rates.add(_value(r.budget.rate_pct))
        self.scores.add(_value(r.self_score))
        self.with_findings += bool(r.findings)
        for f in r.findings:
            self.findings[(f.rule, f.severity)] += 1
        for rule in {f.rule for f in r.findings}:
            self.rule_documents[rule] += 1

    def view(self) -> dict:
        rules = sorted(self.rule_documents, key=lambda rule: (
            min(SEVERITY_ORDER.get(s, 3) for (r, s) in self.findings if r == rule),
            -sum(c for (r, _), c in self.findings.items() if r == rule), rule))
        types = [{"key": t or "unknown", "label": REPORT_TYPE.get(t, t) if t else "未识别", "count": self.types[t]}
                 for t in [*REPORT_TYPE, *sorted(t for t in self.types if t and t not in REPORT_TYPE), None]
                 if t in REPORT_TYPE or self.types[t]]
        return {
            "documents": self.documents, "with_findings": self.with_findings,
            "status": [{"key": s, "label": STATUS_LABEL[s], "count": self.status[s]} for s in STATUS_LABEL],
            "types": types,
            "years": sorted((y for y in self.years if isinstance(y, int)), reverse=True),
            "rules": [{"rule": rule, "documents": self.rule_documents[rule], "explain": explain(rule),
                       "counts": {s: self.findings[(rule, s)] for s in SEVERITIES}} for rule in rules],
            "severity_totals": {s: sum(c for (_, sev), c in self.findings.items() if sev == s) for s in SEVERITIES},
            "rates": self.rates, "scores": self.scores,
        }


# ---------------------------------------------------------------- one document

def _value(f: Fact | None):
    return None if f is None else f.value


def span_id(e: Evidence) -> str:
    """The id of the <mark> an evidence is highlighted by: e<start>-<end> (one per distinct span)."""
    return f"e{e.start}-{e.end}"


class Spans:
    """The evidences one page links to, each distinct span once, with what uses it, and where each
    is on the original (a box on a page image, a cell name)."""

    def __init__(self, text: str | None, orig: Original | None = None):
        self.text = text
        self.original = orig or Original()
        self.uses: dict[tuple[int, int], list[str]] = {}
        self.by_finding: set[tuple[int, int]] = set()

    def link(self, e: Evidence | None, use: str, *, finding: bool = False) -> dict | None:
        if e is None:
            return None
        key = (e.start, e.end)
        shown = self.text is not None and 0 <= e.start < e.end <= len(self.text)
        if shown:
            self.uses.setdefault(key, [])
            if use not in self.uses[key]:
                self.uses[key].append(use)
            if finding:
                self.by_finding.add(key)
        return {"href": f"#{span_id(e)}" if shown else None, "label": evidence_line(e), "text": e.text,
                "start": e.start, "end": e.end, "page": e.page,
                "box": self.original.box_of(e), "cell": self.original.cells.get(key),
                "mismatch": shown and self.text is not None and self.text[e.start:e.end] != e.text}

    @overload
    def fact(self, f: Fact, use: str) -> dict: ...
    @overload
    def fact(self, f: None, use: str) -> None: ...
    def fact(self, f: Fact | None, use: str) -> dict | None:
        return None if f is None else {"value": f.value, "evidence": self.link(f.evidence, use)}


def evidences(r: Record) -> list[Evidence]:
    """The evidences a document's page links to from its findings and facts: those to find on
    the original (a box on a rendered page, a cell name)."""
    out = [e for f in r.findings for e in f.evidence]
    facts = [r.report_type, r.fiscal_year, r.organization, r.self_score, r.deduction, r.grade,
             *(getattr(b, k) for b in (r.budget, *(p.budget for p in r.projects)) for k in BUDGET_LABEL),
             *(getattr(fr, k) for fr in r.funds
               for k in ("initial_yuan", "total_yuan", "executed_yuan", "weight", "rate_pct", "score"))]
    out += [f.evidence for f in facts if f is not None]
    return out


_HTML_SPECIAL = re.compile("[&<>\"']")


def _h(s: str) -> str:
    """Text escaped as markupsafe.escape does, as a plain string: the pages' pieces built here are
    many (every text run and evidence), and one Markup each cost more than the escaping."""
    if _HTML_SPECIAL.search(s) is None:
        return s
    return s.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;").replace('"', "&#34;")


def text_html(tree: list) -> Markup:
    """The highlighted text as HTML: text runs escaped, a page break as a marked form feed, each
    <mark> with its span and uses. Built here rather than by a recursive template loop, which cost
    more than the rest of a document's page."""
    out: list[str] = []

    def walk(nodes: list) -> None:
        for node in nodes:
            if node["kind"] == "text":
                out.append(_h(node["text"]))
            elif node["kind"] == "page":
                out.append(f'<span class="pb" data-label="第 {node["page"]} 页">&#12;</span>')
            else:
                ident = f' id="{_h(node["id"])}"' if node["id"] else ""
                out.append(f'<mark{ident} class="{"hit" if node["hit"] else "fact"}" data-ev="{_h(node["span"])}" '
                           f'data-start="{node["start"]}" data-end="{node["end"]}" title="{_h(node["title"])}">')
                walk(node["children"])
                out.append("</mark>")
    walk(tree)
    return Markup("".join(out))


def evidence_html(ev: dict | None) -> Markup:
    """An evidence as a page links it (a `Spans.link` dict): its line, a link to its mark when the
    text holds it. The `evidence` filter; a template macro cost a third of a document's page."""
    if not ev:
        return Markup("")
    if ev["href"]:
        out = (f'<a class="ev" href="{_h(ev["href"])}" data-start="{ev["start"]}" data-end="{ev["end"]}">'
               f'{_h(ev["label"])}</a>')
    else:
        out = f'<span class="ev muted" title="不在保存的文本中">{_h(ev["label"])}</span>'
    if ev["cell"]:
        out += f' <span class="cell" title="原件中的单元格">{_h(ev["cell"])}</span>'
    if ev["box"]:
        out += f' <a class="orig" href="#{_h(ev["box"])}" title="原件第 {ev["page"]} 页上的位置">原件第 {ev["page"]} 页</a>'
    if ev["mismatch"]:
        out += ' <span class="mismatch">（与文本不符）</span>'
    return Markup(out)


def _titled(f: dict, key: str) -> tuple[str, str]:
    """A fact's exact amount in 元 as a title (for an amount) and its value as a person reads it."""
    title = f' title="{_h(_yuan(f["value"]))}"' if key.endswith("_yuan") else ""
    return title, _h(_figure(f["value"], key))


def fact_cell(f: dict | None, key: str = "") -> Markup:
    """A fact (a `Spans.fact` dict) as two cells, its value and its evidence. Built here, as
    evidence_html, rather than by a template macro: a macro call costs more than its cells."""
    if not f:
        return Markup('<td class="num"></td><td></td>')
    title, shown = _titled(f, key)
    return Markup(f'<td class="num"{title}>{shown}</td><td>{evidence_html(f["evidence"])}</td>')


def fact_stack(f: dict | None, key: str = "") -> Markup:
    """A value and, under it, its evidence: one cell per figure, so a wide table fits a 1024 px screen."""
    if not f:
        return Markup('<td class="num"></td>')
    title, shown = _titled(f, key)
    return Markup(f'<td class="num stack"><span class="v"{title}>{shown}</span>'
                  f'<div class="note">{evidence_html(f["evidence"])}</div></td>')


def quantity_rows(quantities: list[dict]) -> Markup:
    """A page's counted outputs as table rows. The table rows a page has by the hundred are built
    here, as the cells above: the template's loop spent more on its calls than on the rows."""
    return Markup("\n".join(
        f'<tr><td>{_h(q["subject"])}</td><td class="num">{_h(_num(q["value"]))}</td><td>{_h(q["unit"])}</td>'
        f'<td>{evidence_html(q["evidence"])}</td></tr>' for q in quantities))


def indicator_rows(indicators: list[dict]) -> Markup:
    """A page's performance indicators as table rows (see quantity_rows)."""
    return Markup("\n".join(
        f'<tr><td>{_h(i["level1"] or "")}</td><td>{_h(i["level2"] or "")}</td><td>{_h(i["level3"] or "")}</td>'
        f'<td>{_h(i["target"] or "")}</td>\n<td>{_h(i["actual"] or "")}</td><td class="num">{_h(_num(i["weight"]))}'
        f'</td><td class="num">{_h(_num(i["score"]))}</td><td>{evidence_html(i["evidence"])}</td></tr>'
        for i in indicators))


def highlight(text: str, spans: dict[tuple[int, int], list[str]], hits: Set[tuple[int, int]] = frozenset()) -> list:
    """The text as a tree for the template: text runs, page breaks and <mark> nodes.

    Spans that nest (or coincide) become nested marks, so a mark's text is its evidence's words. A
    span that crosses the end of an enclosing one is cut there and continues after it: every piece
    is a mark of its own (`data-start`/`data-end` give the piece's offsets, `data-ev` the span), and
    only the first piece carries the id a link jumps to. The markup stays well formed whatever the
    overlaps; each piece's text is text[data-start:data-end].
    """
    root: dict = {"children": []}
    stack: list[tuple[dict, int]] = [(root, len(text))]
    queue = [(s, -e, s, True) for (s, e) in spans if 0 <= s < e <= len(text)]
    heapq.heapify(queue)
    pos = 0
    page = 1

    def emit(node: dict, upto: int) -> None:
        nonlocal pos, page
        chunk = text[pos:upto]
        pos = upto
        for i, part in enumerate(chunk.split("\f")):
            if i:
                page += 1
                node["children"].append({"kind": "page", "page": page})
            if part:
                node["children"].append({"kind": "text", "text": part})

    while queue:
        start, neg_end, origin, first = heapq.heappop(queue)
        end = -neg_end
        while len(stack) > 1 and stack[-1][1] <= start:
            node, node_end = stack.pop()
            emit(node, node_end)
        emit(stack[-1][0], start)
        key = (origin, end)
        if end > stack[-1][1]:                          # crosses the enclosing mark's end: cut it there
            cut = stack[-1][1]
            heapq.heappush(queue, (cut, -end, origin, False))
            end = cut
        if end <= start:
            continue
        uses = spans.get(key, [])
        node = {"kind": "mark", "id": f"e{origin}-{key[1]}" if first else None, "span": f"e{origin}-{key[1]}",
                "start": start, "end": end, "title": "；".join(uses), "hit": key in hits, "children": []}
        stack[-1][0]["children"].append(node)
        stack.append((node, end))
    while len(stack) > 1:
        node, node_end = stack.pop()
        emit(node, node_end)
    emit(root, len(text))
    return root["children"]


def _budget_facts(b: Budget, spans: Spans, scope: str) -> list[dict]:
    out = []
    for k, name in BUDGET_LABEL.items():
        f = getattr(b, k)
        if f is not None:
            out.append({"key": k, "label": name, **spans.fact(f, f"{scope}{name}")})
    return out


def finding_values(rule: str, values: dict) -> list[dict]:
    """A finding's figures as the auditor reads them: labelled, in their unit (explain.yaml)."""
    known = explain(rule)["values"]
    out = []
    for key, v in values.items():
        meaning = known.get(key) or {"label": key, "unit": _unit_of(key)}
        out.append({"key": key, "label": meaning["label"], "shown": _in_unit(v, meaning["unit"]),
                    "exact": _exact(v, meaning["unit"])})
    return out


def document_view(n: int, r: Record, text: str | None, orig: Original | None = None) -> dict:
    """What document.html shows of one record (evidence links resolved against its text and, given
    `orig`, against the original's page images and cells)."""
    spans = Spans(text, orig)
    findings = []
    for i, f in enumerate(sorted(r.findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 3)), 1):
        findings.append({"n": i, "rule": f.rule, "severity": f.severity, "explain": explain(f.rule),
                         "severity_label": SEVERITY_LABEL.get(f.severity, f.severity),
                         "message": f.message, "values": finding_values(f.rule, f.values),
                         "evidence": [spans.link(e, f"{f.rule}（{SEVERITY_LABEL.get(f.severity, f.severity)}）",
                                                 finding=True) for e in f.evidence]})
    facts = []
    for key, name in (("report_type", "报告类型"), ("fiscal_year", "年度"), ("organization", "单位")):
        f = getattr(r, key)
        if f is not None:
            facts.append({"key": key, "label": name, **spans.fact(f, name)})
    facts += _budget_facts(r.budget, spans, "")
    for key, name in (("self_score", "自评得分"), ("deduction", "扣分"), ("grade", "自评等级")):
        f = getattr(r, key)
        if f is not None:
            facts.append({"key": key, "label": name, **spans.fact(f, name)})
    indicators = [{**i.model_dump(exclude={"evidence"}), "evidence": spans.link(i.evidence, f"指标 {i.level3 or ''}")}
                  for i in r.indicators]
    structure = [{"level": s.level, "count": s.count, "names": s.names,
                  "evidence": spans.link(s.evidence, f"{s.level}级指标数")} for s in r.indicator_structure]
    projects = [{"name": p.name, "evidence": spans.link(p.evidence, f"项目 {p.name}"),
                 "facts": {f["key"]: f for f in _budget_facts(p.budget, spans, f"项目 {p.name} ")},
                 "total_yuan": p.total_yuan, "executed_yuan": p.executed_yuan, "rate_pct": p.rate_pct}
                for p in r.projects]
    funds = [{"label": fr.label, "role": FUND_ROLE.get(fr.role, fr.role),
              "evidence": spans.link(fr.evidence, fr.label),
              "facts": {k: spans.fact(getattr(fr, k), f"{fr.label} {BUDGET_LABEL.get(k, k)}")
                        for k in ("initial_yuan", "total_yuan", "executed_yuan", "weight", "rate_pct", "score")}}
             for fr in r.funds]
    quantities = [{"value": q.value, "unit": q.unit, "subject": q.subject,
                   "evidence": spans.link(q.evidence, f"数量 {q.subject}")} for q in r.quantities]
    return {
        "n": n, "path": r.source.path, "source": r.source, "status": r.status,
        "status_label": STATUS_LABEL.get(r.status, r.status), "error": r.error,
        "report_type": _value(r.report_type), "fiscal_year": _value(r.fiscal_year),
        "organization": _value(r.organization),
        "facts": facts, "findings": findings, "indicators": indicators, "structure": structure,
        "projects": projects, "funds": funds, "quantities": quantities,
        "has_text": text is not None, "text_chars": len(text) if text is not None else 0,
        "text_html": text_html(highlight(text, spans.uses, spans.by_finding)) if text is not None else "",
        "marks": len(spans.uses), "original": spans.original,
    }


def list_row(n: int, r: Record) -> dict:
    """One row of the document list: what the overview keeps of a record (spooled, not held), and
    what report.html's script searches, filters and sorts by (its embedded index is these rows)."""
    return {"n": n, "path": r.source.path, "status": r.status, "error": r.error,
            "report_type": _value(r.report_type), "fiscal_year": _value(r.fiscal_year),
            "organization": _value(r.organization), "score": _value(r.self_score),
            "rate": _value(r.budget.rate_pct),
            "errors": sum(f.severity == "error" for f in r.findings),
            "warnings": sum(f.severity == "warning" for f in r.findings),
            "infos": sum(f.severity == "info" for f in r.findings),
            "rules": sorted({f.rule for f in r.findings})}


def index_json(rows: Iterable[str]) -> Markup:
    """The list rows (JSON lines) as one JSON array for a <script type="application/json">: "<" is
    written \\u003c, so a document's own "</script>" cannot end the element."""
    return Markup("[" + ",".join(line.strip().replace("<", "\\u003c") for line in rows) + "]")


# ---------------------------------------------------------------- rendering

def _money(v) -> str:
    """An amount in yuan as finance staff read it: 900000 -> 90.00 万元 (more decimals only when
    the yuan need them: 1234567.8 -> 123.45678 万元)."""
    if v is None:
        return ""
    if isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
        return str(v)
    try:
        wan = Decimal(str(v)) / 10000
    except InvalidOperation:
        return str(v)
    if not wan.is_finite():
        return str(v)
    exponent = wan.normalize().as_tuple().exponent
    places = max(2, min(8, -exponent if isinstance(exponent, int) else 0))
    return f"{wan:,.{places}f} 万元"


def _yuan(v: object) -> str:
    """The same amount in yuan, for a tooltip: 900000 -> 900,000 元."""
    if not isinstance(v, (int, float, Decimal)) or isinstance(v, bool):
        return ""
    if abs(float(v)) >= 1e15:
        return f"{_num(v)} 元"
    shown = f"{Decimal(str(v)):,f}"
    return f"{shown.rstrip('0').rstrip('.') if '.' in shown else shown} 元"


def _num(v) -> str:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        v = float(v)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)


def _pct(v) -> str:
    return "" if v is None else f"{_num(v)}%"


def _unit_of(key: str) -> str:
    """The unit a value's key names (..._yuan, ..._pct), for values explain.yaml does not describe."""
    return "yuan" if key.endswith("_yuan") else "pct" if key.endswith("_pct") else "text"


def _in_unit(v, unit: str) -> str:
    """A finding's figure shown in its unit: 万元, %, 分, 个, 年."""
    number = isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)
    if unit == "yuan" and number:
        return _money(v)
    if unit == "pct" and number:
        return _pct(v)
    if unit == "points" and number:
        return f"{_num(v)} 分"
    return _num(v)


def _exact(v, unit: str) -> str:
    return _yuan(v) if unit == "yuan" else ""


def _figure(v, key: str = "") -> str:
    """A value as a person reads it, by what the key says it is."""
    if key.endswith("_yuan") and isinstance(v, (int, float)):
        return _money(v)
    if key.endswith("_pct") and isinstance(v, (int, float)):
        return _pct(v)
    if key == "report_type" and v in REPORT_TYPE:
        return f"{REPORT_TYPE[v]}（{v}）"
    return _num(v)


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                      bytecode_cache=FileSystemBytecodeCache())    # compiled once, not each run (a user's own folder)
    env.filters.update(num=_num, pct=_pct, evidence=evidence_html)
    env.globals.update(REPORT_TYPE=REPORT_TYPE, SEVERITIES=SEVERITIES, SEVERITY_LABEL=SEVERITY_LABEL,
                       STATUS_LABEL=STATUS_LABEL, fact_cell=fact_cell, fact_stack=fact_stack,
                       quantity_rows=quantity_rows, indicator_rows=indicator_rows, rule_title=lambda rule: explain(rule)["title"])
    return env


_ENV = environment()
_TEMPLATE = {name: _ENV.get_template(name) for name in _ENV.list_templates()}
"""Every template (the pages and what they extend, import and include), compiled on import, which
a run does while its files are read: a tenth of a second less at the end."""


def _chunks(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def _count_lines(path: Path) -> int:
    """How many records a records.jsonl holds (non-blank lines), without parsing them."""
    try:
        with open(path, "rb") as f:
            return sum(1 for line in f if line.strip())
    except OSError:
        return 0            # read_jsonl names the problem


def _write(path: Path, page: str) -> None:
    """A page rendered whole, then written, whole or not at all (a full disk leaves no half page): a
    streamed page was encoded and written fragment by fragment, thousands of them, at a quarter of the
    page's cost."""
    with replacing(path) as partial:
        partial.write_text(page, encoding="utf-8", newline="")


class Chunks:
    """Document pages gathered into report/docs-<k>.js files, each `jixiao.docs(<first n>, [{title,
    html}, …]);` and written whole when full: CHUNK_DOCS pages, or fewer past CHUNK_CHARS. `starts`
    (the first n of each) tells doc.html which file holds a document."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.starts: list[int] = []
        self._parts: list[str] = []
        self._chars = 0

    def add(self, n: int, title: str, html: str) -> None:
        if not self._parts:
            self.starts.append(n)
        self._parts.append(json.dumps({"title": title, "html": html}, ensure_ascii=False)
                           .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
        self._chars += len(html)
        if len(self._parts) >= CHUNK_DOCS or self._chars >= CHUNK_CHARS:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            _write(self.folder / f"docs-{len(self.starts)}.js",
                   f"jixiao.docs({self.starts[-1]}, [\n" + ",\n".join(self._parts) + "\n]);\n")
            self._parts, self._chars = [], 0


def write_report(outdir: Path, *, page_size: int = PAGE_SIZE) -> Path:
    """Write OUTDIR/report.html and OUTDIR/report/ (doc.html, docs-<k>.js, list-<k>.html) from
    OUTDIR/records.jsonl and OUTDIR/texts.jsonl; return the path of report.html. Pages a previous run
    left in OUTDIR/report are replaced; report.html is written last, so that it is there only when
    every page it links to is."""
    outdir = Path(outdir)
    report = outdir / "report.html"
    report.unlink(missing_ok=True)
    pages = outdir / PAGES
    pages.mkdir(parents=True, exist_ok=True)
    for old in pages.iterdir():
        if _OWN_PAGE.fullmatch(old.name):
            old.unlink()
    document = _TEMPLATE["document.html"]
    overview = Overview()
    total = _count_lines(outdir / "records.jsonl")
    images: set[str] = set()
    chunks = Chunks(pages)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool, Texts(outdir) as texts:
        for n, r in enumerate(read_jsonl(outdir / "records.jsonl"), 1):
            overview.add(r)
            list_page = (n - 1) // page_size + 1
            back = "../report.html" if list_page == 1 else f"list-{list_page}.html"
            text = texts.get(r.source.sha256)
            orig = original(r, text, evidences(r), pages / IMAGES, images)
            chunks.add(n, f"{n}. {_value(r.organization) or r.source.path}",
                       document.render(doc=document_view(n, r, text, orig), back=back, total=total, outdir=str(outdir)))
            spool.write(json.dumps(list_row(n, r), ensure_ascii=False) + "\n")
        chunks.flush()
        _write(pages / "doc.html", _TEMPLATE["doc.html"].render(starts=json.dumps(chunks.starts), total=total))
        _prune(pages / IMAGES, images)
        spool.seek(0)
        index = index_json(spool)
        spool.seek(0)
        count = max(1, math.ceil(overview.documents / page_size))
        nav = [{"k": k, "first": (k - 1) * page_size + 1, "last": min(k * page_size, overview.documents)}
               for k in range(1, count + 1)]
        rows = (json.loads(line) for line in spool)
        list_chunks = _chunks(rows, page_size)
        first = _TEMPLATE["report.html"].render(
            overview=overview.view(), rows=next(list_chunks, []), nav=nav, page=1, prefix=f"{PAGES}/",
            list_prefix="", pages_dir=f"{PAGES}/", outdir=str(outdir), index=index, labels=labels_json())
        for k, chunk in enumerate(list_chunks, 2):
            _write(pages / f"list-{k}.html", _TEMPLATE["list.html"].render(
                rows=chunk, nav=nav, page=k, prefix="", document_count=overview.documents, outdir=str(outdir)))
    _write(report, first)
    return report


def labels_json() -> Markup:
    """The words report.html's script shows for codes: report types, statuses, rule titles."""
    labels = {"type": {**REPORT_TYPE, "unknown": "未识别"}, "status": STATUS_LABEL,
              "rule": {rule: e.get("title", rule) for rule, e in explanations().items()}}
    return Markup(json.dumps(labels, ensure_ascii=False).replace("<", "\\u003c"))


def _prune(folder: Path, kept: set[str]) -> None:
    """Page images no document's page shows any more (a file gone from the run, or changed)."""
    if folder.is_dir():
        for old in folder.iterdir():
            if old.suffix == ".png" and old.name not in kept:
                old.unlink()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m pipeline.outputs.report OUTDIR", file=sys.stderr)
        return 1
    print(write_report(Path(args[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main())

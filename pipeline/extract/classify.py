"""classify: NormText -> Classified (report type, fiscal year, organisation).

The title decides most of it: the first line that names a performance self-evaluation (or one of
the look-alike negatives: 决算说明, 管理办法, 单位预算) gives the type by its first type keyword,
the year written in it; pipeline.extract.organization reads the reporting unit from the title and labels.
"""
from __future__ import annotations

import re
from collections import Counter

from ..models import Classified, Fact, NormText
from .organization import organization
from ..rules import rules
from ..text.layer import Span, evidence, line_offset

TITLE_LINES = 60          # how far down a title is looked for
TITLE_CONTEXT = 40        # characters before the title keyword that still belong to the title
TITLE_TAIL = 16           # and after it ("…自评表(2022年度)")
OPENING_CHARS = 200       # the opening text read for the type when there is no title line


def classify(doc: NormText) -> Classified:
    titles = _title_segments(doc)
    report_type = _report_type(doc, titles)
    year = _fiscal_year(doc, titles)
    org = organization(doc, titles, report_type.value if report_type else "department")
    return Classified(doc=doc, report_type=report_type, fiscal_year=year, organization=org)


def _title_segments(doc: NormText) -> list[tuple[int, int, str]]:
    """(start, end, rule id) of each title-like stretch among the first lines: titles, then prose.

    Site furniture (breadcrumbs, 发布日期 lines) is passed over. A sentence that names the report
    ("本局已完成2023年度部门整体支出绩效自评,有关情况报告如下") is kept, cut to its clause, after every real
    title line. A title is head-final, so a line (or cell) that ends in a negative head (…决算表,
    …结果的通报) is a negative whatever it names before; in prose such a word decides nothing.
    """
    r = rules()
    perf, summary, other = r.get("title.performance"), r.get("title.summary"), r.get("title.other")
    skip, sentence = r.get("title.skip").regex, r.get("title.sentence").regex
    limit = line_offset(doc.folded, TITLE_LINES)
    lines = _kept_lines(doc.folded[:limit], skip)
    titles, prose = [], []
    for before, m, after in zip([None, *lines[:-1]], lines, [*lines[1:], None]):
        line_start, line = m.start(), m.group(0)
        om, pm = other.regex.search(line), perf.regex.search(line)
        if om and not sentence.search(line, line.rfind("|", 0, om.start()) + 1, om.start()):
            titles.append((line_start, line_start + len(line), other.id))
        elif pm and sentence.search(line, 0, min(len(line), pm.end() + TITLE_TAIL)):
            start, end = _clause(line, pm.start(), pm.end())
            prose.append((line_start + start, line_start + end, "title.sentence"))
        elif pm:
            start = line_start + max(0, pm.start() - TITLE_CONTEXT)
            if pm.start() == 0 and before is not None and _names_subject(before.group(0)):
                start = before.start()      # 某某项目资金 / 绩效评价报告: the title broke before its head
            titles.append((start, line_start + min(len(line), pm.end() + TITLE_TAIL), perf.id))
        elif after is not None and (wrapped := perf.regex.search(line + after.group(0))) \
                and wrapped.start() < len(line) < wrapped.end() and not sentence.search(line, 0, wrapped.start()):
            # a long title wrapped onto the next line (…项目绩效 / 自评报告): one title over both lines
            start = max(0, wrapped.start() - TITLE_CONTEXT)
            titles.append((line_start + start, after.end(), perf.id))
        elif summary.regex.search(line) and not sentence.search(line):
            titles.append((line_start, line_start + len(line), summary.id))
    return titles + prose


def _kept_lines(text: str, skip: re.Pattern) -> list[re.Match]:
    """The lines that are not furniture; a line that is only a label ([ 体裁分类 ]) takes its value
    line with it."""
    kept, label = [], False
    for m in re.finditer(r"[^\n]+", text):
        if skip.search(m.group(0)):
            label = bool(re.fullmatch(r"\s*[\[【][^\]】]+[\]】]\s*", m.group(0)))
        elif label:
            label = False
        else:
            kept.append(m)
    return kept


def _clause(line: str, start: int, end: int) -> tuple[int, int]:
    """The clause of `line` around [start, end): from the last sentence mark before to the next after."""
    sentence = rules().get("title.sentence").regex
    marks = [m.start() for m in sentence.finditer(line)]
    left = max([m + 1 for m in marks if m < start], default=0)
    right = min([m for m in marks if m >= end], default=len(line))
    return max(left, start - TITLE_CONTEXT), min(right, end + TITLE_TAIL)


def _names_subject(line: str) -> bool:
    """A short line of plain words (no cells, labels or sentence marks) can be a title's first half."""
    return len(line.strip()) <= TITLE_CONTEXT and not re.search(r"[|:]", line) \
        and not rules().get("title.sentence").regex.search(line)


def _report_type(doc: NormText, titles: list[tuple[int, int, str]]) -> Fact | None:
    """A title word decides (_worded_type); where none does, the form label, the plain title or the
    opening text (_unworded_type)."""
    return _worded_type(doc, titles) or _unworded_type(doc, titles)


def type_readings(doc: NormText) -> tuple[Fact | None, Fact | None, str]:
    """What the title words decide, what the rules say where they do not, and the title region (the
    first title line, else the opening text): apart, so tools/train_type.py can weigh a learned
    fallback against the rules on the reports no title word types."""
    titles = _title_segments(doc)
    lines = [t for t in titles if t[2] != "title.sentence"]
    start, end = lines[0][:2] if lines else _opening(doc)
    return _worded_type(doc, titles), _unworded_type(doc, titles), doc.folded[start:end]


def _worded_type(doc: NormText, titles: list[tuple[int, int, str]]) -> Fact | None:
    """The first title line decides when it has a word for it: a negative title -> other; else its
    first type keyword, in rule order. Later title-like lines ("(一)部门预算", "附件:项目自评表") are
    sections, not the title."""
    lines = [t for t in titles if t[2] != "title.sentence"]
    if not lines:
        return None
    start, end, rule_id = lines[0]
    if rule_id == "title.other":
        return _fact(doc, start, end, rule_id, "other")
    for r in rules().of("body_type"):
        if r.regex.search(doc.folded, start, end):
            return _fact(doc, start, end, r.id, r.param("type"))
    return None


def _unworded_type(doc: NormText, titles: list[tuple[int, int, str]]) -> Fact | None:
    """A title naming no type is read by the form's first label (项目名称: a project form); a
    self-evaluation title with neither (云溪镇人民政府2024年度绩效自评报告) evaluates the body that
    publishes it: department. With no title line, the opening text's negative phrase, a form label,
    else the opening text's first type word."""
    lines = [t for t in titles if t[2] != "title.sentence"]
    if lines:
        start, end, rule_id = lines[0]
        return _form_type(doc) or _fact(doc, start, end, rule_id, "department")
    return _opening_other(doc) or _form_type(doc) or _opening_type(doc)


def _opening(doc: NormText) -> tuple[int, int]:
    """The opening text: OPENING_CHARS from the first line that is not site furniture."""
    skip = rules().get("title.skip").regex
    start = next((m.start() for m in re.finditer(r"[^\n]+", doc.folded) if not skip.search(m.group(0))), 0)
    return start, min(len(doc.folded), start + OPENING_CHARS)


def _opening_other(doc: NormText) -> Fact | None:
    """An untitled negative: the opening text publishes others' evaluation results or reports on the
    evaluation work (opening.other); its phrase is the evidence."""
    r = rules().get("opening.other")
    m = r.regex.search(doc.folded, *_opening(doc))
    return _fact(doc, m.start(), m.end(), r.id, "other") if m else None


def _opening_type(doc: NormText) -> Fact | None:
    """No title line, no form label: the first type keyword (in rule order) of the opening text,
    where an untitled report says what it covers (一、部门基本情况; 一、项目概况). Words of a cited
    document (《关于下达…项目资金的通知》) and body words further down decide nothing."""
    start, end = _opening(doc)
    cited = [c.span() for c in rules().get("year.cited").regex.finditer(doc.folded, start, end)]
    for r in rules().of("body_type"):
        for m in r.regex.finditer(doc.folded, start, end):
            if not any(a <= m.start() < b for a, b in cited):
                return _fact(doc, m.start(), m.end(), r.id, r.param("type"))
    return None


def _form_type(doc: NormText) -> Fact | None:
    """The first form label among the first lines (项目名称, 单位名称) names what the form describes."""
    limit = line_offset(doc.folded, TITLE_LINES)
    found = [(m.start(), m.end(), r) for r in rules().of("form_type") if (m := r.regex.search(doc.folded, 0, limit))]
    if not found:
        return None
    start, end, r = min(found, key=lambda f: f[0])
    return _fact(doc, start, end, r.id, r.param("type"))


def _fiscal_year(doc: NormText, titles) -> Fact | None:
    """The title's year; else a bracketed (2022年度); else the body's commonest year, dates left out
    and cited documents' years (《关于2025年…的通知》) only when no other is written; else the year
    that a year-end date closes (截至2023年12月31日)."""
    year_title, bracketed, year_end = rules().get("year.title"), rules().get("year.bracketed"), rules().get("year.end")
    for start, end, _ in titles:
        m = year_title.regex.search(doc.folded, start, end)
        if m:
            return _year(doc, m, year_title.id)
    m = bracketed.regex.search(doc.folded)
    if m:
        return _year(doc, m, bracketed.id)
    cited = [c.span() for c in rules().get("year.cited").regex.finditer(doc.folded)]
    every = list(year_title.regex.finditer(doc.folded))
    found = [m for m in every if not any(a <= m.start() < b for a, b in cited)] or every
    if found:
        commonest, _ = Counter(m.group("year") for m in found).most_common(1)[0]
        return _year(doc, next(m for m in found if m.group("year") == commonest), year_title.id)
    m = year_end.regex.search(doc.folded)
    return _year(doc, m, year_end.id) if m else None


def _year(doc: NormText, m: re.Match, rule_id: str) -> Fact:
    return _fact(doc, m.start("year"), m.end("year"), rule_id, int(m.group("year")))


def _fact(doc: NormText, start: int, end: int, rule_id: str, value) -> Fact:
    return Fact(value=value, evidence=evidence(doc, Span(start, end, rule_id)))

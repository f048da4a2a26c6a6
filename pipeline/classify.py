"""classify: NormText -> Classified (report type, fiscal year, organisation).

The title decides most of it: the first line that names a performance self-evaluation (or one of
the look-alike negatives: 决算说明, 管理办法, 单位预算) gives the type by its first type keyword,
the year written in it; pipeline.organization reads the reporting unit from the title and labels.
"""
from __future__ import annotations

import re
from collections import Counter

from .models import Classified, Fact, NormText
from .organization import organization
from .rules import rules
from .textlayer import Span, evidence

TITLE_LINES = 60          # how far down a title is looked for
TITLE_CONTEXT = 40        # characters before the title keyword that still belong to the title


def classify(doc: NormText) -> Classified:
    titles = _title_segments(doc)
    report_type = _report_type(doc, titles)
    is_other = report_type is not None and report_type.value == "other"
    year = _fiscal_year(doc, titles, body_fallback=not is_other)
    org = organization(doc, titles, report_type.value if report_type else "department")
    return Classified(doc=doc, report_type=report_type, fiscal_year=year, organization=org)


def _title_segments(doc: NormText) -> list[tuple[int, int, str]]:
    """(start, end, rule id) of each title-like stretch among the first lines, in order."""
    perf, other = rules().get("title.performance"), rules().of("other_title")[0]
    limit = _line_offset(doc.folded, TITLE_LINES)
    out = []
    lines = list(re.finditer(r"[^\n]+", doc.folded[:limit]))
    for m, after in zip(lines, [*lines[1:], None]):
        line_start, line = m.start(), m.group(0)
        pm, om = perf.regex.search(line), other.regex.search(line)
        if pm:
            start = max(0, pm.start() - TITLE_CONTEXT)
            out.append((line_start + start, line_start + min(len(line), pm.end() + 16), perf.id))
        elif om:
            out.append((line_start, line_start + len(line), other.id))
        elif after is not None and (wrapped := perf.regex.search(line + after.group(0))) \
                and wrapped.start() < len(line) < wrapped.end():
            # a long title wrapped onto the next line (…项目绩效 / 自评报告): one title over both lines
            start = max(0, wrapped.start() - TITLE_CONTEXT)
            out.append((line_start + start, after.end(), perf.id))
    return out


def _line_offset(text: str, n: int) -> int:
    pos = 0
    for _ in range(n):
        pos = text.find("\n", pos) + 1
        if pos == 0:
            return len(text)
    return pos


def _report_type(doc: NormText, titles: list[tuple[int, int, str]]) -> Fact | None:
    """The first title decides: a negative title -> other; else its first type keyword, in rule order.

    A self-evaluation title with no keyword (下桥镇人民政府2024年度绩效自评报告) evaluates the body
    that publishes it: department. With no title at all, the body text's keywords decide.
    """
    kinds = rules().of("body_type")
    if titles:      # later title-like lines ("(一)部门预算", "附件:项目自评表") are sections, not the title
        start, end, rule_id = titles[0]
        if rule_id != "title.performance":
            return _fact(doc, start, end, rule_id, "other")
        for r in kinds:
            if r.regex.search(doc.folded, start, end):
                return _fact(doc, start, end, r.id, r.param("type"))
        return _fact(doc, start, end, rule_id, "department")
    for r in kinds:
        m = r.regex.search(doc.folded)
        if m:
            return _fact(doc, m.start(), m.end(), r.id, r.param("type"))
    return None


def _fiscal_year(doc: NormText, titles, body_fallback: bool) -> Fact | None:
    year_title, bracketed = rules().get("year.title"), rules().get("year.bracketed")
    for start, end, _ in titles:
        m = year_title.regex.search(doc.folded, start, end)
        if m:
            return _fact(doc, m.start("year"), m.end("year"), year_title.id, int(m.group("year")))
    m = bracketed.regex.search(doc.folded)
    if m:
        return _fact(doc, m.start("year"), m.end("year"), bracketed.id, int(m.group("year")))
    if not body_fallback:
        return None
    found = [m for m in year_title.regex.finditer(doc.folded)]
    if not found:
        return None
    commonest, _ = Counter(m.group("year") for m in found).most_common(1)[0]
    m = next(m for m in found if m.group("year") == commonest)
    return _fact(doc, m.start("year"), m.end("year"), year_title.id, int(commonest))


def _fact(doc: NormText, start: int, end: int, rule_id: str, value) -> Fact:
    return Fact(value=value, evidence=evidence(doc, Span(start, end, rule_id)))

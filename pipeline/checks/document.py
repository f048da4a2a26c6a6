"""Rules on the document as a whole: which year its figures are about."""
from __future__ import annotations

import re

from ..models import Extracted, Finding
from ..rules import rules
from ..text.layer import Span, evidence
from .finding import finding, param


def year_mismatch(x: Extracted) -> list[Finding]:
    """The year a budget sentence names ("2020年部门全年预算数…") against the report's fiscal year.

    Only the first year written in the same sentence before a narrative amount counts: the
    sentence's own year comes first ("2024年，…（含2023年结转项目），预算…"), a year after 较/比 is a
    comparison, and a year elsewhere (the date signed, next year's plans) is not the figures'.
    """
    fiscal, doc = x.classified.fiscal_year, x.classified.doc
    if fiscal is None:
        return []
    year_re = rules().get("year_mismatch").regex
    stop = re.compile(param("year_mismatch", "sentence_end"))
    date = re.compile(param("year_mismatch", "date_after"))
    out, seen = [], set()
    for fact in (x.narrative_budget.total_yuan, x.narrative_budget.executed_yuan, x.narrative_budget.initial_yuan):
        if fact is None:
            continue
        end = fact.evidence.start
        start = max((m.end() for m in stop.finditer(doc.folded, 0, end)), default=0)
        years = list(year_re.finditer(doc.folded, start, end))
        if not years or int(years[0].group("year")) == fiscal.value or years[0].start() in seen:
            continue
        if int(years[0].group("year")) > fiscal.value and date.match(doc.folded, years[0].end()):
            continue
        m = years[0]
        seen.add(m.start())
        said = evidence(doc, Span(m.start("year"), m.end("year"), "year_mismatch"))
        out.append(finding("year_mismatch", {"fiscal_year": fiscal.value, "stated_year": int(m.group("year"))},
                           [fiscal.evidence, said, fact.evidence], fiscal=fiscal.value, stated=m.group("year"),
                           figure=fact.evidence.text))
    return out

"""Scope: whether a report covers several projects, and whether a place in it is one item's.

A project or fund report on several projects states figures, scores and grades for each of them;
one of those is not the report's own. Budget and score extraction both ask here.
"""
from __future__ import annotations

import re

from ..models import NormText
from ..rules import rules


def on_several_projects(doc: NormText) -> bool:
    """Whether a project or fund report covers several projects: it says so ("对15个项目开展了绩效自评",
    "项目共14个") in its opening, or numbers two or more project items. Such a report's one project's
    figure is no report-level figure (rules/budget.yaml, scope.several)."""
    r = rules().get("scope.several")
    if r.regex.search(doc.folded, 0, r.param("opening")):
        return True
    return len(re.findall(rules().expand(r.param("item")), doc.folded)) >= 2


def under_item(doc: NormText, pos: int) -> bool:
    """Whether the nearest heading before pos is a numbered item (1. / 2、), not a section (一、/(一)).
    A numbered heading that names a topic (1.资金到位情况, 2.绩效目标完成分析) is a section too:
    what stands under it is said of the whole report, not of one listed project."""
    r = rules().get("scope.several")
    item, section = -1, max((m.start() for m in re.finditer(r.param("section"), doc.folded[:pos])), default=-1)
    topic = re.compile(r.param("topic") or "(?!)")
    for m in re.finditer(rules().expand(r.param("marker")), doc.folded[:pos]):
        heading = re.match(r"[^。:,;\n]*", doc.folded[m.end():pos])
        assert heading is not None          # [...]* matches, if only the empty string
        if topic.search(heading.group().rstrip()):
            section = max(section, m.start())
        else:
            item = max(item, m.start())
    return item > section

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
    """Whether the nearest heading before pos is a numbered item (1. / 2、), not a section (一、/(一))."""
    r = rules().get("scope.several")
    item = max((m.start() for m in re.finditer(rules().expand(r.param("marker")), doc.folded[:pos])), default=-1)
    section = max((m.start() for m in re.finditer(r.param("section"), doc.folded[:pos])), default=-1)
    return item > section

"""extract: Classified -> Extracted, every extractor reading the one text layer."""
from __future__ import annotations

from .budget import extract_budget
from ..models import Budget, Classified, Extracted
from ..text.numbers import unread_noted
from .quantities import extract_quantities
from .scope import on_several_projects, under_item
from .scores import extract_deduction, extract_grade, extract_score, extract_structure, extract_targets
from .tables import read_indicators


@unread_noted
def extract(c: Classified) -> Extracted:
    doc = c.doc
    year = c.fiscal_year.value if c.fiscal_year else None
    several = c.report_type is not None and c.report_type.value in ("project", "policy") \
        and on_several_projects(doc)
    budget, narrative, prior, projects, funds = extract_budget(doc, year, several)
    score, row_grade = extract_score(doc)
    grade = extract_grade(doc) or row_grade
    if several:     # a score or grade under one of several projects' items is that project's
        score, grade = (None if f is not None and under_item(doc, f.evidence.start) else f for f in (score, grade))
    if c.report_type is not None and c.report_type.value == "other":
        # a 决算说明's amounts are not a performance budget, nor a 结果通报's grades its own result
        budget, narrative, prior, projects, funds = Budget(), Budget(), Budget(), [], []
        score, grade = None, None
    return Extracted(
        classified=c, budget=budget, narrative_budget=narrative, prior_year=prior,
        self_score=score, deduction=extract_deduction(doc),
        grade=grade, quantities=extract_quantities(doc),
        indicators=read_indicators(doc) + extract_targets(doc), indicator_structure=extract_structure(doc),
        projects=projects, funds=funds)

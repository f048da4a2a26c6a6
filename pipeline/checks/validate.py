"""validate: Extracted -> Record, with the audit's findings (data, not exceptions; see pipeline.checks)."""
from __future__ import annotations

from . import audit
from ..models import Extracted, Record


def validate(x: Extracted) -> Record:
    c = x.classified
    return Record(source=c.doc.source, status="ok", report_type=c.report_type, fiscal_year=c.fiscal_year,
                  organization=c.organization, budget=x.budget, prior_year=x.prior_year, self_score=x.self_score,
                  deduction=x.deduction, grade=x.grade, quantities=x.quantities, indicators=x.indicators,
                  indicator_structure=x.indicator_structure, projects=x.projects, funds=x.funds,
                  findings=audit(x))

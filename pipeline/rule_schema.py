"""What each kind of rule may say: one pydantic model per kind, unknown fields refused.

A misspelt field (`prioirty: 1`) or a value outside its set (`role: totl`) would otherwise load
silently and change nothing, which is the worst way for a rule edit to fail. Every field a stage
reads with `Rule.param` is declared on its kind here, with its type; the loader (rules.py) reports
every bad field of every rule at once. Each model's validator is built at its first validation
(defer_build), not on import: a rule set read from the cache (rules.checked) is never validated again.
"""
from __future__ import annotations

from typing import Any, Literal, get_args

from functools import cache
from importlib import import_module
from types import ModuleType

from pydantic import BaseModel, ConfigDict


class Example(BaseModel):
    """Text -> the record field it must give (tests/test_rules.py runs every one)."""
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    text: str
    field: str
    expect: Any = None
    xfail: str | None = None


class Rule(BaseModel):
    """The fields every rule has. A kind adds its own below."""
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    id: str
    kind: str
    pattern: str | None = None
    lexicon: list[str] | None = None
    message: str | None = None
    examples: list[Example] = []

    @property
    def regex(self):
        """The pattern with its fragments expanded, compiled once."""
        return _rules().compiled(self.id)

    def param(self, name: str, default: Any = None) -> Any:
        """A kind's own field, or `default` where the rule leaves it unset."""
        value = getattr(self, name, None)
        return default if value is None else value


@cache
def _rules() -> ModuleType:
    """pipeline.rules, which imports this module: looked up once, at the first pattern asked for."""
    return import_module(".rules", __package__)


Severity = Literal["error", "warning", "info"]


class BudgetRole(Rule):
    kind: Literal["budget_role"]
    # a figure's role; or, for role phrases, the words around it: part (其中, 基本支出: a part of the
    # whole), none (较上年减少, 目标: no budget figure), mask (转移支付: hides the role word inside it),
    # aggregate (共, 合计: the whole), whole (全部执行到位 after a figure: all of it)
    role: Literal["initial", "total", "executed", "rate", "part", "none", "mask", "aggregate", "whole"]
    priority: int | None = None
    scope: Literal["project"] | None = None
    target_after: str | None = None
    target_words: str | None = None
    rate_near: int | None = None        # characters between a rate's own sentence and its amounts' sentence
    sibling_reach: int | None = None    # characters between two budgets of one sentence that make them parts
    reach: int | None = None            # a role phrase: characters its word may stand before the figure
    to_end: str | None = None           # a part word that makes every later figure of its sentence a part
    list_reach: int | None = None       # characters to the next bare figure that make a list
    list_break: str | None = None       # words between two figures that make them no list
    boost: int | None = None            # how far an aggregate word raises a figure
    fallback: bool | None = None        # a head that decides only where no other role word leads its clause


class ProjectName(Rule):
    kind: Literal["project_name"]
    carries: str | None = None          # an item marker: the item's project reaches to the next marker


class ReportScope(Rule):
    """Signs that a report covers several projects (a count in its `opening` characters, or numbered
    `item` lines), and the headings that say whether a figure is one item's (`marker`, `section`)."""
    kind: Literal["report_scope"]
    opening: int
    item: str
    marker: str
    section: str
    topic: str | None = None            # the head words of a numbered heading that is a section, not an item


class FundColumn(Rule):
    kind: Literal["fund_column"]
    role: Literal["group", "initial", "total", "executed", "rate", "weight", "score", "sum", "reason"]


class FundLabel(Rule):
    kind: Literal["fund_label"]
    role: Literal["total", "fiscal", "carryover", "other"]


class YearContext(Rule):
    kind: Literal["year_context"]
    context: Literal["prior", "current", "written"]


class BodyType(Rule):
    kind: Literal["body_type"]
    type: Literal["department", "project", "policy", "other"]


class FormType(Rule):
    """A form's label that names its type where the title has no type word (项目名称: a project)."""
    kind: Literal["form_type"]
    type: Literal["department", "project", "policy", "other"]


class OrgLabel(Rule):
    kind: Literal["org_label"]
    where: Literal["title", "name_line", "table", "label", "publisher", "signature", "alias", "body", "subject", "self"]
    exact_end: bool | None = None
    near_top: bool | None = None
    requires: str | None = None         # a literal the pattern cannot match without


class OrgSuffix(Rule):
    kind: Literal["org_suffix"]
    places: list[str] | None = None
    sections: list[str] | None = None      # a body's internal sections (科, 股): part of the body named before
    runon: dict[str, str] | None = None
    place_start: str | None = None


class OrgAbbrev(Rule):
    kind: Literal["org_abbrev"]
    full: str


class OrgAlias(Rule):
    kind: Literal["org_alias"]
    canonical: str


class MoneyUnit(Rule):
    kind: Literal["money_unit"]
    yuan: float


class Deduction(Rule):
    kind: Literal["deduction"]
    item: str | None = None
    not_if: str | None = None
    total: bool | None = None


class Target(Rule):
    kind: Literal["target"]
    exclude: str | None = None


class Score(Rule):
    """A stated score; `max` above 100 where a method awards bonus points (加分)."""
    kind: Literal["score"]
    max: float | None = None


class ScoreRow(Rule):
    """The 总分 row; a lone figure in it is the score where the table's header, within `lookback`
    characters before it, has a `score_column` (得分) and, for a figure of 100, no `weight_column` (分值)."""
    kind: Literal["score_row"]
    score_column: str | None = None
    weight_column: str | None = None
    lookback: int | None = None


class ResultColumn(Rule):
    """A results table flattened one cell per line: `columns` names its header cells by group."""
    kind: Literal["result_column"]
    columns: str


class Grade(Rule):
    """A stated grade; `not_before`: what the sentence before it may not hold (a count, a bound)."""
    kind: Literal["grade"]
    not_before: str | None = None


class GradeBand(Rule):
    kind: Literal["grade_band"]
    low: float
    high: float


class IndicatorColumn(Rule):
    kind: Literal["indicator_column"]
    role: Literal["level1", "level2", "level3", "nature", "target", "unit", "actual", "weight", "score", "reason"]


class Finding(Rule):
    """An audit finding: its severity, its message template and the figures its check reads."""
    kind: Literal["finding"]
    severity: Severity
    message: str
    max_yuan: float | None = None
    factor: int | None = None
    fund_weight: float | None = None
    closed_within: int | None = None
    row_cells: int | None = None
    exact_decimals: int | None = None
    min_decimals: int | None = None
    target_pattern: str | None = None
    actual_pattern: str | None = None
    comparators: dict[str, list[str]] | None = None
    no_bare_floor: list[str] | None = None
    sentence_end: str | None = None
    date_after: str | None = None


class PanelFinding(Rule):
    kind: Literal["panel_finding"]
    severity: Severity
    message: str
    compare: list[str] | None = None


def _plain(kind: str) -> type[Rule]:
    """A kind that has only a pattern or a lexicon."""
    return type(f"Rule_{kind}", (Rule,), {"__annotations__": {"kind": Literal[kind]}})


PLAIN_KINDS = (
    "title_type", "other_title", "title_skip", "year", "org_strip", "org_stop", "org_reject", "org_trailing",
    "count_unit", "count_exclude", "indicator_level", "indicator_end",
    "report_subject",
)

KINDS: dict[str, type[Rule]] = {
    **{k: _plain(k) for k in PLAIN_KINDS},
    **{get_args(m.model_fields["kind"].annotation)[0]: m for m in (
        BudgetRole, ReportScope, ProjectName, FundColumn, FundLabel, YearContext, BodyType, FormType, OrgLabel, OrgSuffix,
        OrgAbbrev, OrgAlias, MoneyUnit, Deduction, Target, Score, ScoreRow, ResultColumn, Grade, GradeBand, IndicatorColumn, Finding,
        PanelFinding)},
}

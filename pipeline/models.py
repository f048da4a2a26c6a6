"""The models that pass between stages, and the record of CONTRACT.md.

Every stage is a plain function from one frozen model to the next:

    load(path) -> RawDoc -> normalize -> NormText -> classify -> Classified
               -> extract -> Extracted -> validate -> Record

Intermediates keep what the next stage needs plus what a person debugging wants to see
(the raw text, the offset map back into it).
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

SCHEMA_VERSION = 1


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------- evidence and facts

class Evidence(Frozen):
    """Where a value came from: offsets into the text `jixiao text FILE` prints."""
    page: int = 1
    start: int
    end: int
    text: str
    rule: str | None = Field(None, description="id of the rule in rules/ that matched")
    table: int | None = None
    row: int | None = None
    col: int | None = None
    confidence: float | None = Field(None, description="OCR engine's confidence in the line(s) read, 0-1")


class Fact(Frozen):
    """A value the document states, with its evidence.

    `precision` is the half-width of the interval the stated digits imply, in the value's own
    unit (yuan, percent, points): 1150.50 万元 -> 50 yuan; 100% -> 0.5. The validator uses it.
    """
    value: Any
    evidence: Evidence
    precision: float | None = None


class Budget(Frozen):
    initial_yuan: Fact | None = None
    total_yuan: Fact | None = None
    executed_yuan: Fact | None = None
    rate_pct: Fact | None = None


class Quantity(Frozen):
    value: int | float
    unit: str
    subject: str
    evidence: Evidence


class Indicator(Frozen):
    """One performance indicator: a table row, or a target stated in the narrative."""
    level1: str | None = None
    level2: str | None = None
    level3: str | None = None
    target: str | None = None
    comparator: str | None = None
    target_value: float | None = None
    actual: str | None = None
    weight: float | None = None
    score: float | None = None
    evidence: Evidence


class IndicatorLevel(Frozen):
    """A stated indicator structure: "三级指标 6 个，A，B，…" -> level 3, count 6, names."""
    level: int
    count: int
    names: list[str]
    evidence: Evidence


class FundRow(Frozen):
    """One row of a 自评表's fund block (年度资金总额, 其中：当年财政拨款, 上年结转资金, 其他资金)."""
    label: str
    role: Literal["total", "fiscal", "carryover", "other"]
    initial_yuan: Fact | None = None
    total_yuan: Fact | None = None
    executed_yuan: Fact | None = None
    weight: Fact | None = None
    rate_pct: Fact | None = None
    score: Fact | None = None
    evidence: Evidence


class Project(Frozen):
    name: str
    total_yuan: float | None = None
    executed_yuan: float | None = None
    rate_pct: float | None = None
    evidence: Evidence
    budget: Budget = Field(description="the same figures as facts, each with its own evidence")


class Finding(Frozen):
    rule: str
    severity: Literal["error", "warning", "info"]
    message: str
    values: dict[str, float | str | None]
    evidence: list[Evidence]


class Source(Frozen):
    path: str = Field(description="the path as valid Unicode: bytes of a name that are not UTF-8 read as \\xNN")
    path_bytes: str | None = Field(None, description="the path's exact bytes (base64), when they are not UTF-8")
    sha256: str
    format: str
    pages: int = 0
    ocr: bool = False
    encoding: str | None = None
    notes: list[str] = Field([], description="what was repaired on the way in (a name, characters of the text)")


ReportType = Literal["department", "project", "policy", "other"]


class Record(Frozen):
    schema_version: int = SCHEMA_VERSION
    source: Source
    status: Literal["ok", "failed", "skipped"]
    error: str | None = None
    error_code: str | None = Field(None, description="what `error` is about, a stable snake_case code (docs/"
                                   "large-batches.md#broken-files); written only with an error")
    error_detail: str | None = Field(None, description="what a library raised, for a report to jixiao's "
                                     "developers (a bug, a damaged file); written only when there is one")
    report_type: Fact | None = None
    fiscal_year: Fact | None = None
    organization: Fact | None = None
    budget: Budget = Budget()
    prior_year: Budget = Field(Budget(), description="last year's figures as this report restates them "
                               "(上年/去年/上一年度 …, or the year N−1 written): never the report's own")
    self_score: Fact | None = None
    deduction: Fact | None = None
    grade: Fact | None = None
    quantities: list[Quantity] = []
    indicators: list[Indicator] = []
    indicator_structure: list[IndicatorLevel] = []
    projects: list[Project] = []
    funds: list[FundRow] = Field([], description="the fund rows of a 自评表, as the table states them")
    findings: list[Finding] = []

    @model_serializer(mode="wrap")
    def _written(self, dump):
        """error_code and error_detail are left out when null: a record that read well is as it always was."""
        out = dump(self)
        for key in ("error_code", "error_detail"):
            if out.get(key, "") is None:
                del out[key]
        return out


# ---------------------------------------------------------------- stage intermediates

class Cell(Frozen):
    """Where a table cell's text lies in the text layer, [start, end), and its place in the table.

    Readers render a table row as one line, cells joined by " | ", so every extractor reads tables
    as text; `evidence()` adds table/row/col to any match that falls inside a cell. All 1-based.
    """
    table: int
    row: int
    col: int
    start: int
    end: int


class Scored(Frozen):
    """A stretch of text read by OCR, [start, end), with the engine's confidence in it (0-1)."""
    start: int
    end: int
    confidence: float


class PageInfo(Frozen):
    """How a reader got one page's text: kept so a person can see which pages cost what."""
    number: int
    method: Literal["text", "tables", "ocr", "none"]
    chars: int = 0
    tables: int = 0


class RawDoc(Frozen):
    """What load() read: the decoded text of each page, before any repair.

    `cells` and `ocr` hold offsets into the pages joined with form feeds ("\f".join(pages)).
    """
    source: Source
    pages: tuple[str, ...]
    cells: tuple[Cell, ...] = ()
    ocr: tuple[Scored, ...] = ()
    page_info: tuple[PageInfo, ...] = ()


class NormText(Frozen):
    """The one text layer every offset points into (see pipeline.textlayer)."""
    source: Source
    raw: str = Field(description="pages joined with form feeds, as decoded")
    text: str = Field(description="the repaired text `jixiao text` prints; evidence offsets index it")
    folded: str = Field(description="text with traditional characters folded to simplified, same length")
    to_raw: tuple[int, ...] = Field(description="to_raw[i] is the offset in raw of text[i]")
    page_starts: tuple[int, ...] = Field(description="offset in text where each page begins")
    cells: tuple[Cell, ...] = Field((), description="table cells, in text offsets")
    ocr: tuple[Scored, ...] = Field((), description="OCR'd lines, in text offsets")


class Classified(Frozen):
    doc: NormText
    report_type: Fact | None
    fiscal_year: Fact | None
    organization: Fact | None


class Extracted(Frozen):
    classified: Classified
    budget: Budget
    narrative_budget: Budget = Field(Budget(), description="the narrative's figures, even where the table's won")
    prior_year: Budget = Field(Budget(), description="last year's figures as this report restates them")
    self_score: Fact | None
    deduction: Fact | None
    grade: Fact | None
    quantities: list[Quantity]
    indicators: list[Indicator]
    indicator_structure: list[IndicatorLevel]
    projects: list[Project]
    funds: list[FundRow]

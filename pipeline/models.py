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
    page: int = Field(1, description="1-based page of the document the words are on")
    start: int = Field(description="offset in the text layer (`jixiao text FILE`) where the words begin")
    end: int = Field(description="offset in the text layer just past the words")
    text: str = Field(description="the words themselves, as the text layer has them")
    rule: str | None = Field(None, description="id of the rule in rules/ that matched")
    table: int | None = Field(None, description="1-based table number, when the words are in a table cell")
    row: int | None = Field(None, description="1-based row of that table")
    col: int | None = Field(None, description="1-based column of that table")
    confidence: float | None = Field(None, description="OCR engine's confidence in the line(s) read, 0-1")


class Fact(Frozen):
    """A value the document states, with its evidence.

    `precision` is the half-width of the interval the stated digits imply, in the value's own
    unit (yuan, percent, points): 1150.50 万元 -> 50 yuan; 100% -> 0.5. The validator uses it.
    """
    value: Any = Field(
        description="the value as jixiao reads it (yuan for amounts, percent for rates, points for scores)")
    evidence: Evidence = Field(description="where the document states it")
    precision: float | None = Field(None,
        description="half-width of the interval the stated digits imply, in the value's unit")


class Budget(Frozen):
    initial_yuan: Fact | None = Field(None, description="年初预算数: the budget at the start of the year, yuan")
    total_yuan: Fact | None = Field(None,
        description="全年预算数: the budget for the whole year (after adjustments), yuan")
    executed_yuan: Fact | None = Field(None, description="执行数: what was spent, yuan")
    rate_pct: Fact | None = Field(None, description="执行率 as the document states it, percent")


class Quantity(Frozen):
    value: int | float = Field(description="the counted number the document states")
    unit: str = Field(description="its unit (个, 家, 人次 …)")
    subject: str = Field(description="what was counted, as written")
    evidence: Evidence = Field(description="where the document states it")


class Indicator(Frozen):
    """One performance indicator: a table row, or a target stated in the narrative."""
    level1: str | None = Field(None, description="一级指标 (产出/效益/满意度 …)")
    level2: str | None = Field(None, description="二级指标 (数量/质量/时效/成本 …)")
    level3: str | None = Field(None, description="三级指标: the indicator's own name")
    target: str | None = Field(None, description="年度指标值: the target as written")
    comparator: str | None = Field(None, description="how the target compares (≥, ≤, =), when it states one")
    target_value: float | None = Field(None, description="the target's number, when it has one")
    actual: str | None = Field(None, description="实际完成值: what was achieved, as written")
    weight: float | None = Field(None, description="分值: the points the indicator is worth")
    score: float | None = Field(None, description="得分: the points it was given")
    evidence: Evidence = Field(description="the indicator's row or sentence")


class IndicatorLevel(Frozen):
    """A stated indicator structure: "三级指标 6 个，A，B，…" -> level 3, count 6, names."""
    level: int = Field(description="the indicator level (1, 2 or 3) the count is of")
    count: int = Field(description="how many indicators the document says that level has")
    names: list[str] = Field(description="their names as listed")
    evidence: Evidence = Field(description="where the document states it")


class FundRow(Frozen):
    """One row of a 自评表's fund block (年度资金总额, 其中：当年财政拨款, 上年结转资金, 其他资金)."""
    label: str = Field(description="the row's label as written (年度资金总额, 其中：当年财政拨款 …)")
    role: Literal["total", "fiscal", "carryover", "other"] = Field(
        description="what the row is: total, fiscal (财政拨款), carryover (上年结转) or other")
    initial_yuan: Fact | None = Field(None, description="年初预算数 of the row, yuan")
    total_yuan: Fact | None = Field(None, description="全年预算数 of the row, yuan")
    executed_yuan: Fact | None = Field(None, description="执行数 of the row, yuan")
    weight: Fact | None = Field(None, description="分值 of the row")
    rate_pct: Fact | None = Field(None, description="执行率 of the row, percent")
    score: Fact | None = Field(None, description="得分 of the row")
    evidence: Evidence = Field(description="the row")


class Project(Frozen):
    name: str = Field(description="项目名称 as written")
    total_yuan: float | None = Field(None, description="the project's 全年预算数, yuan")
    executed_yuan: float | None = Field(None, description="the project's 执行数, yuan")
    rate_pct: float | None = Field(None, description="the project's stated 执行率, percent")
    evidence: Evidence = Field(description="the project's row or sentence")
    budget: Budget = Field(description="the same figures as facts, each with its own evidence")


class Finding(Frozen):
    rule: str = Field(description="the audit rule's id (rules/, docs/findings.md): a stable code")
    severity: Literal["error", "warning", "info"] = Field(
        description="error (the figures contradict each other), warning or info")
    message: str = Field(description="what was found, in Chinese, with the figures")
    values: dict[str, float | str | None] = Field(description="the figures compared; keys differ by rule")
    evidence: list[Evidence] = Field(description="the words behind each figure")


class Source(Frozen):
    path: str = Field(description="the path as valid Unicode: bytes of a name that are not UTF-8 read as \\xNN")
    path_bytes: str | None = Field(None, description="the path's exact bytes (base64), when they are not UTF-8")
    sha256: str = Field(description="SHA-256 of the file's bytes: the document's stable key in every output table")
    format: str = Field(description="the format read: txt, pdf, docx, xlsx, html …")
    pages: int = Field(0, description="pages read (1 for a format without pages)")
    ocr: bool = Field(False, description="whether any page was read by OCR")
    encoding: str | None = Field(None, description="the text encoding a text file was decoded with")
    notes: list[str] = Field([], description="what was repaired on the way in (a name, characters of the text)")


ReportType = Literal["department", "project", "policy", "other"]


class Record(Frozen):
    schema_version: int = Field(SCHEMA_VERSION, description="version of this record's schema")
    source: Source = Field(description="the file the record was read from")
    status: Literal["ok", "failed", "skipped"] = Field(
        description="ok (read), failed (could not be read: see error) or skipped (not a report format)")
    error: str | None = Field(None, description="why a failed or skipped file was not read")
    error_code: str | None = Field(None, description="what `error` is about, a stable snake_case code (docs/"
                                   "large-batches.md#broken-files); written only with an error")
    error_detail: str | None = Field(None, description="what a library raised, for a report to jixiao's "
                                     "developers (a bug, a damaged file); written only when there is one")
    report_type: Fact | None = Field(None,
        description="department (部门整体支出), project (项目支出), policy (专项资金/政策) or other")
    fiscal_year: Fact | None = Field(None, description="the fiscal year the report evaluates (an integer year)")
    organization: Fact | None = Field(None, description="the reporting body's name as the document writes it")
    budget: Budget = Field(Budget(), description="the report's own budget figures")
    prior_year: Budget = Field(Budget(), description="last year's figures as this report restates them "
                               "(上年/去年/上一年度 …, or the year N−1 written): never the report's own")
    self_score: Fact | None = Field(None, description="自评得分: the score the body gave itself, points")
    deduction: Fact | None = Field(None, description="扣分: the points deducted")
    grade: Fact | None = Field(None, description="自评等级 (优/良/中/差) as written")
    quantities: list[Quantity] = Field([], description="counted outputs the report states (产出数量)")
    indicators: list[Indicator] = Field([],
        description="performance indicators (绩效指标), from tables and the narrative")
    indicator_structure: list[IndicatorLevel] = Field([],
        description="stated counts of indicators per level (三级指标 6 个 …)")
    projects: list[Project] = Field([], description="key projects (重点项目) with their figures")
    funds: list[FundRow] = Field([], description="the fund rows of a 自评表, as the table states them")
    findings: list[Finding] = Field([], description="what the audit found inconsistent, each with its evidence")

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


PageMethod = Literal["text", "tables", "ocr", "none"]


class PageInfo(Frozen):
    """How a reader got one page's text: kept so a person can see which pages cost what."""
    number: int
    method: PageMethod
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
    """The one text layer every offset points into (see pipeline.text.layer)."""
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

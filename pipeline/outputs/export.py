"""export: records -> OUTDIR (records.jsonl, records.csv, findings.csv, texts.jsonl), per CONTRACT.md.

Also the one place where a record is flattened into table rows: each output table (records,
findings, quantities, indicators, projects, funds) is a column spec (name, Chinese header, type)
and a function from a record to its rows. Parquet and the database in `store.py` write these rows
as they are, for programs; the spreadsheet and the CSVs here show them as finance staff read them
(`shown_columns`): a code beside its Chinese name (rules/labels.yaml), an amount in 元 beside 万元,
each row's organisation, year and link to its page of report.html, figures and evidence as text.
"""
from __future__ import annotations

import csv
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from .labels import figures, label
from .texts import TextWriter
from ..readers.load import valid_unicode
from ..models import Evidence, Fact, Record

SCALARS = ("report_type", "fiscal_year", "organization", "self_score", "deduction", "grade")
BUDGET = ("initial_yuan", "total_yuan", "executed_yuan", "rate_pct")
PAGES = "report"                # OUTDIR/report/doc.html, docs-<k>.js, list-<k>.html (report.py)
XLSX = "jixiao.xlsx"            # the tables, one sheet each (store.py)
DUCKDB = "jixiao.duckdb"        # the tables in one database (store.py)
PARTIAL = ".partial"            # an output being written, renamed to its name when whole (replacing)

# ---------------------------------------------------------------- the column spec

TYPES = ("str", "int", "float", "money", "bool", "json", "evidence", "evidences")
"""A column's type. `money` is yuan (a float, shown with thousands separators in the spreadsheet),
`json` a dict (a finding's figures, whose keys vary by rule), `evidence` one Evidence or None,
`evidences` a list of Evidence."""


class Column(NamedTuple):
    name: str                   # Parquet / DuckDB / CSV column name, key of the row dict
    header: str                 # the spreadsheet's header
    type: str = "str"           # one of TYPES
    width: float | None = None  # spreadsheet column width; None: the type's default


class Table(NamedTuple):
    name: str                                   # DuckDB table, Parquet file stem, spreadsheet sheet
    columns: tuple[Column, ...]
    rows: Callable[[Record], Iterable[dict]]    # typed rows of one record, keyed by column name


FACT_COLUMNS = {                # a record's facts: header and type of the value
    "report_type": ("类型", "str"),
    "fiscal_year": ("年度", "int"),
    "organization": ("单位", "str"),
    "self_score": ("自评得分", "float"),
    "deduction": ("扣分", "float"),
    "grade": ("等级", "str"),
    "initial_yuan": ("年初预算数(元)", "money"),
    "total_yuan": ("全年预算数(元)", "money"),
    "executed_yuan": ("执行数(元)", "money"),
    "rate_pct": ("执行率(%)", "float"),
}
FACTS = (*SCALARS, *BUDGET)


def _evidence_header(header: str) -> str:
    return header.split("(")[0] + "依据"


PATH = Column("path", "文件", "str", 48)
SEQ = Column("n", "序号", "int", 6)
EVIDENCE = Column("evidence", "依据", "evidence", 40)

RECORDS = (
    PATH,
    Column("sha256", "SHA-256", "str", 18),
    Column("format", "格式", "str", 7),
    Column("pages", "页数", "int"),
    Column("ocr", "OCR", "bool", 7),
    Column("status", "状态", "str", 8),
    Column("error_code", "原因", "str", 22),
    Column("error", "错误信息", "str", 40),
    *(Column(k, h, t, 28 if k == "organization" else None) for k, (h, t) in FACT_COLUMNS.items()),
    Column("quantities", "产出数量数", "int"),
    Column("indicators", "绩效指标数", "int"),
    Column("projects", "重点项目数", "int"),
    Column("funds", "资金行数", "int"),
    Column("findings", "问题数", "int"),
    Column("errors", "错误数", "int"),
    Column("warnings", "警告数", "int"),
    *(Column(f"{k}_evidence", _evidence_header(h), "evidence", 30) for k, (h, _) in FACT_COLUMNS.items()),
)
FINDINGS = (
    PATH, SEQ,
    Column("rule", "规则", "str", 22),
    Column("severity", "级别", "str", 8),
    Column("message", "说明", "str", 50),
    Column("values", "数值", "json", 40),
    Column("evidence", "依据", "evidences", 60),
)
QUANTITIES = (
    PATH, SEQ,
    Column("subject", "对象", "str", 30),
    Column("value", "数量", "float"),
    Column("unit", "计量单位", "str", 8),
    EVIDENCE,
)
INDICATORS = (
    PATH, SEQ,
    Column("level1", "一级指标", "str", 14),
    Column("level2", "二级指标", "str", 14),
    Column("level3", "三级指标", "str", 28),
    Column("target", "年度指标值", "str", 14),
    Column("comparator", "比较", "str", 6),
    Column("target_value", "指标值(数值)", "float"),
    Column("actual", "实际完成值", "str", 14),
    Column("weight", "分值", "float"),
    Column("score", "得分", "float"),
    EVIDENCE,
)
PROJECTS = (
    PATH, SEQ,
    Column("name", "项目名称", "str", 30),
    Column("initial_yuan", "年初预算数(元)", "money"),
    Column("total_yuan", "全年预算数(元)", "money"),
    Column("executed_yuan", "执行数(元)", "money"),
    Column("rate_pct", "执行率(%)", "float"),
    EVIDENCE,
)
FUND_FACTS = {
    "initial_yuan": ("年初预算数(元)", "money"),
    "total_yuan": ("全年预算数(元)", "money"),
    "executed_yuan": ("执行数(元)", "money"),
    "weight": ("分值", "float"),
    "rate_pct": ("执行率(%)", "float"),
    "score": ("得分", "float"),
}
FUNDS = (
    PATH, SEQ,
    Column("label", "资金", "str", 20),
    Column("role", "类别", "str", 9),
    *(Column(k, h, t) for k, (h, t) in FUND_FACTS.items()),
    EVIDENCE,
    *(Column(f"{k}_evidence", _evidence_header(h), "evidence", 24) for k, (h, _) in FUND_FACTS.items()),
)


# ---------------------------------------------------------------- record -> rows

def _value(f: Fact | None):
    return None if f is None else f.value


def _evidence(f: Fact | None) -> Evidence | None:
    return None if f is None else f.evidence


def _cast(type_: str, v: Any) -> Any:
    """A value as its column's type; None when it cannot be one (records.jsonl keeps the original)."""
    if v is None:
        return None
    try:
        if type_ == "str":
            return str(v)
        if type_ == "int":
            return int(v)
        if type_ in ("float", "money"):
            x = float(v)
            return x if math.isfinite(x) else None
        if type_ == "bool":
            return bool(v)
        if type_ == "json":         # NaN and infinities are not JSON
            return {k: None if isinstance(x, float) and not math.isfinite(x) else x for k, x in v.items()}
    except (TypeError, ValueError):
        return None
    return v


def _typed(columns: tuple[Column, ...], raw: dict) -> dict:
    return {c.name: _cast(c.type, raw.get(c.name)) for c in columns}


def record_row(r: Record) -> dict:
    raw = {"path": r.source.path, "sha256": r.source.sha256, "format": r.source.format, "pages": r.source.pages,
           "ocr": r.source.ocr, "status": r.status, "error_code": r.error_code,
           "error": r.error}
    facts = {k: getattr(r, k) for k in SCALARS} | {k: getattr(r.budget, k) for k in BUDGET}
    raw.update({k: _value(f) for k, f in facts.items()})
    raw.update({f"{k}_evidence": _evidence(f) for k, f in facts.items()})
    raw.update(quantities=len(r.quantities), indicators=len(r.indicators), projects=len(r.projects),
               funds=len(r.funds), findings=len(r.findings), errors=sum(f.severity == "error" for f in r.findings),
               warnings=sum(f.severity == "warning" for f in r.findings))
    return _typed(RECORDS, raw)


def record_rows(r: Record) -> Iterable[dict]:
    yield record_row(r)


def finding_rows(r: Record) -> Iterable[dict]:
    for n, f in enumerate(r.findings, 1):
        yield _typed(FINDINGS, {"path": r.source.path, "n": n, "rule": f.rule, "severity": f.severity,
                                "message": f.message, "values": f.values, "evidence": list(f.evidence)})


def quantity_rows(r: Record) -> Iterable[dict]:
    for n, q in enumerate(r.quantities, 1):
        yield _typed(QUANTITIES, {"path": r.source.path, "n": n, **q.model_dump(exclude={"evidence"}),
                                  "evidence": q.evidence})


def indicator_rows(r: Record) -> Iterable[dict]:
    for n, i in enumerate(r.indicators, 1):
        yield _typed(INDICATORS, {"path": r.source.path, "n": n, **i.model_dump(exclude={"evidence"}),
                                  "evidence": i.evidence})


def project_rows(r: Record) -> Iterable[dict]:
    for n, p in enumerate(r.projects, 1):
        yield _typed(PROJECTS, {"path": r.source.path, "n": n, "name": p.name,
                                "initial_yuan": _value(p.budget.initial_yuan), "total_yuan": p.total_yuan,
                                "executed_yuan": p.executed_yuan, "rate_pct": p.rate_pct, "evidence": p.evidence})


def fund_rows(r: Record) -> Iterable[dict]:
    for n, f in enumerate(r.funds, 1):
        facts = {k: getattr(f, k) for k in FUND_FACTS}
        yield _typed(FUNDS, {"path": r.source.path, "n": n, "label": f.label, "role": f.role, "evidence": f.evidence,
                             **{k: _value(x) for k, x in facts.items()},
                             **{f"{k}_evidence": _evidence(x) for k, x in facts.items()}})


TABLES = (
    Table("records", RECORDS, record_rows),
    Table("findings", FINDINGS, finding_rows),
    Table("quantities", QUANTITIES, quantity_rows),
    Table("indicators", INDICATORS, indicator_rows),
    Table("projects", PROJECTS, project_rows),
    Table("funds", FUNDS, fund_rows),
)


def evidence_line(e: Evidence) -> str:
    """「96.40万元」 第1页 表1行3列4: the words and where they are (table/row/col only when set)."""
    where = f"第{e.page}页"
    if e.table is not None:
        where += f" 表{e.table}"
    if e.row is not None:
        where += f"行{e.row}"
    if e.col is not None:
        where += f"列{e.col}"
    if e.confidence is not None:
        where += f" OCR置信度{e.confidence:.2f}"
    text = " ".join(e.text.split())
    return f"「{text}」 {where}"


# ---------------------------------------------------------------- the tables as people read them

CODED = {"report_type": "report_type", "status": "status", "error_code": "error_code", "severity": "severity",
         "rule": "rule", "role": "fund_role"}
"""Columns holding a code (column -> its field in rules/labels.yaml): jixiao.xlsx and the CSVs show
its Chinese name, and the code in a column of its own beside it, for programs."""
WAN = 10_000                    # yuan in one 万元
CSV_HEADERS = ("zh", "code")    # records.csv and findings.csv headed in Chinese (the default), or by code


def page_link(n: int) -> str:
    """Where document n (1-based: its line in records.jsonl) has its page of report.html, relative to
    OUTDIR, where jixiao.xlsx and the CSVs are: the one document page, told which by its fragment."""
    return f"{PAGES}/doc.html#n={n}"


class Doc(NamedTuple):
    """What every row of a document carries in the spreadsheet and the CSVs besides its own cells:
    whose report it is, of which year, and its page in report.html."""
    organization: str | None
    fiscal_year: int | None
    page: str

    @classmethod
    def of(cls, r: Record, n: int) -> "Doc":
        return cls(_cast("str", _value(r.organization)), _cast("int", _value(r.fiscal_year)), page_link(n))


class Shown(NamedTuple):
    """A column of jixiao.xlsx and the CSVs: a table's column as finance staff read it."""
    name: str                   # the code header (`--csv-headers code`)
    header: str                 # the Chinese header
    type: str                   # str, int, float, money (元), wan (万元), bool, evidence, evidences, link
    width: float | None
    get: Callable[[dict, Doc], Any]     # its cell, from the table's typed row and its document


def _cell(name: str) -> Callable[[dict, Doc], Any]:
    return lambda row, doc: row[name]


def _shown(c: Column) -> Iterator[Shown]:
    """A table column as the people's columns it becomes: a code as its name and the code; an amount
    in 元 and in 万元; a finding's figures and the evidence as text."""
    if c.name in CODED:
        field = CODED[c.name]
        yield Shown(f"{c.name}_label", c.header, "str", c.width, lambda row, doc: label(field, row[c.name]))
        yield Shown(c.name, c.header + "代码", "str", None, _cell(c.name))
    elif c.type == "money":
        yield Shown(c.name, c.header, c.type, c.width, _cell(c.name))
        yield Shown(c.name.removesuffix("_yuan") + "_wan", c.header.replace("(元)", "(万元)"), "wan", None,
                    lambda row, doc: None if row[c.name] is None else row[c.name] / WAN)
    elif c.type == "json":
        yield Shown(c.name, c.header, "str", c.width, lambda row, doc: figures(row[c.name]))
    elif c.type == "evidence":
        yield Shown(c.name, c.header, c.type, c.width,
                    lambda row, doc: None if row[c.name] is None else evidence_line(row[c.name]))
    elif c.type == "evidences":
        yield Shown(c.name, c.header, c.type, c.width,
                    lambda row, doc: "\n".join(evidence_line(e) for e in row[c.name]) or None)
    else:
        yield Shown(c.name, c.header, c.type, c.width, _cell(c.name))


DOC_COLUMNS = (Shown("organization", "单位", "str", 28, lambda row, doc: doc.organization),
               Shown("fiscal_year", "年度", "int", None, lambda row, doc: doc.fiscal_year))
PAGE = Shown("page", "报告页", "link", 16, lambda row, doc: doc.page)


def shown_columns(t: Table) -> tuple[Shown, ...]:
    """A table's columns in jixiao.xlsx: beside the file, each row links to its document's page of
    report.html and (where the table has not its own) names the document's organisation and year."""
    columns = [s for c in t.columns for s in _shown(c)]
    own = {"organization", "fiscal_year"} & {c.name for c in t.columns}
    columns[1:1] = (PAGE,) if own else (PAGE, *DOC_COLUMNS)
    return tuple(columns)


def csv_columns(t: Table) -> tuple[Shown, ...]:
    """A table's columns in its CSV: those of the spreadsheet but a fact's one evidence (ten per
    record: the spreadsheet has room for them, a CSV read into pandas would only carry them)."""
    return tuple(s for s in shown_columns(t) if s.type != "evidence")


# ---------------------------------------------------------------- cells a spreadsheet opens

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")    # a spreadsheet reads a cell so starting as a formula
_ILLEGAL = re.compile(r"[\x00-\x08\x0b-\x1f]")      # control characters an xlsx cell cannot hold (\f, …)
_CELL_MAX = 32767                                   # Excel's limit on characters in one cell


def csv_safe(v: Any) -> Any:
    """A CSV cell a spreadsheet cannot run (CSV injection, as OWASP describes): text that starts like a
    formula (a document's words or a file name: "=cmd|' /C calc'!A0") gets a leading apostrophe;
    numbers stay numbers."""
    return "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v


class CsvWriter(csv.DictWriter):
    """The writer of every CSV jixiao writes: each cell through csv_safe."""

    def writerow(self, rowdict: Mapping[str, Any]):
        return super().writerow({k: csv_safe(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)


def xlsx_text(s: str) -> str:
    """Text as an xlsx cell can hold it: control characters as spaces, at most Excel's 32,767 characters.
    Every xlsx writer also writes it as a string, never a formula."""
    s = _ILLEGAL.sub(" ", s)
    return s if len(s) <= _CELL_MAX else s[:_CELL_MAX - 1] + "…"


# ---------------------------------------------------------------- the streaming writer

@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Where to write `path` whole or not at all: a temporary name beside it, renamed over it once
    complete, removed when the writing fails (a full disk leaves no half file looking complete)."""
    partial = path.with_name(path.name + PARTIAL)
    try:
        yield partial
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def record_json(r: Record) -> str:
    """A record's records.jsonl line, always valid UTF-8: the readers and source_of give valid Unicode,
    and whatever else brings a lone surrogate (a link target or an exception's message naming a path
    that is not UTF-8) has it replaced rather than stop the batch."""
    return valid_unicode(json.dumps(r.model_dump(mode="json"), ensure_ascii=False))[0]


class Writer:
    """Appends records to OUTDIR/records.jsonl as they come, each a whole line in one write, flushed:
    a run killed at any point leaves whole lines but perhaps a torn last one, which `trim` cuts.
    Nothing is held in memory but the open file; the CSVs are written from the finished records.jsonl
    (`write_csvs`)."""

    def __init__(self, outdir: Path, *, append: bool = False):
        outdir.mkdir(parents=True, exist_ok=True)
        self._texts = TextWriter(outdir)
        self._jsonl = open(outdir / "records.jsonl", "ab" if append else "wb")

    def write(self, r: Record, text: str | None = None) -> tuple[int, int]:
        """One record; its text layer, when given, goes to texts.jsonl for the HTML report."""
        return self.write_line(record_json(r), r.source.sha256, text)

    def write_line(self, line: str, sha256: str, text: str | None = None) -> tuple[int, int]:
        """A record already serialised (by a worker); returns where its line lies: (offset, length)."""
        if text is not None:
            self._texts.add(sha256, text)
        data = (line + "\n").encode("utf-8")
        offset = self._jsonl.tell()
        self._jsonl.write(data)
        self._jsonl.flush()
        return offset, len(data)

    def close(self) -> None:
        self._jsonl.close()
        self._texts.close()

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def trim(path: Path) -> None:
    """Cut a torn last line (a run killed mid-write) off a records file, so it ends with a whole line."""
    try:
        f = open(path, "r+b")
    except FileNotFoundError:
        return
    with f:
        size = end = f.seek(0, os.SEEK_END)
        while end:
            start = max(0, end - 65536)
            f.seek(start)
            nl = f.read(end - start).rfind(b"\n")
            end = start + nl + 1 if nl >= 0 else start
            if nl >= 0:
                break
        if end != size:
            f.truncate(end)


def _csv(f, columns: tuple[Shown, ...], headers: str) -> CsvWriter:
    """A CSV writer of these columns, its header row written: Chinese, or the codes."""
    if headers not in CSV_HEADERS:
        raise ValueError(f"headers must be one of {CSV_HEADERS}, not {headers!r}")
    out = CsvWriter(f, [c.name for c in columns])
    out.writerow({c.name: c.header if headers == "zh" else c.name for c in columns})
    return out


def _csv_rows(columns: tuple[Shown, ...], rows: Iterable[dict], doc: Doc) -> Iterator[dict]:
    return ({c.name: c.get(row, doc) for c in columns} for row in rows)


def write_csvs(outdir: Path, records: Iterable[Record], *, headers: str = "zh") -> None:
    """records.csv and findings.csv of the records given (those of the finished records.jsonl, in its
    order), each written whole or not at all: the columns of the spreadsheet's records and findings
    sheets (but the records' ten evidences), headed in Chinese or (`headers="code"`) by code."""
    with csv_tables(outdir, headers) as add:
        for r in records:
            add(r)


@contextmanager
def csv_tables(outdir: Path, headers: str = "zh") -> Iterator[Callable[[Record], Record]]:
    """records.csv and findings.csv open for the records of records.jsonl, in its order: the function
    given writes one record's rows and returns it, so that one pass over the records can feed the other
    tables too (store.write_tables). Both are renamed over the old ones when the block ends whole."""
    records_t, findings_t = TABLES[0], TABLES[1]
    rc, fc = csv_columns(records_t), csv_columns(findings_t)
    with replacing(outdir / "records.csv") as rp, replacing(outdir / "findings.csv") as fp, \
            open(rp, "w", encoding="utf-8-sig", newline="") as rf, open(fp, "w", encoding="utf-8-sig", newline="") as ff:
        rows, findings = _csv(rf, rc, headers), _csv(ff, fc, headers)
        count = [0]

        def add(r: Record) -> Record:
            count[0] += 1
            doc = Doc.of(r, count[0])
            rows.writerows(_csv_rows(rc, records_t.rows(r), doc))
            findings.writerows(_csv_rows(fc, findings_t.rows(r), doc))
            return r
        yield add


def csv_headers_of(outdir: Path) -> str | None:
    """How OUTDIR's records.csv is headed (one of CSV_HEADERS); None when it is missing or neither."""
    try:
        with open(outdir / "records.csv", encoding="utf-8-sig", newline="") as f:
            first = next(csv.reader(f), None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    columns = csv_columns(TABLES[0])
    return next((h for h in CSV_HEADERS if first == [c.header if h == "zh" else c.name for c in columns]), None)

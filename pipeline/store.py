"""store: OUTDIR/records.jsonl -> Parquet files, a spreadsheet and a DuckDB database.

    write_tables(OUTDIR) -> [records.parquet, findings.parquet, …, jixiao.xlsx, jixiao.duckdb]

Every table of `export.TABLES` (records, findings, quantities, indicators, projects, funds) goes to
`<table>.parquet`, to a sheet of `jixiao.xlsx` and to a table of `jixiao.duckdb`, with the same
columns: the rows come from export.py's flattening, and only how each column type is spelled
differs per format (TYPES below).

Records stream through in batches (BATCH records): each batch becomes one Parquet row group per
table, rows appended to the workbook (xlsxwriter's constant_memory mode: every sheet in its own
temporary file, strings inline; about half what openpyxl's write-only mode costs per cell), and one
INSERT per table into DuckDB. Memory holds one batch, whatever the number of records.

Evidence stays typed. One evidence is a STRUCT(page, start, end, text, rule, table, row, col,
confidence) in Parquet and DuckDB (`total_yuan_evidence.text`, `evidence.page` in SQL); a finding's
evidence is a LIST of those structs, not a JSON string, so SQL reads it without parsing:
`f.evidence[1].text`, `[e.text FOR e IN f.evidence]`, or `unnest(f.evidence)` for one row per
evidence. A finding's figures (`values`), whose keys differ by rule, are DuckDB JSON
(`values->>'computed'`) and a JSON string in Parquet. In the spreadsheet an evidence is its words
and where they are (「1150.50万元」 第1页 表1行2列3), one line per evidence.

Each file is written under a temporary name and renamed when complete, so a previous run's file is
replaced whole, and a failed run leaves no half-written file.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter
from xlsxwriter.exceptions import FileCreateError

from .export import DUCKDB, PARTIAL, TABLES, XLSX, Column, Table, xlsx_text
from .findings_view import evidence_line, read_jsonl
from .models import Evidence, Record

BATCH = 500


# ---------------------------------------------------------------- types per format

def _evidence_fields() -> list[tuple[str, str]]:
    """Evidence's fields and their scalar type, read from the model so the struct cannot drift."""
    out = []
    for name, field in Evidence.model_fields.items():
        ann = field.annotation
        args: list[Any] = [a for a in get_args(ann) if a is not type(None)] if get_origin(ann) in (Union, UnionType) else [ann]
        out.append((name, {int: "int", float: "float", str: "str"}[args[0]]))
    return out


EVIDENCE_FIELDS = _evidence_fields()
_ARROW_SCALAR = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "money": pa.float64(),
                 "bool": pa.bool_(), "json": pa.string()}
_SQL_SCALAR = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "money": "DOUBLE", "bool": "BOOLEAN",
               "json": "JSON"}
EVIDENCE_ARROW = pa.struct([(n, _ARROW_SCALAR[t]) for n, t in EVIDENCE_FIELDS])
EVIDENCE_SQL = "STRUCT(" + ", ".join(f'"{n}" {_SQL_SCALAR[t]}' for n, t in EVIDENCE_FIELDS) + ")"


def arrow_type(c: Column) -> pa.DataType:
    if c.type == "evidence":
        return EVIDENCE_ARROW
    if c.type == "evidences":
        return pa.list_(EVIDENCE_ARROW)
    return _ARROW_SCALAR[c.type]


def sql_type(c: Column) -> str:
    if c.type == "evidence":
        return EVIDENCE_SQL
    if c.type == "evidences":
        return EVIDENCE_SQL + "[]"
    return _SQL_SCALAR[c.type]


def arrow_schema(t: Table) -> pa.Schema:
    return pa.schema([pa.field(c.name, arrow_type(c)) for c in t.columns])


def _arrow_value(type_: str, v: Any) -> Any:
    if v is None:
        return None
    if type_ == "evidence":
        return v.model_dump()
    if type_ == "evidences":
        return [e.model_dump() for e in v]
    if type_ == "json":
        return json.dumps(v, ensure_ascii=False)
    return v


def arrow_batch(t: Table, rows: list[dict], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pydict({c.name: [_arrow_value(c.type, row[c.name]) for row in rows] for c in t.columns},
                                schema=schema)


# xlsx: numbers stay numbers; text is cleaned of what a cell cannot hold
_NUMBER_FORMAT = {"money": "#,##0.00", "int": "0"}
_WIDTH = {"str": 14, "int": 8, "float": 10, "money": 16, "bool": 7, "json": 36, "evidence": 30, "evidences": 50}
SHEET_ROWS = 1_048_576                              # Excel's limit on rows in one sheet, the header's included


def _xlsx_value(type_: str, v: Any) -> Any:
    if v is None:
        return None
    if type_ == "evidence":
        return xlsx_text(evidence_line(v))
    if type_ == "evidences":
        return xlsx_text("\n".join(evidence_line(e) for e in v))
    if type_ == "json":
        return xlsx_text(json.dumps(v, ensure_ascii=False))
    if isinstance(v, str):
        return xlsx_text(v)
    return v


def _width(c: Column) -> float:
    header = sum(2 if ord(ch) > 0x2E80 else 1 for ch in c.header) + 2      # CJK characters are two wide
    return max(c.width or _WIDTH[c.type], header)


# ---------------------------------------------------------------- the writers

class _Sheet:
    """One table's sheet, written a row at a time (xlsxwriter's constant_memory mode keeps each sheet's
    rows in a temporary file until the workbook is closed). Rows past Excel's limit (an archive's
    indicators can pass a million) go on to a continuation sheet, "indicators (2)", "indicators (3)" …,
    each with the header: xlsxwriter would drop them, and Excel refuses a sheet that holds them."""

    def __init__(self, wb: xlsxwriter.Workbook, t: Table, formats: dict[str, Any]):
        self.wb, self.t, self.formats = wb, t, formats
        self.columns = [(c.name, c.type, formats.get(c.type)) for c in t.columns]
        self.sheets = 0
        self._next_sheet()

    def _next_sheet(self) -> None:
        if self.sheets:
            self.close()
        self.sheets += 1
        self.ws = self.wb.add_worksheet(self.t.name if self.sheets == 1 else f"{self.t.name} ({self.sheets})")
        self.rows = 0
        for i, c in enumerate(self.t.columns):
            self.ws.set_column(i, i, _width(c))
        self.ws.write_row(0, 0, [c.header for c in self.t.columns], self.formats["header"])
        self.ws.freeze_panes(1, 0)

    def append(self, rows: list[dict]) -> None:
        for row in rows:
            if self.rows == SHEET_ROWS - 1:
                self._next_sheet()
            self.rows += 1
            ws = self.ws
            for j, (name, type_, number_format) in enumerate(self.columns):
                v = _xlsx_value(type_, row[name])
                if v is None:
                    continue
                if isinstance(v, str):
                    ws.write_string(self.rows, j, v)        # text stays text, even "=SUM(…)"
                elif isinstance(v, bool):
                    ws.write_boolean(self.rows, j, v)
                else:
                    ws.write_number(self.rows, j, v, number_format)

    def close(self) -> None:
        self.ws.autofilter(0, 0, self.rows, len(self.t.columns) - 1)


class _Outputs:
    """The open writers of every table; `add` takes one batch of records."""

    def __init__(self, outdir: Path):
        self.final = [outdir / f"{t.name}.parquet" for t in TABLES] + [outdir / XLSX, outdir / DUCKDB]
        self.partial = [p.with_name(p.name + PARTIAL) for p in self.final]
        self.schemas = [arrow_schema(t) for t in TABLES]
        self.parquet: list[pq.ParquetWriter] = []
        self.sheets: list[_Sheet] = []
        self.db: duckdb.DuckDBPyConnection | None = None
        self.spill: tempfile.TemporaryDirectory | None = None    # the sheets' rows until the workbook closes

    def open(self) -> None:
        for p in self.partial:
            _remove(p)
        for p, s in zip(self.partial, self.schemas):
            self.parquet.append(pq.ParquetWriter(p, s))
        self.spill = tempfile.TemporaryDirectory(prefix="jixiao-xlsx-")
        self.wb = xlsxwriter.Workbook(str(self.partial[-2]), {
            "constant_memory": True, "tmpdir": self.spill.name, "strings_to_numbers": False,
            "strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True})
        formats = {"header": self.wb.add_format({"bold": True})} | \
            {k: self.wb.add_format({"num_format": v}) for k, v in _NUMBER_FORMAT.items()}
        for t in TABLES:
            self.sheets.append(_Sheet(self.wb, t, formats))
        self.db = duckdb.connect(str(self.partial[-1]))
        for t in TABLES:
            cols = ", ".join(f'"{c.name}" {sql_type(c)}' for c in t.columns)
            self.db.execute(f'CREATE TABLE "{t.name}" ({cols})')

    def add(self, records: list[Record]) -> None:
        assert self.db is not None          # opened
        for t, schema, parquet, sheet in zip(TABLES, self.schemas, self.parquet, self.sheets):
            rows = [row for r in records for row in t.rows(r)]
            if not rows:
                continue
            batch = arrow_batch(t, rows, schema)
            parquet.write_table(batch)
            sheet.append(rows)
            self.db.register("batch", batch)
            self.db.execute(f'INSERT INTO "{t.name}" SELECT * FROM batch')
            self.db.unregister("batch")

    def finish(self) -> list[Path]:
        assert self.db is not None and self.spill is not None       # opened
        for w in self.parquet:
            w.close()
        for s in self.sheets:
            s.close()
        self.wb.close()
        self.spill.cleanup()
        self.db.execute("CHECKPOINT")       # closing would swallow a failure to move the log into the file
        self.db.close()
        for partial, final in zip(self.partial, self.final):
            _remove(final.with_name(final.name + ".wal"))       # a previous database's log must not replay
            os.replace(partial, final)
        return self.final

    def abort(self) -> None:
        closers = [w.close for w in self.parquet] + ([self.spill.cleanup] if self.spill is not None else [])
        for close in closers + ([self.db.close] if self.db is not None else []):
            try:
                close()
            except Exception:       # noqa: BLE001, S110 - already failing: remove what can be removed
                pass
        for p in self.partial:
            _remove(p)
            _remove(p.with_name(p.name + ".wal"))


def _remove(p: Path) -> None:
    try:
        p.unlink()
    except FileNotFoundError:
        pass


def _batches(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    it = iter(records)
    while True:
        batch = list(islice(it, size))
        if not batch:
            return
        yield batch
        del batch               # not held while the next batch is read


def write_tables(outdir: Path, batch: int = BATCH) -> list[Path]:
    """Write OUTDIR's records.jsonl as Parquet files (one per table), jixiao.xlsx and jixiao.duckdb,
    replacing those of a previous run; return the paths written. Raises findings_view.BadJsonl when a
    line is not a record, OSError when OUTDIR cannot be written (a full disk), whichever writer finds it."""
    outdir = Path(outdir)
    out = _Outputs(outdir)
    try:
        out.open()
        for records in _batches(read_jsonl(outdir / "records.jsonl"), batch):
            out.add(records)
            del records             # not held while the next batch is read
        return out.finish()
    except BaseException as e:
        out.abort()
        if isinstance(e, FileCreateError):
            raise e.args[0] from e                  # the OSError it wraps
        if isinstance(e, (duckdb.IOException, duckdb.TransactionException, duckdb.FatalException)):
            raise OSError(str(e)) from e            # its message names the file and the system's error
        raise

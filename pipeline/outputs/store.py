"""store: OUTDIR/records.jsonl -> Parquet files, a spreadsheet and a DuckDB database.

    write_tables(OUTDIR) -> [records.parquet, findings.parquet, …, jixiao.xlsx, jixiao.duckdb]

Every table of `export.TABLES` (records, findings, quantities, indicators, projects, funds) goes to
`<table>.parquet` and to a table of `jixiao.duckdb` with the same columns: the rows come from
export.py's flattening, and only how each column type is spelled differs per format (TYPES below).
Its sheet of `jixiao.xlsx` shows the same rows as finance staff read them (export.shown_columns):
codes beside their Chinese names, amounts in 元 and 万元, each row's organisation, year and link
to its page of report.html.

One vocabulary, documented in the data. Every table has the document key `sha256` after `path`
(`keyed`), the fiscal year is int16 / SMALLINT (pandas Int16) wherever it appears, and each column is
described with the record model's own field descriptions (`describe`): in the Parquet field metadata,
beside pandas' schema metadata that makes pd.read_parquet give nullable dtypes (`described_schema`),
and as DuckDB column comments, with views `<table>_with_organization` (`document_db`).

Records stream through in batches (BATCH records): each batch becomes rows appended to each table's
JSON lines file and to the workbook (xlsx.py: every sheet's rows in its own temporary file, strings
inline, a cell one f-string), both in temporary folders. DuckDB writes each table's Parquet file from
its rows (row groups of ROW_GROUP rows), then takes the table from that file, one INSERT per table;
pyarrow is never imported (the Arrow schema pyarrow reads back is encoded by arrow_ipc.py). Memory
holds one batch, and DuckDB a row group, whatever the number of records.

Evidence stays typed. One evidence is a STRUCT(page, start, end, text, rule, table, row, col,
confidence) in Parquet and DuckDB (`total_yuan_evidence.text`, `evidence.page` in SQL); a finding's
evidence is a LIST of those structs, not a JSON string, so SQL reads it without parsing:
`f.evidence[1].text`, `[e.text FOR e IN f.evidence]`, or `unnest(f.evidence)` for one row per
evidence. A finding's figures (`values`), whose keys differ by rule, are DuckDB JSON
(`values->>'computed'`) and a JSON string in Parquet. In the spreadsheet an evidence is its words
and where they are (「1150.50万元」 第1页 表1行2列3), one line per evidence, and the figures read
计算值 96.4；报告值 98.5.

Each file is written under a temporary name and renamed when complete, so a previous run's file is
replaced whole, and a failed run leaves no half-written file.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from types import UnionType
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin

try:    # DuckDB's engine alone: the package `duckdb` adds its relational API, Python that takes
    import _duckdb as duckdb    # 0.05 s of CPU to import and that plain SQL never calls
except ImportError:             # DuckDB before 1.4 keeps its engine inside the package
    import duckdb  # type: ignore[no-redef]

from . import arrow_ipc, export, xlsx
from .export import (
    DUCKDB,
    PARTIAL,
    XLSX,
    Column,
    Doc,
    Shown,
    Table,
    shown_columns,
    xlsx_text,
)
from .findings_view import read_jsonl
from ..models import Budget, Evidence, Finding, FundRow, Indicator, Project, Quantity, Record, Source
from ..rules import cache_dir

if TYPE_CHECKING:
    import pyarrow as pa

BATCH = 100
ROW_GROUP = 10_000          # rows of a Parquet row group: what DuckDB holds of a table while it writes the file
YEAR = "fiscal_year"        # one year type in every table, the panel's too: int16 / SMALLINT / pandas Int16


# ---------------------------------------------------------------- one key, one vocabulary, documented

KEY = Column("sha256", "SHA-256", "str", 18)


def keyed(t: Table) -> Table:
    """`t` with the document key, sha256, after `path` (records has it already): every table then joins
    on the file's content, the same whichever path or folder a copy was read from."""
    if any(c.name == KEY.name for c in t.columns):
        return t

    def rows(r: Record) -> Iterator[dict]:
        for row in t.rows(r):
            yield row | {KEY.name: r.source.sha256}
    return Table(t.name, (t.columns[0], KEY, *t.columns[1:]), rows)


TABLES = tuple(keyed(t) for t in export.TABLES)

_MODELS = {"records": (Record, Source, Budget), "findings": (Finding,), "quantities": (Quantity,),
           "indicators": (Indicator,), "projects": (Project, Budget), "funds": (FundRow,)}
_COUNTED = ("quantities", "indicators", "projects", "funds", "findings")     # records' counts of child rows
_OWN = {
    "path": "the file's path as given to jixiao extract (valid Unicode); the row's document with sha256",
    "sha256": Source.model_fields["sha256"].description,
    "n": "the row's place within its document, from 1",
    "errors": "how many of the document's findings are errors",
    "warnings": "how many of the document's findings are warnings",
}


def describe(table: str, column: str) -> str:
    """A column's description, from the record model's own field descriptions where the column is a field
    (`jixiao schema` shows the same words): what Parquet field metadata and DuckDB comments carry."""
    own = _OWN.get(column)
    if own:
        return own
    if table == "records" and column in _COUNTED:
        return f"how many rows the document has in the {column} table"
    if column.endswith("_evidence"):
        return f"where the document states {column.removesuffix('_evidence')}: page, offsets and words"
    for model in _MODELS[table]:
        field = model.model_fields.get(column)
        if field is not None and field.description:
            return field.description
    raise KeyError(f"{table}.{column} has no description")


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
_IPC_SCALAR: dict[str, arrow_ipc.Type] = {"str": "utf8", "int": ("int", 64), "float": "double", "money": "double",
                                          "bool": "bool", "json": "utf8", "year": ("int", 16)}
_SQL_SCALAR = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "money": "DOUBLE", "bool": "BOOLEAN",
               "json": "JSON", "year": "SMALLINT"}
# what pd.read_parquet makes of each type: nullable integers and strings (pd.NA for a missing value),
# amounts float64 yuan (NaN), an evidence a dict, a finding's evidence a list of dicts
PANDAS = {"str": "string", "int": "Int64", "float": "float64", "money": "float64", "bool": "boolean",
          "json": "string", "year": "Int16", "evidence": "object", "evidences": "object"}
EVIDENCE_TYPE: arrow_ipc.Type = ("struct", [(n, _IPC_SCALAR[t], {}) for n, t in EVIDENCE_FIELDS])
EVIDENCE_SQL = "STRUCT(" + ", ".join(f'"{n}" {_SQL_SCALAR[t]}' for n, t in EVIDENCE_FIELDS) + ")"


def kind(c: Column) -> str:
    """A column's type as the typed formats spell it: the fiscal year is a small integer."""
    return "year" if c.name == YEAR else c.type


def ipc_type(c: Column) -> arrow_ipc.Type:
    """A column's Arrow type, as plain data (arrow_ipc): one spelling for pyarrow and for the Parquet
    files DuckDB writes."""
    if c.type == "evidence":
        return EVIDENCE_TYPE
    if c.type == "evidences":
        return ("list", ("item", EVIDENCE_TYPE, {}))
    return _IPC_SCALAR[kind(c)]


def arrow_type(t: arrow_ipc.Type) -> pa.DataType:
    """The pyarrow type of a plain one."""
    import pyarrow as pa
    if isinstance(t, str):
        return {"utf8": pa.string(), "double": pa.float64(), "bool": pa.bool_()}[t]
    if t[0] == "int":
        return {16: pa.int16(), 64: pa.int64()}[t[1]]
    if t[0] == "list":
        return pa.list_(pa.field(t[1][0], arrow_type(t[1][1])))
    return pa.struct([(n, arrow_type(sub)) for n, sub, _ in t[1]])


def sql_type(c: Column) -> str:
    if c.type == "evidence":
        return EVIDENCE_SQL
    if c.type == "evidences":
        return EVIDENCE_SQL + "[]"
    return _SQL_SCALAR[kind(c)]


def pandas_metadata(dtypes: Iterable[tuple[str, str]]) -> str:
    """pandas' own schema metadata naming each column's dtype (name, dtype), which makes pd.read_parquet
    (and Table.to_pandas) give nullable Int16/Int64, string and boolean columns rather than float64 and
    object."""
    columns = [{"name": n, "field_name": n, "pandas_type": "object", "numpy_type": d, "metadata": None}
               for n, d in dtypes]
    return json.dumps({"index_columns": [], "column_indexes": [], "columns": columns,
                       "creator": {"library": "jixiao"}, "pandas_version": "2.2.0"})


def described_schema(fields: Iterable[tuple[str, pa.DataType, str, str]]) -> pa.Schema:
    """An Arrow schema from (name, type, pandas dtype, description): each field's description in its
    metadata, and pandas' schema metadata (pandas_metadata)."""
    import pyarrow as pa
    fields = list(fields)
    return pa.schema([pa.field(n, t, metadata={"description": desc}) for n, t, _, desc in fields],
                     metadata={"pandas": pandas_metadata((n, d) for n, _, d, _ in fields)})


def arrow_schema(t: Table) -> pa.Schema:
    return described_schema((c.name, arrow_type(ipc_type(c)), PANDAS[kind(c)], describe(t.name, c.name))
                            for c in t.columns)


def parquet_metadata(t: Table) -> dict[str, str]:
    """The key-value metadata of a table's Parquet file as pyarrow writes it, arrow_schema(t) in effect:
    the serialised Arrow schema (types, each column's description) and pandas' dtypes."""
    pandas = pandas_metadata((c.name, PANDAS[kind(c)]) for c in t.columns)
    fields = [(c.name, ipc_type(c), {"description": describe(t.name, c.name)}) for c in t.columns]
    return {"ARROW:schema": arrow_ipc.arrow_schema_text(fields, {"pandas": pandas}), "pandas": pandas}


def _evidence_dict(e: Evidence) -> dict:
    """An evidence as Arrow's struct and JSON take it: the model's own dict of its fields, every one
    of them, in order (pydantic keeps them there), not copied (model_dump costs ten times as much).
    Read only."""
    return e.__dict__


def _plain(type_: str, v: Any) -> Any:
    """A value as Arrow and JSON take it: evidence as dicts, a finding's figures as JSON text."""
    if v is None:
        return None
    if type_ == "evidence":
        return _evidence_dict(v)
    if type_ == "evidences":
        return [_evidence_dict(e) for e in v]
    if type_ == "json":
        return json.dumps(v, ensure_ascii=False)
    return v


_NESTED = {t.name: [(c.name, c.type) for c in t.columns if c.type in ("evidence", "evidences", "json")]
           for t in TABLES}      # the columns whose values _plain changes


def _json_line(row: dict, nested: list[tuple[str, str]]) -> str:
    """A typed row as one line of JSON, as DuckDB reads it back (the row's own dict, copied only to
    change its evidence and figures)."""
    row = dict(row)
    for name, type_ in nested:
        row[name] = _plain(type_, row[name])
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"


def arrow_batch(t: Table, rows: list[dict], schema: pa.Schema) -> pa.Table:
    import pyarrow as pa
    return pa.Table.from_pydict({c.name: [_plain(c.type, row[c.name]) for row in rows] for c in t.columns},
                                schema=schema)


_NUMBER_FORMAT = {"money": "#,##0.00", "wan": "#,##0.00##", "int": "0"}
_WIDTH = {"str": 14, "int": 8, "float": 10, "money": 16, "wan": 14, "bool": 7, "evidence": 30, "evidences": 50,
          "link": 16}
SHEET_ROWS = 1_048_576                              # Excel's limit on rows in one sheet, the header's included
SHEET_LINKS = 65_530                                # Excel's limit on hyperlinks in one sheet


def _width(c: Shown) -> float:
    header = sum(2 if ord(ch) > 0x2E80 else 1 for ch in c.header) + 2      # CJK characters are two wide
    return max(c.width or _WIDTH[c.type], header)


# ---------------------------------------------------------------- the writers

class _Sheet:
    """One table's sheet (its columns as export.shown_columns gives them), written a row at a time
    (xlsx.py spills each sheet's rows to a temporary file until the workbook is closed). Rows past
    Excel's limit (an archive's indicators can pass a million) go on to a continuation sheet,
    "indicators (2)", "indicators (3)" …, each with the header: Excel refuses a sheet that holds them.
    Each row links to its document's page of report.html; past Excel's 65,530 links a sheet, the
    page's name is written as text instead. Numbers stay numbers (amounts in 元 with thousands
    separators, in 万元 with 2 to 4 decimals); text is cleaned of what a cell cannot hold and written
    as text, never a formula."""

    def __init__(self, book: xlsx.Book, t: Table):
        self.book, self.t = book, t
        self.shown = shown_columns(t)
        self.columns = [(xlsx.column_letter(j), c.get, c.type, book.style.get(c.type, 0))
                        for j, c in enumerate(self.shown)]
        self.sheets = 0
        self._next_sheet()

    def _next_sheet(self) -> None:
        self.sheets += 1
        self.ws = self.book.add_sheet(self.t.name if self.sheets == 1 else f"{self.t.name} ({self.sheets})",
                                      [_width(c) for c in self.shown], [c.header for c in self.shown])
        self.links = 0

    def append(self, rows: Iterable[tuple[dict, Doc]]) -> None:
        text, number = xlsx.text, xlsx.number
        for row, doc in rows:
            if self.ws.rows == SHEET_ROWS:
                self._next_sheet()
            ws = self.ws
            n = str(ws.rows + 1)
            cells = []
            for letter, get, type_, style in self.columns:
                v = get(row, doc)
                if v is None:
                    continue
                if type_ == "link" and self.links < SHEET_LINKS:
                    self.links += 1
                    cells.append(ws.link(letter + n, v))
                elif isinstance(v, str):
                    cells.append(text(letter + n, xlsx_text(v)))       # text stays text, even "=SUM(…)"
                elif isinstance(v, bool):
                    cells.append(xlsx.boolean(letter + n, v))
                elif math.isfinite(v):                          # the typed rows hold no NaN: never an error cell
                    cells.append(number(letter + n, v, style))
            ws.row(cells)


class _Typed:
    """The tables as programs read them: one Parquet file per table and jixiao.duckdb; `add` takes one
    batch of records. DuckDB writes both (pyarrow is not imported: a quarter of a second of every
    run's start): each batch's rows go to a JSON lines file per table (a temporary folder, as the
    workbook's rows do), which DuckDB turns into the table's Parquet file at the end, its columns
    typed by the table's spec and its Arrow schema (types, descriptions, pandas' dtypes) in the
    file's metadata as pyarrow would have written it (parquet_metadata)."""

    def __init__(self, outdir: Path):
        self.final = [outdir / f"{t.name}.parquet" for t in TABLES] + [outdir / DUCKDB]
        self.partial = [p.with_name(p.name + PARTIAL) for p in self.final]
        self.spill: tempfile.TemporaryDirectory | None = None     # each table's rows until finish
        self.rows: list = []
        self.counts = [0] * len(TABLES)         # rows written to each table's file
        self.db: duckdb.DuckDBPyConnection | None = None

    def open(self) -> None:
        for p in self.partial:
            _remove(p)
        self.spill = tempfile.TemporaryDirectory(prefix="jixiao-rows-")
        self.rows = [open(Path(self.spill.name) / f"{t.name}.jsonl", "w", encoding="utf-8") for t in TABLES]
        self.db = empty_database(self.partial[-1])

    def add(self, tables: list[list[tuple[dict, Doc]]]) -> None:
        for k, (t, f, pairs) in enumerate(zip(TABLES, self.rows, tables)):
            f.writelines(_json_line(row, _NESTED[t.name]) for row, _ in pairs)
            self.counts[k] += len(pairs)

    def finish(self) -> None:
        """Each table's Parquet file from its rows, then the table of the database from that file, in
        one INSERT (a batch's own INSERT cost DuckDB twice as much), by one thread, a row group at a
        time, and a table of more than a row group written to the file before the next table: memory
        stays that of a row group (with a thread per core and one checkpoint, 5,000 documents took
        70 MB more); smaller tables are written by one checkpoint at the end (six cost a short
        report 10 ms). The Parquet file is written from the rows as read, not from the database's
        table: DuckDB would mark the columns with no missing value as required, and pyarrow would read
        them as not nullable."""
        assert self.db is not None and self.spill is not None          # opened
        for f in self.rows:
            f.close()
        self.db.execute("SET threads = 1")
        for t, f, p, n in zip(TABLES, self.rows, self.partial, self.counts):
            columns = ", ".join(f"{_sql_text(c.name)}: {_sql_text(_SQL_SCALAR['str'] if c.type == 'json' else sql_type(c))}"
                                for c in t.columns)
            metadata = ", ".join(f"{_sql_text(k)}: {_sql_text(v)}" for k, v in parquet_metadata(t).items())
            self.db.execute(f"COPY (SELECT * FROM read_json({_sql_text(f.name)}, format = 'newline_delimited', "
                            f"columns = {{{columns}}})) TO {_sql_text(str(p))} "
                            f"(FORMAT PARQUET, ROW_GROUP_SIZE {ROW_GROUP}, KV_METADATA {{{metadata}}})")
            self.db.execute(f'INSERT INTO "{t.name}" SELECT * FROM read_parquet(?)', [str(p)])
            if n > ROW_GROUP:
                self.db.execute("CHECKPOINT")
        self.db.execute("CHECKPOINT")   # closing would swallow a failure to move the log into the file
        self.db.close()
        self.db = None
        self.spill.cleanup()
        self.spill = None

    def abort(self) -> None:
        closes = [f.close for f in self.rows] + ([self.db.close] if self.db is not None else []) + \
            ([self.spill.cleanup] if self.spill is not None else [])
        for close in closes:
            try:
                close()
            except Exception:       # noqa: BLE001, S110 - already failing: remove what can be removed
                pass


class _Workbook:
    """jixiao.xlsx: a sheet per table, rows appended batch by batch."""

    def __init__(self, outdir: Path):
        self.final = [outdir / XLSX]
        self.partial = [p.with_name(p.name + PARTIAL) for p in self.final]
        self.sheets: list[_Sheet] = []
        self.spill: tempfile.TemporaryDirectory | None = None    # the sheets' rows until the workbook closes

    def open(self) -> None:
        _remove(self.partial[0])
        self.spill = tempfile.TemporaryDirectory(prefix="jixiao-xlsx-")
        self.book = xlsx.Book(self.partial[0], Path(self.spill.name), _NUMBER_FORMAT)
        for t in TABLES:
            self.sheets.append(_Sheet(self.book, t))

    def add(self, tables: list[list[tuple[dict, Doc]]]) -> None:
        for sheet, pairs in zip(self.sheets, tables):
            sheet.append(pairs)

    def finish(self) -> None:
        assert self.spill is not None       # opened
        self.book.close()
        self.spill.cleanup()
        self.spill = None

    def abort(self) -> None:
        if self.spill is not None:
            self.book.abort()
            self.spill.cleanup()


class _Outputs:
    """The writers of this pass (typed tables, workbook or both), fed one batch of records at a time;
    each file is written under its partial name and renamed over the old one only when all are whole."""

    def __init__(self, writers: list):
        self.writers = writers
        self.documents = 0          # records added so far: the next one's page of report.html is documents + 1

    def open(self) -> None:
        for w in self.writers:
            w.open()

    def add(self, records: list[Record]) -> None:
        """Each table's rows of the batch, each beside its document, flattened once for every writer."""
        docs = [Doc.of(r, n) for n, r in enumerate(records, self.documents + 1)]
        self.documents += len(records)
        tables = [[(row, doc) for r, doc in zip(records, docs) for row in t.rows(r)] for t in TABLES]
        for w in self.writers:
            w.add(tables)

    def finish(self) -> list[Path]:
        for w in self.writers:
            w.finish()
        final = [p for w in self.writers for p in w.final]
        for w in self.writers:
            for partial, path in zip(w.partial, w.final):
                _remove(path.with_name(path.name + ".wal"))       # a previous database's log must not replay
                os.replace(partial, path)
        return final

    def abort(self) -> None:
        for w in self.writers:
            w.abort()
            for p in w.partial:
                _remove(p)
                _remove(p.with_name(p.name + ".wal"))


ROWS = {"records": "one row per document read (ok, failed or skipped)", "findings": "one row per audit finding",
        "quantities": "one row per counted output", "indicators": "one row per performance indicator",
        "projects": "one row per key project", "funds": "one row per fund row of a 自评表"}
CONTEXT = ("organization", "fiscal_year", "report_type")       # what a view adds from the row's document


def _sql_text(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def empty_database(path: Path) -> duckdb.DuckDBPyConnection:
    """jixiao.duckdb at `path` with its tables, their comments and the views, empty: a copy of the one
    the first run made in the user's cache folder (the rules' own, rules.checked), named by its
    statements and DuckDB's version. The 200 statements cost every run 30 ms of CPU, the copy a
    millisecond. Without a cache folder, or where it cannot be written, they are run here."""
    statements = ["BEGIN TRANSACTION", *create_tables(), *document_db(), "COMMIT"]
    where = cache_dir()
    if where is not None:
        key = hashlib.sha256("\n".join([duckdb.__version__, *statements]).encode()).hexdigest()[:16]
        template = where / f"empty-{key}.duckdb"
        try:
            if not template.exists():
                _made(template, statements)
            shutil.copyfile(template, path)
            return duckdb.connect(str(path))
        except (OSError, duckdb.Error):
            _remove(path)
    db = duckdb.connect(str(path))
    db.execute(";\n".join(statements))
    return db


def _made(template: Path, statements: list[str]) -> None:
    """The empty database made under a temporary name beside `template` and renamed to it when whole."""
    template.parent.mkdir(parents=True, exist_ok=True)
    tmp = template.with_name(f"{template.name}.{os.getpid()}.tmp")
    try:
        db = duckdb.connect(str(tmp))
        try:
            db.execute(";\n".join(statements))
        finally:
            db.close()
        os.replace(tmp, template)
    finally:
        _remove(tmp)
        _remove(tmp.with_name(tmp.name + ".wal"))


def create_tables() -> list[str]:
    """The statements that create the database's tables, empty."""
    return [f'CREATE TABLE "{t.name}" (' + ", ".join(f'"{c.name}" {sql_type(c)}' for c in t.columns) + ")"
            for t in TABLES]


def document_db() -> list[str]:
    """The statements by which the database describes itself: a comment on every table and column
    (`duckdb_columns()`, `.schema` in the DuckDB shell), and for each table of a document's rows a view
    `<table>_with_organization` with the document's organization, fiscal_year and report_type first."""
    out = []
    for t in TABLES:
        out.append(f'COMMENT ON TABLE "{t.name}" IS {_sql_text(ROWS[t.name])}')
        out += [f'COMMENT ON COLUMN "{t.name}"."{c.name}" IS {_sql_text(describe(t.name, c.name))}' for c in t.columns]
    context = ", ".join(f'r."{c}"' for c in CONTEXT)
    for t in TABLES[1:]:
        view = f"{t.name}_with_organization"
        about = f"{ROWS[t.name]}, with its document's {', '.join(CONTEXT)}"
        out += [f'CREATE VIEW "{view}" AS SELECT {context}, x.* FROM "{t.name}" x JOIN records r USING (path, sha256)',
                f'COMMENT ON VIEW "{view}" IS {_sql_text(about)}']
    return out


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


def write_tables(outdir: Path, batch: int = BATCH, *, records: Iterable[Record] | None = None,
                 typed: bool = True, workbook: bool = True) -> list[Path]:
    """Write OUTDIR's records.jsonl as Parquet files (one per table) and jixiao.duckdb (`typed`) and
    jixiao.xlsx (`workbook`), replacing those of a previous run; return the paths written. `records`:
    the caller's own reader of records.jsonl (one pass feeds its CSVs too); else it is read here.
    Raises findings_view.BadJsonl when a line is not a record, OSError when OUTDIR cannot be written
    (a full disk), whichever writer finds it."""
    outdir = Path(outdir)
    out = _Outputs(([_Typed(outdir)] if typed else []) + ([_Workbook(outdir)] if workbook else []))
    try:
        out.open()
        for chunk in _batches(read_jsonl(outdir / "records.jsonl") if records is None else records, batch):
            out.add(chunk)
            del chunk               # not held while the next batch is read
        return out.finish()
    except BaseException as e:
        out.abort()
        if isinstance(e, (duckdb.IOException, duckdb.TransactionException, duckdb.FatalException)):
            raise OSError(str(e)) from e            # its message names the file and the system's error
        raise

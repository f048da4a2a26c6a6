"""The tables of a run in Parquet, xlsx and DuckDB (pipeline/outputs/store.py), and the SQL docs/outputs.md shows.

One module-wide run: `jixiao extract` over the corpus (its scanned PDFs left out: OCR costs
seconds and adds no table that the text copies lack; tests/test_formats.py reads them) and a
folder of planted reports, then `write_tables` on that OUTDIR.

Planted: the seed report restated for 2022 with an execution rate its figures contradict
(执行数 1109.08 万元 of 1150.50 万元 is 96.40%, the report says 100%); an exact copy of the seed and a
copy with a different budget (two versions of one organisation-year); a project report whose grade
(优) its score (89.93) does not reach; a damaged PDF and a legacy .doc (failed records).
"""
from __future__ import annotations

import json
import re
import tempfile
import tracemalloc
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from pipeline.outputs import store
from pipeline.cli import iter_files, main
from pipeline.outputs.export import record_json, shown_columns
from pipeline.outputs.findings_view import BadJsonl, read_jsonl
from pipeline.models import Budget, Evidence, Fact, Finding, Quantity, Record, Source
from pipeline.outputs.store import DUCKDB, TABLES, XLSX, write_tables
from pipeline.outputs.texts import Texts
from tests.conftest import CORPUS, ROOT, SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")
PROJECT = CORPUS / "synth" / "syn-proj-002.txt"
NUMERIC = {"int", "float", "money", "wan"}


def _planted(folder: Path) -> None:
    folder.mkdir()
    restated_2022 = SEED_TEXT.replace("2021", "2022").replace("执行数 1150.49 万元", "执行数 1109.08 万元")
    assert restated_2022.count("执行数 1109.08 万元") == 1
    (folder / "huadu-union-2022.txt").write_text(restated_2022, encoding="utf-8")
    (folder / "huadu-union-2021-copy.txt").write_text(SEED_TEXT, encoding="utf-8")
    assert SEED_TEXT.count("1150.50") == 1
    (folder / "huadu-union-2021-restated.txt").write_text(SEED_TEXT.replace("1150.50", "1150.60"), encoding="utf-8")
    project = PROJECT.read_text(encoding="utf-8")
    assert project.count("\n良\n") == 1
    (folder / "syn-proj-002-regraded.txt").write_text(project.replace("\n良\n", "\n优\n"), encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 cut off here")
    (folder / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 not really a Word file")


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("store")
    _planted(base / "planted")
    inputs = [str(p) for p in iter_files([str(CORPUS)]) if not p.name.endswith(".scan.pdf")]
    out = base / "out"
    assert main(["extract", *inputs, str(base / "planted"), "-o", str(out), "-q"]) == 0
    extracted = {p: p.stat().st_mtime_ns for p in out.iterdir() if p.suffix in (".parquet", ".xlsx", ".duckdb")}
    assert len(extracted) == len(TABLES) + 2        # extract wrote them; written again, they are replaced
    written = write_tables(out)
    assert written == [out / f"{t.name}.parquet" for t in TABLES] + [out / DUCKDB, out / XLSX]
    return out


@pytest.fixture(scope="module")
def records(run) -> list[dict]:
    return [json.loads(line) for line in (run / "records.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def db(run):
    con = duckdb.connect(str(run / DUCKDB), read_only=True)
    yield con
    con.close()


def _children(records: list[dict], table: str) -> int:
    return len(records) if table == "records" else sum(len(r[table]) for r in records)


# ---------------------------------------------------------------- the spreadsheet

def test_xlsx_has_one_sheet_per_table_with_chinese_headers_and_numbers_as_numbers(run, records):
    wb = load_workbook(run / XLSX)
    assert wb.sheetnames == [t.name for t in TABLES]
    for t in TABLES:
        ws = wb[t.name]
        rows = list(ws.iter_rows())
        assert [c.value for c in rows[0]] == [c.header for c in shown_columns(t)]
        assert ws.freeze_panes == "A2"
        assert len(rows) - 1 == _children(records, t.name) > 0, t.name
        numbers = 0
        for i, col in enumerate(shown_columns(t)):
            cells = [row[i] for row in rows[1:] if row[i].value is not None]
            if col.type in NUMERIC:
                numbers += len(cells)
                for c in cells:
                    assert c.data_type == "n" and isinstance(c.value, (int, float)) \
                        and not isinstance(c.value, bool), (t.name, col.name, c.coordinate, c.value)
            elif col.type == "bool":
                assert all(c.data_type == "b" for c in cells)
            else:
                assert all(c.data_type == "s" for c in cells), (t.name, col.name)
        assert numbers > 0, t.name
    headers = [c.value for c in next(wb["records"].iter_rows())]
    assert {"文件", "类型", "年度", "单位", "全年预算数(元)", "执行数(元)", "执行率(%)", "自评得分", "等级"} <= set(headers)
    assert [c.value for c in next(wb["findings"].iter_rows())][:5] == ["文件", "报告页", "单位", "年度", "SHA-256"]
    assert [c.value for c in next(wb["findings"].iter_rows())][6:] == \
        ["规则", "规则代码", "级别", "级别代码", "说明", "数值", "依据"]


def test_xlsx_row_of_the_planted_report(run):
    ws = load_workbook(run / XLSX)["records"]
    rows = list(ws.iter_rows())
    col = {c.value: i for i, c in enumerate(rows[0])}
    row = next(r for r in rows[1:] if r[col["文件"]].value.endswith("huadu-union-2022.txt"))
    assert row[col["年度"]].value == 2022
    assert row[col["全年预算数(元)"]].value == 11505000 and row[col["全年预算数(元)"]].number_format == "#,##0.00"
    assert row[col["执行数(元)"]].value == 11090800
    assert row[col["执行率(%)"]].value == 100 and row[col["错误数"]].value == 1
    assert row[col["执行数依据"]].value == "「1109.08万元」 第1页"
    findings = list(load_workbook(run / XLSX)["findings"].iter_rows())
    col = {c.value: i for i, c in enumerate(findings[0])}
    rule = next(r for r in findings[1:] if r[col["规则代码"]].value == "execution_rate")
    assert rule[col["依据"]].value.splitlines() == ["「1109.08万元」 第1页", "「1150.50万元」 第1页", "「100%」 第1页"]


# ---------------------------------------------------------------- Parquet

def test_parquet_schema_types_and_row_counts(run, records):
    schema = pq.read_schema(run / "records.parquet")
    assert schema.field("fiscal_year").type == pa.int16()
    assert schema.field("pages").type == pa.int64()
    for money in ("initial_yuan", "total_yuan", "executed_yuan", "rate_pct", "self_score"):
        assert schema.field(money).type == pa.float64()
    assert schema.field("ocr").type == pa.bool_()
    assert schema.field("path").type == schema.field("organization").type == pa.string()
    evidence = schema.field("total_yuan_evidence").type
    assert pa.types.is_struct(evidence)
    assert {evidence.field(n).type for n in ("page", "start", "end")} == {pa.int64()}
    assert evidence.field("text").type == pa.string()
    findings = pq.read_schema(run / "findings.parquet").field("evidence").type
    assert pa.types.is_list(findings) and findings.value_type == evidence
    for t in TABLES:
        assert pq.read_metadata(run / f"{t.name}.parquet").num_rows == _children(records, t.name)
    table = pq.read_table(run / "records.parquet").to_pylist()
    seed = next(r for r in table if r["path"] == str(SEED))
    assert seed["total_yuan"] == 11505000.0 and seed["total_yuan_evidence"]["text"] == "1150.50万元"


def test_duckdbs_parquet_files_read_back_as_pyarrow_and_pandas_would_have_written_them(run, records, tmp_path):
    """DuckDB writes the files; the Arrow schema in their metadata (store.parquet_metadata, encoded
    without pyarrow) is the tables' own: types, nullable columns, descriptions, pandas' dtypes."""
    for t in TABLES:
        rows = [row for r in read_jsonl(run / "records.jsonl") for row in t.rows(r)]
        pq.write_table(store.arrow_batch(t, rows, store.arrow_schema(t)), tmp_path / "pyarrow.parquet")
        assert pq.read_table(run / f"{t.name}.parquet").equals(pq.read_table(tmp_path / "pyarrow.parquet"),
                                                               check_metadata=True), t.name
        assert pd.read_parquet(run / f"{t.name}.parquet").equals(pd.read_parquet(tmp_path / "pyarrow.parquet"))
    frame = pd.read_parquet(run / "findings.parquet")
    assert str(frame["n"].dtype) == "Int64" and str(frame["values"].dtype) == "string"
    assert json.loads(frame["values"][0]) == next(r["findings"][0]["values"] for r in records if r["findings"])


# ---------------------------------------------------------------- DuckDB

def test_duckdb_column_types_and_row_counts(db, records):
    types = {name: type_ for name, type_, *_ in db.execute("DESCRIBE records").fetchall()}
    assert types["fiscal_year"] == "SMALLINT" and types["total_yuan"] == "DOUBLE"
    assert types["ocr"] == "BOOLEAN" and types["organization"] == "VARCHAR"
    assert types["total_yuan_evidence"].startswith("STRUCT(") and '"text" VARCHAR' in types["total_yuan_evidence"]
    findings = {name: type_ for name, type_, *_ in db.execute("DESCRIBE findings").fetchall()}
    assert findings["values"] == "JSON"
    assert findings["evidence"].startswith("STRUCT(") and findings["evidence"].endswith(")[]")
    for t in TABLES:
        assert db.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0] == _children(records, t.name), t.name
    assert db.execute("SELECT count(*) FROM findings").fetchone()[0] == sum(len(r["findings"]) for r in records) == 2


def test_every_table_has_the_document_key_of_its_record(db):
    for t in TABLES[1:]:
        orphans = db.execute(f"SELECT count(*) FROM {t.name} x ANTI JOIN records r USING (path, sha256)").fetchone()
        assert orphans == (0,), t.name
        assert db.execute(f"SELECT count(*) FROM {t.name} WHERE sha256 IS NULL").fetchone() == (0,), t.name


def test_every_column_is_described_in_parquet_and_duckdb(db, run):
    comments = {(t, c): d for t, c, d in db.execute(
        "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE NOT internal").fetchall()}
    for t in TABLES:
        schema = pq.read_schema(run / f"{t.name}.parquet")
        for c in t.columns:
            described = schema.field(c.name).metadata[b"description"].decode()
            assert described and comments[(t.name, c.name)] == described, (t.name, c.name)
    assert "SHA-256" in comments[("findings", "sha256")]


def test_a_view_gives_each_finding_its_organization_and_year(db):
    got = db.execute("SELECT organization, fiscal_year, rule FROM findings_with_organization ORDER BY rule").fetchall()
    assert got == [("广州市花都区总工会", 2022, "execution_rate"), ("云溪市枫林县农村经营管理站", 2024, "score_grade")]
    views = {v for (v,) in db.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert views == {f"{t.name}_with_organization" for t in TABLES[1:]}


def test_planted_findings_keep_their_evidence(db, run):
    got = db.execute("SELECT rule, [e.text FOR e IN evidence] FROM findings ORDER BY rule").fetchall()
    assert got == [("execution_rate", ["1109.08万元", "1150.50万元", "100%"]), ("score_grade", ["优", "89.93"])]
    # every evidence of every finding is the slice of the document's text its offsets say
    rows = db.execute("SELECT r.sha256, e.start, e.end, e.text FROM findings f JOIN records r USING (path), "
                  "unnest(f.evidence) AS u(e)").fetchall()
    assert len(rows) == 5
    with Texts(run) as texts:
        for sha, start, end, text in rows:
            assert texts.get(sha)[start:end] == text


def test_failed_and_skipped_documents_are_rows_with_their_error(db):
    rows = {p.rsplit("/", 1)[-1]: (s, e) for p, s, e in
            db.execute("SELECT path, status, error FROM records WHERE status <> 'ok'").fetchall()}
    assert rows["broken.pdf"][0] == "failed" and "damaged" in rows["broken.pdf"][1]
    assert rows["old.doc"][0] == "failed" and "libreoffice" in rows["old.doc"][1]
    status, error = rows[SEED.with_suffix(".json").name]
    assert status == "skipped" and ".json is not a report format" in error


# ---------------------------------------------------------------- the queries docs/outputs.md shows

def readme_queries() -> dict[str, str]:
    text = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- sql: (\w+) -->\n```sql\n(.*?)```", text, re.DOTALL))


def test_readme_shows_three_queries():
    assert list(readme_queries()) == ["rate_contradictions", "findings_by_rule", "organisations_by_year"]


def test_readme_query_rate_contradictions(db, run):
    rows = db.execute(readme_queries()["rate_contradictions"]).fetchall()
    assert rows == [(str(run.parent / "planted" / "huadu-union-2022.txt"), "广州市花都区总工会", 2022,
                     "执行率不一致：执行数/预算数 = 96.4%，报告称 100%", 11505000.0, 11090800.0, 96.4, 100.0,
                     ["「1109.08万元」 第1页", "「1150.50万元」 第1页", "「100%」 第1页"])]


def test_readme_query_findings_by_rule(db):
    assert db.execute(readme_queries()["findings_by_rule"]).fetchall() == \
        [("execution_rate", "error", 1, 1), ("score_grade", "error", 1, 1)]


def test_readme_query_organisations_by_year(db):
    copies = {stem: sum(1 for p in iter_files([str(CORPUS)]) if p.name.split(".")[0] == stem
                        and p.suffix != ".json" and not p.name.endswith(".scan.pdf"))
              for stem in ("syn-dept-001", "syn-dept-002")}
    assert db.execute(readme_queries()["organisations_by_year"]).fetchall() == [
        ("安澜市河口区残疾人联合会", 2019, copies["syn-dept-002"], 1, 11928800.0, 11928800.0, 65.0, "中"),
        ("安澜市雁门县农业农村局", 2019, copies["syn-dept-001"], 1, 3691100.0, 3163200.0, 94.07, "优"),
        # the seed, its exact copy, and a copy stating 1150.60 万元: two versions, the majority's budget
        ("广州市花都区总工会", 2021, 3, 2, 11505000.0, 11504900.0, 95.0, None),
        ("广州市花都区总工会", 2022, 1, 1, 11505000.0, 11090800.0, 95.0, None),
    ]


# ---------------------------------------------------------------- streaming, replacing, failing

EV = Evidence(page=1, start=0, end=6, text="10.00万元")


def _small(i: int) -> Record:
    return Record(
        source=Source(path=f"r{i:06}.txt", sha256=f"{i:064x}", format="txt", pages=1), status="ok",
        fiscal_year=Fact(value=2021, evidence=EV), organization=Fact(value=f"单位{i}", evidence=EV),
        budget=Budget(total_yuan=Fact(value=100000.0, evidence=EV), executed_yuan=Fact(value=80000.0, evidence=EV),
                      rate_pct=Fact(value=100.0, evidence=EV)),
        quantities=[Quantity(value=51, unit="家", subject="基层工会", evidence=EV)],
        findings=[Finding(rule="execution_rate", severity="error", message="执行率不一致", values={"computed": 80.0},
                          evidence=[EV, EV])])


def _jsonl(folder: Path, n: int) -> Path:
    folder.mkdir(exist_ok=True)
    with open(folder / "records.jsonl", "w", encoding="utf-8") as f:
        f.writelines(record_json(_small(i)) + "\n" for i in range(n))
    return folder


def _peak(folder: Path) -> int:
    tracemalloc.start()
    try:
        write_tables(folder)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_streaming_memory_does_not_grow_with_the_number_of_records(tmp_path, monkeypatch):
    """Python's peak while writing two batches of records is that of one: a batch is written before
    the next one is read, and nothing of it is kept. (A previous batch still referenced while the next
    is read doubled the peak.)"""
    read, written = [0], []

    def counting(path):
        for r in read_jsonl(path):
            read[0] += 1
            yield r

    def add(self, records, _add=store._Outputs.add):
        written.append((len(records), read[0]))
        _add(self, records)

    monkeypatch.setattr(store, "read_jsonl", counting)
    monkeypatch.setattr(store._Outputs, "add", add)
    small = _peak(_jsonl(tmp_path / "small", store.BATCH))
    written.clear()
    read[0] = 0
    large = _peak(_jsonl(tmp_path / "large", 2 * store.BATCH))
    assert written == [(store.BATCH, store.BATCH), (store.BATCH, 2 * store.BATCH)]
    assert large < small * 1.25, (small, large)
    n = 2 * store.BATCH
    con = duckdb.connect(str(tmp_path / "large" / DUCKDB), read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT path), sum(total_yuan) FROM records").fetchone() == \
        (n, n, n * 100000.0)
    assert con.execute("SELECT count(*) FROM findings").fetchone()[0] == n


def test_rows_past_excels_limit_go_on_to_numbered_sheets_with_the_header(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "SHEET_ROWS", 3)          # a header and two rows per sheet
    write_tables(_jsonl(tmp_path, 5))
    wb = load_workbook(tmp_path / XLSX)
    assert [n for n in wb.sheetnames if n.startswith("records")] == ["records", "records (2)", "records (3)"]
    headers = [c.header for c in shown_columns(TABLES[0])]
    paths = []
    for name in ("records", "records (2)", "records (3)"):
        rows = list(wb[name].iter_rows(values_only=True))
        assert list(rows[0]) == headers and wb[name].freeze_panes == "A2"
        assert wb[name].auto_filter.ref == f"A1:{wb[name].cell(1, len(headers)).column_letter}{len(rows)}"
        paths += [r[0] for r in rows[1:]]
    assert paths == [f"r{i:06}.txt" for i in range(5)]          # each row once, in order
    assert "quantities (3)" in wb.sheetnames and "quantities (4)" not in wb.sheetnames
    assert wb["findings (2)"].max_row == 3


def _spill_in(tmp_path, monkeypatch):
    """Where the xlsx writer's temporary files go, watched by the test."""
    spill = tmp_path / "spill"
    spill.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spill))
    return spill


def test_a_second_run_replaces_the_files_of_the_first(tmp_path, monkeypatch):
    spill = _spill_in(tmp_path, monkeypatch)
    write_tables(_jsonl(tmp_path, 7))
    write_tables(_jsonl(tmp_path, 3))
    con = duckdb.connect(str(tmp_path / DUCKDB), read_only=True)
    assert con.execute("SELECT count(*) FROM records").fetchone()[0] == 3
    assert load_workbook(tmp_path / XLSX)["records"].max_row == 4
    assert pq.read_metadata(tmp_path / "records.parquet").num_rows == 3
    assert not list(tmp_path.glob("*.partial*")) and not list(spill.iterdir())


def test_a_bad_line_leaves_the_previous_files_and_no_partial_ones(tmp_path, monkeypatch):
    spill = _spill_in(tmp_path, monkeypatch)
    write_tables(_jsonl(tmp_path, 2))
    with open(tmp_path / "records.jsonl", "a", encoding="utf-8") as f:
        f.write('{"not": "a record"}\n')
    with pytest.raises(BadJsonl, match="line 3"):
        write_tables(tmp_path)
    assert not list(tmp_path.glob("*.partial*")) and not list(spill.iterdir())
    assert pq.read_metadata(tmp_path / "records.parquet").num_rows == 2


def test_an_empty_run_gives_empty_typed_tables(tmp_path):
    (tmp_path / "records.jsonl").write_text("", encoding="utf-8")
    write_tables(tmp_path)
    con = duckdb.connect(str(tmp_path / DUCKDB), read_only=True)
    assert con.execute("SELECT count(*) FROM findings").fetchone()[0] == 0
    assert pq.read_schema(tmp_path / "records.parquet").field("fiscal_year").type == pa.int16()
    assert next(load_workbook(tmp_path / XLSX)["records"].iter_rows())[0].value == "文件"


def test_text_that_looks_like_a_formula_or_holds_control_characters_stays_text(tmp_path):
    r = _small(0).model_copy(update={"organization": Fact(value="=SUM(A1:A2)\f单位", evidence=EV)})
    (tmp_path / "records.jsonl").write_text(record_json(r) + "\n", encoding="utf-8")
    write_tables(tmp_path)
    ws = load_workbook(tmp_path / XLSX)["records"]
    cell = ws.cell(row=2, column=[c.value for c in ws[1]].index("单位") + 1)
    assert cell.data_type == "s" and cell.value == "=SUM(A1:A2) 单位"
    con = duckdb.connect(str(tmp_path / DUCKDB), read_only=True)
    assert con.execute("SELECT organization FROM records").fetchone()[0] == "=SUM(A1:A2)\f单位"


def test_the_empty_database_is_copied_from_the_users_cache_and_is_the_one_its_statements_make(tmp_path, monkeypatch):
    """The tables, comments and views are made once, in the cache folder, and copied for each run;
    without a cache folder they are made in place, the same."""
    describe = ("SELECT table_name, column_name, data_type, comment FROM duckdb_columns() WHERE NOT internal ORDER BY ALL",
                "SELECT view_name, sql, comment FROM duckdb_views() WHERE NOT internal ORDER BY ALL",
                "SELECT table_name, comment FROM duckdb_tables() WHERE NOT internal ORDER BY ALL")
    got = []
    for n, cache in enumerate([tmp_path / "cache", tmp_path / "cache", None]):
        monkeypatch.setattr(store, "cache_dir", lambda cache=cache: cache)
        db = store.empty_database(tmp_path / f"{n}.duckdb")
        got.append([db.execute(q).fetchall() for q in describe])
        db.close()
        if n == 0:
            (template,) = (tmp_path / "cache").iterdir()
            made = template.stat().st_mtime_ns
    assert got[0] == got[1] == got[2]
    assert len([c for c in got[0][0] if c[0] in {t.name for t in TABLES}]) == sum(len(t.columns) for t in TABLES)
    assert [p.stat().st_mtime_ns for p in (tmp_path / "cache").iterdir()] == [made]      # made once, then copied

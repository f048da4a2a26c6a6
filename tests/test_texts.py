"""texts.jsonl: every document's text layer in one file, keyed by sha256. Read back exactly (the
evidence offsets index it), written once per sha256 across copies and reruns, whole after a kill, and
readable by outside tools (DuckDB) as well as by the report."""
import json
from pathlib import Path

import duckdb

from pipeline.cli import main
from pipeline.models import Record, Source
from pipeline.outputs.export import Writer
from pipeline.outputs.texts import TEXTS, Texts
from tests.test_report import chunks, page

ODD = "第一页\f第二页\r\n\t\x00\x1b 𠀋 \u2028\u2029\x85\"引号\"\\反斜杠"
REPORT = "青石县某某局2022年度部门整体支出绩效自评报告\n全年预算数 100 万元，执行数 90 万元，执行率 {rate}%。\n"


def record(sha: str, path: str = "a.txt") -> Record:
    return Record(source=Source(path=path, sha256=sha, format="txt"), status="ok")


def lines(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / TEXTS).read_text(encoding="utf-8").splitlines()]


def test_a_text_is_read_back_exactly_and_kept_once_per_sha256(tmp_path):
    out = tmp_path / "out"
    with Writer(out) as w:
        w.write(record("a" * 64), ODD)
        w.write(record("a" * 64, "copy.txt"), ODD)          # a copy of the same file: its text once
        w.write(record("b" * 64), "lone \ud800 surrogate")
    with Writer(out, append=True) as w:                     # a rerun: nothing new
        w.write(record("a" * 64), ODD)
    assert [x["sha256"] for x in lines(out)] == ["a" * 64, "b" * 64]
    with Texts(out) as texts:
        assert texts.get("a" * 64) == ODD
        assert texts.get("b" * 64) == "lone ? surrogate"    # one character for one: offsets hold
        assert texts.get("c" * 64) is None
    assert Texts(tmp_path / "nowhere").get("a" * 64) is None


def test_a_torn_last_line_is_cut_by_the_next_writer(tmp_path):
    out = tmp_path / "out"
    with Writer(out) as w:
        w.write(record("a" * 64), "第一份")
    with open(out / TEXTS, "ab") as f:                       # a run killed mid-line
        f.write(b'{"sha256": "' + b"b" * 64 + b'", "text": "\xe7\xac\xac')
    with Texts(out) as texts:
        assert texts.get("b" * 64) is None and texts.get("a" * 64) == "第一份"
    with Writer(out, append=True) as w:
        w.write(record("b" * 64), "第二份")
    assert [(x["sha256"][0], x["text"]) for x in lines(out)] == [("a", "第一份"), ("b", "第二份")]


def test_a_rerun_that_changes_one_file_adds_its_text_and_the_report_shows_it(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name, rate in (("a.txt", "90.0"), ("b.txt", "90.0")):
        (src / name).write_text(REPORT.format(rate=rate), encoding="utf-8")
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1"]) == 0
    assert len(lines(out)) == 1                              # two copies of one text
    (src / "b.txt").write_text(REPORT.format(rate="95.0"), encoding="utf-8")
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1"]) == 0
    assert len(lines(out)) == 2
    recs = [Record.model_validate_json(line) for line in (out / "records.jsonl").open(encoding="utf-8")]
    assert [Path(r.source.path).name for r in recs] == ["a.txt", "b.txt"]
    assert "95.0%" in page(out, 2).get_element_by_id("text").text_content()
    assert "execution_rate" in {f.rule for f in recs[1].findings}
    assert len(chunks(out)) == 2


def test_texts_no_record_holds_are_dropped_once_they_are_most_of_the_file(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name, rate in (("a.txt", "90.0"), ("b.txt", "91.0"), ("c.txt", "92.0")):
        (src / name).write_text(REPORT.format(rate=rate), encoding="utf-8")
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1"]) == 0
    (src / "a.txt").write_text(REPORT.format(rate="93.0"), encoding="utf-8")
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1"]) == 0
    assert len(lines(out)) == 4                     # one stale text of four: left as it is
    (src / "b.txt").unlink()
    (src / "c.txt").unlink()
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1"]) == 0
    recs = [Record.model_validate_json(line) for line in (out / "records.jsonl").open(encoding="utf-8")]
    assert [x["sha256"] for x in lines(out)] == [r.source.sha256 for r in recs]      # three of four were stale
    assert "93.0%" in page(out, 1).get_element_by_id("text").text_content()
    assert not (out / (TEXTS + ".tmp")).exists()


def test_outside_tools_read_the_texts_by_sha256(tmp_path):
    """DuckDB joins texts.jsonl to the records by sha256, and slices an evidence's words."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "r.txt").write_text(REPORT.format(rate="98.5"), encoding="utf-8")
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1"]) == 0
    rows = duckdb.sql(f"""
        SELECT e.text, substr(t.text, e.start + 1, e."end" - e.start)
        FROM (SELECT sha256, unnest(evidence) AS e FROM '{out / "findings.parquet"}') f
        JOIN read_json('{out / TEXTS}', columns = {{sha256: 'VARCHAR', text: 'VARCHAR'}}) t USING (sha256)
    """).fetchall()
    assert rows and all(stated == sliced for stated, sliced in rows)

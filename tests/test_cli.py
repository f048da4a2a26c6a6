"""The command as a user runs it: extract the corpus, print the text, print the schema."""
import csv
import json

from pipeline import text_of
from pipeline.cli import iter_files, main
from tests.conftest import SEED, corpus_reports, jixiao


def test_extract_corpus_writes_the_three_files(corpus_run):
    proc, out, by_path = corpus_run
    assert proc.returncode == 0, proc.stderr.decode()
    records = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["source"]["path"] for r in records] == list(by_path)       # one record a file
    reports = {str(p) for p in corpus_reports()}
    assert reports <= by_path.keys()
    assert {by_path[p]["status"] for p in reports} == {"ok"}
    assert all(r["status"] == "skipped" for p, r in by_path.items() if p.endswith(".json"))
    rows = list(csv.DictReader((out / "records.csv").open(encoding="utf-8-sig")))
    assert len(rows) == len(records)
    seed_row = next(r for r in rows if r["文件"].endswith(SEED.name))
    assert float(seed_row["全年预算数(元)"]) == 11505000.0 and seed_row["单位"] == "广州市花都区总工会"
    assert next(csv.reader((out / "findings.csv").open(encoding="utf-8-sig"))) == \
        ["文件", "报告页", "单位", "年度", "序号", "规则", "规则代码", "级别", "级别代码", "说明", "数值", "依据"]
    assert "documents" in proc.stderr.decode()


def test_bad_files_get_records_and_the_batch_goes_on(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "junk.txt").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n")
    (tmp_path / "ok.txt").write_text("某某局2021年度部门整体支出绩效自评报告\n全年预算数 10 万元，执行数 8 万元，执行率 100%。",
                                     encoding="utf-8")
    out = tmp_path / "out"
    assert jixiao("extract", str(tmp_path), "-o", str(out), "-q").returncode == 0
    recs = {json.loads(x)["source"]["path"].rsplit("/", 1)[-1]: json.loads(x)
            for x in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()}
    assert recs["empty.txt"]["status"] == "failed" and "empty" in recs["empty.txt"]["error"]
    assert recs["junk.txt"]["status"] == "failed" and "not look like text" in recs["junk.txt"]["error"]
    assert recs["image.png"]["status"] == "skipped" and ".png" in recs["image.png"]["error"]
    assert recs["ok.txt"]["findings"][0]["rule"] == "execution_rate"
    rows = list(csv.DictReader((out / "findings.csv").open(encoding="utf-8-sig")))
    assert [r["规则代码"] for r in rows] == ["execution_rate"]


def test_unwritable_outdir_is_exit_1(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert jixiao("extract", str(SEED), "-o", str(blocker / "out")).returncode == 1


def test_text_prints_the_text_offsets_index():
    proc = jixiao("text", str(SEED))
    assert proc.returncode == 0
    printed = proc.stdout.decode("utf-8")
    assert "全年预算数1150.50万元" in printed
    assert printed == text_of(SEED).text


def test_schema_is_the_record_schema():
    proc = jixiao("schema")
    schema = json.loads(proc.stdout)
    assert {"source", "status", "budget", "findings", "quantities"} <= set(schema["properties"])


def test_help_for_each_command():
    for cmd in ("extract", "text", "schema"):
        proc = jixiao(cmd, "--help")
        assert proc.returncode == 0 and cmd in proc.stdout.decode()


def test_extract_keeps_each_documents_text_layer_for_the_report(tmp_path):
    """texts.jsonl holds exactly the text evidence offsets index; an OUTDIR walked again skips it."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "r.txt").write_text("全年预算数 100 万元，执行数 96.40 万元，执行率 98.5%。\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["extract", str(src), "-o", str(out), "-q"]) == 0
    record = json.loads((out / "records.jsonl").read_text(encoding="utf-8"))
    (line,) = (out / "texts.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["sha256"] == record["source"]["sha256"]
    kept = json.loads(line)["text"]
    assert kept == text_of(src / "r.txt").text
    ev = record["findings"][0]["evidence"][0]
    assert kept[ev["start"]:ev["end"]] == ev["text"]
    assert out / "texts.jsonl" not in iter_files([str(out)])


def test_extract_writes_tables_and_report_and_a_walk_of_outdir_reads_none_of_it(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "r.txt").write_text("全年预算数 100 万元，执行数 96.40 万元，执行率 98.5%。\n", encoding="utf-8")
    (src / "notes.csv").write_text("a,b\n", encoding="utf-8")            # a user's csv is still read
    out = tmp_path / "out"
    assert main(["extract", str(src), "-o", str(out), "-q"]) == 0
    for name in ("report.html", "report/doc.html", "report/docs-1.js", "records.parquet", "findings.parquet",
                 "jixiao.xlsx", "jixiao.duckdb"):
        assert (out / name).stat().st_size > 0, name
    assert iter_files([str(tmp_path)]) == [src / "notes.csv", src / "r.txt"]

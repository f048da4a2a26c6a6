"""Hostile archives, the minor items: an OUTDIR inside its input, orphans of a killed output phase,
one file spelled many ways, a crafted records.jsonl, the password in OUTDIR, names no terminal or
page should show raw, and failure messages that say what is wrong with the file."""
import base64
import csv
import hashlib
import json
import os
import re
from pathlib import Path

import openpyxl
import pytest

from pipeline.batch import runner
from pipeline.outputs import export
from pipeline.cli import iter_files, main
from tests.conftest import SEED, jixiao

REPORT = "青石县某某局2021年度部门整体支出绩效自评报告\n全年预算数 100 万元，执行数 96.40 万元，执行率 96.40%。\n"


def _records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "records.jsonl").read_bytes().decode("utf-8").splitlines()]


def _inputs(tmp_path: Path, names=("a.txt", "b.txt")) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    for name in names:
        (src / name).write_text(REPORT, encoding="utf-8")
    return src


def _extract(*args: str) -> int:
    return main(["extract", *map(str, args), "-q", "-j", "1"])


# ---------------------------------------------------------------- 1. OUTDIR inside the input folder

def test_an_outdir_inside_its_input_folder_never_reads_its_own_outputs_first_run_or_rerun(tmp_path):
    src = _inputs(tmp_path)
    for _ in range(2):
        assert _extract(src, "-o", src / "out") == 0
        assert [Path(r["source"]["path"]).name for r in _records(src / "out")] == ["a.txt", "b.txt"]
    assert iter_files([str(src)]) == [src / "a.txt", src / "b.txt"]


# ---------------------------------------------------------------- 2. a kill in the output phase

def test_orphans_of_an_output_phase_killed_midway_are_removed_and_the_outputs_rewritten(tmp_path, monkeypatch):
    src = _inputs(tmp_path)
    out = tmp_path / "out"
    assert _extract(src, "-o", out) == 0
    (src / "b.txt").write_text(REPORT.replace("青石县", "白水县"), encoding="utf-8")

    def killed(outdir):             # as a SIGKILL between writes leaves them: no cleanup ran
        for orphan in ("report.html.partial", "jixiao.duckdb.partial.wal", "records.jsonl.tmp",
                       f"{export.PAGES}/docs-1.js.partial", f"{export.PAGES}/doc.html.partial"):
            (outdir / orphan).write_text("half")
        raise KeyboardInterrupt
    monkeypatch.setattr("pipeline.outputs.report.write_report", killed)
    assert _extract(src, "-o", out) == 130
    monkeypatch.undo()
    assert _extract(src, "-o", out) == 0
    assert sorted(p.name for p in out.rglob("*") if p.name.endswith((".partial", ".wal", ".tmp"))) == []
    assert "白水县" in (out / "report.html").read_text(encoding="utf-8")     # rewritten, not taken as complete


# ---------------------------------------------------------------- 3. one file, many spellings

def test_one_file_given_in_many_spellings_gets_exactly_one_record(tmp_path, monkeypatch):
    src = _inputs(tmp_path, ("a.txt",))
    (src / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    spellings = ["in/a.txt", "in//a.txt", "./in/a.txt", str(src / "a.txt"), "in/sub/../a.txt", "in", "in/", "./in"]
    assert len(iter_files(spellings)) == 1
    assert _extract(*spellings, "-o", "out") == 0
    assert len(_records(tmp_path / "out")) == 1


# ---------------------------------------------------------------- 4. a crafted records.jsonl

def test_a_crafted_records_jsonl_and_manifest_are_never_trusted_and_every_input_gets_a_fresh_record(tmp_path):
    src = _inputs(tmp_path)
    out = tmp_path / "out"
    assert _extract(src, "-o", out) == 0
    good = (out / "records.jsonl").read_bytes().splitlines(keepends=True)
    stranger = json.loads(good[0])
    stranger["source"]["path"] = "/etc/passwd"
    (out / "records.jsonl").write_bytes(b"".join([
        b'{"schema_version": 1, "source": {"pa\n', b"\xff\xfe not json\n", b'{"source": 5, "status": []}\n',
        b"[1, 2]\n", json.dumps(stranger).encode() + b"\n", b'"' + b"x" * (20 << 20) + b'"\n', good[1][:40]]))
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_bytes().splitlines()]
    (out / "manifest.jsonl").write_bytes(b"".join(json.dumps(e).encode() + b"\n" for e in (
        manifest[0] | {"record": runner.line_key(json.dumps(stranger).encode() + b"\n")},   # another's record
        manifest[1] | {"record": ["a"], "timeout": "soon"}, {"path": 5}, [1])))
    assert _extract(src, "-o", out) == 0
    records = _records(out)
    assert [r["source"]["path"] for r in records] == [str(src / "a.txt"), str(src / "b.txt")]
    assert [r["status"] for r in records] == ["ok", "ok"]
    assert json.loads((out / "run.json").read_text())["processed"] == 2


# ---------------------------------------------------------------- 5. the password in OUTDIR

def test_the_password_and_its_plain_sha256_are_in_no_outdir_file_and_a_new_password_retries(tmp_path):
    from tests.test_hostile import text_pdf
    src = tmp_path / "in"
    src.mkdir()
    (src / "locked.pdf").write_bytes(text_pdf(["Budget 100"], password="right-one"))
    out = tmp_path / "out"
    assert _extract(src, "-o", out, "--password", "wrong-one") == 0
    assert _records(out)[0]["status"] == "failed"
    secret = b"wrong-one"
    digest = hashlib.sha256(secret).hexdigest()
    for f in (p for p in out.rglob("*") if p.is_file()):
        data = f.read_bytes()
        assert secret not in data and digest[:12].encode() not in data, f
    assert _extract(src, "-o", out, "--password", "wrong-one") == 0
    assert json.loads((out / "run.json").read_text())["processed"] == 0      # the same password: nothing to retry
    assert _extract(src, "-o", out, "--password", "right-one") == 0
    assert json.loads((out / "run.json").read_text())["processed"] == 1
    assert _records(out)[0]["status"] == "ok"


# ---------------------------------------------------------------- 6. a 0xFF byte in a name

def _outputs_text(out: Path) -> dict[str, str]:
    """What each output shows, as text: records, records.csv, the xlsx's cells, report.html."""
    with open(out / "records.csv", encoding="utf-8-sig", newline="") as f:
        table = "\n".join("\t".join(row) for row in csv.reader(f))
    book = openpyxl.load_workbook(out / export.XLSX, read_only=True)
    cells = "\n".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
                      if c is not None)
    return {"records": "\n".join(r["source"]["path"] for r in _records(out)), "csv": table, "xlsx": cells,
            "report": (out / "report.html").read_text(encoding="utf-8")}


def test_a_name_with_a_0xff_byte_gets_one_record_readable_in_every_output_and_exact_in_the_record(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    name = b"r\xff.txt"
    Path(os.fsdecode(os.fsencode(src) + b"/" + name)).write_bytes(REPORT.encode())
    out = tmp_path / "out"
    assert _extract(src, "-o", out) == 0
    [record] = _records(out)
    assert record["status"] == "ok"
    assert base64.b64decode(record["source"]["path_bytes"]) == os.fsencode(src) + b"/" + name
    for output, text in _outputs_text(out).items():
        assert "r\\xff.txt" in text, output


# ---------------------------------------------------------------- 7. bidi and control characters

def test_bidi_and_control_characters_in_a_name_show_as_codes_in_every_output_and_stay_exact_in_the_record(
        tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    name = "报告\u202etxt.exe\x1b[2J.txt"
    (src / name).write_text(REPORT.replace("执行率 96.40%", "执行率 100%"), encoding="utf-8")    # a finding
    out = tmp_path / "out"
    assert _extract(src, "-o", out) == 0
    [record] = _records(out)
    assert record["findings"] and base64.b64decode(record["source"]["path_bytes"]) == os.fsencode(src / name)
    for output, text in _outputs_text(out).items():
        assert "报告\\u202etxt.exe\\x1b[2J.txt" in text and "\u202e" not in text and "\x1b" not in text, output
    done = jixiao("audit", str(src))
    assert b"\\u202e" in done.stdout and "\u202e".encode() not in done.stdout + done.stderr


# ---------------------------------------------------------------- 8. what a failed record says

EXCEPTION_CLASS = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Interrupt)\b|Traceback")


@pytest.mark.parametrize("name, data, status, code", [
    ("empty.txt", b"", "failed", "empty_file"),
    ("bytes.txt", bytes(range(32)) * 40, "failed", "not_text"),
    ("zip.docx", b"PK\x03\x04 not a zip", "failed", "damaged"),
    ("text.pdf", b"%PDF-1.4\n not a pdf", "failed", "damaged"),
    ("image.pdf", b"\x89PNG\r\n\x1a\n....", "failed", "wrong_extension"),
    ("old.doc", b"\xd0\xcf\x11\xe0", "failed", "legacy_format"),
    ("note.odt", b"x", "skipped", "unsupported_format"),
])
def test_a_failed_or_skipped_record_has_a_stable_code_and_no_exception_class_in_its_message(
        tmp_path, name, data, status, code):
    from pipeline import extract_file
    (tmp_path / name).write_bytes(data)
    record = extract_file(tmp_path / name)
    assert (record.status, record.error_code) == (status, code)
    assert not EXCEPTION_CLASS.search(record.error), record.error


def _raising(error: BaseException):
    def stage(_doc):
        raise error
    return stage


def test_a_bug_is_named_a_bug_with_the_exception_only_in_error_detail(tmp_path, monkeypatch):
    from pipeline import api
    (tmp_path / "r.txt").write_text(REPORT, encoding="utf-8")
    monkeypatch.setattr(api, "STAGES", (_raising(AttributeError("'NoneType' object has no attribute 'span'")),))
    record = api.extract_file(tmp_path / "r.txt")
    assert (record.status, record.error_code) == ("failed", "bug")
    assert not EXCEPTION_CLASS.search(record.error) and "bug in jixiao" in record.error
    assert record.error_detail == "AttributeError: 'NoneType' object has no attribute 'span'"
    assert type(record).model_validate_json(export.record_json(record)) == record


def test_a_memory_error_in_a_worker_names_the_memory_limit_not_a_bug(tmp_path, monkeypatch):
    from pipeline import api
    (tmp_path / "r.txt").write_text(REPORT, encoding="utf-8")
    monkeypatch.setattr(api, "STAGES", (_raising(MemoryError()),))
    record = api.extract_file(tmp_path / "r.txt")
    assert (record.status, record.error_code) == ("failed", "out_of_memory")
    assert "--max-memory" in record.error and "bug" not in record.error


def test_a_reader_that_stops_on_a_damaged_docx_says_damaged_with_the_exception_only_in_error_detail(
        tmp_path, monkeypatch):
    import docx

    from pipeline import extract_file
    from pipeline.readers import word
    document = docx.Document()
    document.add_paragraph("白水县某某局")
    document.save(tmp_path / "r.docx")
    monkeypatch.setattr(word._Reader, "blocks", lambda self, body: {}["w:val"])    # as lxml/python-docx stop
    record = extract_file(tmp_path / "r.docx")
    assert (record.status, record.error_code) == ("failed", "damaged") and "KeyError" not in record.error
    assert record.error_detail == "KeyError: 'w:val'"


def test_a_record_that_read_well_has_no_error_code_or_detail_in_its_line():
    from pipeline import extract_file
    line = json.loads(export.record_json(extract_file(SEED)))
    assert "error_code" not in line and "error_detail" not in line and line["error"] is None

"""`jixiao audit PATH...`: findings with their evidence, per document, and the exit status a gate uses."""
import re

import pytest

from pipeline.cli import main
from pipeline.models import Evidence, Finding, Record, Source
from tests.conftest import jixiao

BAD = "某某局2021年度部门整体支出绩效自评报告\n全年预算数 100 万元，执行数 96.40 万元，执行率 98.5%。\n"
CLEAN = "某某局2021年度部门整体支出绩效自评报告\n扣分 5 分。自评得分 95 分。\n"
GRADE = "某某局2021年度项目支出绩效自评报告\n自评得分 75 分，自评等级为优。\n"
LONG = "甲乙丙丁戊己庚辛壬癸" * 20          # 400 terminal cells: must fold, never be cut


def write(folder, **files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def audit(capsys, *args):
    code = main(["audit", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def summary(out):
    m = re.search(r"(\d+) documents, (\d+) errors, (\d+) warnings, (\d+) info in (\d+) documents; "
                  r"(\d+) without findings, (\d+) failed, (\d+) skipped", out)
    assert m, out
    return tuple(int(x) for x in m.groups())


def hand_record(path, severity="warning", evidence_text="[bold]优[/bold]"):
    """A record as `jixiao extract` writes it, with a finding the current rules never give."""
    ev = Evidence(page=2, start=10, end=20, text=evidence_text, table=1, row=3, col=4)
    return Record(source=Source(path=path, sha256="0" * 64, format="txt"), status="ok",
                  findings=[Finding(rule="made_up_rule", severity=severity, message=LONG, values={}, evidence=[ev])])


def test_findings_with_evidence_grouped_by_document(tmp_path, capsys):
    reports = write(tmp_path / "reports", **{"bad.txt": BAD, "clean.txt": CLEAN, "grade.txt": GRADE})
    code, out, _ = audit(capsys, reports)
    assert code == 0
    bad, grade = out.index(str(reports / "bad.txt")), out.index(str(reports / "grade.txt"))
    assert str(reports / "clean.txt") not in out          # counted, not listed
    bad_part, grade_part = out[bad:grade], out[grade:]
    assert "execution_rate" in bad_part and "score_grade" not in bad_part
    for evidence in ("「96.40万元」 第1页", "「100万元」 第1页", "「98.5%」 第1页"):
        assert evidence in bad_part
    assert "部门整体支出" in bad_part and "2021年度" in bad_part and "某某局" in bad_part
    assert "score_grade" in grade_part and "「优」 第1页" in grade_part and "「75」 第1页" in grade_part
    assert "项目支出" in grade_part
    assert summary(out) == (3, 2, 0, 0, 2, 1, 0, 0)


def test_fail_on_error(tmp_path, capsys):
    reports = write(tmp_path / "reports", **{"bad.txt": BAD, "clean.txt": CLEAN})
    assert audit(capsys, reports / "bad.txt", reports / "clean.txt", "--fail-on", "error")[0] == 2
    assert audit(capsys, reports / "clean.txt", "--fail-on", "error")[0] == 0
    assert audit(capsys, reports / "clean.txt", "--fail-on", "warning")[0] == 0
    assert audit(capsys, reports, "--fail-on", "warning")[0] == 2     # an error fails a warning gate too


def test_fail_on_warning_and_table_evidence(tmp_path, capsys):
    jsonl = tmp_path / "records.jsonl"
    jsonl.write_text(hand_record("hand/warn.txt").model_dump_json() + "\n", encoding="utf-8")
    assert audit(capsys, jsonl, "--fail-on", "error")[0] == 0            # a warning is not an error
    code, out, _ = audit(capsys, jsonl, "--fail-on", "warning")
    assert code == 2
    assert "「[bold]优[/bold]」 第2页 表1行3列4" in out                  # brackets are text, not rich markup
    assert "made_up_rule" in out and "warning" in out
    assert summary(out) == (1, 0, 1, 0, 1, 0, 0, 0)


def test_long_chinese_message_is_folded_not_cut(tmp_path, capsys):
    jsonl = tmp_path / "records.jsonl"
    jsonl.write_text(hand_record("hand/long.txt", "error").model_dump_json() + "\n", encoding="utf-8")
    _, out, _ = audit(capsys, jsonl)
    rows = [line.split("│") for line in out.splitlines() if line.count("│") == 5]
    assert len(rows) > 1                                                   # it did fold
    assert "".join(r[3].strip() for r in rows) == LONG
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 160


def test_records_jsonl_audits_like_the_files(tmp_path, capsys):
    reports = write(tmp_path / "reports", **{"bad.txt": BAD, "clean.txt": CLEAN, "grade.txt": GRADE,
                                             "image.png": "not a report"})
    out_dir = tmp_path / "out"
    assert main(["extract", str(reports), "-o", str(out_dir), "-q"]) == 0
    capsys.readouterr()
    from_files = audit(capsys, reports, "--fail-on", "error")
    from_jsonl = audit(capsys, out_dir / "records.jsonl", "--fail-on", "error")
    assert from_files[0] == from_jsonl[0] == 2
    assert from_files[1] == from_jsonl[1]
    assert summary(from_jsonl[1]) == (4, 2, 0, 0, 2, 1, 0, 1)
    # the whole OUTDIR: records.jsonl is read, jixiao's other outputs beside it (csv, Parquet, report) are not
    assert (out_dir / "report.html").exists() and (out_dir / "records.parquet").exists()
    assert summary(audit(capsys, out_dir)[1]) == summary(from_jsonl[1])


def test_failed_and_skipped_documents_are_listed(tmp_path, capsys):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n")
    code, out, _ = audit(capsys, tmp_path, "--fail-on", "warning")
    assert code == 0                                                       # no finding, nothing to fail on
    assert re.search(r"failed \S*empty\.txt: .*empty", out)
    assert re.search(r"skipped \S*image\.png: .*\.png", out)
    assert summary(out) == (2, 0, 0, 0, 0, 0, 1, 1)


def test_quiet_prints_only_the_summary(tmp_path, capsys):
    reports = write(tmp_path / "reports", **{"bad.txt": BAD})
    code, out, _ = audit(capsys, reports, "--quiet", "--fail-on", "error")
    assert code == 2
    assert out.strip().splitlines() == [out.strip()]
    assert summary(out) == (1, 1, 0, 0, 1, 0, 0, 0)


@pytest.mark.parametrize("bad_line", ["{not json", '{"schema_version": 1}'])
def test_bad_jsonl_names_the_line_and_prints_nothing(tmp_path, capsys, bad_line):
    reports = write(tmp_path / "reports", **{"bad.txt": BAD})
    jsonl = tmp_path / "records.jsonl"
    jsonl.write_text(hand_record("hand/ok.txt").model_dump_json() + "\n\n" + bad_line + "\n", encoding="utf-8")
    code, out, err = audit(capsys, reports, jsonl)
    assert code == 1
    assert f"{jsonl} line 3" in err
    assert out == ""                         # checked before any report is extracted or anything printed


def test_missing_jsonl_is_exit_1(tmp_path, capsys):
    code, out, err = audit(capsys, tmp_path / "nowhere.jsonl")
    assert code == 1 and "nowhere.jsonl" in err and out == ""


@pytest.mark.parametrize("args", [[], ["x", "--fail-on", "bogus"], ["--bogus", "x"]])
def test_bad_usage_is_exit_1_not_2(args, capsys):
    with pytest.raises(SystemExit) as e:
        main(["audit", *args])
    assert e.value.code == 1                 # 2 means "findings found"


def test_the_installed_command(tmp_path):
    reports = write(tmp_path / "reports", **{"bad.txt": BAD})
    proc = jixiao("audit", str(reports), "--fail-on", "error")
    assert proc.returncode == 2, proc.stderr.decode()
    assert "96.40万元" in proc.stdout.decode("utf-8")
    assert jixiao("audit").returncode == 1

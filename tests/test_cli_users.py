"""The command line as its users meet it (issue 20): it never hides a mistake. Each test runs the real
CLI, in a fresh process where the working folder, standard input or a log matter, else `main(argv)`."""
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from pipeline.cli import main
from tests.conftest import ROOT

ERROR_REPORT = "青石县某某局2022年度部门整体支出绩效自评报告\n全年预算数 10 万元，执行数 8 万元，执行率 100%。\n"


def report(n: int) -> str:
    """A short invented report whose figures agree (no finding), different for each n."""
    return (f"青石县第{n}某某局2022年度部门整体支出绩效自评报告\n"
            f"全年预算数 {100 + n} 万元，执行数 {100 + n} 万元，执行率 100%。\n")


def folder(path: Path, count: int, first: int = 0) -> Path:
    path.mkdir(parents=True)
    for n in range(first, first + count):
        (path / f"r{n:02}.txt").write_text(report(n), encoding="utf-8")
    return path


def cli(*args: str, cwd: Path = ROOT, stdin: bytes = b"") -> subprocess.CompletedProcess:
    """The console script in a fresh process, from `cwd`, with `stdin`; stderr is a pipe, not a terminal."""
    exe = shutil.which("jixiao", path=str(Path(sys.executable).parent)) or "jixiao"
    return subprocess.run([exe, *args], capture_output=True, cwd=cwd, input=stdin)


def run_json(out: Path) -> dict:
    return json.loads((out / "run.json").read_text(encoding="utf-8"))


def paths_of(out: Path) -> list[str]:
    return [json.loads(x)["source"]["path"] for x in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]


def test_fail_on_failed_exits_1_when_a_file_failed_and_run_json_counts_each_status(tmp_path):
    src = folder(tmp_path / "in", 1)
    (src / "empty.txt").write_bytes(b"")
    (src / "photo.png").write_bytes(b"\x89PNG\r\n")
    out = tmp_path / "out"
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1"]) == 0
    assert run_json(out)["records"] == {"ok": 1, "failed": 1, "skipped": 1}
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1", "--fail-on", "failed"]) == 1
    assert len(paths_of(out)) == 3                      # written all the same
    (src / "empty.txt").unlink()
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1", "--fail-on", "failed"]) == 0
    assert run_json(out)["records"] == {"ok": 1, "failed": 0, "skipped": 1}


def test_version_is_the_package_version():
    proc = cli("--version")
    with open(ROOT / "pyproject.toml", "rb") as f:
        expected = tomllib.load(f)["project"]["version"]
    assert proc.returncode == 0 and proc.stdout.decode().split() == ["jixiao", expected]


def test_dash_reads_the_paths_from_standard_input_by_line_or_nul_and_files_from_from_a_file(tmp_path):
    src = folder(tmp_path / "in", 3)
    one, two, three = (str(p) for p in sorted(src.iterdir()))
    proc = cli("extract", "-", "-o", str(tmp_path / "lines"), "-j", "1", "-q", stdin=f"{one}\r\n\n{three}\n".encode())
    assert proc.returncode == 0, proc.stderr.decode()
    assert paths_of(tmp_path / "lines") == [one, three]
    proc = cli("extract", "-0", "-", two, "-o", str(tmp_path / "nul"), "-j", "1", "-q", stdin=f"{one}\0".encode())
    assert proc.returncode == 0 and paths_of(tmp_path / "nul") == [one, two]
    listed = tmp_path / "list.txt"
    listed.write_text(f"{src}\n", encoding="utf-8")
    assert main(["extract", "--files-from", str(listed), "-o", str(tmp_path / "file"), "-j", "1", "-q"]) == 0
    assert paths_of(tmp_path / "file") == [one, two, three]
    proc = cli("extract", "-", "-o", str(tmp_path / "typo"), "-q", stdin=f"{one}\n{src / 'nope.txt'}\n".encode())
    assert proc.returncode == 2 and not (tmp_path / "typo").exists()


def test_an_option_is_never_guessed_from_a_prefix(tmp_path, capsys):
    src = folder(tmp_path / "in", 1)
    for argv in (["extract", str(src), "-o", str(tmp_path / "out"), "--job", "2"],
                 ["extract", str(src), "--out", str(tmp_path / "out")],
                 ["audit", str(src), "--fail", "error"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 1 and argv[-2] in capsys.readouterr().err    # bad usage (contract.md), named
    assert not (tmp_path / "out").exists()


def test_an_outdir_that_is_a_file_is_exit_2_and_nothing_is_written(tmp_path, capsys):
    src = folder(tmp_path / "in", 1)
    taken = tmp_path / "notes.txt"
    taken.write_bytes(b"mine")
    assert main(["extract", str(src), "-o", str(taken), "-q"]) == 2
    assert str(taken) in capsys.readouterr().err
    assert taken.read_bytes() == b"mine" and sorted(p.name for p in tmp_path.iterdir()) == ["in", "notes.txt"]


def test_text_opens_a_password_protected_pdf_with_password(tmp_path):
    from tests.test_hostile import text_pdf
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(text_pdf(["Budget 100"], password="s3cret"))
    assert cli("text", str(locked)).returncode == 1
    proc = cli("text", str(locked), "--password", "s3cret")
    assert proc.returncode == 0 and "Budget 100" in proc.stdout.decode()


def test_a_new_folder_into_an_old_outdir_keeps_its_records_and_replace_drops_them(tmp_path):
    a, b = folder(tmp_path / "a", 2), folder(tmp_path / "b", 3, first=10)
    out = tmp_path / "out"
    assert main(["extract", str(a), "-o", str(out), "-q", "-j", "1"]) == 0
    assert main(["extract", str(b), "-o", str(out), "-q", "-j", "1"]) == 0
    meta = run_json(out)
    assert (meta["processed"], meta["kept_earlier"], meta["dropped_earlier"]) == (3, 2, 0)
    both = tmp_path / "both"
    assert main(["extract", str(a), str(b), "-o", str(both), "-q", "-j", "1"]) == 0
    assert (out / "records.jsonl").read_bytes() == (both / "records.jsonl").read_bytes()   # as if given together
    assert run_json(out)["records"]["ok"] == 5
    assert main(["extract", str(b), "-o", str(out), "-q", "-j", "1", "--replace"]) == 0
    meta = run_json(out)
    assert (meta["processed"], meta["up_to_date"], meta["kept_earlier"], meta["dropped_earlier"]) == (0, 3, 0, 2)
    assert paths_of(out) == [str(p) for p in sorted(b.iterdir())]


def test_the_summary_says_what_became_of_earlier_records(tmp_path):
    a, b = folder(tmp_path / "a", 2), folder(tmp_path / "b", 1, first=10)
    out = tmp_path / "out"
    assert cli("extract", str(a), "-o", str(out), "-j", "1").returncode == 0
    kept = cli("extract", str(b), "-o", str(out), "-j", "1").stderr.decode()
    (a / "r00.txt").unlink()
    gone = cli("extract", str(a), "-o", str(out), "-j", "1").stderr.decode()
    replaced = cli("extract", str(a), "-o", str(out), "-j", "1", "--replace").stderr.decode()
    assert "kept 2 earlier records" in kept and "--replace" in kept
    assert "dropped 1 records of files no longer" in gone and "kept 1 earlier records" in gone
    assert "dropped 1 earlier records" in replaced
    assert (run_json(out)["dropped_gone"], run_json(out)["dropped_earlier"]) == (0, 1)
    assert paths_of(out) == [str(a / "r01.txt")]


def test_the_same_files_by_another_path_or_from_another_folder_are_not_read_again(tmp_path):
    src = folder(tmp_path / "work" / "in", 3)
    (src / "empty.txt").write_bytes(b"")                # a failed record is kept the same way
    (src / os.fsdecode("青石.txt".encode("gbk"))).write_text(report(7), encoding="utf-8")   # a name not UTF-8
    out = tmp_path / "out"
    first = cli("extract", "in", "-o", str(out), "-j", "1", "-q", cwd=tmp_path / "work")
    assert first.returncode == 0 and run_json(out)["processed"] == 5
    relative = (out / "records.jsonl").read_bytes()
    assert cli("extract", str(src), "-o", str(out), "-j", "1", "-q").returncode == 0      # absolute, from ROOT
    assert (run_json(out)["processed"], run_json(out)["up_to_date"]) == (0, 5)
    fresh = tmp_path / "fresh"
    assert cli("extract", str(src), "-o", str(fresh), "-j", "1", "-q").returncode == 0
    assert (out / "records.jsonl").read_bytes() == (fresh / "records.jsonl").read_bytes()  # as a fresh read gives
    (tmp_path / "elsewhere").mkdir()
    assert cli("extract", "../work/in", "-o", str(out), "-j", "1", "-q", cwd=tmp_path / "elsewhere").returncode == 0
    assert run_json(out)["processed"] == 0 and paths_of(out)[0] == "../work/in/empty.txt"
    assert cli("extract", "in", "-o", str(out), "-j", "1", "-q", cwd=tmp_path / "work").returncode == 0
    assert run_json(out)["processed"] == 0 and (out / "records.jsonl").read_bytes() == relative


def test_a_log_shows_every_phase_and_run_json_the_wall_time_of_each(tmp_path):
    src = folder(tmp_path / "in", 3)
    out = tmp_path / "out"
    proc = cli("extract", str(src), "-o", str(out), "-j", "1", "--progress-every", "0.01")
    assert proc.returncode == 0
    lines = [x for x in proc.stderr.decode().splitlines() if x.startswith("jixiao: ")]
    shown = {x.split()[1].rstrip(";,") for x in lines}
    assert {"walk", "plan", "extract", "write"} <= shown
    assert any(x.startswith("jixiao: extract 3/3") for x in lines)
    assert any(x.startswith("jixiao: write outputs 3/3") for x in lines)
    assert len(lines) > 4                               # lines between the phases' first ones too
    meta = run_json(out)
    assert list(meta["phases_s"]) == ["start", "walk", "plan", "extract", "write"]
    assert 0 < sum(meta["phases_s"].values()) <= meta["wall_s"] + 0.005     # each rounded to the ms
    assert f"{meta['wall_s']:.1f} s wall time" in proc.stderr.decode()


def test_quiet_prints_nothing_and_a_terminal_gets_no_log_lines(tmp_path):
    src = folder(tmp_path / "in", 1)
    proc = cli("extract", str(src), "-o", str(tmp_path / "out"), "-q", "--progress-every", "0.01")
    assert proc.returncode == 0 and proc.stderr == b""


def test_the_summary_names_failed_files_documents_with_errors_and_where_to_look(tmp_path):
    src = folder(tmp_path / "in", 1)
    for n in range(7):
        (src / f"broken{n}.txt").write_bytes(b"")
    (src / "wrong.txt").write_text(ERROR_REPORT, encoding="utf-8")
    out = tmp_path / "out"
    proc = cli("extract", str(src), "-o", str(out), "-j", "1")
    err = proc.stderr.decode()
    assert proc.returncode == 0
    named = [n for n in range(7) if str(src / f"broken{n}.txt") in err]
    assert named == [0, 1, 2, 3, 4] and "2 more" in err and "records.csv" in err
    assert str(src / "wrong.txt") in err and "findings.csv" in err
    assert str(out / "report.html") in err and str(out / "jixiao.xlsx") in err


def test_an_empty_folder_warns_naming_it(tmp_path, capsys):
    empty = tmp_path / "empty"
    (empty / "nothing here").mkdir(parents=True)
    full = folder(tmp_path / "full", 1)
    assert main(["extract", str(empty), str(full), "-o", str(tmp_path / "out"), "-q", "-j", "1"]) == 0
    err = capsys.readouterr().err
    assert str(empty) in err and str(full) not in err


def test_a_file_and_a_link_to_it_are_both_up_to_date_on_a_rerun_and_nothing_is_rewritten(tmp_path):
    src = folder(tmp_path / "in", 1)
    (src / "link.txt").symlink_to(src / "r00.txt")
    out = tmp_path / "out"
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1"]) == 0
    written = (out / "records.jsonl").stat().st_mtime_ns
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1"]) == 0
    assert (run_json(out)["processed"], run_json(out)["up_to_date"]) == (0, 2)
    assert (out / "records.jsonl").stat().st_mtime_ns == written


def test_a_relative_path_that_names_another_file_from_another_folder_is_read_and_the_first_kept(tmp_path):
    (tmp_path / "a" / "in").mkdir(parents=True)
    (tmp_path / "b" / "in").mkdir(parents=True)
    (tmp_path / "a" / "in" / "r.txt").write_text(report(1), encoding="utf-8")
    (tmp_path / "b" / "in" / "r.txt").write_text(report(2), encoding="utf-8")
    out = tmp_path / "out"
    assert cli("extract", "in", "-o", str(out), "-j", "1", "-q", cwd=tmp_path / "a").returncode == 0
    assert cli("extract", "in", "-o", str(out), "-j", "1", "-q", cwd=tmp_path / "b").returncode == 0
    assert (run_json(out)["processed"], run_json(out)["kept_earlier"]) == (1, 1)
    records = [json.loads(x) for x in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len({r["source"]["sha256"] for r in records}) == 2

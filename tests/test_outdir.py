"""OUTDIR under stress: two runs on it, a disk that fills while it is written, inputs that cannot be walked."""
import errno
import json
import os
import zipfile
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.outputs import export, store, xlsx
from pipeline.batch import runner
from pipeline.cli import main
from tests.conftest import ROOT, SEED, jixiao


def _held_by(lock: Path, pid: int, deadline: float = 60) -> bool:
    """Whether the run `pid` has taken OUTDIR's lock (its pid written in run.lock) before the deadline."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if lock.exists() and lock.read_text().startswith(f"pid {pid} "):
            return True
        time.sleep(0.005)
    return False


def test_a_second_run_on_an_outdir_in_use_exits_1_naming_the_first_and_leaves_its_records_whole(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for n in range(20):
        shutil.copy(SEED, src / f"r{n:02}.txt")
    out = tmp_path / "out"
    exe = shutil.which("jixiao", path=str(Path(sys.executable).parent))
    first = subprocess.Popen([exe, "extract", str(src), "-o", str(out), "-q", "-j", "1"], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert _held_by(out / runner.LOCK, first.pid)
        first.send_signal(signal.SIGSTOP)       # the first run holds OUTDIR for as long as the second needs
        second = jixiao("extract", str(SEED), "-o", str(out), "-q")
    finally:
        first.send_signal(signal.SIGCONT)
        first.communicate(timeout=300)
    assert second.returncode == 1
    assert f"pid {first.pid} ".encode() in second.stderr and b"Traceback" not in second.stderr
    assert first.returncode == 0
    records = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(Path(r["source"]["path"]).name for r in records) == [f"r{n:02}.txt" for n in range(20)]
    assert jixiao("extract", str(SEED), "-o", str(out), "-q", "--replace").returncode == 0   # the lock went with its run
    assert os.path.basename(json.loads((out / "records.jsonl").read_text(encoding="utf-8"))["source"]["path"]) == \
        SEED.name


def _disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _FullZip(zipfile.ZipFile):
    """The workbook's zip, which fills the disk after its first member."""

    def writestr(self, *args, **kwargs):
        if self.filelist:
            _disk_full()
        return super().writestr(*args, **kwargs)


class _FullDuckDB:
    """A DuckDB connection whose disk fills when it writes a file: the database (a checkpoint) or,
    with `statement` COPY, a table's Parquet file."""

    def __init__(self, db, statement: str = "CHECKPOINT", file: str = "jixiao.duckdb.partial"):
        self._db, self._statement, self._file = db, statement, file

    def execute(self, sql: str, *args):
        if sql.startswith(self._statement):
            raise duckdb.IOException(f'Could not write file "{self._file}": No space left on device')
        return self._db.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._db, name)


def _full_page_writes(monkeypatch):
    """Report pages after the first: half written, then the disk is full."""
    write_text, written = Path.write_text, []

    def write(path, data, *args, **kwargs):
        written.append(path.parent.name == export.PAGES)
        if sum(written) > 1:
            write_text(path, data[:len(data) // 2], *args, **kwargs)
            _disk_full()
        return write_text(path, data, *args, **kwargs)
    monkeypatch.setattr(Path, "write_text", write)


FULL_DISK = {       # where the disk fills -> the outputs that must not be left under their names
    "csv": (lambda mp: mp.setattr(export.CsvWriter, "writerows", _disk_full), ("records.csv", "findings.csv")),
    "parquet": (lambda mp: mp.setattr(store.duckdb, "connect", lambda *a, _c=store.duckdb.connect:
                                      _FullDuckDB(_c(*a), "COPY", "records.parquet.partial")), ("records.parquet",)),
    "xlsx": (lambda mp: mp.setattr(xlsx, "ZipFile", _FullZip), (export.XLSX,)),
    "duckdb": (lambda mp: mp.setattr(store.duckdb, "connect", lambda *a, _c=store.duckdb.connect: _FullDuckDB(_c(*a))),
               (export.DUCKDB,)),
    "report": (_full_page_writes, ("report.html", "report/doc.html")),
}


@pytest.mark.parametrize("where", FULL_DISK)
def test_a_disk_full_while_the_outputs_are_written_exits_1_and_leaves_no_half_output(tmp_path, monkeypatch, capsys,
                                                                                  where):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a.txt", "b.txt"):
        (src / name).write_text("全年预算数 100 万元，执行数 96.40 万元，执行率 98.5%。\n", encoding="utf-8")
    out = tmp_path / "out"
    fill, outputs = FULL_DISK[where]
    with monkeypatch.context() as mp:
        fill(mp)
        assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1"]) == 1
    err = capsys.readouterr().err
    assert os.strerror(errno.ENOSPC) in err and str(out) in err and "Traceback" not in err
    assert [name for name in outputs if (out / name).exists()] == []
    assert [p.name for p in out.rglob("*") if p.suffix in (".partial", ".tmp", ".wal")] == []
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1"]) == 0     # with room, the outputs come
    assert all((out / name).stat().st_size for name in outputs)


def test_a_folder_past_path_max_gets_a_failed_record_and_the_batch_goes_on(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "r.txt").write_text("全年预算数 100 万元，执行数 96.40 万元，执行率 98.5%。\n", encoding="utf-8")
    fd = os.open(src, os.O_RDONLY)
    try:
        for _ in range(os.pathconf(src, "PC_PATH_MAX") // 200 + 1):     # each folder made in the last
            os.mkdir("d" * 200, dir_fd=fd)
            fd, parent = os.open("d" * 200, os.O_RDONLY, dir_fd=fd), fd
            os.close(parent)
        os.close(os.open("deep.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    finally:
        os.close(fd)
    out = tmp_path / "out"
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1"]) == 0
    records = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["status"] for r in records] == ["failed", "ok"]
    assert set(Path(records[0]["source"]["path"]).relative_to(src).parts) == {"d" * 200}


def test_a_missing_input_folder_is_exit_2_and_keeps_the_earlier_records(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "r.txt").write_text("全年预算数 100 万元，执行数 96.40 万元。\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    src.rename(tmp_path / "away")
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1"]) == 2
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_only_an_outdir_with_its_run_json_is_left_out_of_a_walk_not_any_folder_with_a_records_jsonl(tmp_path):
    from pipeline.cli import iter_files
    src = tmp_path / "in"
    (src / "texts").mkdir(parents=True)
    for name in ("records.jsonl", "report.html", "records.csv", "texts/note.txt"):
        (src / name).write_text("某某县的文件\n", encoding="utf-8")
    assert iter_files([str(src)]) == sorted(src / name for name in
                                            ("records.jsonl", "report.html", "records.csv", "texts/note.txt"))
    out = tmp_path / "out"
    assert main(["extract", str(src / "report.html"), "-o", str(out), "-q", "-j", "1"]) == 0
    assert iter_files([str(out)]) == []      # its records, texts, tables and report are its own output

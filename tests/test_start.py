"""What a run loads, and where its workers come from: nothing before it is needed (the writers when
writing, pdfplumber at a ruled page, OCR at a scan, pandas never), a small batch's workers forked from
the command itself, a batch's from the forkserver, under the same time limit; OCR's engine made once
per worker process, with the worker's share of the cores."""
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pipeline.batch import runner
from pipeline.cli import iter_files
from pipeline.readers import ocr
from tests.conftest import ROOT, SEED

HEAVY = ("pyarrow", "duckdb", "xlsxwriter", "jinja2", "pandas", "pdfplumber", "onnxruntime", "rapidocr", "jieba")


def loaded_after(code: str) -> list[str]:
    """Which of HEAVY a fresh interpreter holds after running `code`."""
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    return out.stdout.split()


def test_importing_the_command_loads_no_writer_reader_or_ocr_library():
    assert loaded_after("import pipeline.cli") == []


def test_a_one_file_run_forks_its_worker_from_the_command_and_loads_only_what_it_writes(tmp_path):
    """No forkserver starts; the command itself imports the writers, but not pandas (pyarrow would,
    for nothing), nor what only a worker reading a PDF, or a scan, needs."""
    code = (f"from pipeline.cli import main\nimport multiprocessing.forkserver as fs\n"
            f"assert main(['extract', {str(SEED)!r}, '-o', {str(tmp_path / 'out')!r}, '-q']) == 0\n"
            "assert fs._forkserver._forkserver_pid is None, 'a forkserver was started'")
    assert loaded_after(code) == ["pyarrow", "duckdb", "jinja2"]
    (record,) = [json.loads(line) for line in (tmp_path / "out" / "records.jsonl").read_text().splitlines()]
    assert record["status"] == "ok" and record["organization"] is not None


def where_from(path: str, options: runner.Options):
    """A per-file function that reports, as its line, which process loaded the stages before it ran;
    it never finishes on files named stuck*."""
    if Path(path).name.startswith("stuck"):
        time.sleep(600)
    state = {"name": Path(path).name, "pid": os.getpid(), "warmed_in": runner.warmed_in}
    return runner.Done(json.dumps(state), None, "0" * 64, 1, False)


def test_a_small_batch_s_workers_are_forked_from_the_caller_and_a_stuck_file_still_stops(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SEED, src / "stuck.txt")
    for name in ("t1.txt", "t2.txt"):               # after stuck.txt: read by the worker that replaces its own
        shutil.copy(SEED, src / name)
    done = runner.run(iter_files([str(src)]), tmp_path / "out", jobs=1, timeout=3, task=where_from, fork_up_to=3)
    lines = (tmp_path / "out" / "records.jsonl").read_text().splitlines()
    states = [json.loads(x) for x in lines if '"warmed_in"' in x]
    assert [s["name"] for s in states] == ["t1.txt", "t2.txt"] and done.timed_out == 1
    assert all(s["warmed_in"] == os.getpid() != s["pid"] for s in states)               # warmed here, forked


def test_past_the_small_batch_the_workers_come_from_the_forkserver(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        shutil.copy(SEED, src / name)
    runner.run(iter_files([str(src)]), tmp_path / "out", jobs=2, timeout=30, task=where_from, fork_up_to=2)
    states = [json.loads(x) for x in (tmp_path / "out" / "records.jsonl").read_text().splitlines()]
    assert len(states) == 3 and all(s["warmed_in"] not in (None, os.getpid(), s["pid"]) for s in states)


def test_ocr_uses_the_worker_s_share_of_the_cores(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert ocr.params()["EngineConfig.onnxruntime.intra_op_num_threads"] == 1
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert not any(k.startswith("EngineConfig") for k in ocr.params())      # outside a pool: onnxruntime's own


def _engine_made_here(_: object) -> bool:
    return ocr.engine() is not None and ocr._engine_pid == os.getpid()


def test_a_process_forked_after_the_engine_was_made_makes_its_own():
    """onnxruntime's threads do not survive a fork: a forked worker must not use its parent's engine."""
    first = ocr.engine()
    assert ocr.engine() is first                        # kept for the process's next scans
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.map(_engine_made_here, [None]) == [True]
    assert ocr.engine() is first and ocr._engine_pid == os.getpid()

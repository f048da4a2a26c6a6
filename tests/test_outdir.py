"""OUTDIR under stress: two runs on it, a disk that fills while it is written, inputs that cannot be walked."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from pipeline import runner
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
    assert jixiao("extract", str(SEED), "-o", str(out), "-q").returncode == 0     # the lock went with its run
    assert os.path.basename(json.loads((out / "records.jsonl").read_text(encoding="utf-8"))["source"]["path"]) == \
        SEED.name

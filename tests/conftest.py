import fcntl
import json
import os
from functools import cache
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import NamedTuple

import pytest

from pipeline import extract_file

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED = CORPUS / "huadu-union-2021.txt"
# every `jixiao` a test starts runs this checkout's pipeline, not the one the venv installed
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))


def installed(names: tuple[str, ...], missing: str) -> str:
    """The first of the programs `names` on PATH; where none is, the test is skipped, loudly, with
    `missing` (what was not checked, and the command that installs it) as its reason."""
    exe = next(filter(None, map(shutil.which, names)), None)
    if exe is None:
        warnings.warn(missing, stacklevel=3)
        pytest.skip(missing)
    return exe


def jixiao(*args: str) -> subprocess.CompletedProcess:
    """Run the real console entry point in a fresh process, as a user would."""
    exe = shutil.which("jixiao", path=str(Path(sys.executable).parent)) or "jixiao"
    return subprocess.run([exe, *args], capture_output=True, cwd=ROOT)


def corpus_reports() -> list[Path]:
    """Every report in corpus/, in every format jixiao reads (gold .json files are not reports)."""
    from pipeline.readers.load import READERS
    return sorted(p for p in CORPUS.rglob("*") if p.suffix.lower() in READERS)


@cache
def record_of(path: Path):
    """One extraction per corpus file per test session (scanned PDFs take seconds of OCR)."""
    return extract_file(path)


class CorpusRun(NamedTuple):
    """One `jixiao extract corpus` as a user runs it: the process, its OUTDIR and its records by path."""
    proc: subprocess.CompletedProcess
    out: Path
    records: dict[str, dict]

    def kept_text(self, record: dict) -> str:
        """The record's line of texts.jsonl: the text layer its evidence offsets index."""
        from pipeline.outputs.texts import Texts
        text = Texts(self.out).get(record["source"]["sha256"])
        assert text is not None, f"no text kept for {record['source']['path']}"
        return text


@pytest.fixture(scope="session")
def corpus_run(tmp_path_factory) -> CorpusRun:
    """The corpus extracted once per session by the real command, read only by the tests that share it:
    each scanned PDF is read by OCR once, here (tests/test_cli.py checks the run, test_evidence and
    test_formats its records and kept texts). Under pytest-xdist the first worker to ask runs it, in
    the folder the workers share, and the others wait for it and read it."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out, said = shared / "corpus" / "out", shared / "corpus" / "proc"
    with open(shared / "corpus.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not said.is_dir():
            proc = jixiao("extract", str(CORPUS), "-o", str(out))
            said.mkdir(parents=True)
            for name in ("stdout", "stderr"):
                (said / name).write_bytes(getattr(proc, name))
            (said / "returncode").write_text(str(proc.returncode))
    proc = subprocess.CompletedProcess(["jixiao", "extract", str(CORPUS), "-o", str(out)],
                                       int((said / "returncode").read_text()),
                                       (said / "stdout").read_bytes(), (said / "stderr").read_bytes())
    lines = (out / "records.jsonl").read_text(encoding="utf-8").splitlines() if proc.returncode == 0 else []
    return CorpusRun(proc, out, {r["source"]["path"]: r for r in map(json.loads, lines)})


@pytest.fixture(scope="session")
def seed_gold() -> dict:
    return json.loads(SEED.with_suffix(".json").read_text(encoding="utf-8"))


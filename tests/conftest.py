import json
import os
from functools import cache
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import extract_file

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED = CORPUS / "huadu-union-2021.txt"
# every `jixiao` a test starts runs this checkout's pipeline, not the one the venv installed
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))


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


@pytest.fixture(scope="session")
def seed_gold() -> dict:
    return json.loads(SEED.with_suffix(".json").read_text(encoding="utf-8"))

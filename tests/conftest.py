import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED = CORPUS / "huadu-union-2021.txt"


def jixiao(*args: str) -> subprocess.CompletedProcess:
    """Run the real console entry point in a fresh process, as a user would."""
    exe = shutil.which("jixiao", path=str(Path(sys.executable).parent)) or "jixiao"
    return subprocess.run([exe, *args], capture_output=True, cwd=ROOT)


def corpus_reports() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*.txt"))


@pytest.fixture(scope="session")
def seed_gold() -> dict:
    return json.loads(SEED.with_suffix(".json").read_text(encoding="utf-8"))

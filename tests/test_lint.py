"""The linters pyproject configures (docs/developing.md): ruff's bug-finding rules over the repository
and mypy over the package find nothing, and the configuration is live (each still catches its kind
of bug in a file written to have one)."""
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _run(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *map(str, args)], cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize("command", [("ruff", "check"), ("mypy", "pipeline")], ids=["ruff", "mypy"])
def test_the_linters_find_nothing(command):
    done = _run(*command)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_the_linters_still_catch_their_bugs(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import re\n\n\ndef year(text: str, seen=[]) -> str:\n"
                   "    return re.match(r'\\d{4}', text).group(0)\n", encoding="utf-8")
    ruff = _run("ruff", "check", "--no-cache", "--config", ROOT / "pyproject.toml", "--output-format", "concise", bad)
    assert ruff.returncode == 1 and "B006" in ruff.stdout, ruff.stdout       # a mutable default
    mypy = _run("mypy", "--config-file", ROOT / "pyproject.toml", bad)
    assert mypy.returncode == 1 and "[union-attr]" in mypy.stdout, mypy.stdout  # an unchecked Match

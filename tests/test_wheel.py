"""The wheel a user installs carries everything the tool reads: built from this repo, installed in a
fresh venv (its dependencies seen through a .pth onto this environment, so nothing is downloaded but
the build backend), its console script reads the seed report as the source tree does."""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from pipeline.rules import RulesError, load_rules
from tests.conftest import ROOT, SEED


def _run(*args, **kw) -> subprocess.CompletedProcess:
    """A command with none of this checkout's paths in its environment, as on a user's machine."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JIXIAO_RULES")}
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, **kw)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with jixiao installed from a wheel built from this checkout: its bin folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"     # a copy: a build/ folder left in the checkout would be reused by setuptools
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "output", ".corpus", "*.egg-info",
                                                               ".mypy_cache", ".ruff_cache"))
    built = _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp / "dist", source)
    assert built.returncode == 0, built.stderr[-2000:]
    venv = tmp / "venv"
    assert _run(sys.executable, "-m", "venv", "--without-pip", venv).returncode == 0
    site = Path(_run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
                .stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    wheel = next((tmp / "dist").glob("jixiao-*.whl"))
    done = _run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q", "--no-deps", wheel)
    assert done.returncode == 0, done.stderr[-2000:]
    return venv / "bin"


def test_a_wheel_installed_in_a_fresh_venv_reads_the_seed_report(installed, tmp_path, seed_gold):
    out = tmp_path / "out"
    run = _run(installed / "jixiao", "extract", SEED, "-o", out, "-q", cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    record = json.loads((out / "records.jsonl").read_text(encoding="utf-8"))
    assert record["status"] == "ok"
    for field in ("report_type", "fiscal_year", "organization", "self_score"):
        assert record[field]["value"] == seed_gold[field], field
    for field in ("total_yuan", "executed_yuan", "rate_pct"):
        assert record["budget"][field]["value"] == pytest.approx(seed_gold["budget"][field]), field
    # the installed copy, not this checkout, did the reading
    where = _run(installed / "python", "-c", "import pipeline.rules as r; print(r.RULES_DIR)", cwd=tmp_path)
    assert "rules_data" in where.stdout and str(ROOT) not in where.stdout


def test_the_installed_package_is_marked_typed(installed, tmp_path):
    """py.typed (PEP 561): a project that imports pipeline has mypy read its annotations."""
    marker = "import pathlib, pipeline; print((pathlib.Path(pipeline.__file__).parent / 'py.typed').is_file())"
    assert _run(installed / "python", "-c", marker, cwd=tmp_path).stdout.strip() == "True"


def test_the_wheel_carries_no_generator(installed, tmp_path):
    """synth/ is a development tool of the source checkout: not installed, and `jixiao synth` says so."""
    assert _run(installed / "python", "-c", "import synth", cwd=tmp_path).returncode == 1
    run = _run(installed / "jixiao", "synth", "-o", tmp_path / "made", cwd=tmp_path)
    assert run.returncode == 1 and "Traceback" not in run.stderr and not (tmp_path / "made").exists()


def test_a_missing_or_empty_rules_folder_is_refused_at_start(tmp_path):
    with pytest.raises(RulesError, match="no rules in"):
        load_rules(tmp_path)
    with pytest.raises(RulesError, match="no rules in"):
        load_rules(tmp_path / "nowhere")

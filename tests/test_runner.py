"""The batch runner: the same records.jsonl whatever the workers, a killed run resumed, nothing redone,
changed rules and files redone, a stuck file stopped by its time limit while the batch goes on."""
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.batch import runner
from pipeline.cli import iter_files, main
from pipeline.outputs.export import trim
from tests.conftest import ROOT, jixiao

REPORTS = 24                    # generated reports: 48 files with their gold .json (recorded as skipped)


def make_reports(folder: Path, count: int = REPORTS) -> Path:
    import synth
    synth.generate(folder, seed=7, count=count, formats=("txt",))
    return folder


def records(outdir: Path) -> list[dict]:
    return [json.loads(x) for x in (outdir / "records.jsonl").read_text(encoding="utf-8").splitlines()]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def last_run(outdir: Path) -> dict:
    return json.loads((outdir / "run.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[Path, Path]:
    """Generated reports, and the records.jsonl of one uninterrupted --jobs 1 run over them."""
    base = tmp_path_factory.mktemp("batch")
    reports = make_reports(base / "in")
    out = base / "jobs1"
    assert main(["extract", str(reports), "-o", str(out), "-q", "--jobs", "1"]) == 0
    return reports, out


def test_jobs_2_writes_the_same_bytes_as_jobs_1_in_input_order(batch, tmp_path):
    reports, one = batch
    two = tmp_path / "jobs2"
    assert main(["extract", str(reports), "-o", str(two), "-q", "--jobs", "2"]) == 0
    assert (two / "records.jsonl").read_bytes() == (one / "records.jsonl").read_bytes()
    paths = [r["source"]["path"] for r in records(two)]
    assert paths == [str(p) for p in iter_files([str(reports)])] and len(paths) == 2 * REPORTS
    assert {r["status"] for r in records(two)} == {"ok", "skipped"}
    assert "started" not in (two / "records.jsonl").read_text(encoding="utf-8")   # run metadata is apart
    meta = last_run(two)
    assert (meta["jobs"], meta["processed"], meta["up_to_date"], meta["inputs"]) == (2, 2 * REPORTS, 0, 2 * REPORTS)


def test_killed_run_resumes_and_ends_with_each_document_once(batch, tmp_path, monkeypatch):
    reports, one = batch
    monkeypatch.setenv("JIXIAO_CODE_VERSION", "test")     # other work on this checkout must not change it
    out = tmp_path / "out"
    exe = shutil.which("jixiao", path=str(Path(sys.executable).parent))
    proc = subprocess.Popen([exe, "extract", str(reports), "-o", str(out), "-q", "--jobs", "2"], cwd=ROOT,
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    jsonl = out / "records.jsonl"
    deadline = time.monotonic() + 120
    while not (jsonl.exists() and jsonl.read_bytes().count(b"\n") >= 8):
        assert proc.poll() is None and time.monotonic() < deadline, "the run ended before it could be killed"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)         # the command, its pool and workers: as a power cut would
    proc.wait()
    written = jsonl.read_bytes().count(b"\n")
    assert 8 <= written < 2 * REPORTS
    with open(jsonl, "ab") as f:                # and a line torn mid-write
        f.write(b'{"schema_version": 1, "source": {"path": "')
    again = jixiao("extract", str(reports), "-o", str(out), "--jobs", "2")
    assert again.returncode == 0, again.stderr.decode()
    meta = last_run(out)
    assert meta["up_to_date"] >= written - 1 and meta["processed"] + meta["up_to_date"] == 2 * REPORTS
    assert jsonl.read_bytes() == (one / "records.jsonl").read_bytes()     # each document once, in order
    written_at = [(out / name).stat().st_mtime_ns for name in ("records.jsonl", "report.html", "records.parquet")]
    third = jixiao("extract", str(reports), "-o", str(out), "--jobs", "2")
    assert f"{2 * REPORTS} documents" in third.stderr.decode()
    assert f"0 processed, {2 * REPORTS} up to date" in third.stderr.decode()
    assert jsonl.read_bytes() == (one / "records.jsonl").read_bytes()
    assert [(out / name).stat().st_mtime_ns for name in ("records.jsonl", "report.html", "records.parquet")] \
        == written_at               # nothing changed, nothing rewritten


def test_changed_rules_files_and_inputs_are_redone_never_duplicated(batch, tmp_path, monkeypatch):
    reports, _ = batch
    monkeypatch.setenv("JIXIAO_CODE_VERSION", "test")
    src = tmp_path / "in"
    src.mkdir()
    for p in sorted(reports.glob("*.txt"))[:3]:
        shutil.copy(p, src / p.name)
    out = tmp_path / "out"
    assert main(["extract", str(src), "-o", str(out), "-q"]) == 0
    first, second, _ = sorted(src.glob("*.txt"))
    first.write_text(first.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    second.unlink()             # an input not given again drops out of the outputs
    assert main(["extract", str(src), "-o", str(out), "-q"]) == 0
    assert (last_run(out)["processed"], last_run(out)["up_to_date"]) == (1, 1)
    kept = [str(p) for p in sorted(src.glob("*.txt"))]
    assert [r["source"]["path"] for r in records(out)] == kept
    manifest = [json.loads(x) for x in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["path"] for e in manifest] == kept
    assert manifest[0]["sha256"] == records(out)[0]["source"]["sha256"] == sha256_of(first)
    before = (out / "records.jsonl").read_bytes()
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    with open(rules / "audit.yaml", "a", encoding="utf-8") as f:
        f.write("\n# tuned\n")
    changed = subprocess.run([shutil.which("jixiao", path=str(Path(sys.executable).parent)), "extract", str(src),
                              "-o", str(out)], cwd=ROOT, capture_output=True,
                             env={**os.environ, "JIXIAO_RULES": str(rules)})
    assert "2 processed, 0 up to date" in changed.stderr.decode()
    assert (out / "records.jsonl").read_bytes() == before     # a comment changes no record, and none is doubled


def slow_on_stuck(path: str, options: runner.Options):
    """A per-file function that never finishes on files named stuck*: a worker caught in a pathological file."""
    if Path(path).name.startswith("stuck"):
        time.sleep(600)
    return runner.work(path, options)


def with_a_stuck_file(batch, folder: Path) -> Path:
    """A folder of three reports and stuck.txt (a copy of one), which the tasks below never finish."""
    reports, _ = batch
    folder.mkdir()
    shutil.copy(next(reports.glob("*.txt")), folder / "stuck.txt")
    for p in sorted(reports.glob("*.txt"))[:3]:
        shutil.copy(p, folder / p.name)
    return folder


def test_a_stuck_file_is_stopped_by_its_time_limit_and_the_batch_goes_on(batch, tmp_path):
    src = with_a_stuck_file(batch, tmp_path / "in")
    out = tmp_path / "out"
    t0 = time.monotonic()
    done = runner.run(iter_files([str(src)]), out, jobs=1, timeout=3, task=slow_on_stuck)
    assert time.monotonic() - t0 < 60
    by_name = {Path(r["source"]["path"]).name: r for r in records(out)}
    stuck = by_name.pop("stuck.txt")
    assert stuck["status"] == "failed" and "3 s" in stuck["error"] and "--timeout" in stuck["error"]
    assert stuck["source"]["sha256"] == hashlib.sha256(b"").hexdigest()     # never read whole: no bytes hashed
    assert {r["status"] for r in by_name.values()} == {"ok"} and len(by_name) == 3   # by the replaced worker
    assert (done.processed, done.timed_out) == (4, 1)
    again = runner.run(iter_files([str(src)]), out, jobs=1, timeout=3, task=slow_on_stuck)
    assert (again.processed, again.up_to_date) == (0, 4)       # the same limit would stop it again
    plan = runner.plan(iter_files([str(src)]), out, runner.version(None), 10)
    assert [i.path.name for i in plan if i.line is None] == ["stuck.txt"]    # a higher one tries it again


def warmth(path: str, options: runner.Options):
    """A per-file function that reports, as its line, what its worker had loaded before it started."""
    import gc

    from pipeline.text.segment import _tokenizer
    if Path(path).name.startswith("stuck"):
        time.sleep(600)
    state = {"name": Path(path).name, "pid": os.getpid(), "jieba": _tokenizer.cache_info().currsize,
             "frozen": gc.get_freeze_count(), "warmed_in": runner.warmed_in}
    return runner.Done(json.dumps(state), None, sha256_of(Path(path)), 1, False)


def test_workers_start_with_the_stages_loaded_a_replaced_one_too_and_jieba_when_needed(batch, tmp_path):
    src = with_a_stuck_file(batch, tmp_path / "in")
    runner.run(iter_files([str(src)]), tmp_path / "out", jobs=1, timeout=3, task=warmth)
    states = [json.loads(line) for line in (tmp_path / "out" / "records.jsonl").read_text().splitlines()[1:]]
    assert [s["name"] for s in states] == sorted(p.name for p in src.glob("*.txt") if p.name != "stuck.txt")
    worker = states[0]["pid"]
    assert worker != os.getpid() and all(s["pid"] == worker for s in states)   # the one that replaced the stuck one
    assert all(s["jieba"] == 0 and s["frozen"] > 0 for s in states)        # jieba: at a worker's first cut
    assert states[0]["warmed_in"] not in (worker, os.getpid(), None)           # loaded before the fork


def test_a_torn_last_line_is_cut(tmp_path):
    f = tmp_path / "records.jsonl"
    f.write_bytes(b'{"a": 1}\n{"b": 2}\n{"c"')
    trim(f)
    assert f.read_bytes() == b'{"a": 1}\n{"b": 2}\n'
    f.write_bytes(b'{"c"')
    trim(f)
    assert f.read_bytes() == b""


def test_bad_jobs_and_limits_are_usage_errors(tmp_path, capsys):
    for flags in (["--jobs", "0"], ["--timeout", "-1"], ["--max-pages", "x"]):
        with pytest.raises(SystemExit) as e:
            main(["extract", str(tmp_path), "-o", str(tmp_path / "o"), *flags])
        assert e.value.code == 1 and flags[0] in capsys.readouterr().err


def test_a_document_over_the_page_cap_fails_naming_it_and_a_new_cap_reads_it_again(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(ROOT / "corpus" / "synth" / "syn-dept-001.pdf", src / "three-pages.pdf")
    shutil.copy(ROOT / "corpus" / "huadu-union-2021.txt", src / "seed.txt")
    out = tmp_path / "out"
    assert main(["extract", str(src), "-o", str(out), "-q", "--jobs", "1", "--max-pages", "2"]) == 0
    txt, pdf = records(out)             # in input order: seed.txt, three-pages.pdf
    assert pdf["status"] == "failed" and "--max-pages 3" in pdf["error"] and txt["status"] == "ok"
    assert main(["extract", str(src), "-o", str(out), "-q", "--jobs", "1", "--max-pages", "0"]) == 0
    assert last_run(out)["processed"] == 2 and [r["status"] for r in records(out)] == ["ok", "ok"]


def test_a_password_given_later_retries_the_files_that_failed_without_it(tmp_path):
    from tests.test_hostile import text_pdf
    src = tmp_path / "in"
    src.mkdir()
    (src / "locked.pdf").write_bytes(text_pdf(["Budget 100"], password="s3cret"))
    shutil.copy(ROOT / "corpus" / "huadu-union-2021.txt", src / "seed.txt")
    out = tmp_path / "out"
    assert main(["extract", str(src), "-o", str(out), "-q", "--jobs", "1"]) == 0
    locked = records(out)[0]
    assert locked["status"] == "failed" and "--password" in locked["error"]
    assert main(["extract", str(src), "-o", str(out), "-q", "--jobs", "1", "--password", "s3cret"]) == 0
    assert (last_run(out)["processed"], last_run(out)["up_to_date"]) == (1, 1)
    assert records(out)[0]["status"] == "ok" and "s3cret" not in (out / "manifest.jsonl").read_text() + \
        (out / "run.json").read_text()

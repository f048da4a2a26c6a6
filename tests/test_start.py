"""What a run loads, and where its workers come from: nothing before it is needed (the writers when
writing, OCR at a scan, pdfplumber and pandas never), a small batch's workers forked from
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

import pytest

from pipeline.batch import runner
from pipeline.cli import iter_files
from pipeline.readers import ocr
from tests.conftest import ROOT, SEED

HEAVY = ("pyarrow", "numpy", "duckdb", "_duckdb", "jinja2", "rich", "pandas", "pdfplumber", "onnxruntime", "rapidocr", "jieba")


def loaded_after(code: str) -> list[str]:
    """Which of HEAVY a fresh interpreter holds after running `code`."""
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    return out.stdout.split()


def test_importing_the_command_loads_no_writer_reader_or_ocr_library():
    assert loaded_after("import pipeline.cli") == []


def test_a_one_file_run_forks_its_worker_from_the_command_and_loads_only_what_it_writes(tmp_path):
    """No forkserver starts; the command itself imports the writers it needs, DuckDB's engine (which
    writes the Parquet files too; not the package's relational API) and Jinja, but not pyarrow, numpy
    or pandas, nor rich under -q, nor what only a worker reading a PDF, or a scan, needs."""
    code = (f"from pipeline.cli import main\nimport multiprocessing.forkserver as fs\n"
            f"assert main(['extract', {str(SEED)!r}, '-o', {str(tmp_path / 'out')!r}, '-q']) == 0\n"
            "assert fs._forkserver._forkserver_pid is None, 'a forkserver was started'")
    assert loaded_after(code) == ["_duckdb", "jinja2"]
    (record,) = [json.loads(line) for line in (tmp_path / "out" / "records.jsonl").read_text().splitlines()]
    assert record["status"] == "ok" and record["organization"] is not None


def where_from(path: str, options: runner.Options):
    """A per-file function that reports, as its line, which process loaded the stages before it ran;
    it never finishes on files named stuck*."""
    if Path(path).name.startswith("stuck"):
        time.sleep(600)
    from pipeline.rules import compiled
    state = {"name": Path(path).name, "pid": os.getpid(), "warmed_in": runner.warmed_in,
             "pdf_reader": "pypdfium2" in sys.modules, "patterns": compiled.cache_info().currsize}
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
    assert all(s["pdf_reader"] and s["patterns"] > 50 for s in states)     # loaded once, by the forkserver


def _started_early(src: Path, out: Path) -> list[str]:
    """In a fresh interpreter, with a small batch of 2 files: whether `jixiao extract SRC -o OUT`'s
    first step started the forkserver, and whether the runner had been imported by then."""
    code = ("import sys\nimport multiprocessing.forkserver as fs\nfrom pipeline import cli\n"
            "from pipeline.batch import forkserver\nforkserver.SMALL = 2\n"
            f"cli._forkserver_early(cli._parser().parse_args(['extract', {str(src)!r}, '-o', {str(out)!r}]))\n"
            "print(fs._forkserver._forkserver_pid is not None, 'pipeline.batch.runner' in sys.modules)")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          check=True).stdout.split()


def test_a_first_run_past_the_small_batch_starts_the_forkserver_before_it_imports_the_runner(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a.txt", "b.txt"):
        shutil.copy(SEED, src / name)
    out = tmp_path / "out"
    assert _started_early(src, out) == ["False", "False"]          # a small batch: forked from the command
    shutil.copy(SEED, src / "c.txt")
    assert _started_early(src, out) == ["True", "False"]
    out.mkdir()
    (out / "records.jsonl").write_text("")
    assert _started_early(src, out) == ["False", "False"]          # a rerun: its files may be up to date


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


RULES = ("fragments:\n  NUM: '\\d+'\n"
         "rules:\n"
         "  - {id: s.a, kind: score, pattern: '自评得分{NUM}', examples: [{text: '自评得分90分', field: self_score, expect: 90}]}\n"
         "  - {id: g.a, kind: grade_band, low: 90, high: 100}\n")


def _rules_folder(tmp_path: Path, monkeypatch) -> Path:
    from pipeline import rules as rules_module
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "a.yaml").write_text(RULES, encoding="utf-8")
    (folder / "t2s.txt").write_text("體体\n", encoding="utf-8")
    rules_module.checked(folder)
    return folder


def test_a_checked_rule_set_is_read_back_from_the_cache_as_it_was_loaded(tmp_path, monkeypatch):
    """The second start reads the cache, not the YAML, and gets the same rules: the same kinds,
    the validated values (90 as the float a grade band holds), the fields the file set."""
    from pipeline import rules as rules_module
    folder = _rules_folder(tmp_path, monkeypatch)
    fresh = rules_module.load_rules(folder)

    def unread(folder):
        raise AssertionError("the rules were loaded again")
    monkeypatch.setattr(rules_module, "load_rules", unread)
    again = rules_module.checked(folder)
    assert [(type(r), r.__dict__, r.model_fields_set) for r in again.rules] == \
           [(type(r), r.__dict__, r.model_fields_set) for r in fresh.rules]
    assert again.get("g.a").low == 90.0 and isinstance(again.get("g.a").low, float)
    assert again.get("s.a").examples == fresh.get("s.a").examples and again.expand(again.get("s.a").pattern) == r"自评得分(?:\d+)"
    assert (again.fragments, again.t2s, again.userdict) == (fresh.fragments, fresh.t2s, fresh.userdict)


def test_a_changed_rule_file_is_checked_again_and_each_bad_rule_reported(tmp_path, monkeypatch):
    from pipeline import rules as rules_module
    folder = _rules_folder(tmp_path, monkeypatch)
    with open(folder / "a.yaml", "a", encoding="utf-8") as f:
        f.write("  - {id: s.b, kind: score, pattern: '(unclosed'}\n  - {id: s.c, kind: score, prioirty: 1}\n")
    with pytest.raises(rules_module.RulesError) as e:
        rules_module.checked(folder)
    assert "rule s.b: pattern does not compile" in str(e.value) and "rule s.c: prioirty" in str(e.value)


def test_a_chinese_numeral_is_read_without_importing_cn2an():
    code = ("from pipeline.text.numbers import resolve_numeral\n"
            "assert str(resolve_numeral('一千二百零五')[0]) == '1205'")
    assert "cn2an" not in subprocess.run([sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
                                         capture_output=True, text=True, cwd=ROOT, check=True).stdout.split()


def test_without_a_home_the_rules_are_checked_and_nothing_is_cached(tmp_path, monkeypatch):
    from pipeline import rules as rules_module
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", "")
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "a.yaml").write_text(RULES, encoding="utf-8")
    assert rules_module.checked(folder).get("g.a").high == 100.0
    assert [p.name for p in tmp_path.iterdir()] == ["rules"]        # no .cache made in the working folder


def test_a_data_file_is_read_back_from_the_cache_without_yaml(tmp_path):
    """labels.yaml as the second start reads it: the same data, from the JSON copy the first made,
    and yaml not imported; an edit of the file is read anew."""
    data = tmp_path / "names.yaml"
    data.write_text("labels:\n  status: {ok: 成功}\n  years: [2023, 2024]\n", encoding="utf-8")
    code = ("import json, sys\nfrom pathlib import Path\nfrom pipeline.rules import yaml_data\n"
            f"print(json.dumps([yaml_data(Path({str(data)!r})), 'yaml' in sys.modules], ensure_ascii=False))")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))

    def start():
        return json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                                         env=env, check=True).stdout)
    expected = {"labels": {"status": {"ok": "成功"}, "years": [2023, 2024]}}
    assert start() == [expected, True]
    assert start() == [expected, False]
    data.write_text("labels:\n  status: {ok: 完成}\n", encoding="utf-8")
    assert start() == [{"labels": {"status": {"ok": "完成"}}}, True]

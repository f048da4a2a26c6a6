"""Issue 18: figures written negative or in scientific notation are never guessed and never silently
dropped (the record's source.notes says which figure and why, by a stable code), and the memory limit
benchmarks/hostile_run.py holds a whole process tree to is enforced for real."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from pipeline import extract_text
from pipeline.cli import main
from pipeline.text.numbers import written_apart

TITLE = "青石县某某局2022年度部门整体支出绩效自评报告\n"


def codes(record) -> list[str]:
    return [note.split(":")[0] for note in record.source.notes]


def test_a_budget_figure_written_negative_is_left_empty_and_noted_never_read_unsigned():
    r = extract_text(TITLE + "全年预算数 -12.5 万元，执行数 10 万元，执行率 －3%。\n")
    assert r.budget.total_yuan is None                     # not 125,000 元
    assert r.budget.rate_pct is None
    assert r.budget.executed_yuan.value == 100_000
    assert codes(r) == ["figure_unread_negative", "figure_unread_negative"]
    assert "'-12.5万元'" in r.source.notes[0] and "(total figure)" in r.source.notes[0]
    assert "'-3%'" in r.source.notes[1] and "(rate figure)" in r.source.notes[1]


def test_a_figure_in_scientific_notation_is_left_empty_and_noted_never_read_as_its_exponent():
    r = extract_text(TITLE + "全年预算数 1.2E+06元，执行数 80 万元，执行率 3e5%。\n自评得分 9.5e1 分。\n")
    assert r.budget.total_yuan is None                     # not 6 元, the exponent's digits
    assert r.budget.rate_pct is None and r.self_score is None          # nor 5%, nor 9.5 points
    assert r.budget.executed_yuan.value == 800_000
    assert codes(r) == ["figure_unread_exponent"] * 3
    assert ["'1.2E+06元'" in r.source.notes[0], "'3e5%'" in r.source.notes[1], "'9.5e1'" in r.source.notes[2]] \
        == [True, True, True]


def test_a_dash_after_a_digit_or_a_word_is_a_range_not_a_sign():
    assert written_apart("预算数 -12.5万元", 5, 9) == "negative"
    assert written_apart("预算数:−12.5万元", 5, 9) == "negative"
    assert written_apart("投资10-20万元", 5, 7) is None
    assert written_apart("第二期-20万元", 4, 6) is None
    assert written_apart("1.2E+06元", 5, 7) == "exponent"
    assert written_apart("95 分", 0, 2) is None


def test_the_note_reaches_records_jsonl(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "r.txt").write_text(TITLE + "全年预算数 -12.5 万元，执行数 10 万元。\n", encoding="utf-8")
    assert main(["extract", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q", "-j", "1"]) == 0
    (record,) = map(json.loads, (tmp_path / "out" / "records.jsonl").read_text(encoding="utf-8").splitlines())
    assert record["budget"]["total_yuan"] is None
    assert [n.split(":")[0] for n in record["source"]["notes"]] == ["figure_unread_negative"]


# ---------------------------------------------------------------- the hostile run's tree limit

EAT = "import time; x = b'1' * (300 << 20); time.sleep({seconds})"


def test_the_tree_watchdog_ends_a_tree_whose_grandchild_passes_the_limit():
    """benchmarks/hostile_run.py's limit: a grandchild taking 300 MB under a 200 MB limit for the tree
    ends the whole tree (in 30 s it would end by itself), and the peak is the tree's, grandchild included."""
    from benchmarks.hostile_run import TreeMemory
    proc = subprocess.Popen(["bash", "-c", f'sleep 30 & {sys.executable} -c "{EAT.format(seconds=30)}"; wait'],
                            start_new_session=True)
    with TreeMemory(proc.pid, 200 << 20, lambda: os.killpg(proc.pid, signal.SIGKILL)) as memory:
        proc.wait(timeout=25)
    assert memory.exceeded and proc.returncode == -signal.SIGKILL
    assert memory.peak_sum > 200 << 20 and memory.peak_one > 200 << 20 and memory.peak_procs >= 3


def test_the_tree_watchdog_keeps_the_peak_of_a_tree_under_the_limit():
    from benchmarks.hostile_run import TreeMemory
    proc = subprocess.Popen([sys.executable, "-c", EAT.format(seconds=1)])
    with TreeMemory(proc.pid, 1 << 30, lambda: os.kill(proc.pid, signal.SIGKILL)) as memory:
        proc.wait(timeout=25)
    assert not memory.exceeded and proc.returncode == 0
    assert 300 << 20 < memory.peak_sum < 1 << 30

"""forkserver.stop: a batch's forkserver is ended once its workers are done, so that the outputs are
written without its memory (the stages, jieba's dictionary) beside the writers'; a later pool starts
another."""
import multiprocessing
import os
from multiprocessing import forkserver as server

import pytest

from pipeline.batch import forkserver, runner
from pipeline.cli import main
from pipeline.outputs.findings_view import read_jsonl
from tests.conftest import SEED


def _running() -> int:
    """A forkserver started through a pool, and its pid."""
    with multiprocessing.get_context("forkserver").Pool(1) as pool:
        assert pool.apply(os.getpid) != os.getpid()
    pid = server._forkserver._forkserver_pid
    assert pid is not None
    return pid


def test_stop_ends_the_forkserver_and_a_later_pool_starts_another():
    pid = _running()
    forkserver.stop()
    assert server._forkserver._forkserver_pid is None
    with pytest.raises(ProcessLookupError):         # exited and reaped
        os.kill(pid, 0)
    assert _running() != pid
    forkserver.stop()
    forkserver.stop()                               # none running: nothing to do


def test_writing_the_outputs_ends_the_forkserver_first(tmp_path):
    out = tmp_path / "out"
    assert main(["extract", str(SEED), "-o", str(out), "-q", "--no-xlsx"]) == 0
    pid = _running()
    steps = []
    runner.write_outputs(out, read_jsonl(out / runner.RECORDS), parallel=False, workbook=False, step=steps.append)
    assert server._forkserver._forkserver_pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert steps == [runner.WRITE_STEPS[0], runner.WRITE_STEPS[1] + " skipped", runner.WRITE_STEPS[2]]
    assert (out / "report.html").exists() and (out / "records.parquet").exists()

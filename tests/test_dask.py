"""jixiao extract --dask: the same per-file function on the workers of a real cluster, the same records.jsonl."""
import pytest

from pipeline.cli import main
from tests.test_runner import last_run, make_reports

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")


def test_a_dask_cluster_writes_the_records_a_local_run_writes(tmp_path):
    reports = make_reports(tmp_path / "in", 8)
    local = tmp_path / "local"
    assert main(["extract", str(reports), "-o", str(local), "-q", "--jobs", "2"]) == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) \
            as cluster:
        out = tmp_path / "dask"
        assert main(["extract", str(reports), "-o", str(out), "-q", "--dask", cluster.scheduler_address]) == 0
        assert (out / "records.jsonl").read_bytes() == (local / "records.jsonl").read_bytes()
        meta = last_run(out)
        assert (meta["dask"], meta["processed"]) == (cluster.scheduler_address, 16)
        assert main(["extract", str(reports), "-o", str(out), "-q", "--dask", cluster.scheduler_address]) == 0
        assert last_run(out)["processed"] == 0


def test_an_unreachable_scheduler_is_an_error_not_a_hang(tmp_path, capsys):
    reports = make_reports(tmp_path / "in", 1)
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        assert main(["extract", str(reports), "-o", str(tmp_path / "out"), "-q", "--dask",
                     "tcp://127.0.0.1:9"]) == 1
    assert "Dask" in capsys.readouterr().err

"""The notebook API: a run's tables as pandas DataFrames, and a batch from a notebook or a script.

    pipeline.read_outputs(OUTDIR)          -> {"records": DataFrame, "findings": …, "panel": …}
    pipeline.to_frame(records, "records")  -> DataFrame of records made in memory
    pipeline.extract_many(paths, jobs=4)   -> [Record, …]   (outdir=…: a whole `jixiao extract` run)

Every DataFrame comes from the tables' own Arrow schemas (store.described_schema), so read_outputs,
to_frame and a plain `pd.read_parquet` give the same dtypes: fiscal_year Int16, counts Int64, amounts
float64 yuan, text `string`, all with pd.NA (NaN for floats) where a value is missing; an evidence is
a dict. Every table has the document key `sha256`.

extract_many runs the batch in a child Python process (this module's `_serve`), which uses the same
runner and forkserver as `jixiao extract`: the workers the pool starts never import the caller's
`__main__`, so a notebook, or a script without an `if __name__ == "__main__":` guard, can call it.
(A pool started in the caller's own process would re-run such a script in every worker.)
pandas is imported only by the functions that return DataFrames.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .limits import MAX_MEMORY, MAX_PAGES, TIMEOUT
from .models import Record

if TYPE_CHECKING:
    import pandas as pd

PANEL_TABLES = ("panel", "panel_findings")         # what panel.write writes as Parquet


def read_outputs(outdir: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of an OUTDIR (`jixiao extract`) or PANELDIR (`jixiao dataset`), or of a folder holding
    both, by name: each `<name>.parquet` there, read with its own dtypes."""
    import pandas as pd

    from .outputs.store import TABLES
    outdir = Path(outdir)
    names = [t.name for t in TABLES] + list(PANEL_TABLES)
    frames = {name: pd.read_parquet(outdir / f"{name}.parquet") for name in names
              if (outdir / f"{name}.parquet").is_file()}
    if not frames:
        raise FileNotFoundError(f"{outdir}: no jixiao tables (records.parquet, panel.parquet): run "
                                "`jixiao extract … -o` (or `jixiao dataset`) into it first")
    return frames


def to_frame(records: Iterable[Record], table: str = "records") -> pd.DataFrame:
    """One table (records, findings, quantities, indicators, projects, funds) of records made in memory,
    with the columns and dtypes of its Parquet file."""
    from .outputs import store
    t = {t.name: t for t in store.TABLES}[table]
    schema = store.arrow_schema(t)
    return store.arrow_batch(t, [row for r in records for row in t.rows(r)], schema).to_pandas()


def extract_many(paths: Iterable[str | Path], *, jobs: int | None = None, outdir: str | Path | None = None,
                 timeout: float | None = TIMEOUT) -> list[Record]:
    """Every file under `paths` (folders walked as `jixiao extract` walks them) -> its record, in the
    order `jixiao extract` writes them, each read by an isolated worker (`jobs` of them, default: the
    CPUs; a file past `timeout` seconds stopped). With `outdir`, a whole `jixiao extract` run into it
    (records.jsonl, the tables, report.html; kept up to date as the command does) whose records are
    returned. Raises FileNotFoundError for a path that does not exist, ChildProcessError when the batch
    itself fails (its message on stderr)."""
    paths = [os.fspath(p) for p in paths]
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        raise FileNotFoundError(f"no such file or folder: {', '.join(map(str, missing))}")
    request = {"paths": paths, "jobs": jobs or os.cpu_count() or 1, "timeout": timeout,
               "outdir": None if outdir is None else os.fspath(outdir)}
    root = str(Path(__file__).resolve().parents[1])        # this jixiao, whatever the child's sys.path
    env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
    proc = subprocess.run([sys.executable, "-P", "-c", "from pipeline.notebook import _serve; _serve()"],
                          input=json.dumps(request).encode(), stdout=subprocess.PIPE, env=env, check=False)
    if proc.returncode:
        raise ChildProcessError(f"jixiao's batch exited with {proc.returncode} (its message is above)")
    if outdir is not None:
        from .outputs.findings_view import read_jsonl
        return list(read_jsonl(Path(outdir) / "records.jsonl"))
    return [Record.model_validate_json(line) for line in proc.stdout.splitlines()]


def _serve() -> None:
    """The child of extract_many: the request on stdin; each record as its records.jsonl line on
    stdout, or, with an outdir, `jixiao extract` into it (its summary on stderr)."""
    from .cli import iter_files, main
    request = json.loads(sys.stdin.buffer.read())
    jobs, timeout, outdir = request["jobs"], request["timeout"], request["outdir"]
    if outdir is not None:
        sys.stdout = sys.stderr
        sys.exit(main(["extract", *request["paths"], "-o", outdir, "--jobs", str(jobs), "-q",
                       "--timeout", str(timeout or 0)]))
    from .outputs.export import record_json
    from .batch.runner import Options, extracted
    out = sys.stdout.buffer
    for r in extracted(iter_files(request["paths"]), jobs=jobs, timeout=timeout, memory=MAX_MEMORY << 20,
                       options=Options(max_pages=MAX_PAGES)):
        out.write((record_json(r) + "\n").encode("utf-8"))
    out.flush()

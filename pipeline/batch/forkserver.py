"""The local pool's forkserver: the clean process every worker is forked from, holding what each
worker needs already loaded (pipeline.batch.warm: the stages, the rules, jieba, pdfplumber; about a second).
`jixiao extract` starts it first thing, so that this load overlaps the command's own imports."""
from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def context(jobs: int) -> multiprocessing.context.BaseContext:
    """The forkserver context for `jobs` workers. Each worker's numerical libraries (OCR) get a core's
    share of threads: the variables are set before the forkserver starts, which its workers inherit."""
    threads = str(max(1, (os.cpu_count() or 1) // jobs))
    for var in THREAD_VARS:
        os.environ.setdefault(var, threads)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pipeline.batch.warm"])
    return ctx


def start(jobs: int) -> None:
    """Start the forkserver now (it loads in the background); a no-op when it runs already."""
    context(jobs)
    multiprocessing.forkserver.ensure_running()

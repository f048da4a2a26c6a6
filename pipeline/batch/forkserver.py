"""Where the local pool's workers are forked from. A batch's: the forkserver, a clean process that
holds what each worker needs already loaded (pipeline.batch.warm: the stages and the rules; about a
quarter of a second of CPU, once). A small batch's (at most SMALL files to read, as
`jixiao extract` runs it): the command itself, warmed first, so that no second interpreter is started
and warmed for a few files; the forkserver's workers are not worth their start there."""
from __future__ import annotations

import multiprocessing
import os

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
SMALL = 100             # files to read: up to this many, `jixiao extract` forks its workers from itself


def context(jobs: int, fork: bool = False) -> multiprocessing.context.BaseContext:
    """The context for `jobs` workers: the forkserver's, or with `fork` plain fork. Each worker's
    numerical libraries (OCR) get a core's share of threads (readers.ocr reads it too): the variables are set before
    the forkserver starts, or the workers are forked, and the workers inherit them."""
    share = str(max(1, (os.cpu_count() or 1) // jobs))
    for var in THREAD_VARS:
        os.environ.setdefault(var, share)
    if fork:
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pipeline.batch.warm"])
    return ctx



def start(jobs: int) -> None:
    """Start the forkserver for `jobs` workers now, rather than at the pool's first worker: it warms
    itself (pipeline.batch.warm) on a core of its own while its caller goes on."""
    from multiprocessing import forkserver as server
    context(jobs)
    server.ensure_running()


def stop() -> None:
    """End this process's forkserver, when it started one and its workers are done: it holds the
    stages and the rules (about 40 MB resident) while the outputs are written, which need none of
    them; a later pool starts another. Through multiprocessing's own stop (private: the one its tests
    use), which waits for the server to exit; a no-op where it is missing."""
    from multiprocessing import forkserver as server
    getattr(getattr(server, "_forkserver", None), "_stop", lambda: None)()

"""Run a command and measure its whole process tree: wall time, CPU and peak summed RSS.

`jixiao extract` is three kinds of process: the command, the forkserver it starts, and the workers
the forkserver forks. The command exits without waiting for its forkserver, so the forkserver's CPU
(and its workers', which it reaps) never reaches the command's rusage. This process therefore makes
itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER): an orphan anywhere below it is re-parented
to it instead of to init, and it reaps every process with wait4 until none is left, summing the
rusage each one returns (its own CPU and that of the descendants it reaped). Linux only.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass

from benchmarks.hostile_run import TreeMemory, descendants, rss

PR_SET_CHILD_SUBREAPER = 36
LINGER = 60.0           # seconds the tree may live on after the command exits before it is ended


def become_subreaper() -> None:
    """Orphans below this process are re-parented to it (so it can reap them and count their CPU)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


@dataclass
class Measured:
    label: str
    wall: float             # from start until the command exits (what its user waits for)
    cpu: float              # user + system seconds of every process of the tree, until the last one ended
    rss: int                # the peak of the tree's summed RSS, sampled every 50 ms
    command_rss: int        # the command's own peak RSS (wait4's ru_maxrss: its forkserver is not its to reap)
    processes: int          # how many processes this one reaped: the command and the orphans it left (a forkserver)
    code: int
    output: str


def measure(label: str, cmd: list[str], cwd: str | None = None) -> Measured:
    """Run cmd to its end, and the tree below it to its end. Call become_subreaper() first, and run one
    at a time: every child this process has is reaped and counted as this command's."""
    out = tempfile.TemporaryFile()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
    cpu, reaped, code, own = 0.0, 0, -1, 0
    wall: float | None = None
    with TreeMemory(proc.pid, measure=rss) as memory:
        while True:
            flags = 0 if wall is None else os.WNOHANG
            try:
                pid, status, usage = os.wait4(-1, flags)
            except ChildProcessError:
                break
            if pid == 0:                        # the command is gone, some of its tree lingers
                if wall is not None and time.perf_counter() - started - wall > LINGER:
                    _end_descendants()
                time.sleep(0.005)
                continue
            cpu += usage.ru_utime + usage.ru_stime
            reaped += 1
            if pid == proc.pid:
                wall, code = time.perf_counter() - started, os.waitstatus_to_exitcode(status)
                own = usage.ru_maxrss * 1024
                proc.returncode = code
    out.seek(0)
    assert wall is not None
    return Measured(label, wall, cpu, memory.peak_sum, own, reaped, code, out.read().decode("utf-8", "replace"))


def _end_descendants() -> None:
    for pid in descendants(os.getpid())[1:]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

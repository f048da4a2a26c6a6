"""All of issue 18's hostile files in one folder, through `jixiao extract`, the whole process tree held
under a memory limit (default 4 GiB): every file must get exactly one record, the run exit 0 and finish.

Not a test: nothing in `tests/` runs it (it writes about 1.6 GB of files, and takes minutes).

    .venv/bin/python benchmarks/hostile_run.py [--limit-mb 4096] [--deadline 1800] [--keep DIR] [-- EXTRACT-FLAGS]

The limit holds for real: with systemd (a cgroup of its own: `systemd-run --scope -p MemoryMax=…`) when
it can start one, and always by a watchdog that sums the PSS of the run's process and all its
descendants every 50 ms (RSS where PSS cannot be read), ends the whole tree past the limit (FAIL) and
keeps the peak. `jixiao extract` runs as a user does: as root it drops the capabilities that let root
read a chmod 000 file or folder. Prints each file's record, then one SUMMARY line; exit 1 on FAIL.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGE = os.sysconf("SC_PAGE_SIZE")


def children(pid: int) -> list[int]:
    """A process's children, from each of its threads' /proc children list (a forkserver's workers
    are its own children, not the run's)."""
    out: list[int] = []
    try:
        for task in os.scandir(f"/proc/{pid}/task"):
            with open(f"{task.path}/children", "rb") as f:
                out += map(int, f.read().split())
    except OSError:
        pass
    return out


def descendants(pid: int) -> list[int]:
    """The process and all below it."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children(p)
    return out


def rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def pss(pid: int) -> int:
    """Proportional set size: a page shared by n processes (a forkserver's children) counts 1/n in each."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) << 10
    except OSError:
        pass
    return rss(pid)


class TreeMemory:
    """A thread sampling a process tree every `every` seconds: the peak of its summed PSS (or of what
    `measure` gives: rss is cheaper, PSS costs milliseconds for a large process), and the peak RSS of any
    one process below the root (a worker). Past `limit` bytes summed it calls `kill`."""

    def __init__(self, pid: int, limit: int | None = None, kill=None, every: float = 0.05, measure=pss):
        self.pid, self.limit, self.kill, self.every, self.measure = pid, limit, kill, every, measure
        self.peak_sum = self.peak_one = self.peak_procs = self.samples = 0
        self.exceeded = False
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-memory", daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def every_ms(self) -> float:
        """The mean time between samples so far (reading a large process's PSS takes milliseconds)."""
        return 1000 * (time.monotonic() - self.started) / max(1, self.samples)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            tree = descendants(self.pid)
            total = sum(map(self.measure, tree))
            self.samples += 1
            self.peak_sum = max(self.peak_sum, total)
            self.peak_one = max([self.peak_one, *(rss(p) for p in tree if p != self.pid)])
            self.peak_procs = max(self.peak_procs, len(tree))
            if self.limit is not None and total > self.limit and not self.exceeded:
                self.exceeded = True
                self.kill()


def systemd_scope(limit_mb: int) -> list[str]:
    """The systemd-run prefix that puts the run in a cgroup of its own with the limit, when systemd
    can start one here; [] when it cannot (no systemd, as in most containers)."""
    cmd = ["systemd-run", "--scope", "--quiet", "-p", f"MemoryMax={limit_mb}M", "-p", "MemorySwapMax=0"]
    if shutil.which("systemd-run") is None:
        return []
    try:
        ok = subprocess.run([*cmd, "true"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return []
    return cmd if ok else []


def _as_user():
    """What the run's process does before exec as root: drop the capabilities that read any file."""
    from tests.test_hostile import _as_user as as_user
    return as_user().get("preexec_fn")


def relative(record: dict, inbox: Path) -> str:
    """A record's path relative to the inbox, exact (a name that is not UTF-8 from its path_bytes)."""
    exact = record["source"].get("path_bytes")
    path = os.fsdecode(base64.b64decode(exact)) if exact else record["source"]["path"]
    return Path(path).relative_to(inbox).as_posix()


def grouped(expected: dict[str, str], paths: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """The records' paths under each expected thing (a path, or a folder ending in "/"), and the paths
    that are of none (extra records)."""
    groups: dict[str, list[str]] = {key: [] for key in expected}
    extra: list[str] = []
    for path in paths:
        key = path if path in expected else next(
            (k for k in expected if k.endswith("/") and (path + "/").startswith(k)), None)
        (extra if key is None else groups[key]).append(path)
    return groups, extra


def leaked(out: Path, secrets: tuple[bytes, ...]) -> list[str]:
    """The output files holding any of `secrets` (a file a link points at, /etc/passwd an entity names)."""
    return [p.relative_to(out).as_posix() for p in sorted(out.rglob("*"))
            if p.is_file() and any(s in p.read_bytes() for s in secrets)]


def shown(s: str) -> str:
    """A name or error as printable text (escape codes, bidi controls and undecodable bytes as escapes)."""
    return s.encode("unicode_escape").decode("ascii") if not s.isprintable() else s


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--limit-mb", type=int, default=4096, help="memory of the whole process tree (default 4096)")
    p.add_argument("--deadline", type=float, default=1800, help="seconds before the run counts as hung")
    p.add_argument("--keep", type=Path, default=None, help="build the folder and the outputs here, and keep them")
    p.add_argument("extract_flags", nargs="*", help="passed to jixiao extract (after --)")
    args = p.parse_args()
    from benchmarks.hostile_files import build
    base = args.keep or Path(tempfile.mkdtemp(prefix="jixiao-hostile-"))
    t = time.monotonic()
    batch = build(base)
    print(f"built {len(batch.expected)} hostile things in {base / 'inbox'} in {time.monotonic() - t:.0f} s", flush=True)
    out = base / "out"
    scope = systemd_scope(args.limit_mb)
    cmd = [*scope, sys.executable, "-P", "-c", "import sys; from pipeline.cli import main; sys.exit(main())",
           "extract", str(batch.inbox), "-o", str(out), "-q", *args.extract_flags]
    run = limited(cmd, args.limit_mb << 20, args.deadline)
    verdict = checked(batch, out, run)
    how = "cgroup (systemd-run) + watchdog" if scope else "watchdog"
    mem = run.memory
    print(f"SUMMARY hostile run: {len(batch.expected)} hostile files, {how} limit {args.limit_mb} MB on the process "
          f"tree: exit {run.code}{' (hung: killed at the deadline)' if run.hung else ''}"
          f"{' (killed past the limit)' if mem.exceeded else ''}, {verdict}; peak tree {mem.peak_sum >> 20} MB PSS "
          f"({mem.peak_procs} processes), largest worker {mem.peak_one >> 20} MB RSS (sampled every "
          f"{mem.every_ms():.0f} ms); wall {run.wall:.0f} s: {'PASS' if run.ok else 'FAIL'}")
    if args.keep is None:
        (batch.inbox / "locked").chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)
    return 0 if run.ok else 1


class Run:
    """How the limited run went; `ok` is cleared by any check that fails."""

    def __init__(self, code: int, output: bytes, hung: bool, memory: TreeMemory, wall: float):
        self.code, self.output, self.hung, self.memory, self.wall = code, output, hung, memory, wall
        self.ok = code == 0 and not hung and not memory.exceeded


def limited(cmd: list[str], limit: int, deadline: float) -> Run:
    """`cmd` in a session of its own (so that its whole tree can be ended), as a user, this checkout's
    pipeline on its path, the tree watched and ended past `limit` bytes or `deadline` seconds."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True,
                            preexec_fn=_as_user(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    with TreeMemory(proc.pid, limit, lambda: os.killpg(proc.pid, signal.SIGKILL)) as memory:
        try:
            output, hung = proc.communicate(timeout=deadline)[0], False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, hung = proc.communicate()[0], True
    return Run(proc.returncode, output, hung, memory, time.monotonic() - started)


def checked(batch, out: Path, run: Run) -> str:
    """Each hostile thing's record printed; the count of one each, missing, doubled and extra, and of
    outputs holding what lies outside the folder (clearing run.ok on any)."""
    from benchmarks.hostile_files import SECRET
    jsonl = out / "records.jsonl"
    records = [json.loads(line) for line in jsonl.read_bytes().decode("utf-8").splitlines()] if jsonl.exists() else []
    by_path = {relative(r, batch.inbox): r for r in records}
    groups, extra = grouped(batch.expected, list(by_path))
    for key, what in batch.expected.items():
        r = by_path[groups[key][0]] if groups[key] else {"status": "NONE", "error": ""}
        print(f"{len(groups[key])} {r['status']:<8} {shown(key)[:40]:<40} {what[:45]:<45} {shown(r['error'] or '')[:110]}")
    for path in extra:
        print(f"extra record: {shown(path)}")
    leaks = leaked(out, (SECRET.encode(), b"root:x:0:0"))
    for path in leaks:
        print(f"leak: {path} holds what a link or an entity outside the folder points at")
    if run.code != 0:
        print(run.output.decode("utf-8", "replace")[-3000:])
    missing = sum(not paths for paths in groups.values())
    doubled = sum(len(paths) > 1 for paths in groups.values())
    duplicates = len(records) - len(by_path)
    run.ok = run.ok and not (missing or doubled or extra or leaks or duplicates)
    return (f"records {len(records)}: {len(groups) - missing - doubled} one each, {missing} missing, "
            f"{doubled + duplicates} doubled, {len(extra)} extra, {len(leaks)} outputs holding what lies outside "
            "the folder")


if __name__ == "__main__":
    sys.exit(main())

"""runner: the batch behind `jixiao extract`: many files, a pool of workers, one records.jsonl.

Each file goes through `work` in a worker process (a local pool, or the workers of a Dask cluster),
at most a few files per worker in flight, so memory stays flat whatever the batch size. Results are
appended to records.jsonl as they finish, a whole line each, and `manifest.jsonl` notes for each
file the sha256 and signature (size, times, inode) it had, the version (rules, code, page cap) that
read it and which line holds its record. This process only stats the inputs: the workers read them. A run killed at any point leaves whole lines; the next run keeps every record still up to
date and processes only the rest. When the loop ends, records.jsonl is rewritten in input order
(each document once, byte-identical whatever the number of workers), the manifest with it; records
of files not given this time are kept (but those gone from under a folder given), unless replaced. Run metadata goes to run.json, never into records.
"""
from __future__ import annotations

import base64
import errno
import hashlib
import json
import multiprocessing
import os
import re
import stat
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, TimeoutError, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from itertools import chain
from pathlib import Path
from typing import NamedTuple, Protocol

from . import forkserver
from ..outputs.export import Writer, record_json, trim
from ..outputs.texts import prune
from ..readers.load import LoadError, detail, path_text, source_of, too_much_memory, unexpected, valid_unicode
from ..models import Record
from ..rules import RULES_DIR, rules

RECORDS = "records.jsonl"
MANIFEST = "manifest.jsonl"
RUN = "run.json"
LOCK = "run.lock"           # held by the run writing OUTDIR (locked)
OUTPUTS = ("records.csv", "findings.csv", "records.parquet", "report.html")    # written from records.jsonl
WINDOW = 4                  # files in flight per worker
MEMORY_EXIT = 86            # the exit code of a worker the memory watchdog ends


class Done(NamedTuple):
    """What a worker sends back: the record as its records.jsonl line, and what the parent needs."""
    line: str
    text: str | None
    sha256: str
    pages: int
    failed: bool
    timeout: float | None = None    # the time limit that stopped it, when one did


class Options(NamedTuple):
    """How each file is read (load's page cap and PDF password)."""
    max_pages: int | None = None
    password: str | None = None


def work(path: str, options: Options) -> Done:
    """The per-file function, the same in the local pool and on Dask workers: the record is
    serialised here, so the parent only appends lines."""
    from ..api import extract_document       # loaded before the fork in the local pool (pipeline.batch.warm)
    record, text = extract_document(path, max_pages=options.max_pages, password=options.password)
    return Done(record_json(record), text, record.source.sha256, record.source.pages, record.status == "failed")


Task = Callable[[str, Options], Done]


def init_worker() -> None:
    """Once per process: the stages and the rules, not once per file. The local pool's forkserver runs
    it before it forks any worker (it preloads `pipeline.batch.warm`), so every worker, a replacement
    for one killed at the time limit too, starts with them loaded and shares their memory; a small
    batch's workers are forked from the command itself, which runs it first. jieba's dictionary is
    not loaded here: each worker puts in the shards its texts need (text.segment), 261 of 11,772 for
    250 report-sized PDFs (0.04 s of CPU), where loading all of them (0.23 s) held up every worker's
    start. OCR comes at a worker's first scan. The collector is paused while the stages load, then
    what was loaded is frozen out of its sight: collecting would only walk it again and again."""
    import gc
    global warmed_in
    if warmed_in is not None:
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        from .. import api  # noqa: F401  (the stages)
        rules()
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    warmed_in = os.getpid()


warmed_in: int | None = None    # the process that ran init_worker: a worker's forkserver, or itself


def watch_memory(limit: int | None) -> None:
    """Once per worker: a thread that ends the worker when its resident memory passes `limit` bytes, so
    that a small file built to take all memory (a 40 KB .docx asking for 10 GiB) gets a failed record
    and the batch goes on. Resident memory, not RLIMIT_AS: OCR's libraries reserve address space they
    never touch. Linux only (/proc); elsewhere the operating system's own limits apply."""
    if limit is None:
        return
    try:
        statm = open("/proc/self/statm", "rb")
    except OSError:
        return
    threading.Thread(target=_watch, args=(statm, limit), name="jixiao-memory", daemon=True).start()


def _watch(statm, limit: int) -> None:
    page = os.sysconf("SC_PAGE_SIZE")
    while True:
        statm.seek(0)
        if int(statm.read().split()[1]) * page > limit:
            os._exit(MEMORY_EXIT)
        time.sleep(0.05)


# ---------------------------------------------------------------- what is up to date

@cache
def tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def version(max_pages: int | None) -> str:
    """What a record depends on besides its file: the rules folder, this package's code (or what
    JIXIAO_CODE_VERSION pins it to) and the page cap. A change to any of them re-reads every file."""
    code = os.environ.get("JIXIAO_CODE_VERSION") or tree_hash(Path(__file__).resolve().parents[1])
    return f"r{tree_hash(RULES_DIR)}-c{code}-p{max_pages or 0}"


def signature(path: Path) -> list[int] | None:
    """What tells, without reading a byte, that a file is as its record found it: size, modification and
    change times, inode. This process never reads an input (a read may block for ever, /proc/kmsg, or
    take minutes): the workers hash and read each file, under the time limit. None for what is not a
    regular file, or cannot be looked at (its record says why)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino] if stat.S_ISREG(st.st_mode) else None


def real_roots(inputs: Iterable[str | Path]) -> list[Path]:
    """The folders (and files) given, as real paths: what a link may lead into."""
    return [Path(os.path.realpath(p)) for p in inputs]


def outside(path: Path, roots: list[Path] | None) -> str | None:
    """Where a link leads when that is out of every root (an archive's link to /etc/passwd, to a key,
    to /); None when it stays inside, or when links are followed (roots None)."""
    if roots is None:
        return None
    real = Path(os.path.realpath(path))
    return None if any(real.is_relative_to(r) for r in roots) else path_text(real)


def unwalked(path: Path) -> str | None:
    """Why a folder the walk listed could not be walked (no permission, a path past PATH_MAX): the
    files in it have no record of their own, so its own record says so; None for anything else. Only
    opened as a folder: a named pipe or a device is not read here."""
    try:
        with os.scandir(path):
            return None
    except OSError as e:        # a file, a loop of links, a file gone meanwhile: its reader says what it is
        return (e.strerror or str(e)) if e.errno == errno.ENAMETOOLONG or os.path.isdir(path) else None


def line_key(line: bytes) -> str:
    """Names one records.jsonl line in the manifest, wherever compaction moves it."""
    return hashlib.blake2b(line, digest_size=12).hexdigest()


class Line(NamedTuple):
    offset: int
    length: int


@contextmanager
def _opened(path: Path) -> Iterator:
    """A file open for reading, or None when there is none yet."""
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        yield None
        return
    with f:
        yield f


def _lines(path: Path) -> Iterator[bytes]:
    """A file's lines, none when it does not exist yet (a first run)."""
    with _opened(path) as f:
        yield from f or ()


def index_lines(path: Path) -> dict[str, Line]:
    """Every whole line of a records.jsonl by its key (a torn last line is cut off first)."""
    trim(path)
    out: dict[str, Line] = {}
    offset = 0
    for line in _lines(path):
        out[line_key(line)] = Line(offset, len(line))
        offset += len(line)
    return out


# what plan reads of a manifest entry, and the types it may have: anything else is no entry of jixiao's
ENTRY = {"path": (str,), "record": (str,), "sha256": (str, type(None)), "stat": (list, type(None)),
         "version": (str,), "failed": (bool,), "outside": (bool,), "password": (str, type(None)),
         "timeout": (int, float, type(None)), "where": (str,)}


def read_manifest(path: Path) -> dict[str, dict]:
    """The last entry for each path. A torn, unreadable or crafted line (not JSON, or a field of another
    type than jixiao writes) is ignored: its file is redone, never trusted."""
    out: dict[str, dict] = {}
    for line in _lines(path):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and "path" in entry and "record" in entry and \
                all(isinstance(entry[k], types) for k, types in ENTRY.items() if k in entry):
            out[entry["path"]] = entry
    return out


@dataclass
class Item:
    """One input file: where its record is (kept from before, or written this run)."""
    path: Path
    stat: list[int] | None
    sha256: str | None = None       # the manifest's, for a file as it was
    outside: str | None = None      # where it leads, for a link out of the roots: skipped, unread
    unwalked: str | None = None     # why, for a folder that could not be walked: failed, unread
    line: Line | None = None
    entry: dict | None = None


def plan(paths: Iterable[Path], outdir: Path, ver: str, timeout: float | None, password: str | None = None,
         roots: list[Path] | None = None) -> list[Item]:
    """Each input with its record when one is up to date: the file as it was (signature), same version,
    and not a failure that this run's options may undo (a higher time limit, another password). A link
    out of `roots` (None: links are followed) is marked to be skipped, and its record is never kept.
    What lies in OUTDIR is its output, never an input (an OUTDIR inside the input folder, on its first
    run too, before its run.json marks it)."""
    lines = index_lines(outdir / RECORDS)
    trim(outdir / MANIFEST)
    manifest = read_manifest(outdir / MANIFEST)
    by_where = {where_of(path, e): e for path, e in manifest.items() if isinstance(path, str)}
    own = Path(os.path.realpath(outdir))
    items = []
    with _opened(outdir / RECORDS) as records:
        for p in paths:
            if Path(os.path.realpath(p)).is_relative_to(own):
                continue
            item = Item(p, signature(p), outside=outside(p, roots))
            if item.stat is None and item.outside is None:
                item.unwalked = unwalked(p)
            e = entry_of(manifest, by_where, p)
            if e and item.stat is not None and e.get("stat") == item.stat:
                item.sha256 = e.get("sha256")
                if (item.outside is None and not e.get("outside") and e.get("version") == ver
                        and e["record"] in lines and not _retry(e, timeout, password)
                        and _belongs(records, lines[e["record"]], Path(e["path"]), item.sha256)):
                    item.line, item.entry = lines[e["record"]], e
            items.append(item)
    return items


_HEAD = re.compile(rb'\{"schema_version": \d+, "source": \{"path": ("(?:[^"\\]|\\.)*"), "path_bytes": (?:null|"[^"]*"), '
                   rb'"sha256": "([0-9a-f]{64})"')


def _belongs(records, line: Line, path: Path, sha256: str | None) -> bool:
    """Whether a records.jsonl line is a record of this file as the manifest knows it (its path and
    hash), as record_json writes its head: a crafted manifest must not hand one file another's record."""
    records.seek(line.offset)
    m = _HEAD.match(records.read(min(line.length, 1 << 16)))
    return m is not None and json.loads(m[1]) == path_text(path) and m[2].decode() == sha256


def where(path: str | Path) -> str:
    """Where a path is, however it was spelled (relative or absolute, from any working folder, through
    a linked folder): its folder's real path and its name. A link is where the link is, not where it
    leads, so that a link removed from a folder given is known as gone from it."""
    head, name = os.path.split(os.path.abspath(path))
    return os.path.join(os.path.realpath(head), name)


def where_of(path: str, entry: dict) -> str:
    """Where a manifest entry's file is: as the run that wrote it saw it (`where`), else its path from
    this working folder (a manifest of an older jixiao)."""
    known = entry.get("where")
    if isinstance(known, str):
        return known
    try:
        return where(path)
    except ValueError:          # a NUL in a crafted manifest's path: no file has that name
        return path


def entry_of(manifest: dict[str, dict], by_where: dict[str, dict], path: Path) -> dict | None:
    """The manifest entry of the file `path` names: its path's as typed when that was this very file
    (a path typed relative from another folder may name another file), else that of the same file
    under another spelling (relative or absolute, from another working folder, through a linked
    folder), whose record is the work of reading this very file."""
    here = where(path)
    e = manifest.get(str(path))
    if e is not None and where_of(str(path), e) == here:
        return e
    return by_where.get(here, e)


def _retry(entry: dict, timeout: float | None, password: str | None) -> bool:
    limit = entry.get("timeout")
    return (limit is not None and (timeout is None or timeout > limit)) or \
        (entry.get("failed", False) and not same_password(entry.get("password"), password))


SALT = os.urandom(16)       # this run's, for the password's key in the manifest entries it writes


def secret_key(password: str | None, salt: bytes = SALT) -> str | None:
    """What the manifest keeps of a password: enough to tell that it changed, not the password. Salted
    and slow (PBKDF2), the salt beside it: neither a table of hashes nor quick guessing reads it back."""
    return None if password is None else f"{salt.hex()}${_stretched(password, salt)}"


@cache
def _stretched(password: str, salt: bytes) -> str:
    """Once per run and salt, however many failed files: a tenth of a second each."""
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8", "surrogateescape"), salt, 200_000).hex()[:32]


def same_password(kept: str | None, password: str | None) -> bool:
    """Whether a manifest's key (secret_key, with its salt) is that of `password`."""
    if kept is None or password is None:
        return kept is None and password is None
    try:
        salt = bytes.fromhex(kept.partition("$")[0])
    except ValueError:
        return False
    return secret_key(password, salt) == kept


def clean(outdir: Path) -> None:
    """Remove what a run killed while writing leaves half done: the outputs' temporaries (*.partial,
    DuckDB's *.partial.wal, *.tmp) in OUTDIR and report/. Only under OUTDIR's lock: no other run
    writes them then. A half-replaced set of tables never looks complete: run.json, written last,
    still names the records of the outputs before them, so this run writes them all again."""
    from ..outputs.export import PAGES
    for folder in (outdir, outdir / PAGES):
        for pattern in ("*.partial", "*.partial.wal", "*.tmp"):
            for orphan in folder.glob(pattern):
                orphan.unlink(missing_ok=True)


# ---------------------------------------------------------------- the pools

class LocalPool:
    """Worker processes (pebble): a file past the time limit has its worker killed and replaced.
    The stdlib pools cannot stop a task that runs: their timeout only stops waiting for it."""

    def __init__(self, task: Task, jobs: int, timeout: float | None, options: Options, memory: int | None = None,
                 fork: bool = False):
        """`fork`: the workers are forked from this process, warmed here first (init_worker), rather than
        from the forkserver: for a small batch, no second interpreter to start and warm."""
        from pebble import ProcessPool
        if fork:
            init_worker()
        self._pool = ProcessPool(max_workers=jobs, context=forkserver.context(jobs, fork), initializer=watch_memory,
                                 initargs=(memory,))
        self.workers, self.timeout, self.memory, self._task, self._options = jobs, timeout, memory, task, options

    def submit(self, path: Path):
        return self._pool.schedule(self._task, (str(path), self._options), timeout=self.timeout)

    def wait_any(self, futures: list) -> Iterable:
        return wait(futures, return_when=FIRST_COMPLETED).done

    def close(self, cancel: bool = False) -> None:
        self._pool.stop() if cancel else self._pool.close()
        self._pool.join()


class ClusterError(Exception):
    """The Dask scheduler given cannot be reached."""


class DaskPool:
    """The workers of a Dask cluster (dask.distributed), which must see the input paths. The page cap
    applies there too; the per-file time limit does not: a Dask worker cannot stop a running task, so
    the cluster's own settings (worker lifetime, nanny memory limits) govern a stuck one."""

    timeout = memory = None

    def __init__(self, task: Task, address: str, options: Options):
        from distributed import Client
        try:
            self._client = Client(address)
        except (OSError, ValueError) as e:     # refused, timed out, or not an address
            raise ClusterError(f"cannot reach the Dask scheduler at {address} ({e}); check the address and that "
                               "the scheduler runs") from e
        self.workers = max(1, sum(self._client.nthreads().values()))
        self._task, self._options = task, options

    def submit(self, path: Path):
        return self._client.submit(self._task, str(path), self._options, pure=False)

    def wait_any(self, futures: list) -> Iterable:
        from distributed import wait as dask_wait
        return dask_wait(futures, return_when="FIRST_COMPLETED").done

    def close(self, cancel: bool = False) -> None:
        self._client.close()


def outcome(item: Item, future, timeout: float | None, memory: int | None = None) -> Done:
    """A finished future's Done; a file the pool could not finish gets a failed record saying why."""
    from pebble import ProcessExpired
    try:
        return future.result()
    except TimeoutError:
        return failed(item, LoadError(f"stopped after {timeout:g} s, the per-file time limit; raise it with "
                                      "--timeout SECONDS (0: no limit) if the file is only slow", "timeout"),
                      timeout=timeout)
    except ProcessExpired as e:
        if e.exitcode == MEMORY_EXIT and memory is not None:
            return failed(item, LoadError(too_much_memory(f"{memory >> 20} MB of memory, the per-worker limit"),
                                          "out_of_memory"))
        return failed(item, LoadError(f"the worker reading this file died (exit code {e.exitcode}: out of memory, "
                                      "or a crash in a reader's native code); check that the file opens, and "
                                      "report it", "worker_died"))
    except Exception as e:      # Dask's KilledWorker, or a bug
        if type(e).__name__ == "KilledWorker":
            return failed(item, LoadError("the Dask workers reading this file died, one after the other (out of "
                                          "memory, or a crash in a reader's native code); check that the file "
                                          "opens, and report it", "worker_died", detail(e)))
        return failed(item, unexpected(e))


def failed(item: Item, failure: LoadError, *, timeout: float | None = None) -> Done:
    """The record of a file the pool could not finish: its hash is the manifest's, when it has one (the
    file was never read whole here), else that of no bytes."""
    source = source_of(item.path).model_copy(update={"sha256": item.sha256 or hashlib.sha256(b"").hexdigest()})
    record = Record(source=source, status="failed", error=str(failure), error_code=failure.code,
                    error_detail=failure.detail)
    return Done(record_json(record), None, source.sha256, 0, True, timeout)


def skipped(item: Item) -> Done:
    """The record of a link out of the folders given, which is not followed (nor read)."""
    error = (f"a symbolic link to {item.outside}, outside the folders given: jixiao does not follow links out of "
             "them (an archive's link could bring /etc/passwd or a private key into the outputs); copy the report "
             "into the folder, or run again with --follow-links")
    source = source_of(item.path)
    return Done(record_json(Record(source=source, status="skipped", error=error, error_code="link_outside")), None,
                source.sha256, 0, False)


def stream(pool, items: Iterable[Item]) -> Iterator[tuple[Item, Done]]:
    """Each item with its Done, in the order they finish; at most WINDOW per worker in flight."""
    todo = iter(items)
    pending: dict = {}
    while True:
        while len(pending) < WINDOW * pool.workers and (item := next(todo, None)) is not None:
            pending[pool.submit(item.path)] = item
        if not pending:
            return
        for future in pool.wait_any(list(pending)):
            item = pending.pop(future)
            yield item, outcome(item, future, pool.timeout, pool.memory)


def extracted(paths: list[Path], *, jobs: int, timeout: float | None, memory: int | None = None,
              options: Options = Options()) -> Iterator[Record]:
    """Each file's record, in the order given, read by the same isolated workers as a run (a file stuck
    past the time limit is stopped, a crash takes only its worker), with no OUTDIR: `jixiao audit`."""
    items = [Item(p, None) for p in paths]
    if not items:
        return
    position = {id(item): n for n, item in enumerate(items)}
    finished: dict[int, Done] = {}
    following = 0
    pool, cancel = LocalPool(work, jobs, timeout, options, memory), True
    try:
        for item, done in stream(pool, items):
            finished[position[id(item)]] = done
            while following in finished:
                yield Record.model_validate_json(finished.pop(following).line)
                following += 1
        cancel = False
    finally:
        pool.close(cancel)


# ---------------------------------------------------------------- the run

class Busy(Exception):
    """Another run holds OUTDIR."""


@contextmanager
def locked(outdir: Path) -> Iterator[None]:
    """OUTDIR for this run alone, from its first record to run.json (an flock on OUTDIR/run.lock, which
    the system lets go when the run ends, however it ends). Two runs on one OUTDIR would tear each
    other's records.jsonl lines, and each would drop from it the inputs only the other was given: the
    second does not wait for the first, which would only have it undo that run, but stops at once with
    Busy, naming the run that holds OUTDIR."""
    import fcntl
    outdir.mkdir(parents=True, exist_ok=True)
    with open(outdir / LOCK, "a+b") as f:      # created, never emptied before the lock is ours
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().decode("utf-8", "replace").strip() or "pid unknown"
            raise Busy(f"{path_text(outdir)} is being written by another jixiao run ({holder}): wait for it to "
                       "end, or give this run another -o OUTDIR") from None
        f.truncate(0)
        f.write(f"pid {os.getpid()} on {socket.gethostname()}, started {_utc(time.time())}\n".encode())
        f.flush()
        yield

class Progress(Protocol):
    """What a run shows while it goes: each phase as it begins (walk, plan, extract with its count of
    files, write with its count of outputs), and a tick for each file or output done."""
    def phase(self, name: str, total: int | None = None) -> None: ...
    def tick(self, done: Done | None = None) -> None: ...


@dataclass
class Run:
    """What a run did (run.json, and the summary's last lines)."""
    inputs: int = 0
    processed: int = 0
    up_to_date: int = 0
    timed_out: int = 0
    pages: int = 0
    kept: int = 0           # earlier records of files not in this run: kept
    replaced: int = 0       # earlier records of files not in this run: dropped, as asked (replace)
    gone: int = 0           # earlier records of files that were under this run's inputs and are gone: dropped
    elapsed: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)     # wall seconds of each phase, in order
    outputs_current: bool = False   # records.jsonl is as the last complete run left it, with its outputs
    meta: dict = field(default_factory=dict)


def run(paths: list[Path], outdir: Path, *, jobs: int, timeout: float | None = None, options: Options = Options(),
        dask: str | None = None, progress: Progress | None = None, task: Task = work,
        roots: list[Path] | None = None, memory: int | None = None, inputs: list[Path] | None = None,
        replace: bool = False, fork_up_to: int = 0) -> Run:
    """Bring OUTDIR's records.jsonl and manifest.jsonl up to date with `paths`, each file read by
    `task` (a module-level function, so workers can import it), each local worker ended past `memory`
    bytes resident (None: no limit); a link out of `roots` (real paths; None: links are followed) gets
    a skipped record, unread. OUTDIR's records of other files are kept (`replace`: dropped), but those
    of files that were under `inputs` (the real paths given; None: `paths`) and are gone. A file
    recorded under another spelling of its path is not read again. Raises OSError when OUTDIR cannot
    be written. No more local workers start than there are files to read; up to `fork_up_to` of them,
    the workers are forked from this process (LocalPool's `fork`: the command's small batches)."""
    started, t0 = time.time(), time.monotonic()
    if progress:
        progress.phase("plan")
    outdir.mkdir(parents=True, exist_ok=True)
    open(outdir / RECORDS, "ab").close()       # there, even for no inputs; left untouched when it is
    clean(outdir)
    ver = version(options.max_pages)
    items = plan(paths, outdir, ver, timeout, options.password, roots)
    others = earlier(outdir, items, real_roots(paths) if inputs is None else inputs, replace)
    todo = [i for i in items if i.line is None]
    stats = Run(inputs=len(items), up_to_date=len(items) - len(todo), kept=len(others.kept),
                replaced=others.replaced, gone=others.gone)
    rename(outdir, [i for i in items if i.entry is not None and i.entry.get("path") != str(i.path)])
    t1 = time.monotonic()
    stats.phases["plan"] = t1 - t0
    if progress:
        progress.phase("extract", len(todo))
    if todo:
        files = sum(i.outside is None and i.unwalked is None for i in todo)
        fork = dask is None and files <= fork_up_to
        pool = DaskPool(task, dask, options) if dask else \
            LocalPool(task, max(1, min(jobs, files)), timeout, options, memory, fork)
        if not fork:        # a thread alive when a worker is forked from here would be a risk
            threading.Thread(target=_import_writers, name="jixiao-import-writers").start()
        cancel = True
        try:
            with Writer(outdir, append=True) as writer, \
                    open(outdir / MANIFEST, "ab") as manifest:
                links = ((i, skipped(i)) for i in todo if i.outside is not None)
                folders = ((i, failed(i, LoadError(f"a path that could not be walked ({i.unwalked}): nothing under "
                                                   "it was read; make it readable (or its path shorter) and run "
                                                   "again", "unwalkable")))
                           for i in todo if i.unwalked is not None)
                read = [i for i in todo if i.outside is None and i.unwalked is None]
                for item, done in chain(links, folders, stream(pool, read)):
                    item.line = Line(*writer.write_line(done.line, done.sha256, done.text))
                    item.entry = {"path": str(item.path), "where": where(item.path),
                                  "sha256": done.sha256, "stat": item.stat, "version": ver,
                                  "record": line_key((done.line + "\n").encode("utf-8"))}
                    if item.outside is not None:
                        item.entry["outside"] = True
                    if done.failed:
                        item.entry.update(failed=True, password=secret_key(options.password))
                    if done.timeout is not None:
                        item.entry["timeout"] = done.timeout
                    manifest.write(manifest_line(item.entry))
                    manifest.flush()
                    stats.processed += 1
                    stats.pages += done.pages
                    stats.timed_out += done.timeout is not None
                    if progress:
                        progress.tick(done)
            cancel = False
        finally:
            pool.close(cancel)
    t2 = time.monotonic()
    stats.phases["extract"] = t2 - t1
    compact(outdir, sorted([*items, *others.kept], key=lambda i: i.path) if others.kept else items)
    stats.elapsed = time.monotonic() - t0
    stats.phases["write"] = time.monotonic() - t2      # records.jsonl in order: the first of the outputs
    stats.meta = {"started": _utc(started), "jobs": None if dask else jobs, "dask": dask, "version": ver,
                  "timeout_s": timeout, "max_pages": options.max_pages, "password": options.password is not None,
                  "max_memory": memory, "inputs": stats.inputs, "processed": stats.processed,
                  "up_to_date": stats.up_to_date, "timed_out": stats.timed_out, "pages_processed": stats.pages,
                  "kept_earlier": stats.kept, "dropped_earlier": stats.replaced, "dropped_gone": stats.gone}
    stats.outputs_current = _last_run(outdir).get("outputs_of") == outputs_stamp(outdir) and \
        all((outdir / name).exists() for name in OUTPUTS)
    return stats


@dataclass
class Earlier:
    """OUTDIR's records of files that are not in this run."""
    kept: list[Item] = field(default_factory=list)
    replaced: int = 0
    gone: int = 0


def earlier(outdir: Path, items: list[Item], inputs: list[Path], replace: bool) -> Earlier:
    """The records of files not among `items`: those that were under `inputs` are gone (their folder's
    records describe it as it is now); the others, from earlier runs on other inputs, are kept, or
    dropped with `replace`. Nothing a user extracted vanishes unsaid: the counts go to the summary."""
    out = Earlier()
    lines = index_lines(outdir / RECORDS)
    here = {where(i.path) for i in items}       # a path as typed may name another file now
    given = {str(p) for p in inputs}
    for path, e in read_manifest(outdir / MANIFEST).items():
        if not isinstance(path, str) or not isinstance(e.get("record"), str) or e["record"] not in lines:
            continue                # no record to keep
        at = where_of(path, e)
        if at in here:
            continue
        if _under(at, given):
            out.gone += 1
        elif replace:
            out.replaced += 1
        else:
            out.kept.append(Item(Path(path), e.get("stat"), sha256=e.get("sha256"), line=lines[e["record"]], entry=e))
    return out


def _under(at: str, folders: set[str]) -> bool:
    """Whether a path (as `where` gives it) is one of `folders` or lies under one (by its parents:
    `folders` may be thousands of files read from a list)."""
    while at not in folders:
        parent = os.path.dirname(at)
        if parent == at:
            return False
        at = parent
    return True


def rename(outdir: Path, items: list[Item]) -> None:
    """The kept records of files given this run under another spelling of their path: each written
    again under the new one (appended; compact puts it in its place), none read again."""
    if not items:
        return
    with open(outdir / RECORDS, "rb") as old, Writer(outdir, append=True) as writer, \
            open(outdir / MANIFEST, "ab") as manifest:
        for item in items:
            assert item.line is not None and item.entry is not None        # kept: plan found its record
            old.seek(item.line.offset)
            line = relocated(old.read(item.line.length), item.path)
            item.line = Line(*writer.write_line(line, str(item.entry.get("sha256"))))
            item.entry = item.entry | {"path": str(item.path), "where": where(item.path),
                                       "record": line_key((line + "\n").encode("utf-8"))}
            manifest.write(manifest_line(item.entry))


def relocated(line: bytes, path: Path) -> str:
    """A record as a read of its file under `path` would give it: the source's name fields (path,
    path_bytes, the note on a name that is not UTF-8) are the only ones a name decides. Edited as the
    JSON record_json wrote (a dict dumped the same way gives the same bytes), not parsed as a Record:
    a rerun from another folder renames thousands."""
    record = json.loads(line)
    old, new = record["source"], source_of(path)
    raw = base64.b64decode(old["path_bytes"]) if old["path_bytes"] else old["path"].encode("utf-8")
    name_notes = source_of(Path(os.fsdecode(raw))).notes
    old.update(path=new.path, path_bytes=new.path_bytes,
               notes=[*new.notes, *(n for n in old["notes"] if n not in name_notes)])
    return valid_unicode(json.dumps(record, ensure_ascii=False))[0]


def finish(outdir: Path, stats: Run, *, wall: float | None = None, statuses: dict[str, int] | None = None) -> None:
    """run.json, written last, once the outputs are: a rerun that changes nothing need not rewrite them.
    `wall`: the command's seconds from its start (default: the run's); `statuses`: records by status."""
    meta = stats.meta | {"finished": _utc(time.time()), "wall_s": round(stats.elapsed if wall is None else wall, 3),
                         "phases_s": {k: round(v, 3) for k, v in stats.phases.items()},
                         "records": {s: (statuses or {}).get(s, 0) for s in ("ok", "failed", "skipped")},
                         "outputs_of": outputs_stamp(outdir)}
    _replace(outdir / RUN, [json.dumps(meta, ensure_ascii=False, indent=2).encode() + b"\n"])


def outputs_stamp(outdir: Path) -> str:
    st = (outdir / RECORDS).stat()
    return f"{version(None)}:{st.st_size}:{st.st_mtime_ns}"


def _last_run(outdir: Path) -> dict:
    try:
        meta = json.loads((outdir / RUN).read_bytes())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def is_outdir(folder: Path) -> bool:
    """Whether a folder is an OUTDIR jixiao wrote, as its run.json says: a records.jsonl alone may be
    anyone's, in an input folder. run.json is read only as a small regular file, never through a link
    (a pipe or /proc/kmsg would block the walk)."""
    try:
        st = os.lstat(folder / RUN)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size < 1 << 16 and "version" in _last_run(folder)


def _import_writers() -> None:
    """What write_outputs needs (DuckDB, Jinja: a tenth of a second and more to import),
    imported while the workers read the files and this process mostly waits on them."""
    from ..outputs import report, store  # noqa: F401


WRITE_STEPS = ("records.csv, findings.csv, parquet, duckdb", "jixiao.xlsx", "report.html")


def write_outputs(outdir: Path, records: Iterable[Record], *, parallel: bool, headers: str = "zh",
                  workbook: bool = True, step: Callable[[str], object] = lambda name: None) -> None:
    """The CSVs and tables (Parquet, DuckDB, and the xlsx unless not `workbook`) and report.html, from
    `records`, the caller's one reader of the finished records.jsonl (its summary counts them as they
    pass): the CSVs and tables in one pass over them. With `parallel` (--jobs 2 or more), the report
    is written meanwhile by a process of its own (which reads records.jsonl itself): it costs about
    as much as the tables and workbook together, and after them it would halve what --jobs 2 gains.
    --jobs 1 writes it after them, so a run's work stays on one core. Without `workbook` a
    jixiao.xlsx of an earlier run is removed: it would show other records. `step` is told each of
    WRITE_STEPS as it is done. The batch's forkserver is ended first (forkserver.stop): its memory
    would stay beside the writers'. The report's process is forked from this one, which has imported
    the writers already (while the workers read the files), rather than started from the forkserver
    to import them again."""
    from ..outputs.export import XLSX, csv_tables
    from ..outputs.report import write_report
    from ..outputs.store import write_tables
    forkserver.stop()
    tables, sheets, html = WRITE_STEPS
    if not workbook:
        (outdir / XLSX).unlink(missing_ok=True)
        sheets += " skipped"
    with _beside(parallel) as other:
        report = other.submit(write_report, outdir) if other else None
        with csv_tables(outdir, headers) as add:
            write_tables(outdir, records=(add(r) for r in records), workbook=workbook)
        step(tables)
        step(sheets)
        if report is None:
            write_report(outdir)
        else:
            report.result()
        step(html)


@contextmanager
def _beside(parallel: bool) -> Iterator[ProcessPoolExecutor | None]:
    """A process forked from this one to write the report while this one writes the tables (None
    when not `parallel`): the two take about the same CPU, so on two cores they end together."""
    if not parallel:
        yield None
        return
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as other:
        yield other


def compact(outdir: Path, items: list[Item]) -> None:
    """records.jsonl (and the manifest) as this run's inputs in input order, each once. records.jsonl
    is left as it is when it already is so (an uninterrupted run whose files finished in order, a
    rerun with nothing to do); texts.jsonl loses the texts no record holds once they are most of it."""
    records = outdir / RECORDS
    kept = [(i.line, i.entry) for i in items if i.line is not None and i.entry is not None]
    assert len(kept) == len(items)          # by now every input has its record line and manifest entry
    position, in_order = 0, True
    for line, _ in kept:
        in_order = in_order and line.offset == position
        position += line.length
    if not (in_order and position == (records.stat().st_size if records.exists() else 0)):
        with open(records, "rb") as f:
            def lines() -> Iterator[bytes]:
                for line, _ in kept:
                    f.seek(line.offset)
                    yield f.read(line.length)
            _replace(records, lines())
    _replace(outdir / MANIFEST, (manifest_line(entry) for _, entry in kept))
    prune(outdir, {entry.get("sha256") or "" for _, entry in kept})


def manifest_line(entry: dict) -> bytes:
    """One manifest line. A path that is not UTF-8 is written with JSON's \\u escapes, which read back
    as the very path (its surrogate escapes), so its file is found up to date on the next run."""
    try:
        return (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(entry) + "\n").encode("ascii")


def _replace(path: Path, chunks: Iterable[bytes]) -> None:
    """Write a file whole or not at all: a temporary beside it, synced, renamed over it."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)     # a full disk leaves the file as it was, and nothing beside it
        raise


def _utc(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

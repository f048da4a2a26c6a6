"""The `jixiao` command: a thin layer over the library API.

Each command imports what it needs when it runs, and no more: `jixiao extract` imports the writers
(DuckDB, Jinja; never pyarrow) when it writes, the readers import OCR at the first scan (a ruled
page's cells come from readers.ruled, without pdfplumber), and a small batch's workers are forked from this process
(pipeline.batch.forkserver), a batch's from the forkserver.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .limits import MAX_MEMORY, MAX_PAGES, TIMEOUT

if TYPE_CHECKING:
    from rich.console import Console

    from .batch import runner
    from .models import Record


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()     # the wall time a run reports is from here
    _no_pydantic_plugins()
    parser = _parser()
    args = parser.parse_args(argv)
    args.started = started
    if args.command is None:
        parser.print_help()
        return 1
    from .rules import RulesError, rules
    try:
        rules()           # every rule is checked before any file is read
    except RulesError as e:
        print(f"jixiao: {e}", file=sys.stderr)
        return 1
    return args.run(args)


def _no_pydantic_plugins() -> None:
    """pydantic looks for plugins (observers of every validation) among the entry points of every
    installed package when it builds its first model, 5 ms of each run's CPU; the command's models
    have no use for them. Set PYDANTIC_DISABLE_PLUGINS yourself ("" for all of them) to have them."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="jixiao", description="Read Chinese budget-performance self-evaluation "
                "reports (绩效自评报告/自评表) into evidence-linked records and audit their figures.")
    p.add_argument("--version", action=_Version, nargs=0, help="show program's version number and exit")
    sub = p.add_subparsers(dest="command")
    e = sub.add_parser("extract", help="extract records from files and folders into OUTDIR",
                       description="Extract one record per input file (folders are walked recursively) and "
                       "write records.jsonl, records.csv and findings.csv to OUTDIR.")
    e.add_argument("inputs", nargs="*", metavar="PATH", help="report files or folders; - reads a list of them "
                   "from standard input, one a line (./- names a file called -)")
    e.add_argument("--files-from", metavar="FILE", default=None,
                   help="read a list of files and folders from FILE, one a line (- : standard input)")
    e.add_argument("-0", "--null", action="store_true",
                   help="the lists of - and --files-from are separated by NUL bytes (find -print0), not lines")
    e.add_argument("-o", "--outdir", required=True, type=Path, help="where to write the outputs (a folder)")
    e.add_argument("-j", "--jobs", type=_positive(int), default=os.cpu_count() or 1, metavar="N",
                   help="worker processes (default: the cores, %(default)s here); with 2 or more, the tables and the "
                   "report are written at the end side by side")
    e.add_argument("--timeout", type=_positive(float, zero=True), default=TIMEOUT, metavar="SECONDS",
                   help="per-file time limit: a file still being read after it gets a failed record and its "
                   "worker is replaced (default %(default)g; 0: none)")
    e.add_argument("--max-pages", type=_positive(int, zero=True), default=MAX_PAGES, metavar="N",
                   help="a document of more pages gets a failed record, unread (default %(default)s; 0: no cap)")
    e.add_argument("--max-memory", type=_positive(int, zero=True), default=MAX_MEMORY, metavar="MB",
                   help="memory a worker may hold while it reads a file: past it the file gets a failed record and "
                   "its worker is replaced (default %(default)s; 0: no limit)")
    e.add_argument("--password", default=None, help="opens password-protected PDFs (one password for the "
                   "batch; only a hash of it is kept, in manifest.jsonl, so that a changed one retries them)")
    e.add_argument("--follow-links", action="store_true",
                   help="follow symbolic links that lead out of the folders given (by default such a link gets a "
                   "skipped record: an archive's link could bring /etc/passwd or a key into the outputs)")
    e.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="run on the workers of a Dask cluster (e.g. tcp://scheduler:8786) instead of local "
                   "processes; they must see the input paths")
    e.add_argument("--csv-headers", choices=("zh", "code"), default="zh",
                   help="headers of records.csv and findings.csv: zh, the Chinese names (default), or code, the "
                   "column names of the Parquet files and DuckDB, for programs")
    e.add_argument("--no-xlsx", action="store_true",
                   help="do not write jixiao.xlsx (it costs more than reading a short text report: for very large "
                   "runs; the CSVs, Parquet and DuckDB hold the same rows)")
    e.add_argument("--replace", action="store_true",
                   help="drop OUTDIR's records of files not in this run (by default they are kept, and the summary "
                   "says how many)")
    e.add_argument("--fail-on", choices=("failed",), default=None,
                   help="exit 1 when a file got a failed record (for scripts and CI; the records are written all the same)")
    e.add_argument("--progress-every", type=_positive(float), default=5.0, metavar="SECONDS",
                   help="when standard error is not a terminal (a log), a progress line every SECONDS "
                   "(default %(default)g), in every phase")
    e.add_argument("-q", "--quiet", action="store_true", help="no progress and no summary")
    e.set_defaults(run=_extract)
    a = sub.add_parser("audit", help="print the findings of reports, or of a finished run's records.jsonl",
                       description="Print every document's findings as a table with their evidence (folders are "
                       "walked recursively; a *.jsonl file is read as the records `jixiao extract` wrote, not "
                       "extracted again), then one summary line. Exit 0, or 2 when --fail-on finds something.")
    a.add_argument("inputs", nargs="+", metavar="PATH", help="report files, folders, or records.jsonl files")
    a.add_argument("--fail-on", choices=("error", "warning"), default=None,
                   help="exit 2 when a finding of this severity (warning: or an error) exists")
    a.add_argument("-q", "--quiet", action="store_true", help="print only the summary line")
    a.add_argument("-j", "--jobs", type=_positive(int), default=os.cpu_count() or 1, metavar="N",
                   help="worker processes reading the reports (default: the cores, %(default)s here)")
    a.add_argument("--timeout", type=_positive(float, zero=True), default=TIMEOUT, metavar="SECONDS",
                   help="per-file time limit, as for extract (default %(default)g; 0: none)")
    a.set_defaults(run=_audit)
    t = sub.add_parser("text", help="print the text every evidence offset points into",
                       description="Print the normalized text of FILE exactly as evidence offsets index it.")
    t.add_argument("file", type=Path)
    t.add_argument("--password", default=None, help="opens a password-protected PDF")
    t.set_defaults(run=_text)
    s = sub.add_parser("schema", help="print the JSON Schema of a record",
                       description="Print the JSON Schema of one record of records.jsonl.")
    s.set_defaults(run=_schema)
    d = sub.add_parser("dataset", help="the organisation × fiscal-year panel of finished runs",
                       description="Read the records.jsonl of each OUTDIR `jixiao extract` wrote and write the "
                       "organisation × fiscal-year panel to PANELDIR: panel.parquet, panel.csv, panel.xlsx, with "
                       "year-over-year changes, and the cross-year findings (prior_year_mismatch, duplicate_report) "
                       "in panel_findings.csv, panel_findings.parquet and a sheet of panel.xlsx.")
    d.add_argument("inputs", nargs="+", metavar="OUTDIR", help="folders jixiao extract wrote, or their records.jsonl")
    d.add_argument("-o", "--outdir", required=True, type=Path, metavar="PANELDIR", help="where to write the panel")
    d.add_argument("--aliases", type=Path, default=None, metavar="CSV",
                   help="organisation aliases of your own (two columns: alias, canonical name), added to "
                   "rules/panel.yaml's")
    d.add_argument("-q", "--quiet", action="store_true", help="no summary at the end")
    d.set_defaults(run=_dataset)
    y = sub.add_parser("synth", help="write synthetic reports with their gold records",
                       description="Write COUNT synthetic reports (department, project, policy and a negative, "
                       "in turn) to OUTDIR, each as <id>.txt with its gold <id>.json and in the formats asked for. "
                       "The same seed gives the same files.")
    y.add_argument("-o", "--outdir", required=True, type=Path, help="where to write the reports")
    y.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    y.add_argument("-n", "--count", type=int, default=6, help="how many reports (default 6)")
    y.add_argument("--formats", default="txt,pdf,scan,docx,html,xlsx",
                   help="comma-separated, from txt,pdf,scan,docx,html,xlsx (default all; .txt and .json always)")
    y.add_argument("--scan-max", type=int, default=None, metavar="K",
                   help="scanned PDFs for the first K reports only (they are the large files)")
    y.add_argument("--series", type=int, default=None, metavar="YEARS",
                   help="instead, COUNT organisations (department, project, policy in turn) over YEARS consecutive "
                   "years each, every year restating the last (ids syn-series-001-2021 …)")
    y.set_defaults(run=_synth)
    return p


def _positive(kind: type, *, zero: bool = False) -> Callable[[str], float | int]:
    def parse(s: str):
        try:
            v = kind(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {s!r}") from None
        if v < 0 or (v == 0 and not zero):
            raise argparse.ArgumentTypeError(f"must be {'0 or more' if zero else 'at least 1'}: {s}")
        return v
    return parse


class _Version(argparse.Action):
    """--version: the version looked up only when asked (importlib.metadata costs every start 20 ms)."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"jixiao {_version()}")
        parser.exit()


def _version() -> str:
    """The installed package's version, else (a source checkout run in place) pyproject.toml's."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("jixiao")
    except PackageNotFoundError:
        import tomllib
        try:
            with open(Path(__file__).resolve().parent.parent / "pyproject.toml", "rb") as f:
                return tomllib.load(f)["project"]["version"]
        except (OSError, KeyError, ValueError):
            return "unknown"


class _Parser(argparse.ArgumentParser):
    """Bad usage exits 1 (CONTRACT.md), not argparse's 2: `audit` keeps 2 for "findings found".
    No option is guessed from a prefix (`--job 2` is an error, not `--jobs 2`): every parser, the
    subcommands' too (they are of this class), has allow_abbrev off."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{"allow_abbrev": False, **kwargs})

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def iter_files(inputs: list[str], follow_links: bool = False, outdir_records: bool = False) -> list[Path]:
    """Every file under the inputs, sorted, each once; nothing silently dropped (but a jixiao OUTDIR,
    known by its run.json: its records, texts, tables and report are its own output, never an input;
    with `outdir_records`, as `jixiao audit` reads records, its records.jsonl is listed).
    A folder that cannot be walked is listed itself, for its failed record.
    A symlinked folder is followed, each real folder walked once (a link back up is no loop); one that
    leads out of the inputs only with `follow_links`, else it is listed itself, unwalked (a link to /
    would walk the whole machine), for its skipped record."""
    from .batch.runner import RECORDS, is_outdir, outside, real_roots
    roots = None if follow_links else real_roots(inputs)
    out: set[Path] = set()
    walked: set[str] = set()
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            for root, dirs, files in os.walk(p, followlinks=True, onerror=lambda e: out.add(Path(e.filename))):
                real = os.path.realpath(root)
                if real in walked:
                    dirs[:] = []
                    continue
                walked.add(real)
                if is_outdir(Path(root)):       # jixiao's OUTDIR: its own outputs are no inputs
                    dirs[:] = []
                    if outdir_records and RECORDS in files:
                        out.add(Path(root) / RECORDS)
                    continue
                leaving = {d for d in dirs if outside(Path(root) / d, roots) is not None}
                out.update(Path(root) / d for d in leaving)
                dirs[:] = [d for d in dirs if d not in leaving]
                out.update(Path(root) / f for f in files)
        else:
            out.add(p)
    return one_each(out)


def one_each(paths: Iterable[Path]) -> list[Path]:
    """Each file once, however it was spelled (in/a.txt, ./in//a.txt, /abs/in/a.txt, in/b/../a.txt, a folder
    and a file in it, a folder given twice): known by its folder's real path and its name, the first
    spelling in sorted order kept. A link is a file of its own (its own record says where it leads)."""
    first: dict[tuple[str, str], Path] = {}
    for p in sorted(paths):
        first.setdefault((os.path.realpath(p.parent), p.name), p)
    return sorted(first.values())


def _extract(args) -> int:
    _forkserver_early(args)
    from .batch import runner
    try:
        inputs = _inputs(args)
    except OSError as e:
        print(f"jixiao: cannot read the list of paths {args.files_from}: {e.strerror or e}; nothing was written",
              file=sys.stderr)
        return 2
    if not args.inputs and args.files_from is None:
        print("jixiao extract: give the files and folders to read (PATH..., - for a list on standard input, or "
              "--files-from FILE)", file=sys.stderr)
        return 1
    missing = [p for p in inputs if not os.path.lexists(p)]
    if missing:             # a run without them would drop their records from OUTDIR
        more = f" and {len(missing) - SHOWN} more" if len(missing) > SHOWN else ""
        print(f"jixiao: no such file or folder: {', '.join(missing[:SHOWN])}{more}; nothing was written",
              file=sys.stderr)
        return 2
    if args.outdir.exists() and not args.outdir.is_dir():
        print(f"jixiao: -o {args.outdir} is a file, not a folder: give the folder the outputs go to (it is made "
              "when missing); nothing was written", file=sys.stderr)
        return 2
    console = None if args.quiet else _stderr_console()      # rich is not imported for -q
    progress = None if console is None else _Bar(console) if console.is_terminal else _Lines(args.progress_every)
    tally = _Tally()
    try:
        with runner.locked(args.outdir):
            try:
                done = _run(args, inputs, console, progress, tally)
            finally:
                if progress:
                    progress.stop()
    except OSError as e:
        print(f"jixiao: cannot write to {args.outdir}: {e.strerror or e}", file=sys.stderr)
        return 1
    except (runner.ClusterError, runner.Busy) as e:
        print(f"jixiao: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"jixiao: interrupted; the records finished so far are kept in {args.outdir}: run the same "
              "command again to finish", file=sys.stderr)
        return 130
    if not args.quiet:
        _summary(tally, args.outdir, done)
    return 1 if args.fail_on == "failed" and tally.counts["status:failed"] else 0


SHOWN = 5                   # names a message or the summary shows before it says how many more


def _forkserver_early(args) -> None:
    """A first run over more files than a small batch has will fork its workers from the forkserver:
    started now, it loads the stages on a second core while this process imports the rest and walks
    and plans, and the workers read sooner. Not for a rerun (its files may be up to date, and no
    worker needed), a list on standard input or in a file (not read twice), or Dask."""
    from .batch import forkserver
    if args.dask or args.files_from is not None or "-" in args.inputs or (args.outdir / "records.jsonl").exists():
        return
    if _more_files_than(args.inputs, forkserver.SMALL):
        forkserver.start(args.jobs)


def _more_files_than(inputs: list[str], n: int) -> bool:
    """Whether the inputs hold more than n files, walked only until they do."""
    count = 0
    for p in inputs:
        walked = os.walk(p) if os.path.isdir(p) else [("", [], [p])]
        for _, _, files in walked:
            count += len(files)
            if count > n:
                return True
    return False


def _stderr_console() -> Console:
    from rich.console import Console
    return Console(stderr=True)


def _run(args, inputs: list[str], console: Console | None, progress: _Phases | None, tally: _Tally) -> runner.Run:
    """The run under OUTDIR's lock, phase by phase, each timed on the wall clock: start (the rules
    checked), walk, plan and extract (runner.run), write the outputs; run.json last. The tables and the
    report are written side by side (--jobs 2 or more) only past a small batch: a second process costs
    more than a few records' report."""
    from .batch import runner
    from .batch.forkserver import SMALL
    from .outputs.export import XLSX, csv_headers_of, write_csvs
    from .outputs.findings_view import read_jsonl
    if progress:
        progress.phase("walk")
    t = time.monotonic()
    start = t - args.started
    paths = iter_files(inputs, args.follow_links)
    walk = time.monotonic() - t
    for folder in _empty(inputs, paths):
        (console or _stderr_console()).print(f"jixiao: warning: {folder} holds no files: nothing was read from it",
                                             markup=False, highlight=False)
    done = runner.run(paths, args.outdir, jobs=args.jobs, timeout=args.timeout or None,
                      options=runner.Options(args.max_pages or None, args.password), dask=args.dask,
                      progress=progress, roots=None if args.follow_links else runner.real_roots(inputs),
                      memory=(args.max_memory << 20) or None, inputs=runner.real_roots(inputs),
                      replace=args.replace, fork_up_to=SMALL)
    t = time.monotonic()
    records = (tally.add(r) for r in read_jsonl(args.outdir / runner.RECORDS))
    if done.outputs_current and (args.no_xlsx or (args.outdir / XLSX).exists()):
        if csv_headers_of(args.outdir) != args.csv_headers:     # only the CSVs' headers change
            write_csvs(args.outdir, records, headers=args.csv_headers)
        for _ in records:
            pass
    else:
        if progress:
            progress.phase("write", len(runner.WRITE_STEPS))
        runner.write_outputs(args.outdir, records, parallel=args.jobs > 1 and done.inputs + done.kept > SMALL,
                             headers=args.csv_headers, workbook=not args.no_xlsx,
                             step=progress.step if progress else lambda name: None)
    done.meta["xlsx"] = (args.outdir / XLSX).exists()      # False: left out (--no-xlsx)
    done.phases = {"start": start, "walk": walk, **done.phases}
    done.phases["write"] += time.monotonic() - t
    runner.finish(args.outdir, done, wall=time.monotonic() - args.started, statuses=tally.statuses())
    return done


def _inputs(args) -> list[str]:
    """The paths given: on the command line, where `-` stands for the list on standard input, and in
    the list of --files-from."""
    out: list[str] = []
    for p in args.inputs:
        out.extend(_listed(sys.stdin.buffer, args.null) if p == "-" else [p])
    if args.files_from == "-":
        out.extend(_listed(sys.stdin.buffer, args.null))
    elif args.files_from is not None:
        with open(args.files_from, "rb") as f:
            out.extend(_listed(f, args.null))
    return out


def _listed(f, null: bool) -> list[str]:
    """A list of paths, one a line (a CR before the newline is no part of the name) or NUL-separated;
    bytes as the file system's names (a name that is not UTF-8 is kept exactly); empty lines skipped."""
    names = f.read().split(b"\0") if null else (n.removesuffix(b"\r") for n in f.read().split(b"\n"))
    return [os.fsdecode(n) for n in names if n.strip()]


def _empty(inputs: list[str], paths: list[Path]) -> list[str]:
    """The folders given under which the walk found no file (a typo of a folder, a mount not there)."""
    found = {str(parent) for p in paths for parent in p.parents}
    return [p for p in dict.fromkeys(inputs) if os.path.isdir(p) and str(Path(p)) not in found]


PHASES = {"start": "start", "walk": "walk", "plan": "plan", "extract": "extract", "write": "write outputs"}


class _Phases:
    """Where a run is, for the displays: its phase, how far through it, since when."""

    def __init__(self):
        self.t0 = self.since = time.monotonic()
        self.name, self.total, self.done, self.pages, self.last = "", None, 0, 0, ""

    def phase(self, name: str, total: int | None = None) -> None:
        self.name, self.total, self.done, self.pages, self.last = name, total, 0, 0, ""
        self.since = time.monotonic()

    def tick(self, done: runner.Done | None = None) -> None:
        """A file read."""
        self.done += 1
        self.pages += done.pages if done is not None else 0

    def step(self, name: str) -> None:
        """An output written."""
        self.done += 1
        self.last = name

    def rates(self) -> str:
        s = max(time.monotonic() - self.since, 1e-9)
        if self.name == "extract":
            left = f", about {(self.total - self.done) * s / self.done:.0f} s left" if self.done and self.total else ""
            return f"{self.done / s:.1f} files/s, {self.pages / s:.1f} pages/s{left}"
        return f"done: {self.last}" if self.last else ""

    def stop(self) -> None:
        pass


class _Bar(_Phases):
    """On a terminal: a bar per phase (walk and plan pulse; extract counts files with files/s, pages/s
    and the time left; write counts the outputs)."""

    def __init__(self, console: Console):
        from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
        super().__init__()
        self._bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[count]}"),
                             TextColumn("{task.fields[rates]}"), TimeElapsedColumn(), console=console,
                             transient=True)
        self._task: TaskID | None = None

    def phase(self, name: str, total: int | None = None) -> None:
        if self._task is None:
            self._bar.start()
        else:
            self._bar.update(self._task, total=1, completed=1)
        super().phase(name, total)
        self._task = self._bar.add_task(PHASES[name], total=total, count=self._count(), rates="")

    def tick(self, done: runner.Done | None = None) -> None:
        super().tick(done)
        if self._task is not None:
            self._bar.update(self._task, advance=1, count=self._count(), rates=self.rates())

    def step(self, name: str) -> None:
        super().step(name)
        if self._task is not None:
            self._bar.update(self._task, advance=1, count=self._count(), rates=self.rates())

    def _count(self) -> str:
        return f"{self.done}/{self.total}" if self.total is not None else ""

    def stop(self) -> None:
        self._bar.stop()


class _Lines(_Phases):
    """On a log (standard error not a terminal): a plain line as each phase starts and every `every`
    seconds, from a thread, so that a log shows life in every phase, the long silent ones too (a file
    that takes minutes, the tables of 6,000 records)."""

    def __init__(self, every: float):
        import threading
        super().__init__()
        self._every, self._stopped = every, threading.Event()
        self._thread = threading.Thread(target=self._loop, name="jixiao-progress", daemon=True)

    def phase(self, name: str, total: int | None = None) -> None:
        super().phase(name, total)
        self._print()
        if not self._thread.is_alive() and not self._stopped.is_set():
            self._thread.start()

    def _loop(self) -> None:
        while not self._stopped.wait(self._every):
            self._print()

    def _print(self) -> None:
        now = time.monotonic()
        count = f" {self.done}/{self.total}" if self.total is not None else ""
        rates = f", {self.rates()}" if self.rates() else ""
        print(f"jixiao: {PHASES[self.name]}{count}{rates}; {now - self.since:.1f} s in this phase, "
              f"{now - self.t0:.1f} s in all", file=sys.stderr, flush=True)

    def stop(self) -> None:
        """The last phase as it ended: a log's last progress line is never one of before the end."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()
        if self.name:
            self._print()


class _Tally:
    """What the summary and run.json say of the finished records: counts by status, field and finding,
    and by name the first few failed files and documents with error findings."""

    def __init__(self):
        self.counts: Counter = Counter()
        self.failed: list[tuple[str, str]] = []
        self.errors: list[str] = []

    def add(self, r: Record) -> Record:
        from .outputs.export import BUDGET, SCALARS
        c = self.counts
        c["documents"] += 1
        c[f"status:{r.status}"] += 1
        for k in SCALARS:
            c[f"field:{k}"] += getattr(r, k) is not None
        for k in BUDGET:
            c[f"field:budget.{k}"] += getattr(r.budget, k) is not None
        c["field:quantities"] += len(r.quantities)
        c["field:projects"] += len(r.projects)
        for f in r.findings:
            c[f"finding:{f.rule}:{f.severity}"] += 1
        if r.status == "failed" and len(self.failed) < SHOWN:
            self.failed.append((r.source.path, r.error or ""))
        if any(f.severity == "error" for f in r.findings):
            c["with errors"] += 1
            if len(self.errors) < SHOWN:
                self.errors.append(r.source.path)
        return r

    def statuses(self) -> dict[str, int]:
        return {k.split(":", 1)[1]: v for k, v in self.counts.items() if k.startswith("status:")}


def _summary(tally: _Tally, outdir: Path, run: runner.Run) -> None:
    """One screen: documents by status, what took the time, what happened to earlier records, fields
    and findings, then the failed files and the documents with errors by name, and where to look next."""
    from rich.console import Console
    from rich.table import Table

    from .outputs.export import DUCKDB, XLSX
    console = Console(stderr=True)
    def say(text: str) -> None:         # paths are no markup, and a log line is not cut at 80 columns
        console.print(text, markup=False, highlight=False, soft_wrap=True)
    stats = tally.counts
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(tally.statuses().items()))
    console.print(f"[bold]{stats['documents']} documents[/bold] ({statuses or 'none'}) -> ", end="")
    say(str(outdir))
    meta = json.loads((outdir / "run.json").read_text(encoding="utf-8"))
    extract = max(run.phases.get("extract", 0), 1e-9)
    timed_out = f", {run.timed_out} stopped by the time limit" if run.timed_out else ""
    phases = ", ".join(f"{PHASES[k]} {v:.1f} s" + (f" ({run.processed / extract:.1f} files/s, "
                       f"{run.pages / extract:.1f} pages/s)" if k == "extract" and run.processed else "")
                       for k, v in run.phases.items())
    say(f"{run.processed} processed, {run.up_to_date} up to date{timed_out}; {meta['wall_s']:.1f} s wall "
        f"time: {phases}")
    if run.kept:
        say(f"kept {run.kept} earlier records of files not in this run (--replace drops them)")
    if run.replaced:
        say(f"dropped {run.replaced} earlier records of files not in this run (--replace)")
    if run.gone:
        say(f"dropped {run.gone} records of files no longer under the folders given")
    fields = Table("field", "found", title="fields found")
    for k, v in stats.items():
        if k.startswith("field:"):
            fields.add_row(k[6:], str(v))
    console.print(fields)
    findings = Table("rule", "severity", "count", title="findings")
    for k, v in sorted(stats.items()):
        if k.startswith("finding:"):
            _, rule, severity = k.split(":")
            findings.add_row(rule, severity, str(v))
    console.print(findings if findings.row_count else "no findings")
    if tally.failed:
        n = stats["status:failed"]
        say(f"failed ({n}):")
        for path, error in tally.failed:
            say(f"  {path}: {error if len(error) <= 160 else error[:159] + '…'}")
        if n > len(tally.failed):
            say(f"  … and {n - len(tally.failed)} more: records.csv and jixiao.xlsx list every file with its "
                "status and error")
    if tally.errors:
        n = stats["with errors"]
        more = f" and {n - len(tally.errors)} more" if n > len(tally.errors) else ""
        say(f"error findings in {n} documents: {', '.join(tally.errors)}{more} (findings.csv)")
    if (outdir / XLSX).exists():
        say(f"next: open {outdir / 'report.html'} (the audit report) or {outdir / XLSX} (every table)")
    else:
        say(f"{XLSX} not written (--no-xlsx): every table is in the Parquet files and {DUCKDB}, records and "
            "findings in records.csv and findings.csv")
        say(f"next: open {outdir / 'report.html'} (the audit report) or {outdir / 'records.csv'} (every document)")


def _audit(args) -> int:
    from rich.console import Console

    from .batch import runner
    from .outputs.findings_view import BadJsonl, read_jsonl, render_findings
    paths = iter_files(args.inputs, follow_links=True, outdir_records=True)
    try:
        for p in paths:         # every records file is checked before anything is extracted or printed
            if p.suffix.lower() == ".jsonl":
                for _ in read_jsonl(p):
                    pass
        reports = runner.extracted([p for p in paths if p.suffix.lower() != ".jsonl"], jobs=args.jobs,
                                   timeout=args.timeout or None, memory=MAX_MEMORY << 20)   # as extract reads
        records = (r for p in paths for r in (read_jsonl(p) if p.suffix.lower() == ".jsonl" else (next(reports),)))
        console = Console() if sys.stdout.isatty() else Console(width=160)
        counts = render_findings(records, console, tables=not args.quiet)
    except BadJsonl as e:
        print(f"jixiao: {e}", file=sys.stderr)
        return 1
    return 2 if counts.fails(args.fail_on) else 0


def _text(args) -> int:
    from . import text_of
    from .readers.load import LoadError
    try:
        doc = text_of(args.file, password=args.password)
    except LoadError as e:
        print(f"jixiao: {args.file}: {e}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(doc.text.encode("utf-8"))
    return 0


def _schema(_args) -> int:
    from .models import Record
    print(json.dumps(Record.model_json_schema(), ensure_ascii=False, indent=2))
    return 0


def _dataset(args) -> int:
    from rich.console import Console

    from .outputs import panel
    missing = [str(panel.jsonl_of(Path(d))) for d in args.inputs if not panel.jsonl_of(Path(d)).is_file()]
    if missing:
        print(f"jixiao: no records to read: {', '.join(missing)} (run jixiao extract first)", file=sys.stderr)
        return 1
    try:
        aliases = panel.read_aliases(args.aliases) if args.aliases else None
        built = panel.build(panel.records_of(Path(d) for d in args.inputs), aliases)
    except (OSError, ValueError) as e:         # BadJsonl is a ValueError that names the file and line
        print(f"jixiao: {e}", file=sys.stderr)
        return 1
    try:
        panel.write(built, args.outdir)
    except OSError as e:
        print(f"jixiao: cannot write to {args.outdir}: {e.strerror}", file=sys.stderr)
        return 1
    if not args.quiet:
        c = built.counts
        years = sorted({r["fiscal_year"] for r in built.rows})
        span = f", {years[0]}–{years[-1]}" if years else ""
        found = ", ".join(f"{k.split(':', 1)[1]} {v}" for k, v in sorted(c.items()) if k.startswith("finding:"))
        console = Console(stderr=True)
        console.print(f"[bold]{c['records']} records[/bold]: {c['placed']} self-evaluations in {c['rows']} rows "
                      f"({c['organisations']} organisations{span}); {len(built.unplaced)} without an organisation "
                      f"or year (panel_unplaced.csv); {c['not a self-evaluation']} failed, skipped or "
                      "not a self-evaluation")
        console.print(f"cross-year findings: {found or 'none'} -> {args.outdir}")
    return 0


def _synth(args) -> int:
    checkout = Path(__file__).resolve().parents[1]      # the generator sits beside the package, not in it
    if not (checkout / "synth" / "__init__.py").is_file():
        print("jixiao: synth is a development tool, not in the installed package: run it from a source "
              "checkout of jixiao (pip install -e '.[synth]' there)", file=sys.stderr)
        return 1
    if str(checkout) not in sys.path:
        sys.path.append(str(checkout))
    try:
        import synth
    except ImportError as e:
        print(f"jixiao: synth needs its extra ({e.name} is missing): pip install -e '.[synth]'", file=sys.stderr)
        return 1
    try:
        formats = synth.parse_formats(args.formats)
        if args.count < 1:
            raise ValueError("-n must be at least 1")
        def progress(m):
            print(f"{m.id} ({m.kind}): {len(m.files)} files", file=sys.stderr)
        if args.series is not None:
            if args.series < 1:
                raise ValueError("--series must be at least 1")
            made = synth.generate_series(args.outdir, args.seed, args.count, args.series, formats,
                                         scan_max=args.scan_max, progress=progress)
        else:
            made = synth.generate(args.outdir, args.seed, args.count, formats, scan_max=args.scan_max,
                                  progress=progress)
    except (ValueError, synth.FontMissing) as e:
        print(f"jixiao: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"jixiao: cannot write to {args.outdir}: {e.strerror}", file=sys.stderr)
        return 1
    print(f"{len(made)} reports -> {args.outdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

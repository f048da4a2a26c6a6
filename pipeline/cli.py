"""The `jixiao` command: a thin layer over the library API.

Each command imports what it needs when it runs: `jixiao extract` first starts the forkserver its
workers come from (pipeline.batch.forkserver), which loads the stages, the rules and jieba (about a second)
while this process imports the rest.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .limits import MAX_MEMORY, MAX_PAGES, TIMEOUT

if TYPE_CHECKING:
    from rich.console import Console

    from .batch import runner
    from .models import Record


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 1
    if args.command == "extract" and args.dask is None:
        from .batch import forkserver
        forkserver.start(args.jobs)
    from .rules import RulesError, rules
    try:
        rules()           # every rule is checked before any file is read
    except RulesError as e:
        print(f"jixiao: {e}", file=sys.stderr)
        return 1
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="jixiao", description="Read Chinese budget-performance self-evaluation "
                "reports (绩效自评报告/自评表) into evidence-linked records and audit their figures.")
    sub = p.add_subparsers(dest="command")
    e = sub.add_parser("extract", help="extract records from files and folders into OUTDIR",
                       description="Extract one record per input file (folders are walked recursively) and "
                       "write records.jsonl, records.csv and findings.csv to OUTDIR.")
    e.add_argument("inputs", nargs="+", metavar="PATH", help="report files or folders")
    e.add_argument("-o", "--outdir", required=True, type=Path, help="where to write the outputs")
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
    e.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
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


class _Parser(argparse.ArgumentParser):
    """Bad usage exits 1 (CONTRACT.md), not argparse's 2: `audit` keeps 2 for "findings found"."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def _outdir_own() -> tuple[set[str], set[str]]:
    """The folders and files a jixiao OUTDIR holds beside its records.jsonl."""
    from .batch import runner
    from .outputs.export import DUCKDB, PAGES, TABLES, TEXTS, XLSX
    files = {"records.csv", "findings.csv", "report.html", XLSX, DUCKDB, DUCKDB + ".wal", *runner.OWN_FILES,
             *(f"{t.name}.parquet" for t in TABLES)}
    return {TEXTS, PAGES}, files


def iter_files(inputs: list[str], follow_links: bool = False) -> list[Path]:
    """Every file under the inputs, sorted, each once; nothing silently dropped (but what a jixiao
    OUTDIR, known by its run.json, holds beside its records.jsonl: its texts, tables and report are its
    own output). A folder that cannot be walked is listed itself, for its failed record.
    A symlinked folder is followed, each real folder walked once (a link back up is no loop); one that
    leads out of the inputs only with `follow_links`, else it is listed itself, unwalked (a link to /
    would walk the whole machine), for its skipped record."""
    from .batch.runner import is_outdir, outside, real_roots
    outdir_folders, outdir_files = _outdir_own()
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
                leaving = {d for d in dirs if outside(Path(root) / d, roots) is not None}
                out.update(Path(root) / d for d in leaving)
                dirs[:] = [d for d in dirs if d not in leaving]
                if is_outdir(Path(root)):       # jixiao's OUTDIR: only records.jsonl is read
                    dirs[:] = [d for d in dirs if d not in outdir_folders]
                    files = [f for f in files if f not in outdir_files]
                out.update(Path(root) / f for f in files)
        else:
            out.add(p)
    return sorted(out)


def _extract(args) -> int:
    from rich.console import Console

    from .batch import runner
    from .outputs.export import csv_headers_of, write_csvs
    from .outputs.findings_view import read_jsonl
    missing = [p for p in args.inputs if not os.path.lexists(p)]
    if missing:             # a run without them would drop their records from OUTDIR
        print(f"jixiao: no such file or folder: {', '.join(missing)}; nothing was written", file=sys.stderr)
        return 2
    stats: Counter = Counter()
    console = Console(stderr=True)
    try:
        with runner.locked(args.outdir):
            done = runner.run(iter_files(args.inputs, args.follow_links), args.outdir, jobs=args.jobs,
                              timeout=args.timeout or None,
                              options=runner.Options(args.max_pages or None, args.password), dask=args.dask,
                              progress=_Bar(console) if console.is_terminal and not args.quiet else None,
                              roots=None if args.follow_links else runner.real_roots(args.inputs),
                              memory=(args.max_memory << 20) or None)
            records = (_count(stats, r) for r in read_jsonl(args.outdir / runner.RECORDS))
            if done.outputs_current:
                if csv_headers_of(args.outdir) != args.csv_headers:     # only the CSVs' headers change
                    write_csvs(args.outdir, records, headers=args.csv_headers)
                for _ in records:
                    pass
            else:
                runner.write_outputs(args.outdir, parallel=args.jobs > 1,    # records.parquet …, report.html
                                     also=lambda: write_csvs(args.outdir, records, headers=args.csv_headers))
            runner.finish(args.outdir, done)
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
        _summary(stats, args.outdir, done)
    return 0


class _Bar:
    """A progress bar with files/s, pages/s and the time left; on a terminal only (CI logs get the summary)."""

    def __init__(self, console: Console):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        self._bar = Progress(TextColumn("[bold]extract"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("{task.fields[rates]}"), TimeRemainingColumn(), console=console,
                             transient=True)
        self._pages = 0

    def start(self, total: int) -> None:
        self._task = self._bar.add_task("extract", total=total, rates="")
        self._t0 = time.monotonic()
        self._bar.start()

    def tick(self, done: runner.Done) -> None:
        self._pages += done.pages
        s = max(time.monotonic() - self._t0, 1e-9)
        n = self._bar.tasks[0].completed + 1
        self._bar.update(self._task, advance=1, rates=f"{n / s:.1f} files/s {self._pages / s:.1f} pages/s")

    def stop(self) -> None:
        self._bar.stop()


def _count(stats: Counter, r: Record) -> Record:
    from .outputs.export import BUDGET, SCALARS
    stats["documents"] += 1
    stats[f"status:{r.status}"] += 1
    for k in SCALARS:
        stats[f"field:{k}"] += getattr(r, k) is not None
    for k in BUDGET:
        stats[f"field:budget.{k}"] += getattr(r.budget, k) is not None
    stats["field:quantities"] += len(r.quantities)
    stats["field:projects"] += len(r.projects)
    for f in r.findings:
        stats[f"finding:{f.rule}:{f.severity}"] += 1
    return r


def _summary(stats: Counter, outdir: Path, run: runner.Run) -> None:
    from rich.console import Console
    from rich.table import Table
    console = Console(stderr=True)
    statuses = ", ".join(f"{k.split(':')[1]} {v}" for k, v in sorted(stats.items()) if k.startswith("status:"))
    console.print(f"[bold]{stats['documents']} documents[/bold] ({statuses or 'none'}) -> {outdir}")
    s = max(run.elapsed, 1e-9)
    timed_out = f", {run.timed_out} stopped by the time limit" if run.timed_out else ""
    console.print(f"{run.processed} processed, {run.up_to_date} up to date{timed_out}; {run.elapsed:.1f} s, "
                  f"{run.processed / s:.1f} files/s, {run.pages / s:.1f} pages/s")
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


def _audit(args) -> int:
    from rich.console import Console

    from .batch import runner
    from .outputs.findings_view import BadJsonl, read_jsonl, render_findings
    paths = iter_files(args.inputs, follow_links=True)
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
        doc = text_of(args.file)
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

"""Findings as a person reads them in a terminal: one table per document, what `jixiao audit` prints.

Records stream through `render_findings` one at a time: a document's table is printed as soon as
its record arrives, and only the counts are kept. `read_jsonl` streams the records a finished
`jixiao extract` wrote, so an office can re-read a run without extracting again.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from pydantic import ValidationError

from ..readers.load import visible
from .export import evidence_line
from .labels import labels
from ..models import Finding, Record

if TYPE_CHECKING:       # rich is imported where something is printed: `extract -q` reads records only
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
REPORT_TYPE = labels().labels.report_type     # code -> Chinese name (rules/labels.yaml)


@dataclass
class Counts:
    documents: int = 0
    failed: int = 0
    skipped: int = 0
    clean: int = 0              # ok documents without a finding
    with_findings: int = 0
    errors: int = 0
    warnings: int = 0
    infos: int = 0

    def fails(self, fail_on: str | None) -> bool:
        """Whether `--fail-on fail_on` turns these counts into a failing exit status."""
        if fail_on == "error":
            return self.errors > 0
        if fail_on == "warning":
            return self.errors + self.warnings > 0
        return False

    def summary(self) -> str:
        return (f"{self.documents} documents, {self.errors} errors, {self.warnings} warnings, {self.infos} info "
                f"in {self.with_findings} documents; {self.clean} without findings, "
                f"{self.failed} failed, {self.skipped} skipped")


class BadJsonl(ValueError):
    """A records.jsonl line that is not a record; `line` is 1-based."""

    def __init__(self, path: Path, line: int | None, reason: str):
        self.path, self.line, self.reason = path, line, reason
        where = f"{path} line {line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")


def read_jsonl(path: Path) -> Iterator[Record]:
    """The records of a records.jsonl written by `jixiao extract`, one at a time (blank lines ignored)."""
    try:
        f = open(path, "rb")
    except OSError as e:
        raise BadJsonl(path, None, f"cannot read the file ({e.strerror})") from e
    with f:
        for number, line in enumerate(f, 1):
            if number == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            if not line.strip():
                continue
            try:
                yield Record.model_validate_json(line)
            except ValidationError as e:
                err = e.errors()[0]
                loc = ".".join(str(x) for x in err["loc"])
                raise BadJsonl(path, number, f"not a jixiao record ({loc + ': ' if loc else ''}{err['msg']})") \
                    from None


def terminal_text(s: str) -> str:
    """A document's words or a file name as a terminal may show them: each line as `visible` writes a
    name (an escape sequence, a bidi control as its code, \\x1b, \\u202e), the line breaks kept."""
    return "\n".join(map(visible, s.split("\n")))


def render_findings(records: Iterable[Record], console: Console, *, tables: bool = True) -> Counts:
    """Print each document's findings as it comes (documents without findings are only counted),
    failed and skipped documents as one line each, and the summary line; return the counts.
    With `tables=False` only the summary line is printed."""
    from rich.text import Text
    counts = Counts()
    for r in records:
        counts.documents += 1
        if r.status != "ok":
            if r.status == "failed":
                counts.failed += 1
            else:
                counts.skipped += 1
            if tables:
                console.print(Text.assemble((r.status, "red" if r.status == "failed" else "dim"), " ",
                                            (terminal_text(r.source.path), "bold"), ": ",
                                            terminal_text(r.error or "")), soft_wrap=True)
            continue
        if not r.findings:
            counts.clean += 1
            continue
        counts.with_findings += 1
        for f in r.findings:
            counts.errors += f.severity == "error"
            counts.warnings += f.severity == "warning"
            counts.infos += f.severity == "info"
        if tables:
            console.print()
            console.print(_heading(r), soft_wrap=True)
            console.print(_table(r.findings))
    if tables:
        console.print()
    console.print(Text(counts.summary(), style="bold"), soft_wrap=True)
    return counts


def _heading(r: Record) -> Text:
    from rich.text import Text
    head = Text(terminal_text(r.source.path), style="bold")
    about = []
    if r.report_type is not None:
        about.append(f"{REPORT_TYPE.get(r.report_type.value, r.report_type.value)} ({r.report_type.value})")
    if r.fiscal_year is not None:
        about.append(f"{r.fiscal_year.value}年度")
    if r.organization is not None:
        about.append(str(r.organization.value))
    if about:
        head.append(terminal_text("  " + " · ".join(about)))
    return head


def _table(findings: list[Finding]) -> Table:
    from rich.table import Table
    from rich.text import Text
    table = Table(show_lines=True)
    table.add_column("规则", no_wrap=True)
    table.add_column("级别", no_wrap=True)
    table.add_column("说明", overflow="fold", ratio=3)
    table.add_column("依据", overflow="fold", ratio=2)
    for f in sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 3)):
        table.add_row(Text(f.rule), Text(f.severity, style=SEVERITY_STYLE.get(f.severity, "")),
                      Text(terminal_text(f.message)),
                      Text(terminal_text("\n".join(evidence_line(e) for e in f.evidence))))
    return table

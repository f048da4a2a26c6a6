"""export: records -> OUTDIR (records.jsonl, records.csv, findings.csv, texts/), per CONTRACT.md."""
from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

from .models import Fact, Record

SCALARS = ("report_type", "fiscal_year", "organization", "self_score", "deduction", "grade")
BUDGET = ("initial_yuan", "total_yuan", "executed_yuan", "rate_pct")
RECORD_COLUMNS = ("path", "status", "error", *SCALARS, *BUDGET, "quantities", "indicators", "projects",
                  "findings", "errors", "warnings")
FINDING_COLUMNS = ("path", "rule", "severity", "message", "values", "evidence")
TEXTS = "texts"


def text_path(outdir: Path, r: Record) -> Path:
    """Where a record's text layer is kept: evidence offsets index this file's characters."""
    return outdir / TEXTS / f"{r.source.sha256}.txt"


def record_json(r: Record) -> str:
    return json.dumps(r.model_dump(mode="json"), ensure_ascii=False)


def _value(f: Fact | None):
    return None if f is None else f.value


def record_row(r: Record) -> dict:
    row = {"path": r.source.path, "status": r.status, "error": r.error}
    row.update({k: _value(getattr(r, k)) for k in SCALARS})
    row.update({k: _value(getattr(r.budget, k)) for k in BUDGET})
    row.update(quantities=len(r.quantities), indicators=len(r.indicators), projects=len(r.projects),
               findings=len(r.findings), errors=sum(f.severity == "error" for f in r.findings),
               warnings=sum(f.severity == "warning" for f in r.findings))
    return row


def finding_rows(r: Record) -> Iterable[dict]:
    for f in r.findings:
        yield {"path": r.source.path, "rule": f.rule, "severity": f.severity, "message": f.message,
               "values": json.dumps(f.values, ensure_ascii=False),
               "evidence": json.dumps([e.model_dump(mode="json", exclude_none=True) for e in f.evidence],
                                      ensure_ascii=False)}


class Writer:
    """Streams records to OUTDIR as they come: nothing is held in memory but the open files."""

    def __init__(self, outdir: Path):
        outdir.mkdir(parents=True, exist_ok=True)
        self._texts = outdir / TEXTS
        self._texts.mkdir(exist_ok=True)
        self._jsonl = open(outdir / "records.jsonl", "w", encoding="utf-8")
        self._records_file = open(outdir / "records.csv", "w", encoding="utf-8-sig", newline="")
        self._findings_file = open(outdir / "findings.csv", "w", encoding="utf-8-sig", newline="")
        self._records = csv.DictWriter(self._records_file, RECORD_COLUMNS)
        self._findings = csv.DictWriter(self._findings_file, FINDING_COLUMNS)
        self._records.writeheader()
        self._findings.writeheader()

    def write(self, r: Record, text: str | None = None) -> None:
        """One record; its text layer, when given, goes to texts/<sha256>.txt for the HTML report."""
        if text is not None:
            path = text_path(self._texts.parent, r)
            if not path.exists():
                path.write_text(text, encoding="utf-8", newline="")
        self._jsonl.write(record_json(r) + "\n")
        self._records.writerow(record_row(r))
        self._findings.writerows(finding_rows(r))

    def close(self) -> None:
        for f in (self._jsonl, self._records_file, self._findings_file):
            f.close()

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

"""Synthetic reports with gold records: `jixiao synth -o corpus/synth --seed N -n COUNT`.

    spec.py     the facts of a report, from a seeded random.Random (figures consistent by construction)
    compose.py  spec -> Document (blocks: title, heading, paragraph, table with merged cells) + gold
    doc.py      the block model every renderer reads
    gold.py     the gold record (ANNOTATION.md format + deduction, indicators, funds, projects)
    render_text.py    .txt (the twin the other formats are compared with) and .html
    render_pdf.py     text PDF (reportlab, ruled tables) and scanned PDF (rasterised, image only)
    render_office.py  .docx (python-docx) and .xlsx (openpyxl, the self-evaluation table alone)
    lexicon.py  invented places, bodies, what they count, their projects, funds and indicators
    series.py   one organisation over K consecutive years, each year restating the last (--series K)

The same seed gives byte-identical files: each document draws from its own generator
(seed, id, purpose), so document syn-dept-001 is the same whether 1 or 100 are made.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .compose import compose
from .render_pdf import FontMissing, unavailable
from .spec import make_spec, plan, rng_for

FORMATS = ("txt", "pdf", "scan", "docx", "html", "xlsx")
SUFFIX = {"txt": ".txt", "pdf": ".pdf", "scan": ".scan.pdf", "docx": ".docx", "html": ".html", "xlsx": ".xlsx"}

__all__ = ["FORMATS", "SUFFIX", "FontMissing", "Made", "generate", "generate_series", "parse_formats", "unavailable",
           "write_report"]


@dataclass
class Made:
    id: str
    kind: str
    files: list[Path]


def parse_formats(text: str | None) -> tuple[str, ...]:
    if not text:
        return FORMATS
    out = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    bad = [f for f in out if f not in FORMATS]
    if bad:
        raise ValueError(f"unknown format(s) {', '.join(bad)}; choose from {','.join(FORMATS)}")
    return out


def _write(outdir: Path, doc_id: str, files: list[Path], fmt: str, data: bytes) -> None:
    path = outdir / (doc_id + SUFFIX[fmt])
    path.write_bytes(data)
    files.append(path)


def write_report(outdir: Path, spec, formats: tuple[str, ...], scan: bool = True) -> Made:
    """One report in the formats asked for, with its gold record; `scan` False leaves out its scan."""
    from . import render_office, render_text
    doc_id, seed = spec.id, spec.seed
    doc, gold = compose(spec)
    files: list[Path] = []
    write = partial(_write, outdir, doc_id, files)

    write("txt", render_text.to_txt(doc).encode("utf-8"))
    # which files this document has: the .txt always, a scan only when asked, an .xlsx only when
    # there is a table to put in it
    gold["formats"] = [f for f in FORMATS if f == "txt" or f in formats
                       and (f != "scan" or scan)
                       and (f != "xlsx" or doc.tables())]
    (outdir / f"{doc_id}.json").write_text(json.dumps(gold, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
    files.append(outdir / f"{doc_id}.json")
    if "html" in formats:
        write("html", render_text.to_html(doc, spec.place.name + "人民政府").encode("utf-8"))
    if "docx" in formats:
        write("docx", render_office.to_docx(doc))
    if "xlsx" in gold["formats"] and (table := doc.selfeval()) is not None:
        fmt = "0.00" if spec.money_unit == "wan" else "#,##0.00"
        write("xlsx", render_office.to_xlsx(doc, table, fmt))
    if "pdf" in formats or "scan" in gold["formats"]:
        from . import render_pdf
        pdf = render_pdf.to_pdf(doc)
        if "pdf" in formats:
            write("pdf", pdf)
        if "scan" in gold["formats"]:
            write("scan", render_pdf.to_scan(pdf, doc, rng_for(seed, doc_id, "scan")))
    return Made(doc_id, spec.kind, files)


def prepare(outdir: Path, formats: tuple[str, ...]) -> Path:
    """The output folder, made; raises FontMissing first when a PDF is asked for and no CJK font is installed."""
    if {"pdf", "scan"} & set(formats):
        from .render_pdf import _register
        _register()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    return outdir


def generate(outdir: Path, seed: int, count: int, formats: tuple[str, ...] = FORMATS,
             scan_max: int | None = None, progress=None) -> list[Made]:
    """Write `count` reports (all kinds in turn) with their gold records to `outdir`.

    The .txt and the .json gold are always written. `scan_max` limits scanned PDFs to the first
    that many documents (they are the large files). Raises FontMissing before writing anything
    when a PDF format is asked for and no CJK font is installed.
    """
    outdir = prepare(outdir, formats)
    made = []
    for i, (doc_id, kind) in enumerate(plan(count)):
        made.append(write_report(outdir, make_spec(seed, doc_id, kind), formats,
                                 scan=scan_max is None or i < scan_max))
        if progress:
            progress(made[-1])
    return made


def generate_series(outdir: Path, seed: int, count: int, years: int, formats: tuple[str, ...] = FORMATS,
                    scan_max: int | None = None, progress=None) -> list[Made]:
    """`count` organisations, each over `years` consecutive years (synth/series.py)."""
    from .series import generate_series as _series
    return _series(outdir, seed, count, years, formats, scan_max, progress)

"""Report-sized documents laid out as a real archive holds them, for benchmarks/archive.py.

A published archive is mostly short PDFs: a report of two or three pages, its ruled 自评表 on a
page of its own or after the narrative (as synth composes it); a 自评表 published alone; a narrative
whose table was left out; a report with one more section of narrative (3–4 pages); and now and then
(2%) a long report of about twenty pages (synth/long.py). Each generated report (synth's compose)
gets one of these layouts from its own generator (seed, id, "archive"), so the n-th document is the
same whatever the size of the batch, and the reports synth writes elsewhere do not change.
"""
from __future__ import annotations

from .compose import compose
from .doc import Block, Document
from .long import lengthen
from .spec import Kind, make_spec, rng_for

LONG_PAGES = 20
# layout: its weight, what share of an archive it is, about, in per cent
LAYOUTS = {"long": 2, "composed": 44, "selfeval_only": 22, "narrative_only": 22, "longer": 10}


def layout_of(seed: int, doc_id: str) -> str:
    """The layout document `doc_id` gets: one of LAYOUTS, drawn by weight."""
    return rng_for(seed, doc_id, "archive").choices(list(LAYOUTS), weights=list(LAYOUTS.values()))[0]


def archive_doc(seed: int, doc_id: str, kind: Kind) -> Document:
    """Report `doc_id` (of `kind`, as synth.spec.plan names them) in its archive layout."""
    doc, _ = compose(make_spec(seed, doc_id, kind))
    layout = layout_of(seed, doc_id)
    table = next((t for t in doc.tables() if t.kind == "selfeval"), None)
    if layout == "long":
        return lengthen(doc, seed, LONG_PAGES)
    if layout == "longer":           # one more section of narrative: 3 or 4 pages
        return lengthen(doc, seed, 2)
    if layout == "selfeval_only" and table is not None:
        return _with(doc, [Block("table", table=table)])     # the form prints its own caption
    if layout == "narrative_only" and table is not None:
        return _with(doc, _without_tables(doc.blocks))
    return doc


def _with(doc: Document, blocks: list[Block]) -> Document:
    return Document(**{**doc.__dict__, "blocks": blocks})


def _without_tables(blocks: list[Block]) -> list[Block]:
    """The blocks with the tables, the page breaks before them and the notes announcing them (附件 …) left out."""
    following = [*blocks[1:], None]
    return [b for b, after in zip(blocks, following)
            if b.kind not in ("table", "pagebreak") and not (b.kind == "note" and after is not None and after.kind == "table")]


def archive_pdf(seed: int, doc_id: str, kind: Kind) -> bytes:
    """The text PDF of report `doc_id` in its archive layout."""
    from .render_pdf import to_pdf
    return to_pdf(archive_doc(seed, doc_id, kind))

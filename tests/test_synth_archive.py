"""synth/archive.py, the archive benchmark's documents: each layout is what it says (a 自评表 alone, a
narrative without its table, a long report), and a document's layout does not depend on the batch."""
from collections import Counter

import pytest

from synth.archive import LAYOUTS, archive_doc, archive_pdf, layout_of
from synth.compose import compose
from synth.render_pdf import unavailable
from synth.spec import make_spec, plan

SEED = 1
PLAN = plan(400)


def _first(layout: str) -> tuple[str, str]:
    """(id, kind) of the first planned report of a kind with a 自评表 that gets `layout`."""
    return next((d, k) for d, k in PLAN if k != "other" and layout_of(SEED, d) == layout)


def test_layouts_come_in_about_their_shares_and_do_not_depend_on_the_batch():
    got = Counter(layout_of(SEED, d) for d, _ in PLAN)
    assert set(got) == set(LAYOUTS)
    assert 2 <= got["long"] <= 20 and got["composed"] > got["longer"]
    assert [layout_of(SEED, d) for d, _ in plan(30)] == [layout_of(SEED, d) for d, _ in PLAN[:30]]


def test_a_selfeval_only_document_is_its_ruled_table_alone():
    doc = archive_doc(SEED, *_first("selfeval_only"))
    assert [b.kind for b in doc.blocks] == ["table"]
    assert doc.blocks[0].table is not None and doc.blocks[0].table.kind == "selfeval"


def test_a_narrative_only_document_keeps_the_text_and_drops_the_table_and_its_note():
    doc_id, kind = _first("narrative_only")
    composed, _ = compose(make_spec(SEED, doc_id, kind))
    doc = archive_doc(SEED, doc_id, kind)
    assert not doc.tables() and composed.tables()
    assert not any(b.kind in ("table", "pagebreak") for b in doc.blocks)
    assert [b.text for b in doc.blocks if b.kind == "para"] == [b.text for b in composed.blocks if b.kind == "para"]
    assert len([b for b in doc.blocks if b.kind == "note"]) == len([b for b in composed.blocks if b.kind == "note"]) - 1


def test_a_composed_document_is_the_report_synth_makes():
    doc_id, kind = _first("composed")
    assert archive_doc(SEED, doc_id, kind).blocks == compose(make_spec(SEED, doc_id, kind))[0].blocks


@pytest.mark.skipif(unavailable() is not None, reason=unavailable() or "")
def test_a_long_document_renders_to_about_twenty_pages():
    import pypdfium2 as pdfium
    pages = len(pdfium.PdfDocument(archive_pdf(SEED, *_first("long"))))
    assert 17 <= pages <= 24

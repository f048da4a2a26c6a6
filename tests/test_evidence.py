"""No value without evidence: every fact of every corpus record, in every format, slices the text
`jixiao text` prints (pipeline.text_of; tests/test_cli.py checks the command prints exactly that, and
that `jixiao extract` keeps that text in OUTDIR/texts.jsonl)."""
import pytest

from pipeline import text_of
from tests.conftest import corpus_reports, record_of


def _dicts(node):
    """Every dict anywhere in a record (facts, quantities, projects, findings, indicators)."""
    if isinstance(node, dict):
        yield node
        node = list(node.values())
    if isinstance(node, list):
        for v in node:
            yield from _dicts(v)


@pytest.mark.parametrize("path", corpus_reports(), ids=lambda p: p.name)
def test_every_evidence_is_the_slice_of_jixiao_text(path, corpus_run):
    """The record and kept text of the corpus run (tests/conftest.py): a scan is read by OCR once a
    session. A file read without OCR is read again here, and gives the same text and record."""
    record = corpus_run.records[str(path)]
    assert record["status"] == "ok", record["error"]
    printed = corpus_run.kept_text(record)
    if not record["source"]["ocr"]:
        assert printed == text_of(path).text
        assert record == record_of(path).model_dump(mode="json")
    spans = [d for d in _dicts(record) if {"start", "end", "text"} <= d.keys()]
    kind = (record["report_type"] or {}).get("value")
    if kind in ("department", "project", "policy") and not record["source"]["ocr"]:
        assert len(spans) >= 20             # a self-evaluation states many figures; OCR may miss some
    for ev in spans:
        assert printed[ev["start"]:ev["end"]] == ev["text"], ev
    for fact in (d for d in _dicts(record) if "value" in d):     # a value never stands without evidence
        assert fact.get("evidence"), fact

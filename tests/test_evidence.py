"""No value without evidence: every fact of every corpus record slices the text `jixiao text` prints."""
import pytest

from pipeline import extract_file
from tests.conftest import corpus_reports, jixiao


def _evidences(node):
    """Every evidence object anywhere in a record (facts, quantities, projects, findings, indicators)."""
    if isinstance(node, dict):
        if {"start", "end", "text"} <= node.keys():
            yield node
        for v in node.values():
            yield from _evidences(v)
    elif isinstance(node, list):
        for v in node:
            yield from _evidences(v)


def _facts(node):
    """Every {value, evidence} fact: a value must never stand without its evidence."""
    if isinstance(node, dict):
        if "value" in node:
            yield node
        for v in node.values():
            yield from _facts(v)
    elif isinstance(node, list):
        for v in node:
            yield from _facts(v)


@pytest.mark.parametrize("path", corpus_reports(), ids=lambda p: p.name)
def test_every_evidence_is_the_slice_of_jixiao_text(path):
    printed = jixiao("text", str(path)).stdout.decode("utf-8")
    record = extract_file(path).model_dump(mode="json")
    spans = list(_evidences(record))
    assert len(spans) >= 20
    for ev in spans:
        assert printed[ev["start"]:ev["end"]] == ev["text"], ev
    for fact in _facts(record):
        assert fact.get("evidence"), fact

"""No value without evidence: every fact of every corpus record slices the text `jixiao text` prints."""
import pytest

from pipeline import extract_file
from tests.conftest import corpus_reports, jixiao


def _dicts(node):
    """Every dict anywhere in a record (facts, quantities, projects, findings, indicators)."""
    if isinstance(node, dict):
        yield node
        node = list(node.values())
    if isinstance(node, list):
        for v in node:
            yield from _dicts(v)


@pytest.mark.parametrize("path", corpus_reports(), ids=lambda p: p.name)
def test_every_evidence_is_the_slice_of_jixiao_text(path):
    printed = jixiao("text", str(path)).stdout.decode("utf-8")
    record = extract_file(path).model_dump(mode="json")
    spans = [d for d in _dicts(record) if {"start", "end", "text"} <= d.keys()]
    assert len(spans) >= 20
    for ev in spans:
        assert printed[ev["start"]:ev["end"]] == ev["text"], ev
    for fact in (d for d in _dicts(record) if "value" in d):     # a value never stands without evidence
        assert fact.get("evidence"), fact

"""Every generated report in corpus/synth reads the same in every format as its .txt twin.

Text PDF, Word and web page: every scalar field equal. Scanned PDF (OCR): at least 90% of the
fields equal over the scanned set. The figures are printed, so the run that proves the bar shows it.
"""
from pathlib import Path

import pytest

from pipeline.models import Record
from pipeline.outputs.export import BUDGET, SCALARS
from tests.conftest import CORPUS, record_of

SYNTH = CORPUS / "synth"
EXACT = (".pdf", ".docx", ".html")
TWINS = sorted(SYNTH.glob("*.txt"))


def scalars(path: Path, r: Record | None = None) -> dict:
    """The scalar and budget values of the record of `path` (read here unless `r` is given)."""
    r = r or record_of(path)
    assert r.status == "ok", f"{path.name}: {r.error}"
    out = {k: getattr(r, k) and getattr(r, k).value for k in SCALARS}
    out.update({f"budget.{k}": getattr(r.budget, k) and getattr(r.budget, k).value for k in BUDGET})
    return out


def _twins(suffix: str) -> list[tuple[Path, Path]]:
    return [(t, t.with_name(t.stem + suffix)) for t in TWINS if t.with_name(t.stem + suffix).exists()]


def test_the_generated_corpus_has_every_format():
    assert len(TWINS) >= 4
    for suffix in (*EXACT, ".scan.pdf"):
        assert _twins(suffix), f"no {suffix} twins in {SYNTH}"


@pytest.mark.parametrize("twin,other", [pair for s in EXACT for pair in _twins(s)],
                         ids=lambda p: p.name)
def test_format_reads_like_its_txt_twin(twin, other):
    want, got = scalars(twin), scalars(other)
    assert got == want
    assert sum(v is not None for v in want.values()) >= 3     # the twin itself was read


def test_scanned_pdfs_agree_on_nine_fields_in_ten(corpus_run):
    """The scans' records of the corpus run (tests/conftest.py): OCR reads each scan once a session."""
    pairs = _twins(".scan.pdf")
    same = total = 0
    for twin, scan in pairs:
        record = Record.model_validate(corpus_run.records[str(scan)])
        want, got = scalars(twin), scalars(scan, record)
        assert record.source.ocr
        same += sum(got[k] == v for k, v in want.items())
        total += len(want)
    print(f"scanned PDFs: {same}/{total} fields equal to the .txt twin ({same / total:.1%})")
    assert same / total >= 0.90

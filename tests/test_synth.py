"""The synthetic corpus generator: deterministic, self-consistent gold, every format opens.

Generation runs into tmp_path with a few documents. PDF tests need a CJK font (WenQuanYi); without
one they are skipped with the install command as the reason.
"""
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.cli import main
from synth import FORMATS, SUFFIX, generate, parse_formats, unavailable
from synth.gold import GRADE_BAND
from tests.conftest import CORPUS

PDF_MISSING = unavailable()              # why PDFs cannot be made here, or None
needs_pdf = pytest.mark.skipif(PDF_MISSING is not None, reason=PDF_MISSING or "")
KINDS = {"syn-dept": "department", "syn-proj": "project", "syn-pol": "policy", "syn-other": "other"}
COMMITTED_SEED, COMMITTED_COUNT = 29, 6          # the command in docs/synth.md


def _gold(d: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(d.glob("*.json"))}


@pytest.fixture(scope="module")
def texts(tmp_path_factory) -> Path:
    """12 documents (every kind three times), text formats only: fast."""
    out = tmp_path_factory.mktemp("synth-text")
    generate(out, 5, 12, ("txt", "html"))
    return out


@pytest.fixture(scope="module")
def every_format(tmp_path_factory) -> Path:
    """4 documents in every format (the PDFs only when a CJK font is installed), one scanned."""
    out = tmp_path_factory.mktemp("synth-all")
    formats = FORMATS if PDF_MISSING is None else tuple(f for f in FORMATS if f not in ("pdf", "scan"))
    generate(out, 3, 4, formats, scan_max=1)
    return out


# ---------------------------------------------------------------- determinism

def test_same_seed_gives_identical_text_gold_and_html(texts, tmp_path):
    generate(tmp_path, 5, 12, ("txt", "html"))
    for p in sorted(texts.iterdir()):
        assert (tmp_path / p.name).read_bytes() == p.read_bytes(), p.name


def test_another_seed_gives_other_documents(texts, tmp_path):
    generate(tmp_path, 6, 2, ("txt",))
    assert (tmp_path / "syn-dept-001.txt").read_text() != (texts / "syn-dept-001.txt").read_text()


def test_a_document_does_not_depend_on_how_many_are_made(texts, tmp_path):
    generate(tmp_path, 5, 2, ("txt", "html"))
    for name in ("syn-dept-001.txt", "syn-proj-001.json", "syn-proj-001.html"):
        assert (tmp_path / name).read_bytes() == (texts / name).read_bytes()


def test_binary_formats_are_byte_identical_too(every_format, tmp_path):
    pdf = ("pdf",) if PDF_MISSING is None else ()
    generate(tmp_path, 3, 2, ("docx", "xlsx", *pdf))
    names = ["syn-dept-001.docx", "syn-dept-001.xlsx", "syn-proj-001.docx"]
    names += ["syn-dept-001.pdf", "syn-proj-001.pdf"] if pdf else []
    for name in names:
        assert (tmp_path / name).read_bytes() == (every_format / name).read_bytes(), name


def test_committed_fixtures_are_what_the_readme_command_makes(tmp_path):
    committed = CORPUS / "synth"
    if not committed.is_dir():
        pytest.skip("corpus/synth not generated")
    generate(tmp_path, COMMITTED_SEED, COMMITTED_COUNT, ("txt",))
    for p in sorted(tmp_path.glob("*.txt")):
        assert (committed / p.name).read_bytes() == p.read_bytes(), p.name
        gold = json.loads((committed / p.with_suffix(".json").name).read_text(encoding="utf-8"))
        made = json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))
        assert {k: v for k, v in gold.items() if k != "formats"} == {k: v for k, v in made.items() if k != "formats"}


# ---------------------------------------------------------------- the gold

def _interval_rate_ok(b: dict, unit_half: Decimal, rate_text: str) -> bool:
    t, e, r = (Decimal(str(b[k])) for k in ("total_yuan", "executed_yuan", "rate_pct"))
    digits = len(rate_text.partition(".")[2])
    r_half = Decimal(5).scaleb(-digits - 1)
    lo, hi = (e - unit_half) / (t + unit_half) * 100, (e + unit_half) / (t - unit_half) * 100
    return lo <= r + r_half and r - r_half <= hi


def test_every_kind_is_made(texts):
    gold = _gold(texts)
    assert {KINDS[i.rsplit("-", 1)[0]] for i in gold} == set(KINDS.values())
    for doc_id, g in gold.items():
        assert g["id"] == doc_id and g["report_type"] == KINDS[doc_id.rsplit("-", 1)[0]]
        assert 2019 <= g["fiscal_year"] <= 2024


def test_gold_is_self_consistent(texts):
    for doc_id, g in _gold(texts).items():
        b, text = g["budget"], (texts / f"{doc_id}.txt").read_text(encoding="utf-8")
        if g["report_type"] == "other":
            assert set(b.values()) == {None} and g["self_score"] is None and not g["quantities"]
            continue
        # the rate, within the precision the three figures are printed with
        assert g["consistency"]["rate_matches"] is True, doc_id
        note = g["consistency"]["note"]            # "906.52/906.74 万元 = 99.9757%, stated as 99.98%"
        rate_text = re.search(r"stated as ([\d.]+)%", note).group(1)
        assert float(rate_text) == b["rate_pct"] and rate_text + "%" in re.sub(r"\s+", "", text), doc_id
        unit_half = Decimal(50) if "万元 =" in note else Decimal("0.005")
        assert _interval_rate_ok(b, unit_half, rate_text), doc_id
        # 100 − deductions = score; indicator scores (and the fund row's) add up to the score
        score = Decimal(str(g["self_score"]))
        if g["deduction"] is not None:
            assert Decimal(100) - Decimal(str(g["deduction"])) == score, doc_id
        parts = [i["score"] for i in g["indicators"]] + [f["score"] for f in g["funds"] if f["score"] is not None]
        weights = [i["weight"] for i in g["indicators"]] + [f["weight"] for f in g["funds"] if f["weight"] is not None]
        assert sum(Decimal(str(x)) for x in parts) == score, doc_id
        assert sum(Decimal(str(x)) for x in weights) == 100, doc_id
        assert all(0 <= i["score"] <= i["weight"] for i in g["indicators"]), doc_id
        # the grade's band holds the score
        if g["grade"] is not None:
            band = "优" if score >= 90 else "良" if score >= 80 else "中" if score >= 60 else "差"
            assert GRADE_BAND[g["grade"]] == band, doc_id
        assert 3 <= len(g["quantities"]) <= 6


def test_gold_states_only_what_the_text_says(texts):
    for doc_id, g in _gold(texts).items():
        text = (texts / f"{doc_id}.txt").read_text(encoding="utf-8")
        flat = re.sub(r"\s+", "", text)
        assert g["organization"] in text and str(g["fiscal_year"]) in text
        for q in g["quantities"]:
            assert 2 <= len(q["keyword"]) <= 8
            assert re.search(re.escape(q["keyword"]) + rf"(?:共|达|累计)?{q['value']}{q['unit']}", flat), (doc_id, q)
        for i in g["indicators"]:
            for k in ("level3", "target", "actual"):
                assert i[k] in text, (doc_id, k, i[k])
        for k, v in g["budget"].items():
            if v is not None and k != "rate_pct":
                y = Decimal(str(v))
                shown = {f"{y / 10000:.2f}", f"{y:.2f}", f"{y:,.2f}"}
                assert any(s in flat for s in shown), (doc_id, k, v)
        if g["self_score"] is not None:
            assert f"{Decimal(str(g['self_score'])).normalize():f}" in flat
        if g["grade"] is not None:
            assert g["grade"] in text


def test_notes_say_how_tables_are_flattened(texts):
    for g in _gold(texts).values():
        assert "Synthetic report" in g["notes"]
        assert "Tables in the .txt" in g["notes"]


# ---------------------------------------------------------------- the formats

def test_every_requested_format_is_written(texts):
    names = {p.name for p in texts.iterdir()}
    for doc_id in _gold(texts):
        assert {f"{doc_id}.txt", f"{doc_id}.json", f"{doc_id}.html"} <= names
    assert not any(n.endswith((".pdf", ".docx", ".xlsx")) for n in names)


def test_web_page_is_a_government_page_with_merged_cells(texts):
    html = (texts / "syn-dept-001.html").read_text(encoding="utf-8")
    for word in ("首页", "政务公开", "网站地图", "当前位置", "版权所有", "ICP备", '<table border="1"', "rowspan=",
                 "colspan="):
        assert word in html


def test_every_format_opens_with_its_library(every_format):
    import docx
    import openpyxl
    import pypdfium2 as pdfium
    gold = _gold(every_format)
    assert len(gold) == 4
    for doc_id, g in gold.items():
        for fmt in g["formats"]:
            assert (every_format / f"{doc_id}{SUFFIX[fmt]}").stat().st_size > 0, (doc_id, fmt)
        if PDF_MISSING is None:
            assert len(pdfium.PdfDocument(every_format / f"{doc_id}.pdf")) >= 1
        d = docx.Document(every_format / f"{doc_id}.docx")
        assert d.paragraphs[0].text and len(d.tables) == 1
        ws = openpyxl.load_workbook(every_format / f"{doc_id}.xlsx").active
        assert ws.max_row > 5 and ws.merged_cells.ranges
    if PDF_MISSING is None:
        assert [g["id"] for g in gold.values() if "scan" in g["formats"]] == ["syn-dept-001"]
        assert len(pdfium.PdfDocument(every_format / "syn-dept-001.scan.pdf")) >= 1


def test_docx_tables_have_real_merged_cells(every_format):
    import docx
    table = docx.Document(every_format / "syn-proj-001.docx").tables[0]
    col0 = [c.text for c in table.columns[0].cells]
    assert col0.count("绩效指标") > 3            # one merged cell, seen from every row it spans


def test_xlsx_keeps_numbers_as_numbers(every_format):
    import openpyxl
    ws = openpyxl.load_workbook(every_format / "syn-dept-001.xlsx").active
    cells = {c.number_format: c.value for row in ws.iter_rows() for c in row if isinstance(c.value, float)}
    assert any(f in cells for f in ("0.00", "#,##0.00"))
    rate_formats = [f for f in cells if f.endswith("%")]
    assert rate_formats and all(0 < cells[f] <= 1 for f in rate_formats)


@needs_pdf
def test_text_pdf_has_a_text_layer_with_the_organisation(every_format):
    import pypdfium2 as pdfium
    for doc_id, g in _gold(every_format).items():
        pdf = pdfium.PdfDocument(every_format / f"{doc_id}.pdf")
        text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
        assert g["organization"] in re.sub(r"\s+", "", text)
        assert "- 1 -" in text                      # the page number furniture


@needs_pdf
def test_scanned_pdf_has_no_text_layer(every_format):
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(every_format / "syn-dept-001.scan.pdf")
    assert all(pdf[i].get_textpage().get_text_range().strip() == "" for i in range(len(pdf)))
    page = pdf[0]
    assert page.get_width() > 500                    # A4 at 72 points per inch, not 200 dpi pixels
    images = [o for o in page.get_objects()]
    assert len(images) == 1 and len(images[0].get_data(decode_simple=False)) < 300_000


# ---------------------------------------------------------------- the command

def test_cli_writes_the_reports(tmp_path, capsys):
    assert main(["synth", "-o", str(tmp_path), "--seed", "2", "-n", "3", "--formats", "txt,html"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{i}{s}" for i in ("syn-dept-001", "syn-proj-001", "syn-pol-001") for s in (".txt", ".json", ".html"))
    assert "3 reports" in capsys.readouterr().err


def test_cli_refuses_unknown_formats(tmp_path, capsys):
    assert main(["synth", "-o", str(tmp_path), "--formats", "txt,doc"]) == 1
    assert "unknown format" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_parse_formats():
    assert parse_formats(None) == FORMATS
    assert parse_formats(" PDF,txt,pdf ") == ("pdf", "txt")

"""OCR of scanned pages: box grouping (no engine needed), the scanned fixture read for real by RapidOCR,
and the message a user gets when a PDF needs OCR and the extra is not installed."""
import importlib.util
import sys
from pathlib import Path

import pytest

from pipeline import STAGES, extract_file
from pipeline.readers.load import LoadError, load
from pipeline.readers import ocr
from pipeline.readers.ocr import Box, find_grids, group, table_rows
from pipeline.text.layer import normalize

SCANNED = Path(__file__).resolve().parent / "fixtures" / "pdf" / "scanned.pdf"
needs_ocr = pytest.mark.skipif(importlib.util.find_spec("rapidocr") is None,
                               reason="the ocr extra is not installed: pip install -e '.[ocr]'")


# ---------------------------------------------------------------- grouping boxes into lines

def box(left, top, right, bottom, text, score=0.99):
    return Box(left, top, right, bottom, text, score)


def test_boxes_group_into_lines_top_to_bottom_left_to_right():
    boxes = [
        box(400, 102, 700, 140, "全年执行数82.08万元", 0.97),      # same line as the next, further right
        box(100, 100, 390, 138, "全年预算数86.40万元，", 0.99),
        box(100, 40, 600, 80, "2023年度绩效自评报告", 0.995),
        box(100, 160, 500, 198, "预算执行率为95.00%。", 0.9),
    ]
    lines = group(boxes)
    assert [l.text for l in lines] == ["2023年度绩效自评报告", "全年预算数86.40万元， 全年执行数82.08万元",
                                       "预算执行率为95.00%。"]
    assert lines[1].confidence == 0.97                               # the least sure box of the line
    assert (lines[1].top, lines[1].bottom) == (100, 140)


def test_wide_gaps_within_a_line_are_table_cells():
    row = [box(100, 300, 260, 336, "年度资金总额"), box(420, 302, 500, 338, "86.40"),
           box(620, 301, 700, 337, "82.08"), box(800, 300, 900, 336, "95.00%")]
    assert [l.text for l in group(row)] == ["年度资金总额 | 86.40 | 82.08 | 95.00%"]


def test_a_slightly_skewed_line_stays_one_line():
    # 0.5 degree of skew over 1500 px: the right end sits 13 px lower than the left
    boxes = [box(100, 100, 700, 136, "一、项目基本情况及资金使用"), box(720, 113, 1600, 149, "情况说明如下")]
    boxes += [box(100, 160, 900, 196, "第二行")]
    assert [l.text for l in group(boxes)] == ["一、项目基本情况及资金使用 情况说明如下", "第二行"]


def test_no_boxes_no_lines():
    assert group([]) == []


# ---------------------------------------------------------------- ruled tables in the image

def ruled_image():
    """A 3 x 3 grid, 2 px rules; the first column's three cells merged into one (no rules between)."""
    import numpy as np
    img = np.full((300, 600), 255, np.uint8)
    for y in (50, 100, 150, 200):
        img[y:y + 2, 200 if y in (100, 150) else 50:502] = 0
    for x in (50, 200, 350, 500):
        img[50:202, x:x + 2] = 0
    return img


def test_rules_in_the_image_give_the_cells_merged_ones_once():
    grids = find_grids(ruled_image(), unit=20)
    assert len(grids) == 1 and len(grids[0]) == 7
    merged = max(grids[0], key=lambda c: c.bottom - c.top)
    assert 50 < merged.left < 60 and 190 < merged.right < 200 and merged.bottom - merged.top > 140


def test_boxes_fill_the_cells_a_merged_label_heads_its_first_row():
    cells = find_grids(ruled_image(), unit=20)[0]
    straddling = box(230, 165, 470, 185, "80.00 95.00%", 0.9)
    straddling = Box(*[getattr(straddling, k) for k in ("left", "top", "right", "bottom", "text", "score")],
                     words=(box(240, 165, 300, 185, "80.00"), box(390, 165, 470, 185, "95.00%")))
    boxes = [box(60, 10, 300, 30, "附表：项目资金"),                  # above the table
             box(80, 115, 170, 135, "项目资金", 0.98),                # drawn beside the middle row
             box(220, 65, 330, 85, "全年预算数"), box(380, 65, 460, 85, "执行率"),
             box(240, 115, 300, 135, "86.40", 0.95), box(390, 115, 470, 135, "95.00%"), straddling]
    rows, outside = table_rows(cells, boxes, unit=20)
    assert [r.text for r in rows] == ["项目资金 | 全年预算数 | 执行率", " | 86.40 | 95.00%", " | 80.00 | 95.00%"]
    assert [r.confidence for r in rows] == [0.98, 0.95, 0.9]
    assert [b.text for b in outside] == ["附表：项目资金"]


# ---------------------------------------------------------------- the scanned fixture, read for real

@pytest.fixture(scope="module")
def scanned():
    return load(SCANNED)


@needs_ocr
def test_scanned_page_is_read_by_ocr_and_the_text_page_is_not(scanned):
    assert scanned.source.ocr is True
    assert [p.method for p in scanned.page_info] == ["ocr", "text"]
    page1 = scanned.pages[0]
    assert "2023年度老年助餐服务项目绩效自评报告" in page1
    assert "86.40" in page1 and "82.08" in page1 and "3600" in page1
    assert "二、绩效目标完成情况" in scanned.pages[1]


@needs_ocr
def test_ocr_lines_carry_confidences_between_0_and_1(scanned):
    assert scanned.ocr
    end_of_page1 = len(scanned.pages[0])
    for s in scanned.ocr:
        assert 0 < s.confidence <= 1
        assert s.end <= end_of_page1                     # only the scanned page's lines are scored


@needs_ocr
def test_a_ruled_table_in_a_scan_keeps_its_columns_and_merged_cell(scanned):
    lines = scanned.pages[0].split("\n")
    start = next(i for i, l in enumerate(lines) if "全年预算数 |" in l)
    assert [l.split(" | ") for l in lines[start:start + 3]] == [
        ["项目资金", "", "全年预算数", "全年执行数", "执行率"],       # the label spans 3 rows: on the first
        ["", "年度资金总额", "86.40", "82.08", "95.00%"],
        ["", "其中：财政拨款", "80.00", "76.00", "95.00%"]]


@needs_ocr
def test_page_number_of_the_scan_is_dropped(scanned):
    assert all(l.strip() not in {"-1-", "- 1 -", "1"} for l in scanned.pages[0].split("\n"))


@needs_ocr
def test_budget_read_by_ocr_has_confidence_and_evidence_in_the_printed_text(scanned):
    record = scanned                    # extract_file(SCANNED) is load, then the stages: one OCR read a module
    for stage in STAGES:
        record = stage(record)
    assert record.status == "ok" and record.source.ocr is True
    total = record.budget.total_yuan
    assert total.value == 864000
    ev = total.evidence
    printed = normalize(scanned).text          # what text_of(SCANNED) prints, without another OCR run
    assert printed[ev.start:ev.end] == ev.text and "86.40" in ev.text
    assert ev.page == 1 and 0 < ev.confidence <= 1


# ---------------------------------------------------------------- without the extra

@pytest.fixture
def no_rapidocr(monkeypatch):
    monkeypatch.setitem(sys.modules, "rapidocr", None)        # import rapidocr -> ImportError
    monkeypatch.setattr(ocr, "_engine", None)


def test_scanned_pdf_without_the_ocr_extra_names_the_extra(no_rapidocr):
    with pytest.raises(LoadError) as e:
        load(SCANNED)
    assert "page 1 is a scanned image" in str(e.value)
    assert "pip install 'jixiao[ocr]'" in str(e.value)


def test_without_the_extra_a_scan_is_a_failed_record_and_text_pdfs_still_read(no_rapidocr):
    record = extract_file(SCANNED)
    assert record.status == "failed" and "jixiao[ocr]" in record.error
    assert extract_file(SCANNED.with_name("text.pdf")).status == "ok"

"""The PDF reader on real PDFs (tests/fixtures/pdf, made by tests/fixtures/make_pdf_fixtures.py):
repairs of the text layer, running headers and page numbers, ruled tables as cells, and the cost rule
(no table search and no rendering on a page that needs neither)."""
import math
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from pipeline import extract_file, text_of
from pipeline.readers.load import LoadError, load
from pipeline.readers import ocr
from pipeline.readers import pdf as pdf_reader
from pipeline.readers.pageobjects import survey
from pipeline.readers.pdf import Char, Line, PageRead, _drop_furniture, _join, is_page_number

PDF = Path(__file__).resolve().parent / "fixtures" / "pdf"
TEXT, TABLE, ROTATED, PASTED = PDF / "text.pdf", PDF / "table.pdf", PDF / "rotated.pdf", PDF / "pasted.pdf"


@pytest.fixture(scope="module")
def text_doc():
    return load(TEXT)


@pytest.fixture(scope="module")
def table_doc():
    return load(TABLE)


def lines(page: str) -> list[str]:
    return [l for l in page.split("\n") if l]


# ---------------------------------------------------------------- the text layer

def test_pdfium_really_doubles_the_fixture_s_fake_bold():
    raw = pdfium.PdfDocument(TEXT)[0].get_textpage().get_text_range()
    assert "全全年年预预算算数数" in raw          # what the reader has to undo


def test_fake_bold_is_undone_by_position(text_doc):
    text = "\f".join(text_doc.pages)
    assert "（一）全年预算数执行情况" in lines(text_doc.pages[0])
    assert text.count("全年预算数") == 1
    assert "一、项目基本情况" in lines(text_doc.pages[0])     # drawn twice 0.3 pt apart, read once


def test_a_character_beyond_the_bmp_takes_two_pdfium_indices():
    assert list(pdf_reader._indexed("预\U00020000算", 4)) == [(0, "预"), (1, "\U00020000"), (3, "算")]
    assert list(pdf_reader._indexed("预算", 2)) == [(0, "预"), (1, "算")]


def test_each_index_s_code_point_is_asked_for_when_pdfium_s_text_has_another_count(monkeypatch):
    points = [0x9884, 0x20000, 0x2, 0x0, 0x7B97]        # 预, a character beyond the BMP, a hyphen mark, none, 算
    monkeypatch.setattr(pdf_reader.pdfium_c, "FPDFText_GetText", lambda raw, start, count, buffer: 0)
    monkeypatch.setattr(pdf_reader.pdfium_c, "FPDFText_GetUnicode", lambda raw, i: points[i])
    text = pdf_reader._page_text(None, len(points))
    assert text == "预\U00020000-\ufffd算"
    assert list(pdf_reader._indexed(text, len(points)))[-1] == (4, "算")     # one index each


def test_genuinely_repeated_characters_stay(text_doc):
    assert "二、人人参与，1100场" in lines(text_doc.pages[1])
    assert "全年组织垃圾分类宣传1100场，改造公厕36座，整治背街小巷" in lines(text_doc.pages[1])


def test_a_spaced_out_line_reads_without_its_spaces(text_doc):
    assert "填报日期：2024年3月15日" in lines(text_doc.pages[1])


def glyphs(*runs: tuple[str, float]) -> list[Char]:
    """12 pt glyphs 12 pt wide (6 for digits, Latin and ASCII marks); each run starts after the given gap."""
    out, x = [], 72.0
    for text, gap in runs:
        x += gap
        for ch in text:
            w = 6.0 if ch.isascii() else 12.0
            out.append(Char(ch, x, 700, x + w, 712))
            x += w
    return out


def spaced(text: str, gap: float) -> list[tuple[str, float]]:
    return [(ch, gap if k else 0.0) for k, ch in enumerate(text)]


@pytest.mark.parametrize("runs,want", [
    ([("截至", 0), ("2023", 3), ("年底", 3)], "截至 2023 年底"),                  # spaces normalize() keeps or drops
    (spaced("2024", 3.6) + [("年", 3.6)], "2024年"),                                # every glyph spaced out
    ([("填报日期：", 0)] + spaced("2024", 3) + [("年", 0)], "填报日期：2024年"),     # only a run of them
    ([("100", 0), ("200", 3)], "100 200"),                                         # one gap is a real space
    ([("年度资金总额", 0), ("86.40", 40), ("82.08", 40)], "年度资金总额 | 86.40 | 82.08"),  # columns
    ([("Total", 0), ("amount", 3)], "Total amount"),
])
def test_gaps_become_spaces_cells_or_nothing(runs, want):
    assert _join(glyphs(*runs), 12.0) == want


def test_lines_come_in_reading_order_one_pdf_line_each(text_doc):
    assert lines(text_doc.pages[0]) == [
        "城乡环境整治项目支出绩效自评报告",
        "（2023年度）",
        "一、项目基本情况",
        "城乡环境整治项目由某某区城市管理局实施，主要内容为背街小巷",
        "整治、垃圾分类宣传和公厕改造。",
        "（一）全年预算数执行情况",
        "2023年度项目全年预算1250.00万元，实际支出1180.50万元，",
        "预算执行率为94.44%。",
    ]


def test_running_header_and_page_numbers_are_dropped_the_title_stays(text_doc):
    text = "\f".join(text_doc.pages)
    assert text.count("城乡环境整治项目支出绩效自评报告") == 1           # the title; the header of pages 2-3 is gone
    assert lines(text_doc.pages[0])[0] == "城乡环境整治项目支出绩效自评报告"
    for n in (1, 2, 3):
        assert f"- {n} -" not in text and f"-{n}-" not in text
    assert lines(text_doc.pages[2]) == ["三、自评结论", "本项目自评得分92分，等级为优。"]   # no watermark


def test_page_x_of_n_footers_are_dropped(table_doc):
    text = "\f".join(table_doc.pages)
    assert not any(f"第{n}页" in text for n in (1, 2, 3)) and "共3页" not in text
    assert text.count("水利工程维护项目支出绩效自评报告") == 1


@pytest.mark.parametrize("text", ["- 3 -", "—3—", "－ 12 －", "3", "第3页", "第 3 页 共 10 页", "第三页",
                                  "共10页 第3页", "3/10", "3 / 10", "Page 3 of 10", "·3·"])
def test_page_numbers(text):
    assert is_page_number(text)


@pytest.mark.parametrize("text", ["2023年", "100%", "一、项目概况", "第三章", "3.5", "1,250.00",
                                  "第3条", "共10个", "预算执行率为94.44%。"])
def test_not_page_numbers(text):
    assert not is_page_number(text)


def test_furniture_is_what_repeats_in_place_not_what_merely_repeats():
    def page(n, *lines):
        return PageRead(number=n, height=842, items=[Line(text=t, top=top, bottom=top + size, size=size)
                                                     for t, top, size in lines])
    header = ("某某区2023年度部门整体支出绩效自评报告", 30, 9)
    pages = [page(1, ("某某区2023年度部门整体支出绩效自评报告", 70, 18), ("单位：万元", 100, 10.5),
                  ("正文", 300, 12), ("1", 800, 10)),
             page(2, header, ("单位：万元", 100, 10.5), ("正文", 300, 12), ("2", 800, 10)),
             page(3, header, ("单位：万元", 100, 10.5), ("正文", 300, 12), ("第3页", 800, 10)),
             page(4, header, ("正文", 300, 12), ("人人", 800, 12))]
    _drop_furniture(pages)
    assert [[l.text for l in p.items] for p in pages] == [
        ["某某区2023年度部门整体支出绩效自评报告", "单位：万元", "正文"],   # the title, in its own size, stays
        ["单位：万元", "正文"], ["单位：万元", "正文"], ["正文", "人人"]]   # a unit line is never furniture


# ---------------------------------------------------------------- tables

def cell_text(doc, table: int, row: int, col: int) -> str | None:
    raw = "\f".join(doc.pages)
    for c in doc.cells:
        if (c.table, c.row, c.col) == (table, row, col):
            return raw[c.start:c.end]
    return None


def test_ruled_table_arrives_as_cells(table_doc):
    assert [p.method for p in table_doc.page_info] == ["text", "tables", "text"]
    assert table_doc.page_info[1].tables == 1
    assert cell_text(table_doc, 1, 1, 1) == "项目名称"
    assert cell_text(table_doc, 1, 1, 2) == "水利工程维护"
    assert cell_text(table_doc, 1, 1, 3) is None                  # merged over
    assert cell_text(table_doc, 1, 2, 1) == "项目资金（万元）"
    assert [cell_text(table_doc, 1, 2, c) for c in range(3, 9)] == [
        "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    assert [cell_text(table_doc, 1, 3, c) for c in range(2, 9)] == [
        "年度资金总额", "200.00", "220.00", "209.00", "10", "95.00%", "9.50"]
    assert [cell_text(table_doc, 1, 7, c) for c in range(1, 8)] == [
        "产出指标", "数量指标", "维护河道长度", "≥30公里", "32公里", "20", "20"]
    assert cell_text(table_doc, 1, 10, 7) == "95.50"


def test_text_around_a_table_comes_in_order_and_once(table_doc):
    page = lines(table_doc.pages[1])
    assert page[:3] == ["附件", "项目支出绩效自评表", "（2023年度）"]
    assert page[3].startswith("项目名称 | 水利工程维护")
    assert page[-1] == "注：得分一档最高不能超过该指标分值上限。"
    assert len(page) == 3 + 10 + 1                          # the cells' text is not repeated as lines
    assert table_doc.pages[1].count("全年预算数") == 1


def test_a_landscape_page_turned_by_rotate_reads_upright():
    doc = load(ROTATED)
    assert doc.page_info[0].method == "tables"
    page = lines(doc.pages[0])
    assert page[:2] == ["附件2", "项目支出绩效自评表（横排）"]
    assert page[-1] == "填表人：李四"
    assert cell_text(doc, 1, 3, 4) == "220.00"


def test_a_page_whose_text_runs_sideways_is_read_turned_upright():
    doc = load(PDF / "sideways.pdf")                    # rotated.pdf without its /Rotate: shown sideways
    page = lines(doc.pages[0])
    assert page[:2] == ["附件2", "项目支出绩效自评表（横排）"] and page[-1] == "填表人：李四"
    assert "年度资金总额 | 200.00 | 220.00 | 209.00 | 10 | 95.00% | 9.50" in page   # columns from the gaps
    assert doc.page_info[0].method == "text"           # tables are searched in the page as shown only


def test_glyph_angles_are_asked_of_pdfium_only_on_pages_with_turned_text(monkeypatch):
    pdf = pdfium.PdfDocument(TEXT)
    tilts = [math.degrees(survey(pdf[i]).tilt) for i in range(len(pdf))]
    assert tilts[:2] == [0, 0] and tilts[2] == pytest.approx(45)           # page 3 has a diagonal watermark
    asked = []
    angle_of = pdf_reader._angle_of
    monkeypatch.setattr(pdf_reader, "_angle_of", lambda handle, k: asked.append(k) or angle_of(handle, k))
    doc = load(TEXT)
    assert len(asked) == len(pdf[2].get_textpage().get_text_range().replace(" ", "").replace("\r\n", ""))
    assert lines(doc.pages[2]) == ["三、自评结论", "本项目自评得分92分，等级为优。"]   # the watermark still dropped
    assert [math.degrees(survey(pdfium.PdfDocument(f)[0]).tilt) for f in (ROTATED, PDF / "sideways.pdf")] == \
        [pytest.approx(90), pytest.approx(90)]


@pytest.fixture
def spies(monkeypatch):
    calls = {"find_tables": 0, "render": 0}
    find_tables, render = pdf_reader._tables, pdfium.PdfPage.render

    def spy_find_tables(*a, **k):
        calls["find_tables"] += 1
        return find_tables(*a, **k)

    def spy_render(self, *a, **k):
        calls["render"] += 1
        return render(self, *a, **k)

    monkeypatch.setattr(pdf_reader, "_tables", spy_find_tables)
    monkeypatch.setattr(pdfium.PdfPage, "render", spy_render)
    return calls


def test_text_pages_cost_no_table_search_and_no_rendering(spies):
    doc = load(TEXT)
    assert [p.method for p in doc.page_info] == ["text", "text", "text"]
    assert spies == {"find_tables": 0, "render": 0}


def test_only_the_ruled_page_is_searched_for_tables(spies):
    doc = load(TABLE)
    assert [p.method for p in doc.page_info] == ["text", "tables", "text"]
    assert spies == {"find_tables": 1, "render": 0}       # one search, of that page


def test_a_picture_filling_most_of_a_page_under_a_heading_is_read_by_ocr(monkeypatch, spies):
    monkeypatch.setattr(ocr, "engine", lambda: object())
    monkeypatch.setattr(ocr, "read", lambda image: [ocr.OcrLine("2023年全年预算数86.40万元", 0.97, 10, 300, 900, 340)])
    doc = load(PASTED)
    assert [p.method for p in doc.page_info] == ["ocr"] and doc.source.ocr
    assert lines(doc.pages[0]) == ["2023年全年预算数86.40万元"]       # the typed heading is read by OCR too
    assert spies["render"] == 1


# ---------------------------------------------------------------- files that cannot be read

def test_a_blank_page_is_a_page_with_nothing_on_it(tmp_path, spies):
    import io
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    buf = io.BytesIO()
    pdf.save(buf)
    (tmp_path / "blank.pdf").write_bytes(buf.getvalue())
    doc = load(tmp_path / "blank.pdf")
    assert doc.pages == ("",) and doc.page_info[0].method == "none" and not doc.source.ocr
    assert spies == {"find_tables": 0, "render": 0}


def test_password_protected_pdf_says_how_to_remove_the_password():
    with pytest.raises(LoadError, match=r"password-protected.*qpdf --decrypt"):
        load(PDF / "encrypted.pdf")


def test_damaged_pdf_is_a_failed_record_with_a_reason(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage\n%%EOF\n")
    record = extract_file(bad)
    assert record.status == "failed"
    assert "damaged" in record.error and "qpdf" in record.error


def test_truncated_pdf_says_so(tmp_path):
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(TABLE.read_bytes()[:20000])
    record = extract_file(cut)
    assert record.status == "failed" and "truncated" in record.error


def test_a_file_that_is_no_pdf_says_so(tmp_path):
    fake = tmp_path / "report.pdf"
    fake.write_bytes("这不是PDF文件".encode("utf-8") * 20)
    with pytest.raises(LoadError, match="not a PDF"):
        load(fake)


# ---------------------------------------------------------------- end to end

def test_budget_from_a_pdf_table_has_evidence_in_the_printed_text():
    record = extract_file(TABLE)
    text = text_of(TABLE).text
    total = record.budget.total_yuan
    assert record.status == "ok" and total.value == 2200000
    ev = total.evidence
    assert text[ev.start:ev.end] == ev.text and "220.00" in ev.text
    assert (ev.page, ev.table, ev.row, ev.col) == (2, 1, 3, 4)
    assert ev.confidence is None                             # read from the text layer, not by OCR
    assert record.source.pages == 3 and record.source.ocr is False


def test_budget_from_pdf_narrative_has_evidence_in_the_printed_text():
    record = extract_file(TEXT)
    text = text_of(TEXT).text
    total = record.budget.total_yuan
    assert total.value == 12500000
    assert text[total.evidence.start:total.evidence.end] == total.evidence.text == "1250.00万元"
    assert total.evidence.page == 1

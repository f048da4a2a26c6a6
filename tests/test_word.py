"""The Word reader (.docx): paragraphs and tables in document order, merged cells once, forced page
breaks honoured, damaged files refused with a message a person can act on.

Every document is made here with python-docx, so no binary is committed.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_BREAK
from docx.oxml import parse_xml

from pipeline import extract_file
from pipeline.readers.load import LoadError, load

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
ORG = "白鹭市柳塘区市场监督管理局"
TITLE = f"{ORG}2023年度消费维权项目绩效自评报告"
PARAS = [
    TITLE,
    "一、项目基本情况",
    f"消费维权项目由{ORG}组织实施，资金主要用于食品安全抽检和计量检定。",
    "二、自评结论",
    "经自评，本项目绩效自评得分98.28分，评价等级为“优”。",
]

# the 自评表 as Word lays it out: 8 grid columns; (row, col, rows, cols) of each merged cell
HEADER = ["", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
ROWS = [
    ["项目名称", "消费维权", "", "", "", "", "", ""],
    ["项目资金（万元）"] + HEADER[1:],
    ["", "年度资金总额", "112.11", "112.11", "109.65", "10", "97.81%", "9.78"],
    ["", "其中：当年财政拨款", "112.11", "112.11", "109.65", "—", "97.81%", "—"],
    ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析"],
    ["产出指标", "数量指标", "特种设备检查台数", "≥3900台", "3769台", "20", "18", "部分设备停用"],
    ["", "质量指标", "检定结果准确率", "100%", "100%", "20", "20", "无"],
    ["总分", "", "", "", "", "100", "98.28", "优"],
]
MERGES = [(0, 1, 1, 7), (1, 0, 3, 1), (5, 0, 2, 1), (7, 0, 1, 5)]


def self_evaluation_table(d) -> None:
    table = d.add_table(rows=len(ROWS), cols=len(ROWS[0]))
    for r, c, rows, cols in MERGES:
        table.cell(r, c).merge(table.cell(r + rows - 1, c + cols - 1))
    for r, row in enumerate(ROWS):
        for c, text in enumerate(row):
            if text:
                table.cell(r, c).paragraphs[0].add_run(text)


def report(page_break: bool = True) -> docx.Document:
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "页眉：内部资料"
    d.sections[0].footer.paragraphs[0].text = "第 1 页 共 2 页"
    for text in PARAS:
        d.add_paragraph(text)
    d.add_paragraph("")                                  # empty paragraphs are dropped
    if page_break:
        d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    d.add_paragraph("附件：项目支出绩效自评表")
    d.add_paragraph("（2023年度）")
    self_evaluation_table(d)
    d.add_paragraph(f"填报单位：{ORG}")
    return d


def save(d, path: Path) -> Path:
    d.save(str(path))
    return path


def cells_of(raw) -> dict[tuple[int, int, int], str]:
    text = "\f".join(raw.pages)
    return {(c.table, c.row, c.col): text[c.start:c.end] for c in raw.cells}


def test_paragraphs_and_table_in_document_order(tmp_path):
    raw = load(save(report(page_break=False), tmp_path / "r.docx"))
    assert raw.source.format == "docx" and raw.source.pages == 1
    lines = raw.pages[0].splitlines()
    assert lines[:len(PARAS)] == PARAS
    assert lines[len(PARAS):len(PARAS) + 2] == ["附件：项目支出绩效自评表", "（2023年度）"]
    assert lines[len(PARAS) + 2] == "项目名称 | 消费维权 |  |  |  |  |  | "
    assert lines[len(PARAS) + 3] == "项目资金（万元） |  | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分"
    assert lines[len(PARAS) + 4] == " | 年度资金总额 | 112.11 | 112.11 | 109.65 | 10 | 97.81% | 9.78"
    assert lines[-2] == "总分 |  |  |  |  | 100 | 98.28 | 优"
    assert lines[-1] == f"填报单位：{ORG}"
    assert "" not in lines


def test_merged_cells_appear_once_at_their_top_left(tmp_path):
    raw = load(save(report(), tmp_path / "r.docx"))
    cells = cells_of(raw)
    assert {k: v for k, v in cells.items() if k[1] == 1} == {(1, 1, 1): "项目名称", (1, 1, 2): "消费维权"}
    assert cells[(1, 2, 1)] == "项目资金（万元）"
    assert (1, 3, 1) not in cells and (1, 4, 1) not in cells         # vertical merge continues: empty
    assert cells[(1, 3, 2)] == "年度资金总额"
    assert [cells[(1, 3, c)] for c in range(3, 9)] == ["112.11", "112.11", "109.65", "10", "97.81%", "9.78"]
    assert cells[(1, 6, 1)] == "产出指标" and (1, 7, 1) not in cells
    assert cells[(1, 7, 3)] == "检定结果准确率"
    assert cells[(1, 8, 1)] == "总分" and cells[(1, 8, 6)] == "100" and cells[(1, 8, 7)] == "98.28"
    assert not any((1, 8, c) in cells for c in (2, 3, 4, 5))        # a horizontal span: text once
    for word in ("项目资金（万元）", "产出指标", "消费维权", "总分"):
        assert raw.pages[1].count(word) == 1                        # the table's page


def test_headers_and_footers_are_not_read(tmp_path):
    text = "\f".join(load(save(report(), tmp_path / "r.docx")).pages)
    assert "页眉" not in text and "第 1 页" not in text


def test_a_forced_page_break_starts_a_page(tmp_path):
    raw = load(save(report(page_break=True), tmp_path / "r.docx"))
    assert raw.source.pages == 2
    assert raw.pages[0].splitlines() == PARAS
    assert raw.pages[1].startswith("附件：项目支出绩效自评表\n（2023年度）\n项目名称 | 消费维权")
    assert [p.tables for p in raw.page_info] == [0, 1]
    first_cell = min(raw.cells, key=lambda c: c.start)
    assert "\f".join(raw.pages)[first_cell.start:first_cell.end] == "项目名称"


def test_page_break_before_and_section_breaks(tmp_path):
    d = docx.Document()
    d.add_paragraph("封面：2023年度部门整体支出绩效自评报告")
    d.add_paragraph("一、部门概况").paragraph_format.page_break_before = True
    d.add_paragraph("本部门内设机构5个。")
    d.add_section()                                  # a new section starts on a new page (nextPage)
    d.add_paragraph("二、自评结论")
    raw = load(save(d, tmp_path / "s.docx"))
    assert [p.splitlines() for p in raw.pages] == [["封面：2023年度部门整体支出绩效自评报告"],
                                                  ["一、部门概况", "本部门内设机构5个。"], ["二、自评结论"]]


def test_run_text_in_links_and_insertions_deleted_text_left_out(tmp_path):
    d = docx.Document()
    p = d.add_paragraph("全年预算数")
    p._p.append(parse_xml(f'<w:hyperlink {W}><w:r><w:t>1150.50</w:t></w:r></w:hyperlink>'))
    p._p.append(parse_xml(f'<w:del {W} w:id="1" w:author="a"><w:r><w:delText>1200</w:delText></w:r></w:del>'))
    p._p.append(parse_xml(f'<w:ins {W} w:id="2" w:author="a"><w:r><w:t>万元</w:t></w:r></w:ins>'))
    p.add_run("，执行率").add_tab()
    p.add_run("100%")
    raw = load(save(d, tmp_path / "l.docx"))
    assert raw.pages[0] == "全年预算数1150.50万元，执行率 100%\n"


def test_nested_table_is_flattened_into_its_cell(tmp_path):
    d = docx.Document()
    outer = d.add_table(rows=2, cols=2)
    outer.cell(0, 0).text = "项目名称"
    outer.cell(0, 1).text = "消费维权"
    outer.cell(1, 0).text = "资金情况"
    inner = outer.cell(1, 1).add_table(rows=2, cols=2)
    for r, row in enumerate([["全年预算数", "112.11"], ["全年执行数", "109.65"]]):
        for c, text in enumerate(row):
            inner.cell(r, c).text = text
    raw = load(save(d, tmp_path / "n.docx"))
    cells = cells_of(raw)
    assert cells[(1, 2, 2)] == "全年预算数 112.11 全年执行数 109.65"
    assert max(c.table for c in raw.cells) == 1
    assert raw.pages[0].count("全年预算数") == 1


def test_a_one_column_frame_is_read_as_body_with_its_table(tmp_path):
    d = docx.Document()
    frame = d.add_table(rows=1, cols=1)
    cell = frame.cell(0, 0)
    cell.paragraphs[0].text = "项目支出绩效自评表"
    inner = cell.add_table(rows=2, cols=3)
    for r, row in enumerate([["全年预算数", "全年执行数", "执行率"], ["112.11", "109.65", "97.81%"]]):
        for c, text in enumerate(row):
            inner.cell(r, c).text = text
    raw = load(save(d, tmp_path / "f.docx"))
    assert raw.pages[0] == "项目支出绩效自评表\n全年预算数 | 全年执行数 | 执行率\n112.11 | 109.65 | 97.81%\n"
    assert cells_of(raw)[(1, 2, 3)] == "97.81%"


def test_word_list_numbers_are_written_as_word_draws_them(tmp_path):
    """一、 and （一） drawn by Word's numbering (not typed) are part of the text a person reads."""
    d = docx.Document()
    numbering = d.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {W} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>'
        '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>'
        '</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {W} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for level, text in [(0, "项目基本情况"), (1, "项目概况"), (1, "资金情况"), (2, "预算安排"), (0, "绩效目标完成情况"),
                        (1, "产出"), (None, "正文段落不编号。")]:
        p = d.add_paragraph(text)
        if level is not None:
            p._p.get_or_add_pPr().append(parse_xml(
                f'<w:numPr {W}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))
    d.add_paragraph("第一点", style="List Bullet")                    # a bullet draws no text
    raw = load(save(d, tmp_path / "numbered.docx"))
    assert raw.pages[0].splitlines() == ["一、项目基本情况", "（一）项目概况", "（二）资金情况", "1.预算安排",
                                         "二、绩效目标完成情况", "（一）产出", "正文段落不编号。", "第一点"]


def test_a_text_box_is_read_once_after_its_anchor(tmp_path):
    d = docx.Document()
    anchor = d.add_paragraph("封面")
    box = ('<w:txbxContent><w:p><w:r><w:t>某某局2023年度部门整体支出绩效自评报告</w:t></w:r></w:p></w:txbxContent>')
    anchor._p.append(parse_xml(
        f'<w:r {W} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:v="urn:schemas-microsoft-com:vml"><mc:AlternateContent>'
        f'<mc:Choice Requires="wps"><w:drawing><wps:txbx>{box}</wps:txbx></w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict><v:textbox>{box}</v:textbox></w:pict></mc:Fallback>'
        '</mc:AlternateContent></w:r>'))
    d.add_paragraph("一、部门概况")
    raw = load(save(d, tmp_path / "box.docx"))
    assert raw.pages[0].splitlines() == ["封面", "某某局2023年度部门整体支出绩效自评报告", "一、部门概况"]


def _docx_bytes() -> bytes:
    buf = io.BytesIO()
    report().save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("content,words", [
    (b"this is not a word document at all", ["not a valid .docx", "save as .docx"]),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), ["legacy Word", "libreoffice --headless --convert-to docx"]),
    (b"%PDF-1.7\n" + bytes(100), ["PDF", "rename it to .pdf"]),
    (b"<html><body>report</body></html>", ["web page", ".html"]),
], ids=["garbage", "doc", "pdf", "html"])
def test_a_file_that_is_not_a_docx_fails_with_what_to_do(tmp_path, content, words):
    path = tmp_path / "bad.docx"
    path.write_bytes(content)
    with pytest.raises(LoadError) as e:
        load(path)
    for word in words:
        assert word in str(e.value)


def test_a_truncated_docx_fails_with_what_to_do(tmp_path):
    path = tmp_path / "cut.docx"
    path.write_bytes(_docx_bytes()[:3000])
    with pytest.raises(LoadError, match=r"not a valid \.docx .*open it in Word/WPS and save as \.docx"):
        load(path)


def test_a_workbook_renamed_docx_says_rename_it(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    path = tmp_path / "book.docx"
    path.write_bytes(buf.getvalue())
    with pytest.raises(LoadError, match=r"Excel workbook.*rename it to \.xlsx"):
        load(path)


def test_a_broken_docx_gives_a_failed_record_not_an_exception(tmp_path):
    path = tmp_path / "cut.docx"
    path.write_bytes(_docx_bytes()[:3000])
    record = extract_file(path)
    assert record.status == "failed" and "save as .docx" in record.error


def test_end_to_end_a_word_report(tmp_path):
    record = extract_file(save(report(), tmp_path / "report.docx"))
    assert record.status == "ok", record.error
    assert record.source.format == "docx" and record.source.pages == 2
    assert record.organization.value == ORG
    assert record.fiscal_year.value == 2023
    assert record.report_type.value == "project"

"""The Excel reader (.xlsx): a page per visible worksheet, its used range one table, values shown
as their number format shows them, merged cells once, damaged files refused with what to do.

Every workbook is made here with openpyxl, so no binary is committed.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from pipeline import extract_file
from pipeline.readers.load import LoadError, load
from pipeline.readers.sheet import display

ORG = "白鹭市柳塘区市场监督管理局"
NARRATIVE = ("一、项目基本情况。消费维权项目由" + ORG + "组织实施，资金主要用于食品安全抽检、特种设备检查和计量检定，"
             "全年共检查特种设备3769台，办结投诉举报5808件。") * 3


def self_evaluation_sheet(ws) -> None:
    """The national 项目支出绩效自评表, figures stored as numbers under their number formats."""
    ws.title = "自评表"
    ws["A1"] = "项目支出绩效自评表"
    ws.merge_cells("A1:H1")
    ws["A2"] = "（2023年度）"
    ws.merge_cells("A2:H2")
    ws.append(["项目名称", "消费维权"])
    ws.merge_cells("B3:H3")
    ws.append(["主管部门", ORG, None, None, "实施单位", ORG])
    ws.merge_cells("B4:D4")
    ws.merge_cells("F4:H4")
    ws.append(["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    ws.append([None, "年度资金总额", 112.11, 112.11, 109.65, 10, 0.978056, 9.78])
    ws.append([None, "其中：当年财政拨款", 112.11, 1150.5, 1150.0, "—", 0.978056, "—"])
    ws.merge_cells("A5:A7")
    for row in (6, 7):
        for col in "CDE":
            ws[f"{col}{row}"].number_format = "0.00"
        ws[f"H{row}"].number_format = "0.00"
    ws["G6"].number_format = "0.00%"
    ws["G7"].number_format = "0%"
    ws["E7"].number_format = "General"
    ws.append(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析"])
    ws.append(["产出指标", "数量指标", "特种设备检查台数", "≥3900台", "3769台", 20, 18, "部分设备停用"])
    ws.append([None, "质量指标", "检定结果准确率", "100%", "100%", 20, 20, "无"])
    ws.merge_cells("A9:A10")
    ws.append(["总分", None, None, None, None, 100, "=SUM(G9:G10)", "优"])     # never calculated: no cached value
    ws.merge_cells("A11:E11")
    ws.append(["填报日期", dt.datetime(2024, 3, 13)])
    ws["B12"].number_format = 'yyyy"年"m"月"d"日"'


def workbook() -> Workbook:
    wb = Workbook()
    self_evaluation_sheet(wb.active)
    notes = wb.create_sheet("说明")
    notes["C3"] = NARRATIVE                        # the used range starts at C3: trimmed to it
    notes["C4"] = "二、自评结论：自评得分98.28分。"
    hidden = wb.create_sheet("底稿")
    hidden["A1"] = "隐藏底稿数据"
    hidden["B1"] = 1
    hidden.sheet_state = "hidden"
    return wb


def save(wb: Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def cells_of(raw) -> dict[tuple[int, int, int], str]:
    text = "\f".join(raw.pages)
    return {(c.table, c.row, c.col): text[c.start:c.end] for c in raw.cells}


def test_each_visible_sheet_is_a_page_with_one_table(tmp_path):
    raw = load(save(workbook(), tmp_path / "r.xlsx"))
    assert raw.source.format == "xlsx" and raw.source.pages == 2
    assert [p.tables for p in raw.page_info] == [1, 1]
    assert "隐藏底稿数据" not in "\f".join(raw.pages)
    lines = raw.pages[0].splitlines()
    assert lines[:2] == ["项目支出绩效自评表", "（2023年度）"]          # the title rows, above the table
    assert lines[2:5] == [
        "项目名称 | 消费维权 |  |  |  |  |  | ",
        f"主管部门 | {ORG} |  |  | 实施单位 | {ORG} |  | ",
        "项目资金（万元） |  | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分",
    ]
    assert lines[5] == " | 年度资金总额 | 112.11 | 112.11 | 109.65 | 10 | 97.81% | 9.78"
    assert lines[6] == " | 其中：当年财政拨款 | 112.11 | 1150.50 | 1150 | — | 98% | —"
    assert lines[-2] == "总分 |  |  |  |  | 100 |  | 优"
    assert lines[-1] == "填报日期 | 2024-03-13 |  |  |  |  |  | "


def test_cells_merged_once_and_formatted_as_shown(tmp_path):
    cells = cells_of(load(save(workbook(), tmp_path / "r.xlsx")))
    assert cells[(1, 1, 1)] == "项目名称" and cells[(1, 1, 2)] == "消费维权"
    assert not any((1, 1, c) in cells for c in range(3, 9))         # B3:H3 merged: text once
    assert cells[(1, 3, 1)] == "项目资金（万元）"
    assert (1, 4, 1) not in cells and (1, 5, 1) not in cells        # A5:A7 merged down
    assert cells[(1, 4, 2)] == "年度资金总额"
    assert [cells[(1, 4, c)] for c in range(3, 9)] == ["112.11", "112.11", "109.65", "10", "97.81%", "9.78"]
    assert cells[(1, 5, 4)] == "1150.50" and cells[(1, 5, 5)] == "1150" and cells[(1, 5, 7)] == "98%"
    assert cells[(1, 7, 1)] == "产出指标" and (1, 8, 1) not in cells
    assert cells[(1, 8, 3)] == "检定结果准确率"
    assert (1, 9, 7) not in cells                                   # a formula with no cached value: ""


def test_a_narrative_sheet_is_trimmed_to_its_used_range(tmp_path):
    raw = load(save(workbook(), tmp_path / "r.xlsx"))
    assert raw.pages[1] == NARRATIVE + "\n二、自评结论：自评得分98.28分。\n"
    cells = {k: v for k, v in cells_of(raw).items() if k[0] == 2}
    assert cells == {(2, 1, 1): NARRATIVE, (2, 2, 1): "二、自评结论：自评得分98.28分。"}


def test_a_stray_far_cell_does_not_widen_the_table(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["全年预算数", 112.11])
    ws["XFD1000"] = "备注"                          # the last column Excel has
    raw = load(save(wb, tmp_path / "far.xlsx"))
    assert raw.pages[0] == "全年预算数 | 112.11 | \n |  | 备注\n"


@pytest.mark.parametrize("value,fmt,shown", [
    (0.95, "0.00%", "95.00%"), (0.95, "0%", "95%"), (0.97805, "0.00%", "97.81%"),
    (1150.5, "0.00", "1150.50"), (1150, "0.00", "1150.00"), (1150.0, "General", "1150"),
    (1150.5, "G/通用格式", "1150.5"), (0.1 + 0.2, "General", "0.3"), (2.675, "0.00", "2.68"),
    (1150.5, "#,##0.00", "1,150.50"), (12345.678, "0.00_ ", "12345.68"), (1150.5, '0.00"万元"', "1150.50万元"),
    (98, 'G/通用格式"分"', "98分"), (1150.5, '"¥"#,##0.00', "¥1,150.50"), (-5, "#,##0.00_);[Red]\\(#,##0.00\\)", "(5.00)"),
    (-5, "0.00", "-5.00"), (0, '_ * #,##0.00_ ;_ * \\-#,##0.00_ ;_ * "-"??_ ;_ @_ ', "-"),
    (1234567, "#,##0,", "1,235"), (12345.6, "0.00E+00", "1.23E+04"),
    (dt.datetime(2024, 3, 13), 'yyyy"年"m"月"d"日"', "2024-03-13"), (dt.date(2024, 3, 13), "yyyy-mm-dd", "2024-03-13"),
    (dt.datetime(2024, 3, 13, 8, 30), "yyyy-mm-dd h:mm", "2024-03-13 08:30:00"), (True, "General", "TRUE"),
])
def test_values_display_as_their_number_format_shows_them(value, fmt, shown):
    assert display(value, fmt) == shown


def _xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    workbook().save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("content,words", [
    (b"PK\x03\x04 this zip is cut short", ["not a valid .xlsx", "save as .xlsx"]),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), ["legacy Excel", "libreoffice --headless --convert-to xlsx"]),
    (b"<html><table><tr><td>1</td></tr></table></html>", ["web page", "rename it to .html"]),
    ("项目,全年预算数\n消费维权,112.11\n".encode("gb18030"), ["plain text", "save as .xlsx"]),
    (bytes(range(256)) * 4, ["not a valid .xlsx"]),
], ids=["garbage-zip", "xls", "html", "csv", "binary"])
def test_a_file_that_is_not_an_xlsx_fails_with_what_to_do(tmp_path, content, words):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(LoadError) as e:
        load(path)
    for word in words:
        assert word in str(e.value)


def test_a_truncated_xlsx_fails_with_what_to_do(tmp_path):
    path = tmp_path / "cut.xlsx"
    path.write_bytes(_xlsx_bytes()[:2500])
    with pytest.raises(LoadError, match=r"not a valid \.xlsx .*open it in Excel/WPS and save as \.xlsx"):
        load(path)
    record = extract_file(path)
    assert record.status == "failed" and "save as .xlsx" in record.error


def test_a_word_document_renamed_xlsx_says_rename_it(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    path = tmp_path / "doc.xlsx"
    path.write_bytes(buf.getvalue())
    with pytest.raises(LoadError, match=r"Word document.*rename it to \.docx"):
        load(path)


def test_a_workbook_of_uncalculated_formulas_says_to_save_it_in_excel(tmp_path):
    wb = Workbook()
    wb.active["A1"] = "=1+1"
    wb.active["B1"] = "=A1*2"
    with pytest.raises(LoadError, match=r"formulas without saved results.*open it in Excel/WPS, save it"):
        load(save(wb, tmp_path / "formulas.xlsx"))


def test_end_to_end_a_self_evaluation_workbook(tmp_path):
    record = extract_file(save(workbook(), tmp_path / "report.xlsx"))
    assert record.status == "ok", record.error
    assert record.source.format == "xlsx" and record.source.pages == 2
    assert record.organization.value == ORG
    assert record.fiscal_year.value == 2023

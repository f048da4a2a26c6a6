"""The 自评表 of each generated project report, read from ruled cells, gives every indicator row and
every fund row exactly as the gold records them, each value with the table cell it came from."""
import json
import unicodedata

import pytest

from tests.conftest import CORPUS, record_of

SYNTH = CORPUS / "synth"
INDICATOR = ("level1", "level2", "level3", "target", "actual", "weight", "score")
FUND = ("initial_yuan", "total_yuan", "executed_yuan", "weight", "rate_pct", "score")
TABLE_FORMATS = (".pdf", ".docx", ".html", ".xlsx")


def _gold(stem: str) -> dict:
    return json.loads((SYNTH / f"{stem}.json").read_text(encoding="utf-8"))


def _nfkc(s):
    return unicodedata.normalize("NFKC", s) if isinstance(s, str) else s


def _cases():
    for gold_path in sorted(SYNTH.glob("syn-proj-*.json")):
        for suffix in TABLE_FORMATS:
            path = gold_path.with_suffix(suffix)
            if path.exists():
                yield pytest.param(path, id=path.name)


@pytest.mark.parametrize("path", list(_cases()))
def test_every_indicator_row(path):
    gold = _gold(path.name.split(".")[0])["indicators"]
    rows = [i for i in record_of(path).indicators if i.evidence.rule == "table.indicator_row"]
    got = [{k: _nfkc(getattr(i, k)) for k in INDICATOR} for i in rows]
    assert got == [{k: _nfkc(g[k]) for k in INDICATOR} for g in gold]
    for i in rows:
        assert i.evidence.table is not None and i.evidence.row is not None
        assert i.level3 in i.evidence.text


@pytest.mark.parametrize("path", list(_cases()))
def test_every_fund_row(path):
    gold = _gold(path.name.split(".")[0])["funds"]
    funds = record_of(path).funds
    assert [(f.role, _nfkc(f.label)) for f in funds] == [(g["role"], _nfkc(g["label"])) for g in gold]
    for f, g in zip(funds, gold):
        for k in FUND:
            fact = getattr(f, k)
            assert (None if fact is None else fact.value) == (None if g[k] is None else pytest.approx(g[k])), (f.label, k)
            if fact is not None:
                assert fact.evidence.table is not None and fact.evidence.col is not None, (f.label, k)


# a 自评表 whose header has two rows (the groups 年度指标值 … 偏差原因 over 一级指标 … 度量单位), flattened one
# cell per line: the group row comes first, so 分值 stands before 三级指标 in the text
TWO_ROW_HEADER = "\n".join([
    "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施",
    "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位",
    "产出指标", "数量指标", "受助学生人数", "≥", "420", "人", "431", "10", "10",
    "质量指标", "补助发放准确率", "=", "100", "%", "100%", "10", "8", "一户信息录入有误",
    "总分", "100", "95",
])


def test_a_two_row_header_flattened_one_cell_per_line_reads_its_rows_in_column_order():
    from pipeline import extract_text
    rows = extract_text("青石县某某中学2023年度项目支出绩效自评表\n" + TWO_ROW_HEADER).indicators
    assert [(i.level3, i.target, i.actual, i.weight, i.score) for i in rows] == [
        ("受助学生人数", "≥420人", "431", 10, 10), ("补助发放准确率", "=100%", "100%", 10, 8)]


def test_a_two_row_header_flattened_onto_one_line_reads_its_rows_in_column_order():
    """The same header on one | line after a 总体目标 block whose 预期目标 | 实际完成情况 name columns
    too: only the run of named cells just before 一级指标 is the header's group row."""
    from pipeline import extract_text
    one_line = ("| 年度总体目标 | 预期目标 | 实际完成情况 | 按时发放补助 | 补助全部发放 | 绩效指标 | "
                + " | ".join(TWO_ROW_HEADER.split("\n")[:20]) + " |\n"
                "| 质量指标 | 补助发放准确率 | = | 100 | % | 100% | 10 | 8 |\n")
    rows = extract_text("青石县某某中学2023年度项目支出绩效自评表\n" + one_line).indicators
    assert [(i.level1, i.level2, i.level3, i.target, i.actual, i.weight, i.score) for i in rows] == [
        ("产出指标", "数量指标", "受助学生人数", "≥420人", "431", 10, 10),
        ("产出指标", "质量指标", "补助发放准确率", "=100%", "100%", 10, 8)]


def test_a_header_whose_score_columns_come_before_the_names_is_not_read_and_stops_nothing():
    from pipeline import extract_text
    scrambled = TWO_ROW_HEADER.replace("一级指标\n", "").replace("二级指标\n", "")
    r = extract_text("青石县某某中学2023年度项目支出绩效自评表\n" + scrambled)
    assert r.status == "ok" and r.fiscal_year.value == 2023


def test_a_row_broken_across_lines_still_opens_its_level_for_the_rows_after_it():
    """效益指标 | 经济效益指标 | 带动农户增收 has its figures on later lines (so it is no row), but the
    next row's 社会效益指标 belongs to 效益指标, not to the 产出指标 read before."""
    from pipeline import extract_text
    text = ("青石县某某中学2023年度项目支出绩效自评表\n"
            "| 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 |\n"
            "| 产出指标 | 数量指标 | 受助学生人数 | ≥420人 | 431人 | 20 | 20 |\n"
            "| 效益指标 | 经济效益指标 | 带动农户增收 |\n"
            "| 有效 |\n"
            "| 有效 | 10 | 10 |\n"
            "| 社会效益指标 | 补助政策宣传覆盖率 | ≥90% | 95% | 10 | 10 |\n")
    rows = extract_text(text).indicators
    assert [(i.level1, i.level2, i.level3) for i in rows] == [
        ("产出指标", "数量指标", "受助学生人数"), ("效益指标", "社会效益指标", "补助政策宣传覆盖率")]

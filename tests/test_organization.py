"""pipeline.extract.organization: the name grammar and the sources it trusts (invented names throughout)."""
import pytest

from pipeline import extract_text
from pipeline.extract.organization import _abbreviates, _inside_citation, _suffix_end


def org(text: str):
    fact = extract_text(text).organization
    return None if fact is None else fact.value


@pytest.mark.parametrize("name,end", [
    ("青石县财政局", 6),
    ("青石县人民武装部", 8),
    ("第二部分", 0),                  # 部分 is a word
    ("青石县财政处室", 0),            # 处室 is a word
    ("青石县审计局委托", 6),          # 委托 runs on: the name ends at 局
    ("青石县第一中学(xué)", 7),       # a pinyin gloss after the suffix is no word
    ("青石县云湖排灌站涵工程", 0),     # 站涵 (stations and culverts) is a word
    ("青石县果蔬科创基地", 0),         # 科创 is a word
    ("青石驻京办事处", 7),             # 办事处 is a body, not 办 and 事
])
def test_suffix_ends_a_word(name, end):
    assert _suffix_end(name) == end


@pytest.mark.parametrize("short,full,expect", [
    ("卫健委", "青石县卫生健康委员会", True),
    ("云管委", "区云湖旅游区管委会", True),
    ("农业科", "农业工作科", False),        # two sections, not a short form
    ("财政局", "青石县人民政府", False),
])
def test_abbreviation(short, full, expect):
    assert _abbreviates(short, full) is expect


def test_inside_citation():
    text = "根据《青石县财政局关于开展绩效自评的通知》,青石县水利局开展自评"
    assert _inside_citation(text, text.index("青石县财政局"))
    assert not _inside_citation(text, text.index("青石县水利局"))


def test_table_prefers_implementing_unit_in_a_project_report():
    text = ("2023年度河道整治项目支出绩效自评表\n项目名称 | 河道整治 |\n主管部门 | 青石县水利局 |\n"
            "实施单位 | 青石县河道管理所 |\n")
    assert org(text) == "青石县河道管理所"


def test_breadcrumb_and_banner_are_no_name():
    text = ("欢迎进入青石县水利局网站!\n您当前所在位置:首页 > 资金公示 > 绩效评价\n"
            "青石县水利专项资金2023年度绩效自评报告\n一、基本情况\n")
    assert org(text) is None


def test_the_title_wins_over_a_publisher_line():
    text = "青石县林业局2023年度部门整体支出绩效自评报告\n来源:青石县财政局\n一、基本情况\n"
    assert org(text) == "青石县林业局"


def test_one_of_several_projects_implementing_unit_is_not_the_reports():
    """A report on several projects names each one's 实施单位 under its numbered item: the unit that
    reports is the title's."""
    text = ("青石县财政局2023年度项目支出绩效自评报告\n我局对2023年预算批复的9个项目开展了绩效自评。\n"
            "一、基本情况\n1.政务平台运维经费\n项目实施单位:青石县财政局信息中心。\n项目资金批复30万元。\n")
    assert org(text) == "青石县财政局"

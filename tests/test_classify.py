"""classify: the report type and year are read from the title, and their evidence is the title's text."""
from pipeline.api import extract_text, text_layer
from pipeline.extract.classify import _title_segments, type_readings

FURNITURE = "您所在的位置:网站首页 > 政务公开 > 财政资金\n发布时间:2024-03-01 来源:某某县财政局 浏览次数:12\n"


def test_evidence_is_the_title_line_not_the_furniture_above_it():
    text = FURNITURE + "某某县文化馆2023年度部门整体支出绩效自评报告\n一、部门基本情况\n"
    r, layer = extract_text(text), text_layer(text).text
    ev = r.report_type.evidence
    assert r.report_type.value == "department"
    assert layer[ev.start:ev.end] == ev.text == "某某县文化馆2023年度部门整体支出绩效自评报告"


def test_prose_naming_the_report_comes_after_every_title_line():
    doc = text_layer("按照财政局部署,本局已完成部门整体支出绩效自评,有关情况报告如下。\n某某县水库除险加固项目绩效自评表\n")
    rule_ids = [rule for _, _, rule in _title_segments(doc)]
    assert rule_ids == ["title.performance", "title.sentence"]


def test_an_untitled_report_is_typed_by_its_opening_not_by_later_body_words():
    body = "一、部门基本情况\n某某县文化馆内设三个股室。\n" + "本馆工作平稳。" * 40 + "\n附:某某项目转移支付资金明细\n"
    r = extract_text(body)
    assert r.report_type.value == "department"
    assert r.report_type.evidence.start < 200


def test_a_year_cited_in_a_document_title_is_not_the_fiscal_year():
    r = extract_text("一、资金下达情况\n根据《关于提前下达2025年文化补助资金的通知》,2024年下达资金50万元,2024年全部拨付。")
    assert r.fiscal_year.value == 2024


def test_an_untitled_notice_is_other_though_its_table_names_projects():
    text = "各乡镇人民政府:\n现将2024年青石县河道清淤补助资金下达给你们,请抓紧实施。\n项目名称 | 河道清淤 |\n"
    r, layer = extract_text(text), text_layer(text).text
    ev = r.report_type.evidence
    assert (r.report_type.value, ev.rule) == ("other", "opening.other")
    assert layer[ev.start:ev.end].startswith("现将") and layer[ev.start:ev.end].endswith("下达给你们")


def test_a_titled_self_evaluation_keeps_its_type_whatever_its_opening_says():
    r = extract_text("青石县2023年度河道清淤项目绩效自评表\n县财政局现下达补助资金50万元。\n项目名称 | 河道清淤 |\n")
    assert r.report_type.value == "project"


def test_type_readings_part_what_a_title_word_decides_from_the_fallback():
    worded, unworded, region = type_readings(text_layer("云溪镇人民政府2024年度绩效自评报告\n一、基本情况\n"))
    assert (worded, unworded.value, region) == (None, "department", "云溪镇人民政府2024年度绩效自评报告")
    worded, unworded, _ = type_readings(text_layer("云溪镇2024年度部门整体支出绩效自评报告\n"))
    assert (worded.value, worded.evidence.rule) == ("department", "type.whole")

"""The text layer: encodings, the repairs PDF exports need, and offsets that survive them."""
import pytest

from pipeline import extract_file, extract_text, text_of
from pipeline.readers.load import LoadError
from pipeline.readers.decode import decode_text
from tests.conftest import SEED

SAMPLE = "广州市花都区总工会 2021 年全年预算数 1150.50 万元。"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le", "utf-16-be"])
def test_encodings_decode_the_same(tmp_path, encoding):
    path = tmp_path / f"r-{encoding}.txt"
    path.write_bytes(SAMPLE.encode(encoding))
    assert text_of(path).text == "广州市花都区总工会2021年全年预算数1150.50万元。"


def test_seed_in_gb18030_gives_the_same_record(tmp_path):
    copy = tmp_path / SEED.name
    copy.write_bytes(SEED.read_text(encoding="utf-8").encode("gb18030"))
    a, b = extract_file(SEED), extract_file(copy)
    assert a.source.encoding == "utf-8" and b.source.encoding == "gb18030"
    assert a.budget == b.budget and a.quantities == b.quantities and a.organization == b.organization


def test_binary_is_refused_with_a_reason():
    with pytest.raises(LoadError, match="does not look like text"):
        decode_text(bytes(range(256)) * 4)


@pytest.mark.parametrize("raw,expected", [
    ("２０２１年度预算数１１５０．５０万元，执行率１００％", "2021年度预算数1150.50万元,执行率100%"),   # full width
    ("广 州 市 花 都 区", "广州市花都区"),                         # spaces between characters
    ("广\u3000州\u3000市 2021\u3000年", "广州市2021年"),              # ideographic spaces (NFKC: spaces)
    ("2021 年 全年预算数 1150.50 万元", "2021年全年预算数1150.50万元"),   # spaces around numbers
    ("预算35. 3万元", "预算35.3万元"),                             # a decimal broken by a space
    ("1. 100 万元用于培训", "1. 100万元用于培训"),                   # a list item's number is no decimal
    ("已完成。2. 30 万元用于宣传", "已完成。2. 30万元用于宣传"),
    ("已完成。\n  2. 30 万元用于宣传", "已完成。\n2. 30万元用于宣传"),         # an indented item too
    ("执行数 1150. 50 万元", "执行数1150.50万元"),
    ("| 32.4 | 31.69 | 10 |", "| 32.4 | 31.69 | 10 |"),           # table cells keep their gaps
    ("5.5 5.5 5.5", "5.5 5.5 5.5"),
])
def test_repairs(tmp_path, raw, expected):
    p = tmp_path / "r.txt"
    p.write_text(raw, encoding="utf-8")
    assert text_of(p).text == expected


def test_wrapped_sentence_is_joined_but_cells_are_not(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text("组织了区总工会相关直属基层工会、各镇街下属企业工会约 90 名工会干部在广\n\n州市第二工人疗养院开展培训。\n"
                 "年度资金总额\n\n4753.66万元\n\n3824.26万元\n", encoding="utf-8")
    text = text_of(p).text
    assert "工会干部在广州市第二工人疗养院" in text
    assert "年度资金总额\n\n4753.66万元\n\n3824.26万元" in text


def test_offset_map_points_back_into_the_raw_text():
    doc = text_of(SEED)
    i = doc.text.index("1150.50万元")
    assert doc.raw[doc.to_raw[i]:doc.to_raw[i] + 7] == "1150.50"
    assert len(doc.folded) == len(doc.text)


def test_traditional_characters_fold_without_moving_offsets(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text("青石縣衛生健康委員會2023年度整體支出績效自評報告\n全年預算數 100 萬元，執行數 90 萬元，執行率 90%。",
                 encoding="utf-8")
    r = extract_file(p)
    assert r.report_type.value == "department" and r.fiscal_year.value == 2023
    assert r.organization.value == "青石縣衛生健康委員會"
    assert r.budget.total_yuan.value == 1000000 and r.budget.total_yuan.evidence.text == "100萬元"


def test_pages_split_on_form_feed(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text("某某局2021年度部门整体支出绩效自评报告\f全年预算数 10 万元，执行数 10 万元。", encoding="utf-8")
    r = extract_file(p)
    assert r.source.pages == 2 and r.budget.total_yuan.evidence.page == 2


def _doc(s: str):
    from pipeline.models import RawDoc, Source
    from pipeline.text.layer import normalize
    return normalize(RawDoc(source=Source(path="x", sha256="0", format="txt"), pages=(s,)))


def _text(s: str) -> str:
    return _doc(s).text


def test_space_separated_table_rows_get_cell_separators():
    assert _text("年度资金总额  12.00  11.50\t95.83%") == "年度资金总额 | 12.00 | 11.50 | 95.83%"


def test_one_wide_gap_in_prose_is_only_a_space():
    assert _text("本年度  全年预算数12万元。") == "本年度全年预算数12万元。"


def test_a_short_bare_line_after_a_long_cell_is_not_joined():
    long_cell = "受雨季影响,部分路段延期施工,将于次年完成"
    assert _text(f"{long_cell}\n路灯安装数量\n≥300盏") == f"{long_cell}\n路灯安装数量\n≥300盏"
    assert _text(f"{long_cell}\n并已报主管部门备案。") == f"{long_cell}并已报主管部门备案。"


_HEAD = "按照预算管理要求,本单位规范资金使用,全年预算数为"


@pytest.mark.parametrize("raw, joined", [
    # a page's margin falls anywhere: before a figure whose decimal point looks like a heading's (1150.),
    # between a figure and its unit, before a comma, inside a decimal
    (f"{_HEAD}\n1150.50万元,执行数为1123.45\n万元。", f"{_HEAD}1150.50万元,执行数为1123.45万元。"),
    (f"{_HEAD}1150.50万元,执行率为\n97.65%。", f"{_HEAD}1150.50万元,执行率为97.65%。"),
    ("本镇及时成立自评工作小组并开展自查\n,明确分工、核查资料。", "本镇及时成立自评工作小组并开展自查,明确分工、核查资料。"),
    ("2023年预算收入60.1万元,调整追加11.\n78万元。", "2023年预算收入60.1万元,调整追加11.78万元。"),
    ("本年,培训基层干部共计2629\n人,覆盖全部乡镇。", "本年,培训基层干部共计2629人,覆盖全部乡镇。"),
])
def test_a_line_cut_at_the_page_margin_is_joined(raw, joined):
    assert _text(raw) == joined


@pytest.mark.parametrize("kept", [
    "青石县农业农村局2023年度部门整体支出绩效自评报告\n根据有关要求,现将自评情况报告如下。",   # a title
    "本年度全年预算数为12万元,执行数为12万元。\n2.资金管理情况",                             # a sentence's end
    f"{_HEAD}1123万元,已全部执行\n2.资金管理情况\n",                                       # headings
    f"{_HEAD}1123万元,已全部执行\n12、绩效目标完成情况\n",
    "1、某某县2023年度公开表格,共十张\n\n2、2023年某某县三公经费表",
    # a figure goes on only into its own unit: a contents line's page number, a row's scores end it
    "项目支出情况、附表及说明6\n绩效目标完成情况说明8",
    "完成时间为2023年11月,按期完成6 5\n成本指标单位造价低于市场均价",
    "某某局2024年部门整体支出绩效自评报告,全文\n![]()",                                    # no mark starts it
])
def test_a_line_that_ends_where_it_stops_stays_a_line_of_its_own(kept):
    assert _text(kept) == kept


def test_invisible_format_characters_are_dropped_and_offsets_still_point_into_the_raw_text():
    doc = _doc("全年预\u200b算数\ufeff 12\u00ad万元,执行数11万\u200d元。")
    assert doc.text == "全年预算数12万元,执行数11万元。"
    i = doc.text.index("12万元")
    assert doc.raw[doc.to_raw[i]:doc.to_raw[i] + 2] == "12"
    r = extract_text("青石县水利局2023年度部门整体支出绩效自评报告\n全年预\u200b算数12万元,执\u200b行数11万元。")
    assert r.budget.total_yuan.value == 120000 and r.budget.executed_yuan.value == 110000


def test_a_line_that_is_only_a_page_number_is_dropped():
    assert _text("全年预算数\n— 3 —\n12万元。\n第4页 共10页\n执行数11万元。") == "全年预算数\n12万元。\n执行数11万元。"
    assert _text("年度资金总额\n- 2 -\n100\n90\n") == "年度资金总额\n100\n90\n"
    assert _text("完成率3/10\n—\n第3季度\n") == "完成率3/10\n—\n第3季度\n"      # cells and words stay


def test_a_web_lists_bullets_are_dropped_and_checkboxes_stay():
    assert _text("• 来源:青石县财政局\n  ● 名称:2023年度部门整体支出绩效自评报告") == \
        "来源:青石县财政局\n名称:2023年度部门整体支出绩效自评报告"
    assert _text("□新增性 √延续性") == "□新增性 √延续性"
    r = extract_text("• 青石县水利局2023年度部门整体支出绩效自评报告\n• 全年预算数 12 万元,执行数 11 万元。")
    assert r.organization.value == "青石县水利局" and r.budget.executed_yuan.value == 110000


def test_a_title_set_in_wide_type_reads_as_one_word_with_its_year():
    assert _text("青 石 县 某 某 局 2 0 2 3 年 度 绩 效 自 评 报 告\n") == "青石县某某局2023年度绩效自评报告\n"
    r = extract_text("青 石 县 水 利 局 2 0 2 3 年 度 部 门 整 体 支 出 绩 效 自 评 报 告\n全年预算数 12 万元。")
    assert r.fiscal_year.value == 2023 and r.organization.value == "青石县水利局"


def test_single_digit_cells_stay_apart_outside_a_wide_type_line():
    assert _text("得分 1 2 3 4 5 6") == "得分1 2 3 4 5 6"          # a row of cells, not a title
    assert _text("年 度 | 1 2 | 3 4") == "年度 | 1 2 | 3 4"


def test_circled_numbers_do_not_glue_onto_the_figure_after_them():
    doc = _doc("①100万元⒉50万元㈢")
    assert doc.text == "(1)100万元(2)50万元(三)"
    assert doc.to_raw[:4] == (0, 0, 0, 1)          # each of "(1)" points back at the one raw ①


def test_offsets_survive_an_expansion_a_dropped_crlf_a_dropped_space_and_column_marks():
    doc = _doc("①2021 年\r\n甲  乙  丙")
    assert doc.text == "(1)2021年\n甲 | 乙 | 丙"
    #             (  1  )  2  0  2  1  年 \n 甲 " " | " " 乙 " " | " " 丙
    assert doc.to_raw == (0, 0, 0, 1, 2, 3, 4, 6, 8, 9, 10, 10, 10, 12, 13, 13, 13, 15)


def test_utf8_with_a_few_bad_bytes_is_read_and_says_so():
    title, line = "某某局2021年度部门整体支出绩效自评报告\n", "全年预算数 100 万元，执行数 90 万元，执行率 90%。\n"
    data = b"\xff".join([title.encode(), (line * 60).encode()]) + b"\x80\xfe" + (line * 60).encode()
    text, encoding = decode_text(data)
    assert encoding == "utf-8 (3 bad bytes replaced)"
    assert text == title + "\ufffd" + line * 60 + "\ufffd\ufffd" + line * 60


def test_damaged_gbk_is_not_taken_for_damaged_utf8():
    gbk = (SAMPLE * 200).encode("gbk")
    assert decode_text(gbk) == (SAMPLE * 200, "gb18030")
    with pytest.raises(LoadError):
        decode_text(gbk[:-1] + b"\xff")     # not GB18030 any more, and far from UTF-8


@pytest.mark.parametrize("raw,expected", [
    ("青石縣第二中學(xué)", "青石縣第二中學"),                       # tone marks
    ("全年預（yù）算數（shù）", "全年預算數"),                        # full-width brackets
    ("項(xiang)目", "項目"),                                         # plain letters
    ("PPP項目(PPP)、預算數(A)、執行數(B)、執行率(B/A)", "PPP項目(PPP)、預算數(A)、執行數(B)、執行率(B/A)"),
    ("說明(a)與備註(ab)", "說明(a)與備註(ab)"),                      # a list marker, no syllable
    ("重量(kg)", "重量(kg)"),
])
def test_pinyin_glosses_are_stripped_and_real_brackets_kept(raw, expected):
    assert _text(raw) == expected


def test_offsets_survive_a_stripped_gloss():
    doc = _doc("財(cái)政")
    assert doc.text == "財政" and doc.to_raw == (0, 6)        # 政 is raw 6, after 財(cái)


def test_a_glossed_report_reads_like_a_plain_one_and_its_evidence_slices_the_printed_text(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text("青石縣衛(wèi)生健康委員會2023年度部門整體支出績(jī)效自評報(bào)告\n"
                 "全年預(yù)算數(shù) 100 萬元，執(zhí)行數(shù) 90 萬元，執(zhí)行率 90%。", encoding="utf-8")
    r, text = extract_file(p), text_of(p).text
    assert "(" not in text
    assert r.report_type.value == "department" and r.organization.value == "青石縣衛生健康委員會"
    for fact in (r.organization, r.budget.total_yuan, r.budget.executed_yuan, r.budget.rate_pct):
        ev = fact.evidence
        assert text[ev.start:ev.end] == ev.text
    assert r.budget.total_yuan.value == 1000000 and r.budget.executed_yuan.value == 900000


def test_the_fold_covers_the_genre_vocabulary():
    doc = _doc("縣區鄉鎮財政預算執行數額資金項目單位績效評價報告衛學醫農業")
    assert doc.folded == "县区乡镇财政预算执行数额资金项目单位绩效评价报告卫学医农业"
    assert _doc("显著乾坤").folded == "显著乾坤"          # characters simplified text uses stay

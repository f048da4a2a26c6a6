"""Each audit rule: a consistent case that passes and an inconsistent one caught, with its figures
and the evidence of every value used (asserted by code and evidence text, never by wording)."""
from decimal import Decimal

import pytest

from pipeline import extract_text, text_layer
from pipeline.checks import CHECKS
from pipeline.text.interval import Interval
from pipeline.models import Evidence, Fact
from pipeline.rules import rules

FUNDS = ("项目资金(万元) | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分\n"
         "年度资金总额 | {i} | {t} | {e} | 10 | {r} | {s}\n"
         "其中：当年财政拨款 | {i} | {ft} | {fe} | — | — | —\n"
         "上年结转资金 |  | {ct} | {ce} | — | — | —\n")
INDICATORS = ("一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分\n"
              "产出指标 | 数量指标 | 培训人次 | ≥50人次 | {a1} | 50 | {s1}\n"
              "满意度指标 | 服务对象满意度 | 学员满意度 | ≥90% | 95% | {w2} | {s2}\n"
              "总分 | 100 | {total}\n")


def table(**kw) -> str:
    funds = dict(i=100, t=120, e=108, r="90%", s=9, ft=100, fe=88, ct=20, ce=20)
    rows = dict(a1="52人次", s1=50, w2=40, s2=31)
    funds.update({k: v for k, v in kw.items() if k in funds})
    rows.update({k: v for k, v in kw.items() if k in rows})
    rows.setdefault("total", kw.get("total", 90))
    return FUNDS.format(**funds) + INDICATORS.format(**rows)


def findings(text: str, rule: str | None = None):
    r, printed = extract_text(text), text_layer(text).text
    for f in r.findings:                          # every evidence is the exact slice of the text layer
        assert f.evidence, f.rule
        for e in f.evidence:
            assert printed[e.start:e.end] == e.text, (f.rule, e)
    return [f for f in r.findings if rule is None or f.rule == rule]


def ev(f) -> list[str]:
    return [e.text for e in f.evidence]


def test_the_consistent_table_raises_nothing():
    assert findings(table()) == []


@pytest.mark.parametrize("kw,rule,values,evidence", [
    ({"r": "95%"}, "execution_rate", {"computed": 90.0, "stated": 95.0}, ["108", "120", "95%"]),
    ({"e": 130, "fe": 110, "r": "108.33%", "s": 10}, "executed_exceeds_budget", {"executed_yuan": 1300000.0}, ["130", "120"]),
    ({"e": 130, "fe": 110, "r": "108.33%", "s": 10}, "rate_out_of_range", {"stated": 108.33}, ["108.33%"]),
    ({"ct": 25}, "fund_components", {"column": "全年预算数", "computed": 1250000.0}, ["120", "100", "25"]),
    ({"s": 10, "total": 91}, "budget_score", {"computed": 9.0, "stated": 10.0}, ["10", "90%", "10"]),
    ({"total": 92}, "indicator_score_sum", {"computed": 90.0, "stated": 92.0}, None),
    ({"w2": 30, "s2": 31, "total": 90}, "indicator_score_bounds", {"score": 31.0, "weight": 30.0}, None),
    ({"a1": "45人次"}, "target_not_met", {"target": "≥50人次", "actual": "45人次"}, None),
])
def test_an_inconsistent_table_is_caught_with_its_figures_and_evidence(kw, rule, values, evidence):
    f = findings(table(**kw), rule)[0]        # the total row's; a part that overspent is listed after it
    assert f.severity == rules().get(rule).param("severity")
    assert {k: f.values[k] for k in values} == values
    if evidence is not None:
        assert ev(f) == evidence
    else:
        assert all(e.text.startswith(("产出指标", "满意度指标")) or e.rule for e in f.evidence)


def test_weights_that_do_not_add_up_name_every_row():
    [f] = findings(table(w2=30, s2=21, total=80), "indicator_weight_sum")
    assert f.values["computed"] == 90.0              # 50 + 30 + the fund row's 10
    assert [e.text.split(" | ")[2] for e in f.evidence[:2]] == ["培训人次", "学员满意度"]
    assert ev(f)[2] == "10"


def test_a_table_cut_off_before_its_total_row_is_not_summed():
    cut = table(w2=30, s2=21).split("总分")[0]
    assert findings(cut, "indicator_weight_sum") == findings(cut, "indicator_score_sum") == []


def test_a_row_that_could_not_be_read_stops_the_sums():
    garbled = table(total=99).replace("满意度指标 | 服务对象满意度 | 学员满意度 | ≥90% | 95% | 40 | 31",
                                      "满意度指标 | 服务对象满意度 | 学员满意度 | ≥90% | 95% | .40 | 31")
    assert findings(garbled, "indicator_score_sum") == []


@pytest.mark.parametrize("text,rule,values,evidence", [
    ("全年预算数 100 万元，执行数 90 万元。重点项目甲补贴，全年预算数为 160 万元，执行数为 60 万元，完成预算的 37.5%。",
     "project_sum", {"computed": 1600000.0, "stated": 1000000.0}, ["100万元", "160万元"]),
    ("全年预算数 369.11 元，执行数 316.32 万元。\n项目资金(万元) | 年初预算数 | 全年预算数 | 全年执行数\n"
     "年度资金总额 | 369.11 | 369.11 | 316.32", "unit_scale", {"narrative_yuan": 369.11, "table_yuan": 3691100.0},
     ["369.11元", "369.11"]),
    ("2019年度某某局部门整体支出绩效自评报告\n2020年部门全年预算数 100 万元，执行数 90 万元，执行率 90%。",
     "year_mismatch", {"fiscal_year": 2019, "stated_year": 2020}, ["2019", "2020", "100万元"]),
    ("本项目设置三级指标 5 个：培训人次、培训合格率、完成时限、学员满意度。", "indicator_count",
     {"stated": 5, "listed": 4}, ["三级指标5个:培训人次、培训合格率、完成时限、学员满意度"]),
    ("扣分 5 分。自评得分 90 分。", "score_deduction", {"computed": 95.0, "stated": 90.0}, ["扣分5分", "90"]),
    ("自评得分 75 分，自评等级为优。", "score_grade", {"score": 75.0, "low": 90.0}, ["优", "75"]),
    ("年度资金总额 | 369.11 | 369.11316.32 | 10 | 85.70% | 8.57", "merged_digits",
     {"first": "369.11", "second": "316.32"}, ["369.11316.32"]),
    ("全年预算数 3,691,100 元，执行数 3,163.200 元，执行率 85.70%。", "separator_misread",
     {"stated": 3163.2, "corrected": 3163200.0}, ["3,163.200元", "85.70%"]),
])
def test_narrative_rules_catch_with_figures_and_evidence(text, rule, values, evidence):
    [f] = findings(text, rule)
    assert {k: f.values[k] for k in values} == values
    assert ev(f) == evidence


@pytest.mark.parametrize("text", [
    "全年预算数 100 万元，执行数 90 万元。重点项目甲补贴，全年预算数为 60 万元，执行数为 60 万元，完成预算的 100%。",
    "2019年度某某局部门整体支出绩效自评报告\n2019年，我局（含2018年结转项目）全年预算数 100 万元，执行数 90 万元，执行率 90%。",
    "全年预算数 369.11 万元，执行数 316.32 万元。\n项目资金(万元) | 年初预算数 | 全年预算数 | 全年执行数\n"
    "年度资金总额 | 369.11 | 369.11 | 316.32",
    "1.预算执行率=预算执行数/调整后预算数。全年预算数 3,691,100 元，执行数 3,163,200 元，执行率 85.70%。",
])
def test_consistent_narratives_raise_nothing(text):
    assert findings(text) == []


def test_every_finding_rule_has_a_check_and_every_check_a_rule():
    catalogue = {r.id for r in rules().of("finding")}
    assert {c.__name__ for c in CHECKS} == catalogue
    for r in rules().of("finding"):
        caught = [e for e in r.examples if e.expect and e.expect != []]
        assert caught, f"{r.id} has no example it must catch"


# ---------------------------------------------------------------- intervals

def _fact(value, precision) -> Fact:
    return Fact(value=value, precision=precision, evidence=Evidence(start=0, end=1, text="x"))


@pytest.mark.parametrize("value,precision,lo,hi", [
    (100.0, 0.5, "99.5", "100.5"),
    (11505000.0, 50.0, "11504950", "11505050"),
])
def test_a_fact_stands_for_the_interval_of_its_digits(value, precision, lo, hi):
    assert Interval.of(_fact(value, precision)) == Interval(Decimal(lo), Decimal(hi))


@pytest.mark.parametrize("x,lo,hi", [(10, "10", "10"), (9.5, "9.5", "9.5"), (8.57, "8.565", "8.575")])
def test_assigned_points_are_exact_and_computed_ones_rounded(x, lo, hi):
    assert Interval.assigned(x, 1) == Interval(Decimal(lo), Decimal(hi))


def test_ratio_and_meeting_follow_the_bounds():
    rate = Interval.exact(11504900).ratio(Interval(Decimal(11504950), Decimal(11505050))).scale(Decimal(100))
    assert rate.meets(Interval(Decimal("99.5"), Decimal("100.5")))          # 100% vs 99.9991%
    assert not Interval(Decimal("96.395"), Decimal("96.405")).meets(Interval(Decimal("98.45"), Decimal("98.55")))
    assert Interval.exact(1).ratio(Interval(Decimal(-1), Decimal(1))) is None

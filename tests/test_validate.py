"""Findings fire only when the intervals the stated digits imply cannot meet."""
import pytest

from pipeline import extract_text


def _codes(text):
    return [(f.rule, f.severity) for f in extract_text(text).findings]


@pytest.mark.parametrize("total,executed,rate", [
    ("1150.50 万元", "1150.49 万元", "100%"),       # 99.9991% computed, stated as a whole percent
    ("32.4 万元", "31.69 万元", "97.80%"),          # 97.81% from a budget stated to 0.1 万元
    ("808.1 万元", "692.98 万元", "86%"),           # 85.75% rounds to 86%
])
def test_execution_rate_agrees_within_stated_precision(total, executed, rate):
    assert _codes(f"全年预算数 {total}，执行数 {executed}，执行率 {rate}。") == []


@pytest.mark.parametrize("total,executed,rate", [
    ("100 万元", "96.40 万元", "98.5%"),
    ("4753.66万元", "3824.26万元", "100%"),
])
def test_execution_rate_contradiction_is_an_error_with_evidence(total, executed, rate):
    r = extract_text(f"全年预算数 {total}，执行数 {executed}，执行率 {rate}。")
    [f] = r.findings
    assert (f.rule, f.severity) == ("execution_rate", "error")
    assert f.values["stated"] == float(rate.rstrip("%"))
    assert [e.text for e in f.evidence] == [executed.replace(" ", ""), total.replace(" ", ""), rate]


def test_key_project_rates_are_checked_too():
    r = extract_text("我单位重点任务项目某某补贴，全年预算数为 10 万元，执行数为 8 万元，完成预算的 100%。")
    assert [(f.rule, f.values["computed"]) for f in r.findings] == [("execution_rate", 80.0)]
    assert "某某补贴" in r.findings[0].message


@pytest.mark.parametrize("text,codes", [
    ("扣分 5 分。自评得分 95 分。", []),
    ("扣分 5 分。自评得分 90 分。", [("score_deduction", "error")]),
    ("自评得分 92 分，自评等级为优。", []),
    ("自评得分 89.6 分，评价结果为良好。", []),
    ("自评得分 75 分，自评等级为优。", [("score_grade", "error")]),
    ("自评得分 55 分，评价结果为良好。", [("score_grade", "error")]),
])
def test_score_rules(text, codes):
    assert _codes(text) == codes


def test_a_key_projects_execution_is_its_executed_amount_not_a_payment():
    r = extract_text("我单位重点任务项目某某补贴，全年预算数为 10 万元，已支付 6 万元，执行数为 9 万元，完成预算的 90%。")
    [p] = r.projects
    assert (p.executed_yuan, r.findings) == (90000, [])

"""The seed report, field by field against its gold record, with the evidence text behind each value."""
import json

import pytest

from pipeline import extract_file
from tests.conftest import SEED, record_of


@pytest.fixture(scope="module")
def record():
    return extract_file(SEED)


@pytest.mark.parametrize("field,evidence", [
    ("report_type", "部门整体支出绩效自评报告"),
    ("fiscal_year", "2021"),
    ("organization", "广州市花都区总工会"),
    ("self_score", "95"),
])
def test_scalar_fields(record, seed_gold, field, evidence):
    fact = getattr(record, field)
    assert fact.value == seed_gold[field]
    assert evidence in fact.evidence.text


@pytest.mark.parametrize("field,figure", [
    ("total_yuan", "1150.50万元"), ("executed_yuan", "1150.49万元"), ("rate_pct", "100%")])
def test_budget(record, seed_gold, field, figure):
    fact = getattr(record.budget, field)
    assert fact.value == pytest.approx(seed_gold["budget"][field])
    assert fact.evidence.text == figure


def test_nulls_stay_null(record, seed_gold):
    assert seed_gold["budget"]["initial_yuan"] is None and record.budget.initial_yuan is None
    assert seed_gold["grade"] is None and record.grade is None


def test_deduction(record):
    assert record.deduction.value == 5
    assert record.deduction.evidence.text == "扣分5分"


def test_every_gold_quantity_with_its_subject(record, seed_gold):
    for gold in seed_gold["quantities"]:
        hits = [q for q in record.quantities if (q.value, q.unit) == (gold["value"], gold["unit"])]
        assert hits, gold
        assert any(_shares_two_chars(gold["keyword"], q.subject) for q in hits), (gold, hits)
        assert any(q.evidence.text == f"{gold['value']}{gold['unit']}" for q in hits)


def _shares_two_chars(a: str, b: str) -> bool:
    return any(a[i:i + 2] in b for i in range(len(a) - 1))


def test_indicator_structure(record):
    levels = {lv.level: lv for lv in record.indicator_structure}
    assert [levels[n].count for n in (1, 2, 3)] == [1, 3, 6]
    assert levels[2].names == ["持续加强和改进源头参与", "主动引领时代风尚", "推进产业工人队伍建设改革"]
    assert levels[3].names == ["社会效益指标", "可持续影响指标", "质量指标", "劳模满意度指标",
                               "服务对象满意度指标", "产出指标"]
    assert levels[3].evidence.text.startswith("三级指标6个")


def test_key_project(record):
    [project] = record.projects
    assert (project.name, project.total_yuan, project.executed_yuan, project.rate_pct) == \
        ("区级劳模每年荣誉津贴", 16200.0, 16200.0, 100.0)
    assert project.budget.total_yuan.evidence.text == "1.62万元"
    assert project.budget.rate_pct.evidence.text == "100.0%"


def test_targets_with_comparators(record):
    targets = {i.level3: i.target for i in record.indicators}
    assert targets["劳模满意度"] == "≥90%"
    assert targets["受训学员满意度"] == "≥90%"
    assert targets["培训计划按期完成率"] == "=100%"


def test_consistent_report_has_no_finding(record, seed_gold):
    assert seed_gold["consistency"]["rate_matches"] is True
    assert record.findings == []


# ---------------------------------------------------------------- the generated corpus, document by document

SYNTH_GOLD = sorted((SEED.parent / "synth").glob("*.json"))
SCALARS = ("report_type", "fiscal_year", "organization", "self_score", "deduction", "grade")
BUDGET = ("initial_yuan", "total_yuan", "executed_yuan", "rate_pct")


def _written(value) -> str:
    """How a figure can appear in its evidence: 2019, 94.07, 65 (not 65.0)."""
    return str(int(value)) if float(value).is_integer() else str(value)


@pytest.mark.parametrize("gold_path", SYNTH_GOLD, ids=lambda p: p.stem)
def test_generated_report_field_by_field(gold_path):
    """Each generated report's .txt gives its gold's scalar and budget fields, each with its evidence."""
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    r = record_of(gold_path.with_suffix(".txt"))
    assert r.status == "ok"
    for k in SCALARS:
        fact = getattr(r, k)
        if gold[k] is None:
            assert fact is None, k
            continue
        assert fact is not None and fact.value == (pytest.approx(gold[k]) if k in ("self_score", "deduction")
                                                   else gold[k]), k
        if k == "organization":
            assert fact.evidence.text == gold[k]
        elif k in ("fiscal_year", "self_score"):       # a deduction may be the sum of items
            assert _written(gold[k]) in fact.evidence.text, (k, fact.evidence.text)
    for k in BUDGET:
        fact = getattr(r.budget, k)
        if gold["budget"][k] is None:
            assert fact is None, k
        else:
            assert fact is not None and fact.value == pytest.approx(gold["budget"][k]), k
            assert fact.evidence.text and fact.evidence.text[0].isdigit(), (k, fact.evidence.text)

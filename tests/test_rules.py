"""Every example of every rule in rules/ runs through the whole pipeline; known misses are strict xfails."""
import pytest

from pipeline import extract_text
from pipeline.outputs.panel import example_field
from pipeline.rules import RulesError, load_rules, rules

LISTS = {"quantities", "indicators", "indicator_structure", "projects", "funds", "findings",
         "panel.findings", "panel.rows"}


def _examples():
    for rule in rules().rules:
        for n, ex in enumerate(rule.examples):
            marks = [pytest.mark.xfail(reason=ex.xfail, strict=True)] if ex.xfail else []
            yield pytest.param(rule.id, ex, id=f"{rule.id}[{n}]", marks=marks)


def field_of(record, path: str):
    if path in LISTS:
        return [item.model_dump(mode="json") for item in getattr(record, path)]
    cur = record
    for part in path.split("."):
        cur = getattr(cur, part)
    return None if cur is None else cur.value


def _matches(item, expect) -> bool:
    """item has every key of expect with an equal value (numbers to 1e-9, dicts compared the same way)."""
    if isinstance(expect, dict):
        return isinstance(item, dict) and all(_matches(item.get(k), v) for k, v in expect.items())
    if isinstance(expect, (int, float)) and isinstance(item, (int, float)):
        return abs(item - expect) < 1e-9
    return item == expect


@pytest.mark.parametrize("rule_id,example", list(_examples()))
def test_rule_example(rule_id, example):
    if example.field.startswith("panel."):       # rules/panel.yaml: names, subjects, several reports at once
        got = example_field(example.text, example.field)
    else:
        got = field_of(extract_text(example.text), example.field)
    if example.field in LISTS:
        if example.expect == []:
            assert got == [], f"{rule_id}: expected no {example.field}, got {got}"
        else:
            assert any(_matches(item, example.expect) for item in got), f"{rule_id}: {example.expect} not in {got}"
    elif isinstance(example.expect, (int, float)) and got is not None:
        assert got == pytest.approx(example.expect), rule_id
    else:
        assert got == example.expect, rule_id


def test_every_rule_kind_has_an_example():
    """A rule family nobody can see work is a rule nobody can safely change."""
    untested = {"org_suffix", "org_strip", "grade_band", "fund_column", "project_name", "org_label"}
    kinds = {r.kind for r in rules().rules if r.examples}
    assert {r.kind for r in rules().rules} - untested <= kinds


def test_bad_rules_are_all_reported_at_once(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "rules:\n"
        "  - {id: a, kind: score, pattern: '(unclosed'}\n"
        "  - {id: a, kind: score, pattern: 'x'}\n"
        "  - {id: b, kind: no_such_kind, pattern: 'x'}\n"
        "  - {id: c, kind: score, pattern: '{NOPE}'}\n"
        "  - {id: d, kind: score}\n", encoding="utf-8")
    (tmp_path / "t2s.txt").write_text("體体 abc\n", encoding="utf-8")
    with pytest.raises(RulesError) as e:
        load_rules(tmp_path)
    msg = str(e.value)
    for needle in ("rule a: pattern does not compile", "rule a: duplicate id", "unknown kind 'no_such_kind'",
                   "unknown fragment(s) NOPE", "rule d: needs a pattern", "t2s.txt line 1"):
        assert needle in msg


def test_a_misspelt_field_and_a_value_outside_its_set_are_refused_with_file_and_line(tmp_path):
    """A typo must not load silently and change nothing: each bad field of each rule is named, at its line."""
    (tmp_path / "budget.yaml").write_text(
        "rules:\n"
        "  - id: role.a\n"
        "    kind: budget_role\n"
        "    role: total\n"
        "    prioirty: 1\n"
        "    pattern: '预算数'\n"
        "  - id: role.b\n"
        "    kind: budget_role\n"
        "    role: totl\n"
        "    pattern: '执行数'\n"
        "  - {id: finding.c, kind: finding, severity: fatal, message: 'x'}\n", encoding="utf-8")
    with pytest.raises(RulesError) as e:
        load_rules(tmp_path)
    msg = str(e.value)
    assert "budget.yaml:2: rule role.a: prioirty: Extra inputs are not permitted" in msg
    assert "budget.yaml:7: rule role.b: role: Input should be" in msg
    assert "budget.yaml:11: rule finding.c: severity: Input should be" in msg


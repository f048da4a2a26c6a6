"""Deliberate inconsistencies (synth/inject.py): each rule catches the contradiction made for
it, and the unchanged reports raise no error.

The experiment runs once per session over COUNT generated reports; the table it prints is the one
`python -m synth.inject --count COUNT --seed SEED` prints.
"""
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipeline import extract_text, text_layer
from synth.inject import INJECTORS, Original, experiment, format_outcome, inject, originals, severity
from pipeline.rules import rules
from synth.spec import plan

COUNT, SEED = 48, 1
MIN_INJECTED = 5          # every rule is exercised on at least this many of the COUNT reports
MIN_CAUGHT = 0.99


@pytest.fixture(scope="module")
def run():
    """The experiment, and every injected report with its record."""
    seen = []
    out = experiment(COUNT, SEED, observe=lambda o, inj, rec: seen.append((o, inj, rec)))
    print(format_outcome(out))
    return out, seen


def test_every_rule_has_an_injector():
    assert set(INJECTORS) == {r.id for r in rules().of("finding")}
    assert all(severity(r) in ("error", "warning") for r in INJECTORS)


# ---------------------------------------------------------------- the injections themselves

def test_injections_are_deterministic():
    for o in originals(6, SEED):
        for rule in INJECTORS:
            a, b = inject(o, rule), inject(Original.make(SEED, o.id, o.spec.kind), rule)
            assert (a and a.text) == (b and b.text), (o.id, rule)


def _changed(a: str, b: str) -> tuple[str, str]:
    """The one stretch where two texts differ: (what a has there, what b has)."""
    _, old, new = _where_changed(a, b)
    return old, new


def _where_changed(a: str, b: str) -> tuple[int, str, str]:
    """Where two texts start to differ, and the differing stretch of each."""
    p = 0
    while p < min(len(a), len(b)) and a[p] == b[p]:
        p += 1
    s = 0
    while s < min(len(a), len(b)) - p and a[-1 - s] == b[-1 - s]:
        s += 1
    return p, a[p:len(a) - s], b[p:len(b) - s]


def test_an_injection_changes_one_figure_in_place(run):
    """One short stretch of one line changes (a figure, its unit, a grade word); the rest of the
    report is byte for byte the original."""
    _, seen = run
    for o, inj, _ in seen:
        old, new = _changed(o.text, inj.text)
        assert old != new, (o.id, inj.rule)
        if inj.rule == "merged_digits":         # the two cells and the rest of their row
            assert len(old) <= 80 and old.count("\n") <= 1 and "\n" not in new, (o.id, inj.what, old, new)
            continue
        assert "\n" not in old + new and len(old) <= 14 and len(new) <= 14, (o.id, inj.what, old, new)


def test_an_injected_figure_is_written_like_the_report_writes_it(run):
    """The changed line reads as before with its figures masked: same unit words, same spacing, same
    punctuation (the rules that change a unit or a number's shape on purpose aside)."""
    _, seen = run
    mask = lambda s: re.sub(r"\d[\d.,]*", "9", s)
    for o, inj, _ in seen:
        if inj.rule in ("unit_scale", "separator_misread", "merged_digits", "score_grade"):
            continue
        before, after = o.text.splitlines(), inj.text.splitlines()
        assert len(before) == len(after), (o.id, inj.what)
        changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
        assert len(changed) == 1, (o.id, inj.what)
        a, b = before[changed[0]], after[changed[0]]
        assert mask(a) == mask(b), (o.id, inj.what, a, b)
        for x, y in zip(re.findall(r"\d+\.(\d+)", a), re.findall(r"\d+\.(\d+)", b)):
            if inj.rule not in ("score_deduction", "indicator_score_sum", "budget_score", "rate_out_of_range"):
                assert len(x) == len(y), (o.id, inj.what, a, b)       # amounts and rates keep their decimals


# ---------------------------------------------------------------- what the audit catches

def test_every_rule_is_exercised_and_caught(run):
    out, _ = run
    short = [(r.rule, r.injected) for r in out.rows if r.injected < MIN_INJECTED]
    assert not short, f"rules injected into fewer than {MIN_INJECTED} of {COUNT} reports: {short}"
    missed = [(r.rule, f"{r.caught}/{r.injected}") for r in out.rows if r.caught < MIN_CAUGHT * r.injected]
    assert not missed, "rules that miss their injected contradiction:\n" + format_outcome(out)


def test_unchanged_reports_raise_no_error(run):
    out, _ = run
    errors = [f for f in out.false_alarms if f[2] in ("error", "failed")]
    assert out.originals_with_errors == 0 and not errors, errors


def test_every_finding_s_evidence_slices_the_text(run):
    """For every injected report, each evidence of each finding is the exact slice of the text layer
    its offsets point to."""
    _, seen = run
    checked = 0
    for o, inj, rec in seen:
        layer = text_layer(inj.text, rec.source.path)
        assert layer.source.sha256 == rec.source.sha256
        text = layer.text
        for f in rec.findings:
            assert f.evidence, (o.id, inj.rule, f.rule)
            for e in f.evidence:
                assert text[e.start:e.end] == e.text, (o.id, inj.rule, f.rule, e)
                checked += 1
    assert checked > 0


def test_a_caught_finding_points_at_the_changed_figure(run):
    """The finding of the injected rule has an evidence over the stretch the injection changed, so an
    auditor clicking through lands on the wrong figure."""
    _, seen = run
    for o, inj, rec in seen:
        found = [f for f in rec.findings if f.rule == inj.rule]
        if not found:
            continue                                  # a miss: test_every_rule_is_exercised_and_caught
        start, _, new = _where_changed(o.text, inj.text)
        end = start + max(len(new), 1)
        layer = text_layer(inj.text, rec.source.path)
        spans = [(layer.to_raw[e.start], layer.to_raw[e.end - 1] + 1) for f in found for e in f.evidence]
        assert any(a < end and start < b for a, b in spans), (o.id, inj.what, [f.message for f in found])


ERROR_CASES = st.tuples(st.integers(0, 10**6), st.sampled_from([i for i, k in plan(12) if k != "other"]),
                        st.sampled_from([r for r in INJECTORS if severity(r) == "error"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(ERROR_CASES)
def test_property_original_is_clean_and_injection_is_caught(case):
    seed, doc_id, rule = case
    kind = dict(plan(12))[doc_id]
    o = Original.make(seed, doc_id, kind)
    inj = inject(o, rule)
    assume(inj is not None)
    assert [f.message for f in o.record.findings if f.severity == "error"] == [], (seed, doc_id)
    rec = extract_text(inj.text)
    assert any(f.rule == rule and f.severity == "error" for f in rec.findings), (seed, doc_id, inj.what)

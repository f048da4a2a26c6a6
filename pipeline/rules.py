"""Rules are data: every YAML file in rules/ is loaded and checked once, at start-up.

Each entry has an id, a kind (which stage reads it), a regex `pattern` and/or a `lexicon`,
kind-specific fields, and `examples` (text -> expected record field) that tests/test_rules.py runs.
Patterns may use shared fragments written {NAME} (rules/fragments.yaml). Every bad rule is
reported at once, so a user tuning rules sees all their mistakes in one run.
"""
from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

RULES_DIR = Path(os.environ.get("JIXIAO_RULES") or Path(__file__).resolve().parent.parent / "rules")

KINDS = {
    "title_type", "other_title", "body_type", "year", "org_label", "org_suffix", "org_strip", "org_stop",
    "money_unit", "count_unit", "count_exclude", "budget_role", "fund_column", "fund_label",
    "project_name", "score", "score_row", "deduction", "grade", "indicator_level", "target",
    "grade_band", "finding", "indicator_column", "indicator_end", "year_context",
    "title_skip", "form_type",
    "org_trailing", "org_abbrev", "org_alias", "report_subject", "panel_finding",
}
FINDING_KINDS = {"finding", "panel_finding"}
SEVERITIES = ("error", "warning", "info")
_FRAGMENT = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)     # libyaml's: the same data, seven times faster


class Example(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    text: str
    field: str
    expect: Any = None
    xfail: str | None = None


class Rule(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    id: str
    kind: str
    pattern: str | None = None
    lexicon: list[str] | None = None
    message: str | None = None
    examples: list[Example] = []

    @property
    def regex(self) -> re.Pattern:
        return _compiled(self.id)

    def param(self, name: str, default: Any = None) -> Any:
        return (self.model_extra or {}).get(name, default)


class RulesError(Exception):
    """One or more rules are bad; the message lists every one of them."""


class RuleSet:
    def __init__(self, rules: list[Rule], fragments: dict[str, str], t2s: dict[str, str], userdict: Path):
        self.rules = rules
        self.fragments = fragments
        self.t2s = str.maketrans(t2s)
        self.userdict = userdict
        self._by_id = {r.id: r for r in rules}
        self._by_kind: dict[str, list[Rule]] = {}
        for r in rules:
            self._by_kind.setdefault(r.kind, []).append(r)

    def of(self, kind: str) -> list[Rule]:
        return list(self._by_kind.get(kind, ()))

    def get(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    def expand(self, pattern: str) -> str:
        return _expand(pattern, self.fragments)


@cache
def rules() -> RuleSet:
    return load_rules(RULES_DIR)


@cache
def _compiled(rule_id: str) -> re.Pattern:
    rs = rules()
    return re.compile(rs.expand(rs.get(rule_id).pattern))


def load_rules(folder: Path) -> RuleSet:
    problems: list[str] = []
    fragments: dict[str, str] = {}
    entries: list[tuple[str, dict]] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
        except yaml.YAMLError as e:
            problems.append(f"{path.name}: not valid YAML: {e}")
            continue
        fragments.update(data.get("fragments") or {})
        entries += [(path.name, e) for e in data.get("rules") or []]
    rules_: list[Rule] = []
    seen: set[str] = set()
    for fname, entry in entries:
        try:
            rule = Rule.model_validate(entry)
        except ValidationError as e:
            problems.append(f"{fname}: rule {entry.get('id', '?')}: {e.errors()[0]['msg']}")
            continue
        where = f"{fname}: rule {rule.id}"
        if rule.id in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(rule.id)
        if rule.kind not in KINDS:
            problems.append(f"{where}: unknown kind {rule.kind!r} (known: {', '.join(sorted(KINDS))})")
        if rule.pattern is None and rule.lexicon is None and rule.kind not in {"grade_band", *FINDING_KINDS}:
            problems.append(f"{where}: needs a pattern or a lexicon")
        if rule.kind in FINDING_KINDS and (rule.param("severity") not in SEVERITIES or not rule.message):
            problems.append(f"{where}: a finding needs a message and a severity ({', '.join(SEVERITIES)})")
        if rule.pattern is not None:
            missing = [n for n in _FRAGMENT.findall(rule.pattern) if n not in fragments]
            if missing:
                problems.append(f"{where}: unknown fragment(s) {', '.join(missing)}")
            else:
                try:
                    re.compile(_expand(rule.pattern, fragments))
                except re.error as e:
                    problems.append(f"{where}: pattern does not compile: {e}")
        rules_.append(rule)
    t2s = _load_t2s(folder / "t2s.txt", problems)
    if problems:
        raise RulesError("bad rules in " + str(folder) + ":\n  " + "\n  ".join(problems))
    return RuleSet(rules_, fragments, t2s, folder / "userdict.txt")


def _expand(pattern: str, fragments: dict[str, str]) -> str:
    return _FRAGMENT.sub(lambda m: f"(?:{_expand(fragments[m.group(1)], fragments)})", pattern)


def _load_t2s(path: Path, problems: list[str]) -> dict[str, str]:
    """Traditional -> simplified, one character for one, so folding never moves an offset."""
    table: dict[str, str] = {}
    if not path.exists():
        return table
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        pairs = line.split()
        for pair in pairs:
            if len(pair) != 2:
                problems.append(f"t2s.txt line {n}: {pair!r} is not one traditional and one simplified character")
            else:
                table[pair[0]] = pair[1]
    return table

"""Rules are data: every YAML file in rules/ is loaded and checked once, at start-up.

Each entry has an id, a kind (which stage reads it), a regex `pattern` and/or a `lexicon`,
kind-specific fields, and `examples` (text -> expected record field) that tests/test_rules.py runs.
Patterns may use shared fragments written {NAME} (rules/fragments.yaml). Every bad rule is
reported at once, so a user tuning rules sees all their mistakes in one run.

A rule set that passed its checks is kept in the user's cache folder (see `checked`), keyed by
the bytes of its files and of the code that checks them: the next start reads one JSON file
instead of parsing the YAML, validating every rule and compiling every pattern again.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .rule_schema import KINDS, Example, Rule


def _shipped_rules() -> Path:
    """rules/ of the source tree, or pipeline/rules_data where a wheel installed it."""
    here = Path(__file__).resolve().parent
    installed = here / "rules_data"
    return installed if installed.is_dir() else here.parent / "rules"


RULES_DIR = Path(os.environ.get("JIXIAO_RULES") or _shipped_rules())

FINDING_KINDS = {"finding", "panel_finding"}
_FRAGMENT = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


class RulesError(Exception):
    """One or more rules are bad; the message lists every one of them."""


class RuleSet:
    def __init__(self, rules: list[Rule], fragments: dict[str, str], t2s: dict[str, str], userdict: Path):
        self.rules = rules
        self.fragments = fragments
        self.t2s_pairs = t2s
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
    return checked(RULES_DIR)


@cache
def compiled(rule_id: str) -> re.Pattern:
    rs = rules()
    pattern = rs.get(rule_id).pattern
    if pattern is None:
        raise RulesError(f"rule {rule_id} has no pattern to compile")
    return re.compile(rs.expand(pattern))


def checked(folder: Path) -> RuleSet:
    """load_rules(folder), from the cache when the folder's files (and this code) are as they were
    when it last passed every check; else loaded and checked, and cached if good. A changed file is a
    miss, so every bad rule is still reported; a cache that cannot be read or written is no error."""
    files = sorted(folder.glob("*.yaml"))
    where = cache_dir()
    if not files or where is None:          # no files: load_rules says why
        return load_rules(folder)
    key = _key(folder, files)
    path = where / f"rules-{hashlib.sha256(os.fsencode(folder.resolve())).hexdigest()[:16]}.json"
    try:
        data = json.loads(path.read_bytes())
        if data["key"] == key:
            return _restored(data, folder)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    rs = load_rules(folder)
    _store(path, key, rs)
    return rs


def _key(folder: Path, files: list[Path]) -> str:
    """What a checked rule set depends on: its files' names and bytes, the code that checks them,
    Python's (its regex syntax) and pydantic's versions."""
    from pydantic.version import VERSION
    h = hashlib.sha256(f"{sys.version}\0{VERSION}\0".encode())
    here = Path(__file__).resolve().parent
    for p in [here / "rules.py", here / "rule_schema.py", *files, folder / "t2s.txt"]:
        try:
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
        except FileNotFoundError:
            h.update(p.name.encode() + b"\0-\0")
    return h.hexdigest()


def cache_dir() -> Path | None:
    """$XDG_CACHE_HOME/jixiao, else ~/.cache/jixiao: the user's own, which no other user can write;
    None where neither is an absolute path (no home: nothing is cached, rather than a folder in the
    working directory)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = xdg if os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "jixiao" if os.path.isabs(base) else None


def _store(path: Path, key: str, rs: RuleSet) -> None:
    """The checked rules as their validated fields (only those the files set)."""
    store_json(path, {"key": key, "fragments": rs.fragments, "t2s": rs.t2s_pairs,
                      "rules": [r.model_dump(exclude_unset=True) for r in rs.rules]})


def store_json(path: Path, data: Any) -> None:
    """`data` cached as JSON at `path`, written whole or not at all; not when a value would not come
    back from JSON as it is (a date). A cache that cannot be written is no error."""
    tmp = None
    try:
        text = json.dumps(data, ensure_ascii=False)
        if json.loads(text) != data:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False) as f:
            tmp = f.name
            f.write(text)
        os.replace(tmp, path)
    except (OSError, TypeError, ValueError):
        if tmp is not None:                 # a cache half written is no cache: not left behind
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _restored(data: dict[str, Any], folder: Path) -> RuleSet:
    """The rule set _store wrote, built without validating again (it was, before it was stored)."""
    out = []
    for fields in data["rules"]:
        if "examples" in fields:
            fields["examples"] = [Example.model_construct(**e) for e in fields["examples"]]
        out.append(KINDS[fields["kind"]].model_construct(**fields))
    return RuleSet(out, data["fragments"], data["t2s"], folder / "userdict.txt")


def load_rules(folder: Path) -> RuleSet:
    problems: list[str] = []
    fragments: dict[str, str] = {}
    entries: list[tuple[str, int, Any]] = []
    files = sorted(folder.glob("*.yaml"))
    if not files:       # a missing or empty folder would give a tool that reads nothing: say so at start
        raise RulesError(f"no rules in {folder}: the folder is missing or holds no .yaml file "
                         "(set JIXIAO_RULES to the rules folder, or reinstall jixiao)")
    import yaml
    for path in files:
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_yaml_loader()) or {}
        except yaml.YAMLError as e:
            problems.append(f"{path.name}: not valid YAML: {e}")
            continue
        fragments.update(data.get("fragments") or {})
        entries += [(path.name, i, e) for i, e in enumerate(data.get("rules") or [])]
    rules_: list[Rule] = []
    seen: set[str] = set()
    for fname, index, entry in entries:
        rule, said = _checked(entry, fragments, seen)
        if said:            # where it is, asked only now: a good rule set is not composed twice
            name = entry.get("id", "?") if isinstance(entry, dict) else "?"
            problems += [f"{fname}:{_line(folder / fname, index)}: rule {name}: {s}" for s in said]
        if rule is not None:
            rules_.append(rule)
    t2s = _load_t2s(folder / "t2s.txt", problems)
    if problems:
        raise RulesError("bad rules in " + str(folder) + ":\n  " + "\n  ".join(problems))
    return RuleSet(rules_, fragments, t2s, folder / "userdict.txt")


def _checked(entry: Any, fragments: dict[str, str], seen: set[str]) -> tuple[Rule | None, list[str]]:
    """One rule file entry as its kind's model, and everything wrong with it."""
    model = KINDS.get(entry.get("kind") or "") if isinstance(entry, dict) else None
    if model is None:
        kind = entry.get("kind") if isinstance(entry, dict) else entry
        return None, [f"unknown kind {kind!r} (known: {', '.join(sorted(KINDS))})"]
    try:
        rule = model.model_validate(entry)
    except ValidationError as e:
        return None, [f"{'.'.join(map(str, err['loc'])) or 'rule'}: {err['msg']}" for err in e.errors()]
    said = []
    if rule.id in seen:
        said.append("duplicate id")
    seen.add(rule.id)
    if rule.pattern is None and rule.lexicon is None and rule.kind not in {"grade_band", *FINDING_KINDS}:
        said.append("needs a pattern or a lexicon")
    if rule.pattern is not None:
        missing = [n for n in _FRAGMENT.findall(rule.pattern) if n not in fragments]
        if missing:
            said.append(f"unknown fragment(s) {', '.join(missing)}")
        else:
            try:
                re.compile(_expand(rule.pattern, fragments))
            except re.error as e:
                said.append(f"pattern does not compile: {e}")
    return rule, said


def _line(path: Path, index: int) -> int | str:
    """The line where the index-th rule of a file starts: asked only when a rule is bad, so a good
    rule set is loaded without composing the YAML twice."""
    import yaml
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=_yaml_loader())
        if node is None:
            return "?"
        rules_node = next(v for k, v in node.value if k.value == "rules")
        return rules_node.value[index].start_mark.line + 1
    except Exception:       # the file's own YAML error is reported already
        return "?"


def yaml_data(path: Path) -> Any:
    """A YAML data file's contents (labels.yaml, explain.yaml: read by every run), from the JSON copy
    the cache folder keeps of the very same bytes when there is one: not parsed again, and yaml
    (0.01 s of CPU) not imported. OSError when the file cannot be read; RulesError when it does not
    parse."""
    raw = path.read_bytes()
    where = cache_dir()
    copy = where / f"data-{hashlib.sha256(raw).hexdigest()[:32]}.json" if where is not None else None
    if copy is not None:
        with contextlib.suppress(OSError, ValueError):
            return json.loads(copy.read_bytes())
    import yaml
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_yaml_loader())
    except yaml.YAMLError as e:
        raise RulesError(f"cannot read {path}: {e}") from e
    if copy is not None:
        store_json(copy, data)
    return data


def _yaml_loader():
    """libyaml's loader where there is one: the same data, seven times faster."""
    import yaml
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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

"""The shared number layer: money, percentages, counts and plain numbers, found then resolved.

Finders return `Number`s (a span, the rule id, and the resolved Decimal); resolvers turn a numeral
and a unit into a Decimal or None. They never raise and never guess: a numeral they cannot read
gives None, and so does a figure written negative or in scientific notation, which the record's
notes then name (unread_noted). `half` is half the last stated digit, in the same unit as `value` (yuan, percent),
so the validator can treat every stated number as the interval it stands for.
"""
from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache, wraps

from ..rules import rules
from . import chinese
from .layer import Span


@dataclass(frozen=True)
class Number:
    span: Span
    value: Decimal
    half: Decimal
    unit: str | None = None


MAX_DIGITS = 40    # a numeral of more integer digits is no figure (10³⁰ 元 is read, and flagged; 10⁴⁰⁰ is not read)


def resolve_numeral(numeral: str) -> tuple[Decimal, Decimal] | None:
    """'1,150.50' -> (1150.50, 0.005); '一千二百' -> (1200, 0); anything unreadable -> None."""
    s = numeral.replace(",", "").strip()
    if not s:
        return None
    if s[0].isdigit():
        try:
            d = Decimal(s)
        except InvalidOperation:
            return None
        exp = d.as_tuple().exponent
        if not isinstance(exp, int) or d.adjusted() >= MAX_DIGITS:
            return None
        return d, Decimal(5).scaleb(exp - 1)
    try:
        v = chinese.read(s) if chinese.plain(s) else _cn2an(s)
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    return Decimal(str(v)), Decimal(0)


def _cn2an(s: str) -> int | float:
    """cn2an's strict reading of a numeral text.chinese cannot read as it would (a traditional or
    full-width character, 元角分): imported here, at the first such numeral (a tenth of a second)."""
    import cn2an
    return cn2an.cn2an(s, "strict")


def money_multiplier(unit: str | None) -> Decimal | None:
    for r in rules().of("money_unit"):
        if unit in (r.lexicon or ()):
            return Decimal(str(r.param("yuan")))
    return None


def resolve_money(numeral: str, unit: str | None) -> tuple[Decimal, Decimal] | None:
    """A numeral and a money unit (元, 千元, 万元, 亿元) -> (yuan, half-width in yuan), or None."""
    num, mult = resolve_numeral(numeral), money_multiplier(unit)
    if num is None or mult is None:
        return None
    return (num[0] * mult).normalize() + 0, num[1] * mult


@cache
def money_units() -> str:
    """The money units as one alternation, the longest first."""
    return "|".join(sorted((u for r in rules().of("money_unit") for u in r.lexicon or ()), key=len, reverse=True))


@cache
def _money_re() -> re.Pattern:
    return re.compile(rules().expand(r"(?P<num>{NUM}|{CNNUM})[ \t]*(?P<unit>" + money_units() + ")"))


@cache
def _percent_re() -> re.Pattern:
    return re.compile(rules().expand(r"(?P<num>{NUM})[ \t]*%"))


@cache
def _unit_or_percent_re() -> re.Pattern:
    return re.compile(money_units() + "|%")


def may_hold_amount(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] may hold an amount money_at or percent_at reads: each ends in a money
    unit or %. Most sentences of a report have neither, and are spared every rule's search."""
    return _unit_or_percent_re().search(text, start, end) is not None


def money_at(text: str, pos: int, rule: str) -> Number | None:
    """The money amount that starts exactly at `pos`, or None (noted when it is written negative or in
    scientific notation: see unread_noted)."""
    m = _money_re().match(text, pos)
    if not m:
        _note_unread(text, pos, rule, money_units())
        return None
    r = resolve_money(m.group("num"), m.group("unit"))
    return Number(Span(m.start(), m.end(), rule), r[0], r[1], m.group("unit")) if r else None


@cache
def _labelled_money_re() -> re.Pattern:
    """A bare figure right after a label's bracketed unit: 计划投资额(万元)144; or alone in the next
    line's cell, as a table flattened one cell a line prints it (计划安排资金(万元) |⏎700 |)."""
    return re.compile(rules().expand(r"\((?P<unit>" + money_units() + r")\)(?:[ \t|:]*(?P<num>{NUM})(?![\d.%])"
                                     r"|[ \t|]*\n[ \t|]*(?P<cell>{NUM})(?=[ \t]*(?:\||\n|$)))"))


def money_in(text: str, start: int, end: int, rule: str) -> list[Number]:
    """Every money amount wholly inside text[start:end], in order: a numeral with its unit, or a
    bare numeral after a bracketed unit (项目总投资(万元) 500: the unit is the label's)."""
    out = []
    for regex in (_money_re(), _labelled_money_re()):
        for m in regex.finditer(text, start, end):
            num = "cell" if m.groupdict().get("cell") else "num"
            if written_apart(text, m.start(num), m.end(num)):
                continue
            r = resolve_money(m.group(num), m.group("unit"))
            if r:
                out.append(Number(Span(m.start(num), m.end(), rule), r[0], r[1], m.group("unit")))
    return sorted(out, key=lambda n: n.span.start)


def percent_at(text: str, pos: int, rule: str) -> Number | None:
    m = _percent_re().match(text, pos)
    if not m:
        _note_unread(text, pos, rule, "%")
        return None
    r = resolve_numeral(m.group("num"))
    return Number(Span(m.start(), m.end(), rule), r[0], r[1], "%") if r else None


@cache
def _plain_re() -> re.Pattern:
    return re.compile(rules().expand("{NUM}"))


def plain_at(text: str, pos: int, rule: str) -> Number | None:
    m = _plain_re().match(text, pos)
    if not m:
        return None
    r = resolve_numeral(m.group(0))
    return Number(Span(m.start(), m.end(), rule), r[0], r[1]) if r else None


def fused_at(text: str, pos: int) -> tuple[int, int, int] | None:
    """(start, cut, end) of two numbers fused into one token at `pos` ("369.11316.32" -> 369.11 |
    316.32): the second begins where the first's decimals, as many as the second has, end.
    None when the token is no such fusion (a date 2019.12.31, a section number 2.11.3)."""
    m = rules().get("merged_digits").regex.match(text, pos)
    if m is None:
        return None
    k, mid = len(m.group("dec")), m.group("mid")
    tail = mid[k:]
    if k < rules().get("merged_digits").param("min_decimals") or not tail or (tail[0] == "0" and len(tail) > 1):
        return None                                           # 0.39 may follow, 05.3 may not
    return m.start(), m.start("mid") + k, m.end()


# ---------------------------------------------------------------- figures written in a form not read

MINUS = "-\u2212"          # a minus sign once the text layer has folded \uff0d and \ufe63 to "-"
_SIGN_AFTER = " \t\n\f|:;,(=为是"     # what a sign follows; after a digit or a word a dash is a range (10-20万元)
_EXPONENT = re.compile(r"[eE][+-]?\d+")


@dataclass(frozen=True)
class Unread:
    """A figure in a budget or score role (right after its keyword) written negative or in scientific notation:
    jixiao does not read it (a negative budget or rate is no figure it can check, and 1.2E+06 is how a
    spreadsheet shows a number, not how a report states one), and the record says so."""
    start: int
    end: int
    rule: str
    reason: str             # "negative" or "exponent"


_unread: ContextVar[list[Unread] | None] = ContextVar("jixiao_unread", default=None)


@cache
def _unread_re(units: str) -> re.Pattern:
    return re.compile(r"(?P<sign>[" + MINUS + r"])?\d[\d,]*(?:\.\d+)?(?P<exp>[eE][+-]?\d+)?[ \t]*(?:" + units + ")")


def _note_unread(text: str, pos: int, rule: str, units: str) -> None:
    """Keep, for the record's notes, a figure at `pos` that a resolver refused for its sign or exponent."""
    m = _unread_re(units).match(text, pos)
    if m and (m.group("sign") or m.group("exp")):
        _keep(Unread(m.start(), m.end(), rule, "negative" if m.group("sign") else "exponent"))


def _keep(u: Unread) -> None:
    found = _unread.get()
    if found is not None:
        found.append(u)


def written_apart(text: str, start: int, end: int) -> str | None:
    """Why the numeral text[start:end] is only part of a figure not read, or None: "negative" after a
    minus sign (-12.5万元 is not 12.5万元; 10-20万元 is a range), "exponent" in scientific notation
    (1.2E+06元 is not 6 元, 9.5e1 分 not 9.5 分)."""
    if start > 0 and text[start - 1] in MINUS and (start == 1 or text[start - 2] in _SIGN_AFTER):
        return "negative"
    if re.search(r"\d[eE][+-]?$", text[max(0, start - 3):start]) or _EXPONENT.match(text, end):
        return "exponent"
    return None


def unread(text: str, start: int, end: int, rule: str) -> bool:
    """Whether the numeral text[start:end], found by `rule` in a score or budget role, is part of a
    figure not read (written_apart); kept for the record's notes when it is."""
    reason = written_apart(text, start, end)
    if reason:
        exponent = _EXPONENT.match(text, end)
        _keep(Unread(start - (reason == "negative"), exponent.end() if exponent else end, rule, reason))
    return reason is not None


def unread_note(text: str, u: Unread) -> str:
    """The note a record keeps for an unread figure: its stable code first, then the figure, where it
    is, the role it would have had and why it was not read."""
    r = rules().get(u.rule)
    role = r.param("role", r.kind)
    why = "written negative" if u.reason == "negative" else "written in scientific notation"
    return (f"figure_unread_{u.reason}: {text[u.start:u.end]!r} at offset {u.start} ({role} figure) is {why}; "
            "jixiao does not read such a figure, so the field is left empty: check the report")


def unread_noted(stage):
    """The extract stage, its record's source.notes listing the figures refused in a role (Unread: by
    money_at, percent_at and unread), once each: a figure left empty says why."""
    @wraps(stage)
    def noted(c):
        token = _unread.set([])
        try:
            out = stage(c)
            found = sorted(set(_unread.get() or ()), key=lambda u: u.start)
        finally:
            _unread.reset(token)
        if not found:
            return out
        doc = out.classified.doc
        notes = [*doc.source.notes, *dict.fromkeys(unread_note(doc.text, u) for u in found)]
        source = doc.source.model_copy(update={"notes": notes})
        return out.model_copy(update={"classified": out.classified.model_copy(
            update={"doc": doc.model_copy(update={"source": source})})})
    return noted

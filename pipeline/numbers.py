"""The shared number layer: money, percentages, counts and plain numbers, found then resolved.

Finders return `Number`s (a span, the rule id, and the resolved Decimal); resolvers turn a numeral
and a unit into a Decimal or None. They never raise and never guess: a numeral they cannot read
gives None. `half` is half the last stated digit, in the same unit as `value` (yuan, percent),
so the validator can treat every stated number as the interval it stands for.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from .rules import rules
from .textlayer import Span


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
    import cn2an            # here, not at the top: importing it costs half a second, and few numerals need it
    try:
        v = cn2an.cn2an(s, "strict")
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    return Decimal(str(v)), Decimal(0)


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
def _money_units() -> str:
    """The money units as one alternation, the longest first."""
    return "|".join(sorted((u for r in rules().of("money_unit") for u in r.lexicon or ()), key=len, reverse=True))


@cache
def _money_re() -> re.Pattern:
    return re.compile(rules().expand(r"(?P<num>{NUM}|{CNNUM})[ \t]*(?P<unit>" + _money_units() + ")"))


@cache
def _percent_re() -> re.Pattern:
    return re.compile(rules().expand(r"(?P<num>{NUM})[ \t]*%"))


@cache
def _unit_or_percent_re() -> re.Pattern:
    return re.compile(_money_units() + "|%")


def may_hold_amount(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] may hold an amount money_at or percent_at reads: each ends in a money
    unit or %. Most sentences of a report have neither, and are spared every rule's search."""
    return _unit_or_percent_re().search(text, start, end) is not None


def money_at(text: str, pos: int, rule: str) -> Number | None:
    """The money amount that starts exactly at `pos`, or None."""
    m = _money_re().match(text, pos)
    if not m:
        return None
    r = resolve_money(m.group("num"), m.group("unit"))
    return Number(Span(m.start(), m.end(), rule), r[0], r[1], m.group("unit")) if r else None


@cache
def _labelled_money_re() -> re.Pattern:
    """A bare figure right after a label's bracketed unit: 计划投资额(万元)144."""
    return re.compile(rules().expand(r"\((?P<unit>" + _money_units() + r")\)[ \t|:]*(?P<num>{NUM})(?![\d.%])"))


def money_in(text: str, start: int, end: int, rule: str) -> list[Number]:
    """Every money amount wholly inside text[start:end], in order: a numeral with its unit, or a
    bare numeral after a bracketed unit (项目总投资(万元) 500: the unit is the label's)."""
    out = []
    for regex in (_money_re(), _labelled_money_re()):
        for m in regex.finditer(text, start, end):
            r = resolve_money(m.group("num"), m.group("unit"))
            if r:
                out.append(Number(Span(m.start("num"), m.end(), rule), r[0], r[1], m.group("unit")))
    return sorted(out, key=lambda n: n.span.start)


def percent_at(text: str, pos: int, rule: str) -> Number | None:
    m = _percent_re().match(text, pos)
    if not m:
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

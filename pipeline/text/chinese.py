"""Chinese numerals (一千二百, 三点五, 负十) read as cn2an.cn2an(s, "strict") reads them, without cn2an.

Importing cn2an costs a tenth of a second of CPU (it compiles a dozen large regexes for modes this
project never uses), paid again by every worker that meets one numeral. A numeral written only in
strict mode's characters (and 〇 两, which it refuses) needs none of its repairs: no traditional or
full-width character to fold, no 元/角/分 and no 廿. Such a numeral is read here, by the same grammar
and the same arithmetic, to the same int or float; anything else is left to cn2an (`plain`)."""
from __future__ import annotations

from collections.abc import Callable

DIGIT = {"零": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "三": 3, "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5,
         "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
UNIT = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "万": 10000, "亿": 100000000}
STRICT = set(DIGIT) | set(UNIT) | {"点", "负"}
PLAIN = STRICT | {"〇", "两"}       # characters cn2an's preprocessing leaves as they are

Parser = Callable[[str, int], set[int]]     # where a match starting at i can end


def _chars(chars: str) -> Parser:
    return lambda s, i: {i + 1} if i < len(s) and s[i] in chars else set()


def _seq(*parts: Parser) -> Parser:
    def parse(s: str, i: int) -> set[int]:
        ends = {i}
        for p in parts:
            ends = {e for j in ends for e in p(s, j)}
        return ends
    return parse


def _alt(*parts: Parser) -> Parser:
    return lambda s, i: set().union(*(p(s, i) for p in parts))


def _opt(p: Parser) -> Parser:
    return lambda s, i: {i} | p(s, i)


# cn2an's strict integer grammar (Cn2An.__get_pattern), its alternatives that share a head factored
# (A W B? | A W C is A W (B? | C); A W T | A is A (W T)?): the same strings, each prefix parsed once
_Z, _D = _chars("零"), _chars("一壹二贰三叁四肆五伍六陆七柒八捌九玖")
_T, _B, _Q, _W, _Y = _chars("十拾"), _chars("百佰"), _chars("千仟"), _chars("万"), _chars("亿")
_10_99 = _seq(_opt(_D), _T, _opt(_D))
_10_99_ONE = _seq(_D, _T, _opt(_D))
_1_99 = _alt(_10_99, _D)
_100_999 = _seq(_D, _B, _alt(_opt(_seq(_Z, _D)), _10_99_ONE))
_1_999 = _alt(_100_999, _1_99)
_1000_9999 = _seq(_D, _Q, _alt(_opt(_seq(_Z, _1_99)), _100_999))
_1_9999 = _alt(_1000_9999, _1_999)
_TO_1E8 = _seq(_W, _alt(_opt(_seq(_Z, _1_999)), _1000_9999))      # what follows 1-9999 in 10^4 to 10^8-1
_1E4_1E8 = _seq(_1_9999, _TO_1E8)
_1_1E8 = _seq(_1_9999, _opt(_TO_1E8))
_TO_1E16 = _seq(_Y, _alt(_opt(_seq(_Z, _1_1E8)), _1E4_1E8))      # what follows 1 to 10^8-1 above 10^8
_INTEGER = _alt(_Z, _seq(_1_1E8, _opt(_TO_1E16)))


def plain(s: str) -> bool:
    """Whether `read` reads s exactly as cn2an would: s is not empty and only of strict mode's
    characters (and those it refuses unchanged)."""
    return bool(s) and all(c in PLAIN for c in s)


def read(s: str) -> int | float:
    """cn2an.cn2an(s, "strict") for a `plain` s; ValueError where it raises."""
    s = s.replace("零十", "零一十").replace("零百", "零一百")
    if any(c not in STRICT for c in s):
        raise ValueError(f"not a strict numeral: {s}")
    sign = 1
    if s[0] == "负":
        s, sign = s[1:], -1
    integer, point, decimal = s.partition("点")
    if "点" in decimal or len(integer) not in _INTEGER(integer, 0) or (point and not _decimals(decimal)):
        raise ValueError(f"not a strict numeral: {s}")
    if not point:
        return sign * _integer(integer)
    return sign * round(_integer(integer) + _fraction(decimal), len(decimal))


def _decimals(s: str) -> bool:
    """cn2an's strict decimal part: 1 to 16 digits, the last not 零."""
    return 1 <= len(s) <= 16 and all(c in DIGIT for c in s) and s[-1] != "零"


def _integer(s: str) -> int:
    """Cn2An.__integer_convert."""
    out, unit, big = 0, 1, 1
    for index, c in enumerate(reversed(s)):
        if c in DIGIT:
            out += DIGIT[c] * unit
            continue
        unit = UNIT[c]
        if unit % 10000 == 0:
            if unit > big:
                big = unit
            else:
                big = unit = unit * big
        if unit < big:
            unit = unit * big
        if index == len(s) - 1:
            out += unit
    return int(out)


def _fraction(s: str) -> float:
    """Cn2An.__decimal_convert (the same float sums, in the same order)."""
    out: float = 0
    for index in range(len(s) - 1, -1, -1):
        out += DIGIT[s[index]] * 10 ** -(index + 1)
    return round(out, len(s))

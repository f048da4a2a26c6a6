"""The shared number layer: numerals and units to exact Decimals, with the precision they state."""
from decimal import Decimal

import pytest

from pipeline.text.numbers import resolve_money, resolve_numeral


@pytest.mark.parametrize("numeral,unit,yuan,half", [
    ("1150.50", "万元", "11505000", "50"),
    ("1.62", "亿元", "162000000", "500000"),
    ("1,250", "千元", "1250000", "500"),
    ("387664.62", "元", "387664.62", "0.005"),
    ("一千二百", "万元", "12000000", "0"),
    ("1,867.48", "万元", "18674800", "50"),
])
def test_money(numeral, unit, yuan, half):
    assert resolve_money(numeral, unit) == (Decimal(yuan), Decimal(half))


@pytest.mark.parametrize("numeral,unit", [("abc", "万元"), ("12", "斤"), ("", "元"), ("一千二百", None)])
def test_unreadable_money_is_none_not_an_error(numeral, unit):
    assert resolve_money(numeral, unit) is None


def test_percent_precision_comes_from_the_digits():
    assert resolve_numeral("100") == (Decimal(100), Decimal("0.5"))
    assert resolve_numeral("97.80") == (Decimal("97.80"), Decimal("0.005"))


def test_a_numeral_of_more_digits_than_any_figure_is_not_read():
    """10³⁰ 元 is read (the audit flags it); a numeral of 400 digits is no figure and would overflow a float."""
    assert resolve_numeral("1" + "0" * 30) == (Decimal(10) ** 30, Decimal("0.5"))
    assert resolve_numeral("9" * 400) is None


def test_money_in_reads_units_and_bracketed_labels_in_order():
    from pipeline.text.numbers import money_in
    text = "计划投资额(万元)144 实际支出 98.5 万元，执行率 68%"
    got = [(text[n.span.start:n.span.end], n.value) for n in money_in(text, 0, len(text), "t")]
    assert got == [("144", Decimal("1440000")), ("98.5 万元", Decimal("985000"))]


def _cn2an_reading(s: str):
    import cn2an
    try:
        return str(cn2an.cn2an(s, "strict"))
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _own_reading(s: str):
    from pipeline.text import chinese
    try:
        return str(chinese.read(s))
    except ValueError:
        return None


def test_chinese_numerals_are_read_as_cn2an_reads_them():
    """text.chinese stands in for cn2an's strict mode on the numerals it takes: every well-written
    number up to 3,000, one in 997 up to 10,000,000 and some far larger (negative, with decimals),
    every string of one or two of its characters and of three of the common ones, good or bad
    (零十, 两千, 一点二点三, 百万亿 …), read to the same value or refused alike."""
    import itertools

    import cn2an
    from pipeline.text import chinese
    written = [cn2an.an2cn(n) for n in [*range(3000), *range(3000, 10**7, 997), 10**8 + 7, 20_0300_0405, 12_3456_7890_1234]]
    numerals = written + ["负" + w for w in written[::7]] + [w + "点" + d for w in written[::97]
                                                               for d in ("五", "零三", "一二三四五六七八九一二三四五六七")]
    numerals += ["".join(t) for k in (1, 2) for t in itertools.product(sorted(chinese.PLAIN), repeat=k)]
    numerals += ["".join(t) for t in itertools.product("零一二两十百千万亿点负", repeat=3)]
    assert all(chinese.plain(s) for s in numerals)
    readings = [(s, _cn2an_reading(s), _own_reading(s)) for s in numerals]
    assert [r for r in readings if r[1] != r[2]] == []
    assert _own_reading("一千零十") == "1010" and _own_reading("两千") is None and _own_reading("三点一四") == "3.14"


def test_a_numeral_outside_strict_characters_is_still_cn2an_s_to_read():
    assert resolve_numeral("壹仟貳佰") == (Decimal(1200), Decimal(0))      # 貳: traditional, folded by cn2an
    assert resolve_numeral("十二元整") == (Decimal(12), Decimal(0))           # 元整 dropped by cn2an

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

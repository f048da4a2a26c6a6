"""Stated numbers as the intervals their digits imply, the way XBRL Calculations 1.1 compares them.

1150.50 万元 stands for [1150.495, 1150.505] 万元 and 100% for [99.5, 100.5]: two statements
contradict each other only when their intervals cannot meet. Decimal arithmetic throughout, so a
check never fires or stays silent because of binary rounding.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..models import Fact

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def dec(x: float | Decimal) -> Decimal:
    """A float from a record as the Decimal it was printed as (8.57, not 8.5700000000000003)."""
    return x if isinstance(x, Decimal) else Decimal(str(x))


@dataclass(frozen=True)
class Interval:
    lo: Decimal
    hi: Decimal

    @classmethod
    def exact(cls, x: float | Decimal) -> Interval:
        v = dec(x)
        return cls(v, v)

    @classmethod
    def of(cls, f: Fact) -> Interval:
        """A fact's interval: its value ± the half-unit of its last stated digit."""
        v, h = dec(f.value), dec(f.precision or 0)
        return cls(v - h, v + h)

    @classmethod
    def assigned(cls, x: float | Decimal, exact_decimals: int) -> Interval:
        """Points a scorer assigns (10, 9.5) are exact; 8.57 was computed and rounded to 0.01."""
        v = dec(x).normalize()
        places = max(0, -int(v.as_tuple().exponent))      # finite: the exponent is an int
        if places <= exact_decimals:
            return cls(v, v)
        h = Decimal(5).scaleb(-places - 1)
        return cls(v - h, v + h)

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __sub__(self, other: Interval) -> Interval:
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def scale(self, k: Decimal) -> Interval:
        a, b = self.lo * k, self.hi * k
        return Interval(min(a, b), max(a, b))

    def ratio(self, denominator: Interval) -> Interval | None:
        """self / denominator for a positive denominator; None when it may be 0 or less."""
        if denominator.lo <= 0:
            return None
        bounds = [a / b for a in (self.lo, self.hi) for b in (denominator.lo, denominator.hi)]
        return Interval(min(bounds), max(bounds))

    def meets(self, other: Interval) -> bool:
        return self.lo <= other.hi and other.lo <= self.hi

    def clip(self, lo: Decimal, hi: Decimal) -> Interval:
        return Interval(min(max(self.lo, lo), hi), min(max(self.hi, lo), hi))

    @property
    def mid(self) -> Decimal:
        return (self.lo + self.hi) / 2


def total(intervals: list[Interval]) -> Interval:
    out = Interval.exact(0)
    for i in intervals:
        out = out + i
    return out

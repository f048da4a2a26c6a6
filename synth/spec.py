"""The facts of one synthetic report, drawn from a seeded random.Random: who, which year, the money,
the counted outputs, the indicator rows and the score.

The figures agree with each other by construction: the stated rate is executed / total rounded to
the digits printed, the indicator scores (and the fund row's score) add up to the total score,
100 − deductions is the score, and the grade is the score's band. Phrasing is chosen later
(compose.py); a spec says only what is true.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from . import lexicon as lx

Kind = Literal["department", "project", "policy", "other"]
KINDS: tuple[Kind, ...] = ("department", "project", "policy", "other")
# the order documents are made in: -n 6 gives 2 department, 2 project, 1 policy, 1 other
ROTATION: tuple[Kind, ...] = ("department", "project", "policy", "other", "department", "project")
PREFIX = {"department": "syn-dept", "project": "syn-proj", "policy": "syn-pol", "other": "syn-other"}

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
WAN = Decimal(10000)
YUAN100 = Decimal("1E+2")    # a step of 100 yuan (0.01 万元); Decimal(100) would quantize to 1 yuan


def q(x: Decimal, step: Decimal = CENT) -> Decimal:
    return x.quantize(step, rounding=ROUND_HALF_UP)


def grade_of(score: Decimal) -> str:
    """优 ≥ 90, 良 80–90, 中 60–80, 差 < 60."""
    return "优" if score >= 90 else "良" if score >= 80 else "中" if score >= 60 else "差"


@dataclass
class Place:
    name: str            # 青禾市临川区
    level: str           # 市 / 区 / 县: the last character, for 区委 / 县政府 …


@dataclass
class Count:
    subject: str
    unit: str
    value: int
    indicator: str


@dataclass
class IndicatorRow:
    level1: str
    level2: str
    level3: str
    target: str
    actual: str
    weight: Decimal
    score: Decimal
    reason: str = ""
    deductible: bool = True


@dataclass
class FundLine:
    label: str
    role: Literal["total", "fiscal", "carryover", "other"]
    initial: Decimal | None      # yuan; None: the cell is left blank
    total: Decimal
    executed: Decimal


@dataclass
class KeyProject:
    name: str
    total: Decimal
    executed: Decimal
    rate: Decimal


@dataclass
class PriorYear:
    """Last year's figures, as last year's report stated them: a report of a series restates them."""
    year: int
    total: Decimal
    executed: Decimal
    rate: Decimal


@dataclass(frozen=True)
class Fixed:
    """What one organisation's reports keep from year to year (synth/series.py): the year
    asked for, the place, the domain, the money unit, the reporting unit and for a project or policy
    its subject."""
    year: int
    place: Place
    domain: lx.Domain
    money_unit: Literal["wan", "yuan"]
    subject: str | None = None
    organization: str | None = None


@dataclass
class DocSpec:
    id: str
    kind: Kind
    seed: int
    year: int
    place: Place
    domain: lx.Domain
    organization: str            # the reporting (for a project: implementing) unit
    competent: str               # 主管部门
    subject: str | None          # the project's or special fund's name
    money_unit: Literal["wan", "yuan"]
    rate_decimals: int
    initial: Decimal             # yuan
    total: Decimal
    executed: Decimal
    rate: Decimal                # as stated, in percent
    funds: list[FundLine]
    fund_weight: Decimal | None  # 10 when the fund row is scored, else None
    fund_score: Decimal | None
    indicators: list[IndicatorRow]
    score: Decimal
    deduction: Decimal
    grade: str
    counts: list[Count]
    key_projects: list[KeyProject]
    published: tuple[int, int, int]
    other_figures: dict = field(default_factory=dict)
    prior_year: PriorYear | None = None        # restated in the narrative when set (a series' later years)


def plan(count: int) -> list[tuple[str, Kind]]:
    """(id, kind) of the first `count` documents: syn-dept-001, syn-proj-001, …"""
    seen: dict[Kind, int] = {}
    out = []
    for i in range(count):
        kind = ROTATION[i % len(ROTATION)]
        seen[kind] = seen.get(kind, 0) + 1
        out.append((f"{PREFIX[kind]}-{seen[kind]:03d}", kind))
    return out


def rng_for(seed: int, doc_id: str, purpose: str) -> random.Random:
    """One generator per document and purpose, so a document does not change with -n."""
    return random.Random(f"jixiao-synth:{seed}:{doc_id}:{purpose}")


# ---------------------------------------------------------------- places and names

def _place(rng: random.Random) -> Place:
    city = rng.choice(lx.CITIES)
    roll = rng.random()
    if roll < 0.55:
        return Place(city + rng.choice(lx.DISTRICTS), "区")
    if roll < 0.8:
        county = rng.choice(lx.COUNTIES)
        return Place(county if rng.random() < 0.4 else city + county, "县")
    return Place(city, "市")


def superior(domain: lx.Domain, place: Place) -> str:
    return domain.superior.replace("区", place.level).replace("县", place.level)


def _nice_floor(n: int, rng: random.Random) -> int:
    """A round target at or below n (≥ 48 for 52, ≥ 5000 for 5230)."""
    if n < 10:
        return max(1, n - rng.choice((0, 0, 1)))
    step = 10 ** (len(str(n)) - 2) if n >= 100 else (5 if n >= 20 else 1)
    return max(1, n // step * step - step * rng.choice((0, 0, 1)))


def _nice_ceil(n: int) -> int:
    """A round target above n, for a count that fell short of it."""
    step = 10 ** max(0, len(str(n)) - 2) if n >= 100 else (5 if n >= 20 else 1)
    return (n // step + 1) * step + step


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` points over `parts` rows, integers ≥ 2, uneven but plausible."""
    base = [total // parts] * parts
    for i in range(total - sum(base)):
        base[i % parts] += 1
    for _ in range(parts):
        i, j = rng.randrange(parts), rng.randrange(parts)
        d = rng.choice((1, 2))
        if i != j and base[i] - d >= 2:
            base[i] -= d
            base[j] += d
    return base


def _fmt_num(d: Decimal) -> str:
    """2 -> "2", 2.50 -> "2.5"."""
    s = format(d.normalize(), "f")
    return s


# ---------------------------------------------------------------- money

_TOTAL_RANGE = {"department": (120, 6000), "project": (8, 900), "policy": (300, 15000), "other": (150, 5000)}


def _money(rng: random.Random, kind: Kind, unit: str) -> tuple[Decimal, Decimal, Decimal, list[FundLine]]:
    lo, hi = _TOTAL_RANGE[kind]
    wan = Decimal(str(round(lo * (hi / lo) ** rng.random(), 6)))       # log-uniform in 万元
    step = YUAN100 if unit == "wan" else CENT                     # 0.01 万元, or 1 分
    total = q(wan * WAN, step)
    if rng.random() < 0.35:
        ratio = Decimal(1)
    else:
        ratio = Decimal(1) - Decimal(str(round(rng.random() ** 3 * 0.15, 6)))
    executed = min(total, q(total * ratio, step))
    initial = total if rng.random() < 0.45 else q(total * Decimal(str(round(rng.uniform(0.85, 1.12), 4))), step)
    carry = q(total * Decimal(str(round(rng.uniform(0.02, 0.15), 4))), step) if rng.random() < 0.5 else Decimal(0)
    other = q(total * Decimal(str(round(rng.uniform(0.01, 0.08), 4))), step) if rng.random() < 0.2 else Decimal(0)
    if carry + other >= total or initial <= 0:
        carry = other = Decimal(0)
    exec_carry = carry if rng.random() < 0.6 else min(carry, q(carry * ratio, step))
    exec_other = min(other, q(other * ratio, step))
    fiscal_total = total - carry - other
    fiscal_exec = executed - exec_carry - exec_other
    if fiscal_exec > fiscal_total or fiscal_exec < 0:       # keep every line's execution ≤ its budget
        exec_carry, exec_other = carry, other
        fiscal_exec = executed - carry - other
        if fiscal_exec < 0 or fiscal_exec > fiscal_total:
            carry = other = exec_carry = exec_other = Decimal(0)
            fiscal_total, fiscal_exec = total, executed
    blank = rng.random() < 0.5            # how this form writes a line that has no 年初 figure
    lines = [
        FundLine("年度资金总额", "total", initial, total, executed),
        FundLine("其中：当年财政拨款", "fiscal", initial, fiscal_total, fiscal_exec),
        FundLine("上年结转资金", "carryover", None if blank else Decimal(0), carry, exec_carry),
        FundLine("其他资金", "other", None if blank else Decimal(0), other, exec_other),
    ]
    return initial, total, executed, lines


def rate_of(executed: Decimal, total: Decimal, decimals: int) -> Decimal:
    return q(executed / total * HUNDRED, Decimal(1).scaleb(-decimals)) if total else Decimal(0)


# ---------------------------------------------------------------- indicators and scores

UNSET = Decimal(0)      # an indicator's weight and score until its group's share is split

def _indicators(rng: random.Random, spec_kind: Kind, domain: lx.Domain, counts: list[Count], year: int,
                total_text: str, exec_text: str, weight_total: int) -> list[IndicatorRow]:
    rows: list[IndicatorRow] = []
    n_qty = min(len(counts), rng.choice((2, 2, 3)))
    for c in counts[:n_qty]:
        rows.append(IndicatorRow("产出指标", "数量指标", c.indicator, "", f"{c.value}{c.unit}", UNSET, UNSET))
    for name, _unit, target in rng.sample(domain.quality, k=min(len(domain.quality), rng.choice((1, 2)))):
        rows.append(IndicatorRow("产出指标", "质量指标", name, f"≥{target}%" if target < 100 else "100%", "", UNSET, UNSET))
    if rng.random() < 0.5:
        rows.append(IndicatorRow("产出指标", "时效指标", rng.choice(("任务按时完成率", "资金拨付及时率")), "100%", "", UNSET, UNSET))
    else:
        rows.append(IndicatorRow("产出指标", "时效指标", "完成时限", f"{year}年12月31日前", "", UNSET, UNSET))
    if spec_kind in ("department", "project") and rng.random() < 0.5:
        rows.append(IndicatorRow("产出指标", "成本指标", rng.choice(("预算控制数", "项目总成本", "支出控制额")),
                                 f"≤{total_text}", exec_text, UNSET, UNSET, deductible=False))
    for name, goal in rng.sample(domain.benefit, k=rng.choice((1, 2))):
        rows.append(IndicatorRow("效益指标", "社会效益指标", name, goal, "", UNSET, UNSET))
    if rng.random() < 0.35:
        rows.append(IndicatorRow("效益指标", "可持续影响指标", "长效管理机制", "逐步健全", "", UNSET, UNSET))
    sat = rng.choice((85, 90, 90, 95))
    rows.append(IndicatorRow("满意度指标", "服务对象满意度指标", f"{domain.served}满意度", f"≥{sat}%", "", UNSET, UNSET))

    groups = {"产出指标": 0, "效益指标": 0, "满意度指标": 0}
    shares = rng.choice({90: ((50, 30, 10), (40, 30, 20), (60, 20, 10)),
                         100: ((50, 30, 20), (60, 30, 10), (40, 40, 20))}[weight_total])
    for g, share in zip(groups, shares):
        members = [r for r in rows if r.level1 == g]
        for r, w in zip(members, _split(share, len(members), rng)):
            r.weight = r.score = Decimal(w)
    return rows


def _deduct(rng: random.Random, rows: list[IndicatorRow], points: Decimal) -> None:
    """Take `points` (a multiple of 0.5) off some rows' scores, never below 0."""
    half = Decimal("0.5")
    chunks = [Decimal(x) for x in ("0.5", "1", "1", "1.5", "2", "2", "3", "5")]
    while points > 0:
        open_rows = [r for r in rows if r.deductible and r.score > 0]
        if not open_rows:
            break
        r = rng.choice(open_rows)
        take = min(points, r.score, rng.choice(chunks) if points < 10 else max(r.score / 2, half))
        take = (take / half).to_integral_value() * half or half
        r.score -= take
        points -= take


def _actuals(rng: random.Random, rows: list[IndicatorRow], counts: list[Count]) -> None:
    """Write each row's target/actual so that a deducted row visibly falls short."""
    by_name = {c.indicator: c for c in counts}
    reasons = rng.sample(lx.REASONS, k=len(lx.REASONS))       # each short row its own reason, while they last
    for r in rows:
        short = r.score < r.weight
        if r.level2 == "数量指标":
            c = by_name[r.level3]
            r.target = f"≥{_nice_ceil(c.value) if short else _nice_floor(c.value, rng)}{c.unit}"
        elif r.target.endswith("%"):
            t = int(r.target.strip("≥%"))
            if short:
                r.actual = f"{max(50, t - rng.randint(2, 9))}%"
            else:
                r.actual = "100%" if t == 100 else f"{rng.randint(t, min(100, t + 8))}%"
        elif r.level3 == "完成时限":
            r.actual = "部分任务延期完成" if short else rng.choice(("按期完成", "已按时完成"))
        elif r.level2 == "成本指标":
            pass
        else:
            good, weak = lx.QUALITATIVE_ACTUAL.get(r.target, (r.target, "基本达成"))
            r.actual = weak if short else good
        if short:
            r.reason = reasons.pop() if reasons else rng.choice(lx.REASONS)


# ---------------------------------------------------------------- the spec

def draw_subject(rng, kind: str, place, domain) -> tuple[str | None, str]:
    """A report's subject (a project or a fund; None for a department) and its reporting unit: the
    competent body, or for 60% of projects one of the domain's implementing units."""
    subject, organization = None, place.name + domain.body
    if kind == "project":
        subject = rng.choice(domain.projects)
        if rng.random() < 0.6:
            organization = place.name + rng.choice(domain.units)
    elif kind == "policy":
        subject = rng.choice(domain.funds)
    return subject, organization


def make_spec(seed: int, doc_id: str, kind: Kind, fixed: Fixed | None = None) -> DocSpec:
    """The facts of one report, drawn from its own generator. `fixed` keeps who reports and which
    year (a series): everything is drawn as without it, then the fixed parts replace the drawn ones."""
    rng = rng_for(seed, doc_id, "spec")
    year = rng.randint(2019, 2024)
    domain = rng.choice([d for d in lx.DOMAINS if d.funds] if kind == "policy" else lx.DOMAINS)
    place = _place(rng)
    if fixed is not None:
        year, domain, place = fixed.year, fixed.domain, fixed.place
    competent = place.name + domain.body
    subject, organization = draw_subject(rng, kind, place, domain)
    unit: Literal["wan", "yuan"] = "wan" if rng.random() < 0.7 else "yuan"
    if fixed is not None:
        unit = fixed.money_unit
        subject = fixed.subject if kind in ("project", "policy") else subject
        organization = fixed.organization or organization
    rate_decimals = rng.choice((0, 1, 2, 2, 2))
    initial, total, executed, funds = _money(rng, kind, unit)
    rate = rate_of(executed, total, rate_decimals)

    counts = [Count(o.subject, o.unit, rng.randint(o.lo, o.hi), o.indicator)
              for o in rng.sample(domain.outputs, k=min(len(domain.outputs), rng.randint(3, 6)))]

    scored_fund = kind != "other" and rng.random() < 0.7
    fund_weight = Decimal(10) if scored_fund else None
    fund_score = q(rate / HUNDRED * 10) if scored_fund else None
    if fund_score is not None:
        fund_score = min(Decimal(10), fund_score).normalize()
    money_text = (lambda y: f"{_fmt_num(q(y / WAN))}万元") if unit == "wan" else (lambda y: f"{q(y)}元")
    indicators = _indicators(rng, kind, domain, counts, year, money_text(total), money_text(executed),
                             90 if scored_fund else 100)
    band = rng.choices(("优", "良", "中", "差"), weights=(65, 22, 10, 3))[0]
    lo, hi = {"优": (90, 100), "良": (80, 89.5), "中": (60, 79.5), "差": (45, 59.5)}[band]
    target = Decimal(str(rng.choice([lo + i * 0.5 for i in range(int((hi - lo) * 2) + 1)])))
    if rng.random() < 0.12 and band == "优":
        target = Decimal(100)
    fund_loss = (Decimal(10) - fund_score) if fund_score is not None else Decimal(0)
    need = HUNDRED - target - fund_loss
    need = max(Decimal(0), (need * 2).to_integral_value(rounding=ROUND_HALF_UP) / 2)
    _deduct(rng, indicators, need)
    _actuals(rng, indicators, counts)
    score = sum((r.score for r in indicators), Decimal(0)) + (fund_score or 0)
    deduction = HUNDRED - score

    key_projects = []
    if kind == "department" and rng.random() < 0.6:
        for name in rng.sample(domain.projects, k=rng.choice((1, 2))):
            step = YUAN100 if unit == "wan" else CENT
            pt = q(total * Decimal(str(round(rng.uniform(0.04, 0.2), 4))), step)
            pe = pt if rng.random() < 0.5 else q(pt * Decimal(str(round(rng.uniform(0.9, 0.999), 4))), step)
            key_projects.append(KeyProject(name, pt, pe, rate_of(pe, pt, rate_decimals)))

    other_figures = {}
    if kind == "other":
        last = q(total * Decimal(str(round(rng.uniform(0.85, 1.15), 4))), YUAN100)
        other_figures = {
            "income": q(total, YUAN100), "last_year": last,
            "staff": rng.randint(8, 60), "offices": rng.randint(3, 9), "vehicles": rng.randint(0, 6),
            "reception": q(Decimal(rng.randint(0, 300)) * 100, YUAN100),
            "car": q(Decimal(rng.randint(0, 900)) * 100, YUAN100),
            "procurement": q(total * Decimal(str(round(rng.uniform(0.03, 0.2), 4))), YUAN100),
            "projects_evaluated": rng.randint(2, 12),
        }
    published = (year + 1, rng.randint(2, 6), rng.randint(1, 28))
    return DocSpec(id=doc_id, kind=kind, seed=seed, year=year, place=place, domain=domain,
                   organization=organization, competent=competent, subject=subject, money_unit=unit,
                   rate_decimals=rate_decimals, initial=initial, total=total, executed=executed, rate=rate,
                   funds=funds, fund_weight=fund_weight, fund_score=fund_score, indicators=indicators,
                   score=score, deduction=deduction, grade=grade_of(score), counts=counts,
                   key_projects=key_projects, published=published, other_figures=other_figures)

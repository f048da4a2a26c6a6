"""One organisation over several consecutive years: `jixiao synth -o OUTDIR --series K`.

A series keeps who reports (place, domain, organisation, for a project or fund its name and units)
and the money unit; each year's figures come from that year's own generator, as for any report.
Every year after the first restates last year's budget, execution and rate in its narrative exactly
as last year's report stated them, so a consistent series gives no cross-year finding
(`jixiao dataset`). The series' own choices come from rng_for(seed, series id, "series"): the reports
`jixiao synth` makes without --series do not change.

Ids: syn-series-001-2021, syn-series-001-2022, … (the series id, then the fiscal year).
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from . import lexicon as lx
from .spec import DocSpec, Fixed, Kind, PriorYear, _place, draw_subject, make_spec, rng_for

SERIES_PREFIX = "syn-series"
# the kinds series come in, in turn (a negative has no year-on-year figures to restate)
SERIES_ROTATION: tuple[Kind, ...] = ("department", "project", "policy")
FIRST_YEAR, LAST_YEAR = 2019, 2024


def series_plan(count: int) -> list[tuple[str, Kind]]:
    """(series id, kind) of the first `count` series: syn-series-001 (department), -002 (project), …"""
    return [(f"{SERIES_PREFIX}-{i + 1:03d}", SERIES_ROTATION[i % len(SERIES_ROTATION)]) for i in range(count)]


def series_specs(seed: int, series_id: str, years: int, kind: Kind = "department",
                 taken: set[tuple] | None = None) -> list[DocSpec]:
    """The specs of one organisation's reports over `years` consecutive years, oldest first.

    `taken` holds who the series made before reports for (place, domain, organisation, subject): this
    one draws again, from its own generator, until it is somebody else, and adds itself."""
    if years < 1:
        raise ValueError("a series needs at least one year")
    if kind == "other":
        raise ValueError("a series is of department, project or policy reports")
    rng = rng_for(seed, series_id, "series")
    while True:
        domain = rng.choice([d for d in lx.DOMAINS if d.funds] if kind == "policy" else lx.DOMAINS)
        place = _place(rng)
        unit: Literal["wan", "yuan"] = "wan" if rng.random() < 0.7 else "yuan"
        start = rng.randint(FIRST_YEAR, max(FIRST_YEAR, LAST_YEAR + 1 - years))
        subject, organization = draw_subject(rng, kind, place, domain)
        who = (place.name, domain.key, organization, subject)
        if taken is None or who not in taken:
            break
    if taken is not None:
        taken.add(who)
    specs: list[DocSpec] = []
    for year in range(start, start + years):
        spec = make_spec(seed, f"{series_id}-{year}", kind, Fixed(year, place, domain, unit, subject, organization))
        if specs:
            last = specs[-1]
            spec.prior_year = PriorYear(last.year, last.total, last.executed, last.rate)
        specs.append(spec)
    return specs


def generate_series(outdir: Path, seed: int, count: int, years: int, formats: tuple[str, ...] = ("txt",),
                    scan_max: int | None = None, progress=None) -> list:
    """Write `count` organisations' reports over `years` consecutive years each, with their gold records.
    `scan_max` limits scanned PDFs to the first that many reports."""
    from . import Made, prepare, write_report
    outdir = prepare(outdir, formats)
    made: list[Made] = []
    taken: set[tuple] = set()
    for series_id, kind in series_plan(count):
        for spec in series_specs(seed, series_id, years, kind, taken):
            made.append(write_report(outdir, spec, formats, scan=scan_max is None or len(made) < scan_max))
            if progress:
                progress(made[-1])
    return made

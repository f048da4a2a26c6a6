"""The gold record of a synthetic report, in the format of ANNOTATION.md plus the fields the record
contract adds (deduction, indicators, funds, projects), built only from what the composer wrote.
"""
from __future__ import annotations

from decimal import Decimal

from .doc import Document
from .spec import DocSpec

GRADE_BAND = {"优": "优", "优秀": "优", "良": "良", "良好": "良", "中": "中", "合格": "中", "差": "差", "不合格": "差"}

TABLE_MODES = {
    "pipe": "Tables in the .txt are one line per row, cells joined by ' | ' (merged-over cells left empty)",
    "lines": "Tables in the .txt are flattened one cell per line (empty and merged-over cells dropped)",
    "spaces": "Tables in the .txt are one line per row, non-empty cells separated by two spaces",
}


def _half(text: str) -> Decimal:
    """Half the last printed digit of a figure: '1150.50' -> 0.005, '100' -> 0.5."""
    digits = text.split(".")[1] if "." in text else ""
    return Decimal(5).scaleb(-len(digits) - 1)


def rate_matches(total: float | None, executed: float | None, rate: float | None, amount_half: Decimal,
                 rate_half: Decimal) -> bool | None:
    """Whether executed / total can equal the stated rate, each figure an interval of its digits."""
    if total is None or executed is None or rate is None or not total:
        return None
    t, e, r = Decimal(str(total)), Decimal(str(executed)), Decimal(str(rate))
    lo = (e - amount_half) / (t + amount_half) * 100
    hi = (e + amount_half) / (t - amount_half) * 100
    return lo <= r + rate_half and r - rate_half <= hi


def gold_record(spec: DocSpec, doc: Document, stated: dict, notes: list[str]) -> dict:
    budget = {k: stated.get(k) for k in ("initial_yuan", "total_yuan", "executed_yuan", "rate_pct")}
    amount_half = Decimal(50) if spec.money_unit == "wan" else Decimal("0.005")
    rate_text = f"{spec.rate}"
    matches = rate_matches(budget["total_yuan"], budget["executed_yuan"], budget["rate_pct"], amount_half,
                           _half(rate_text))
    note = ""
    if matches is not None:
        scale, unit = (10000, "万元") if spec.money_unit == "wan" else (1, "元")
        computed = Decimal(str(budget["executed_yuan"])) / Decimal(str(budget["total_yuan"])) * 100
        note = (f"{Decimal(str(budget['executed_yuan'])) / scale:.2f}/{Decimal(str(budget['total_yuan'])) / scale:.2f}"
                f" {unit} = {computed:.4f}%, stated as {rate_text}%")
    made_by = f"Synthetic report made by `jixiao synth` (seed {spec.seed}): phrasing and figures are generated, "
    all_notes = [made_by + "the places are invented."]
    if any(b.kind == "table" for b in doc.blocks):
        all_notes.append(TABLE_MODES[doc.txt_table_mode] + ".")
    if stated.get("indicators"):
        all_notes.append("Quantities are the counted outputs of the narrative; the 自评表's 数量指标 "
                         "actuals repeat some of them and are in indicators.")
    if spec.fund_weight is not None and stated.get("indicators"):
        all_notes.append("Score = the fund row's 得分 (weight 10) + the indicator scores (weights 90).")
    elif stated.get("indicators"):
        all_notes.append("The fund row is not scored (—); the indicator weights sum to 100.")
    all_notes += [n[0].upper() + n[1:] + ("" if n.endswith(".") else ".") for n in notes]
    extra = {"prior_year": stated["prior_year"]} if "prior_year" in stated else {}     # a series' later years
    return {
        "id": spec.id,
        "url": None,
        "report_type": stated.get("report_type"),
        "fiscal_year": stated.get("fiscal_year"),
        "organization": stated.get("organization"),
        "budget": budget,
        "self_score": stated.get("self_score"),
        "deduction": stated.get("deduction"),
        "grade": stated.get("grade"),
        "quantities": stated.get("quantities", []),
        "indicators": stated.get("indicators", []),
        "funds": stated.get("funds", []),
        "projects": stated.get("projects", []),
        "consistency": {"rate_matches": matches, "note": note},
        **extra,
        "notes": " ".join(all_notes),
    }

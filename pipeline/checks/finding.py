"""How a rule states what it found: the rule's severity and message template from rules/audit.yaml,
the figures computed and stated, and the evidence of every value used."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..models import Evidence, Finding
from ..rules import rules


def finding(rule_id: str, values: dict[str, Any], evidence: list[Evidence], **fmt: Any) -> Finding:
    r = rules().get(rule_id)
    clean = {k: float(v) if isinstance(v, Decimal) else v for k, v in values.items()}
    return Finding(rule=rule_id, severity=r.param("severity"), message=r.param("message").format(**fmt),
                   values=clean, evidence=evidence)


def param(rule_id: str, name: str) -> Any:
    return rules().get(rule_id).param(name)


def show(d: Decimal | float, places: int | None = None) -> str:
    """A figure as a message prints it: 96.4, 1150.5, 100 (rounded to `places` when computed)."""
    d = Decimal(str(d))
    if places is not None:
        d = d.quantize(Decimal(1).scaleb(-places))
    return f"{d.normalize():f}"

"""The Chinese names of the codes a record holds (rules/labels.yaml), read in this one place.

Records keep codes (`department`, `failed`, `empty_file`, `error`, `execution_rate`), which programs and SQL
rely on; finance staff read 部门整体支出, 失败, 错误, 执行率与金额不符. Every output that names a code
in Chinese (jixiao.xlsx, the CSVs, the terminal) asks `label`, so one edit of the data file renames
it everywhere. A misspelt section or field is refused at load, as a bad rule is.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ..rules import RULES_DIR, RulesError, _shipped_rules, yaml_data

FILE = "labels.yaml"
class Names(BaseModel):
    """Code -> Chinese name, per field of the record."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    report_type: dict[str, str]
    status: dict[str, str]
    severity: dict[str, str]
    fund_role: dict[str, str]
    error_code: dict[str, str]
    rule: dict[str, str]
    values: dict[str, str]


class Labels(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    labels: Names


@cache
def labels() -> Labels:
    path = RULES_DIR / FILE
    if not path.exists():       # a user's rules folder from before this file: the shipped names
        path = _shipped_rules() / FILE
    try:
        data: Any = yaml_data(path)
        return Labels.model_validate(data)
    except OSError as e:
        raise RulesError(f"cannot read {path}: {e}") from e
    except ValidationError as e:
        said = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
        raise RulesError(f"bad labels in {path}: {said}") from None


def label(field: str, code: str | None) -> str | None:
    """A code's Chinese name; the code itself when the vocabulary has none (a new rule before its
    name is added still shows), None for None."""
    if code is None:
        return None
    return getattr(labels().labels, field).get(code, code)


def figures(values: dict[str, Any] | None) -> str | None:
    """A finding's figures as a person reads them: 计算值 96.4；报告值 98.5."""
    if not values:
        return None
    names = labels().labels.values
    return "；".join(f"{names.get(k, k)} {_figure(v)}" for k, v in values.items() if v is not None) or None


def _figure(v: Any) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)

"""The indicator rows of a 自评表 (一级/二级/三级指标, 年度指标值, 实际完成值, 分值, 得分).

Rows are read from table lines: the rows a reader laid out from real cells (PDF, Word, HTML, XLSX),
or a table flattened into text with | between cells. The header's cells name the columns
(rules/tables.yaml). A row laid out from real cells is read by position. A row of text is anchored on its 分值 and 得分
(the last two adjacent numbers): the cells before them fill the columns before 分值 from the right,
so a row that lost its merged 一级 or 二级 cell keeps the level of the row above.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ..models import Indicator, NormText
from ..text.numbers import resolve_numeral
from ..rules import rules
from ..text.layer import Span, cell_at, evidence

LEVELS = ("level1", "level2", "level3")
_NOTE = re.compile(r"[(（][^)）]*[)）]|\s+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_COMPARATOR = {"≧": "≥", ">=": "≥", "≦": "≤", "<=": "≤", "═": "=", "＝": "="}


@dataclass(frozen=True)
class TextCell:
    start: int
    end: int
    text: str


_EMPTY = TextCell(0, 0, "")


def line_cells(doc: NormText, start: int, end: int) -> list[TextCell]:
    """The cells of one table line, split on |, each trimmed (an empty cell has start == end)."""
    cells, pos = [], start
    for part in doc.folded[start:end].split("|"):
        stripped = part.strip()
        s = pos + (part.index(stripped) if stripped else 0)
        cells.append(TextCell(s, s + len(stripped), stripped))
        pos += len(part) + 1
    if cells and not cells[0].text:          # "| a | b": the line starts with a separator
        cells = cells[1:]
    if cells and not cells[-1].text:         # "a | b |": and ends with one
        cells = cells[:-1]
    return cells


def column_role(text: str) -> str | None:
    """The indicator column a header cell names (level1 … reason), bracketed notes such as (90分) aside."""
    compact = _NOTE.sub("", text)
    for regex, role in _column_rules():
        if regex.fullmatch(compact):
            return role
    return None


@cache
def _column_rules() -> tuple[tuple[re.Pattern, str], ...]:
    """The indicator_column rules, each read once (every cell of every | line is tried with all of them)."""
    return tuple((r.regex, r.param("role")) for r in rules().of("indicator_column"))


def _header(cells: list[TextCell]) -> tuple[int, list[str | None]] | None:
    """(index of the header's first cell, the role of each cell from there) when the line is a header."""
    roles = [column_role(c.text) for c in cells]
    if "level3" not in roles or not {"target", "actual"} & set(roles):
        return None
    first = min(i for i, r in enumerate(roles) if r is not None)
    last = max(i for i, r in enumerate(roles) if r is not None)
    return first, roles[first:last + 1]


def _is_end(cells: list[TextCell]) -> bool:
    """A row holding 总分, 合计, 评价结论 … as a whole cell ends the indicator block."""
    ends = rules().of("indicator_end")
    return any(r.regex.fullmatch(_NOTE.sub("", c.text)) for c in cells if c.text for r in ends)


def read_indicators(doc: NormText) -> list[Indicator]:
    """Indicator rows from | lines (real or flattened tables), then from tables flattened one cell
    per line, whichever the document has."""
    return _from_table_lines(doc) or _from_cell_lines(doc)


def _from_table_lines(doc: NormText) -> list[Indicator]:
    out: list[Indicator] = []
    lines = [(m.start(), m.end()) for m in re.finditer(r"(?m)^[^\n|]*\|[^\n]*", doc.folded)]   # | lines, whole
    header: tuple[int, list[str | None]] | None = None
    width = 0
    carry: dict[str, TextCell] = {}
    last_end = -1
    for start, end in lines:
        cells = line_cells(doc, start, end)
        if header is not None and doc.folded.count("\n", last_end, start) > 1:
            header = None                      # a blank line ends the table
        last_end = end
        found = _header(cells)
        if found is not None:
            first, roles = found
            header, width, carry = (first, _one_header_row(roles)), len(cells), {}
            cells = cells[first + len(roles):]     # data cells flattened onto the header's line
            if not any(c.text for c in cells):
                continue
        elif header is None:
            continue
        if _is_end(cells):
            header = None
            continue
        real = len(cells) == width and any(cell_at(doc, c.start, c.end) for c in cells if c.text)
        item = _row(doc, header, cells, real, carry)
        if item is not None:
            out.append(item)
        elif header[1][:2] == ["level1", "level2"]:
            _opens_levels(cells, carry)
    return out


def _opens_levels(cells: list[TextCell], carry: dict[str, TextCell]) -> None:
    """A row broken across lines (its names on one, its figures on the next) is no row, but when its
    first two cells name indicators (效益指标 | 经济效益指标) it opens a new 一级 and 二级: the rows
    after it inherit those, not the last ones read."""
    filled = [c for c in cells if c.text]
    if len(filled) >= 2 and all(_NOTE.sub("", c.text).endswith("指标") for c in filled[:2]):
        carry["level1"], carry["level2"] = filled[0], filled[1]


def _from_cell_lines(doc: NormText) -> list[Indicator]:
    """A table flattened one cell per line: the header is a run of lines that each name a column;
    the cells after it are cut into rows at each 分值/得分 pair."""
    lines = [TextCell(m.start(), m.end(), m.group().strip()) for m in re.finditer(r"[^\n]+", doc.folded)]
    out: list[Indicator] = []
    i = 0
    while i < len(lines):
        k = i
        while k < len(lines) and column_role(lines[k].text):
            k += 1
        header = _header(lines[i:k]) if k - i >= 4 else None
        if header is None:
            i = max(k, i + 1)
            continue
        roles = _one_header_row(header[1])
        end = next((j for j in range(k, len(lines)) if _is_end([lines[j]])), len(lines))
        carry: dict[str, TextCell] = {}
        for row in _cut_rows(roles, lines[k:end]):
            item = _row(doc, (0, roles), row, False, carry)
            if item is not None:
                out.append(item)
        i = end
    return out


def _one_header_row(roles: list[str | None]) -> list[str | None]:
    """A two-row header flattened onto one line or one cell per line, its row of groups first (年度指标值 |
    实际完成值 | 分值 | 得分 | 偏差原因, then 一级指标 | … | 指标性质 | 指标值 | 度量单位): in column order,
    the second row from 一级指标, then the groups it does not spell out (the run of named cells just
    before 一级指标: a 总体目标 block's 预期目标 | 实际完成情况 further back is not this table's). A header
    that starts at 一级指标 is as it is."""
    if "level1" not in roles or roles.index("level1") == 0:
        return roles
    at = start = roles.index("level1")
    while start > 0 and roles[start - 1] is not None:
        start -= 1
    return roles[at:] + [r for r in roles[start:at] if r not in roles[at:]]


def _cut_rows(roles: list[str | None], cells: list[TextCell]) -> list[list[TextCell]]:
    """Rows end at the last two of a run of plain numbers (分值, 得分). A row's leading cells that
    are not level names (they do not end in 指标) and that the row has no room for are the 偏差原因
    of the row before."""
    if "weight" not in roles or "level3" not in roles:
        return []
    room = roles.index("weight") - roles.index("level3")       # level3 and the cells up to 分值
    if room < 0:
        return []           # 分值 before the names: no order this cut can read
    rows, start, i = [], 0, 0
    while i < len(cells) - 1:
        if _NUMBER.fullmatch(cells[i].text) and _NUMBER.fullmatch(cells[i + 1].text):
            j = i + 1
            while j + 1 < len(cells) and _NUMBER.fullmatch(cells[j + 1].text):
                j += 1
            rows.append(cells[start:j + 1])
            start = i = j + 1
        else:
            i += 1
    for k in range(1, len(rows)):
        row = rows[k]
        while len(row) > 2 and (len(row) - 2 > room + 2 or (len(row) - 2 > room and not row[0].text.endswith("指标"))):
            rows[k - 1].append(row.pop(0))
    if rows and start < len(cells):
        rows[-1] += cells[start:start + 1]       # the last row's 偏差原因
    return rows


def _row(doc: NormText, header: tuple[int, list[str | None]], cells: list[TextCell], real: bool,
         carry: dict[str, TextCell]) -> Indicator | None:
    first, roles = header
    by_role = {r: c for r, c in zip(roles, cells[first:]) if r and c.text} if real else None
    if by_role is None or "level3" not in by_role or not _NUMBER.fullmatch(by_role.get("score", _EMPTY).text):
        by_role = _anchored(roles, cells)    # not real, or a grid whose merged cells split columns
    if (by_role is None or "level3" not in by_role or _NUMBER.fullmatch(by_role["level3"].text)
            or not {"target", "actual"} & by_role.keys()):
        return None
    for level in LEVELS[:2]:
        if level in by_role:
            carry[level] = by_role[level]
            if level == "level1":
                carry.pop("level2", None)      # a new 一级 starts its own 二级 run
        elif level in carry:
            by_role[level] = carry[level]
    filled = [c for c in cells if c.text]
    span = Span(filled[0].start, filled[-1].end, "table.indicator_row")
    level3 = cell_at(doc, by_role["level3"].start, by_role["level3"].end)
    ev = evidence(doc, span, table=level3.table, row=level3.row) if level3 else evidence(doc, span)
    text = {role: doc.text[c.start:c.end] for role, c in by_role.items()}
    comparator, target, target_value = _target(text)
    return Indicator(level1=text.get("level1"), level2=text.get("level2"), level3=text["level3"],
                     target=target, comparator=comparator, target_value=target_value,
                     actual=text.get("actual"), weight=_number(text.get("weight")),
                     score=_number(text.get("score")), evidence=ev)


def _anchored(roles: list[str | None], cells: list[TextCell]) -> dict[str, TextCell] | None:
    """A row of flattened text, placed against the header by its 分值 and 得分: the last two adjacent
    plain numbers. Cells missing at the left (merged 一级/二级 cells a flattening dropped) stay empty."""
    if "weight" not in roles or roles[roles.index("weight") + 1:][:1] != ["score"]:
        return None
    pairs = [i for i in range(len(cells) - 1)
             if _NUMBER.fullmatch(cells[i].text) and _NUMBER.fullmatch(cells[i + 1].text)]
    if not pairs:
        return None
    shift = pairs[-1] - roles.index("weight")
    return {role: cells[k + shift] for k, role in enumerate(roles)
            if role and 0 <= k + shift < len(cells) and cells[k + shift].text}


def _target(text: dict[str, str]) -> tuple[str | None, str | None, float | None]:
    """(comparator, target as written, its number): 指标性质 + 指标值 + 度量单位 make one target."""
    nature = _COMPARATOR.get(text.get("nature", ""), text.get("nature", ""))
    value = text.get("target")
    if value is None:
        return None, None, None
    target = f"{nature}{value}{text.get('unit', '')}"
    m = re.match(r"\s*(≥|≤|>|<|=|≧|≦)?\s*(\d+(?:\.\d+)?)(?![\d年月日])", target)
    comparator = nature or (_COMPARATOR.get(m.group(1), m.group(1)) if m and m.group(1) else None)
    number = resolve_numeral(m.group(2)) if m else None
    return comparator, target, float(number[0]) if number else None


def _number(text: str | None) -> float | None:
    if text is None or not _NUMBER.fullmatch(text.strip()):
        return None
    r = resolve_numeral(text.strip())
    return float(r[0]) if r else None

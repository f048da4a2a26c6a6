"""The fund table of a 自评表 (项目资金（万元）| 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 |
得分), flattened into text: cells one per line, or separated by spaces or |.

The header's columns are read in order and named by head and modifier (rules/budget.yaml, kind
fund_column); the row's cells are aligned to them (anchored on the one percentage cell, since a
flattened row often loses an empty cell); amounts take the header's unit (or the one a line above
the table states for all of it: 单位:万元); cells that ran together are split where executed /
total agrees with the rate they state. Rows are found by their labels (kind fund_label: 年度资金总额,
财政拨款, 上年结转 …); forms whose cells were scrambled away from their header, or left blank but
for the rate, have readers of their own (header_only_row, agreeing_row, rate_only_row).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from ..models import Fact, FundRow, NormText
from ..rules import Rule, rules
from ..text.layer import Span, cell_at, evidence
from ..text.interval import Interval
from ..text.numbers import Number, fused_at, money_in, percent_at, plain_at, resolve_money, resolve_numeral
from .amounts import AMOUNT_ROLES, agree, to_fact

FUND_FIELDS = {"initial": "initial_yuan", "total": "total_yuan", "executed": "executed_yuan",
               "weight": "weight", "rate": "rate_pct", "score": "score"}
FUND_ROWS_WINDOW = 300    # characters after the 年度资金总额 label searched for the rows below it
HEADER_WINDOW = 400       # characters before a fund row searched for its header
HEADER_GAP = 8            # compact characters allowed between two header cells (units such as (万元))
HEADER_TO_ROW = 12        # compact characters allowed between the header and the row label
UNIT_BEFORE_HEADER = 24   # characters before the header's first column name searched for its unit
MAX_CELLS = 10
MIN_ROW_CELLS = 3         # cells right after a header that make them its first row
RATE_DIGITS = 3           # integer digits of a stated execution rate (below 1000%)
ROW_LABEL = 16            # compact characters of a row label between a header and its first cell


@dataclass(frozen=True)
class Column:
    role: str
    rule: str
    start: int = -1         # where the column's name is in the text


@dataclass(frozen=True)
class Cell:
    start: int
    end: int
    numeral: str | None     # None for an explicit empty cell (—, /)
    unit: str | None



@cache
def _cell_re() -> re.Pattern:
    """A cell of a fund row: an amount, a rate or an explicit empty; "1." or "1、" starts a note, not a cell."""
    return re.compile(rules().expand(r"(?P<num>{NUM})(?![.、])[ \t]*(?P<unit>万元|元|%)?|(?P<empty>[—\-/]+)(?=[\s|]|$)"))


_UNIT = re.compile(r"[(（](万元|元|千元|亿元)[)）]")
_LONE_UNIT = re.compile(r"(?<![\d.])[(（]\s*(万元|千元|亿元|元)(?![\d\u4e00-\u9fff])|(?<![\d.\u4e00-\u9fff])(万元|千元|亿元|元)\s*[)）]")
STATED_UNIT = re.compile(r"(?<![\u4e00-\u9fff])(?:金额|货币|资金)?单位[ \t]*[:：][ \t]*(万元|千元|亿元|元)(?![\u4e00-\u9fff])")
LONE_UNIT_AFTER = 150     # characters after a fund row's label searched for a lone unit
_CELL_SEP = re.compile(r"[\s|:：]*")


def read_fund_rows(doc: NormText, fiscal_year: int | None) -> list[FundRow]:
    """The rows of the first fund table whose 年度资金总额 or 财政拨款 row states an amount, each
    aligned to the header before it; else those of the first whose 年度资金总额 row states a rate;
    [] when there is none."""
    labels = rules().of("fund_label")
    total = next(r for r in labels if r.param("role") == "total")
    table_no, fallback = 0, list[FundRow]()
    for m in total.regex.finditer(doc.folded):
        header, cells_at = _header_before(doc, m.start(), fiscal_year), m.end()
        if header is None:
            header, cells_at = _header_over_cells(doc, m, fiscal_year)
        if header is None:
            continue
        table_no += 1
        below = sorted(((n, r) for r in labels if r is not total
                        for n in r.regex.finditer(doc.folded, m.end(), m.end() + FUND_ROWS_WINDOW)),
                       key=lambda nr: nr[0].start())
        rows, seen = [_fund_row(doc, header, m, total, table_no, 1, cells_at)], {"total"}
        for n, r in below:
            if r.param("role") not in seen:
                seen.add(r.param("role"))
                rows.append(_fund_row(doc, header, n, r, table_no, len(rows) + 1))
        if any(_nonzero(getattr(row, f)) for row in rows[:2] for f in ("total_yuan", "executed_yuan")):
            return rows
        if rows[0].rate_pct is not None and not fallback:
            fallback = rows         # a row whose amounts cannot be read (no unit) still states its rate
    return fallback


def _fund_row(doc: NormText, header: tuple[list[Column], str | None], label: re.Match, rule: Rule,
              table: int, row: int, cells_at: int | None = None) -> FundRow:
    """One row: its cells start after its label, or where the scrambled form put them (cells_at)."""
    columns, unit = header
    at = label.end() if cells_at is None else cells_at
    cells = _cells_after(doc, at) or _run_at(doc, at)
    aligned = _grid_aligned(doc, columns, label) or _align(columns, _split_run(columns, cells))
    facts = _row_facts(doc, columns, unit or _unit_of_figures(doc, columns, aligned), aligned, table, row)
    return FundRow(label=doc.text[label.start():label.end()], role=rule.param("role"),
                   evidence=evidence(doc, Span(label.start(), label.end(), rule.id)),
                   **{FUND_FIELDS[role]: fact for role, fact in facts.items()})


def table_budget(rows: list[FundRow]) -> dict[str, Fact]:
    """The report's figures from its fund table: the 年度资金总额 row, else the 财政拨款 row; the
    first row's rate alone where no row's amounts can be read."""
    for row in rows:
        if _nonzero(row.total_yuan) or _nonzero(row.executed_yuan):
            return {role: getattr(row, FUND_FIELDS[role]) for role in (*AMOUNT_ROLES, "rate")
                    if getattr(row, FUND_FIELDS[role]) is not None}
    return {"rate": rows[0].rate_pct} if rows and rows[0].rate_pct is not None else {}


def _unit_of_figures(doc: NormText, columns: list[Column], aligned: dict[int, Cell]) -> str | None:
    """The unit of a table whose header names none: the one under which one of its amounts is a
    figure the text states with its unit (全年预算数 80 in the table, 预算80万元 in a sentence);
    None when no amount is so stated (a bare 80 could be 元 or 万元, and no guess is made)."""
    stated = {n.value for n in money_in(doc.folded, 0, len(doc.folded), "unit")}
    for col, cell in aligned.items():
        if columns[col].role in AMOUNT_ROLES and cell.numeral is not None and cell.unit is None:
            for unit in ("万元", "元"):
                r = resolve_money(cell.numeral, unit)
                if r is not None and r[0] != 0 and r[0] in stated:
                    return unit
    return None


def _nonzero(f: Fact | None) -> bool:
    return f is not None and f.value != 0


def _header_before(doc: NormText, pos: int, fiscal_year: int | None) -> tuple[list[Column], str | None] | None:
    start = max(0, pos - HEADER_WINDOW)
    cols = _header_run(doc, start, pos, fiscal_year)
    if cols is None:
        return None
    columns, run_start, run_end = cols
    compact_tail = re.sub(r"[\s|]", "", doc.folded[run_end:pos])
    if len(compact_tail) > HEADER_TO_ROW:
        return None
    # the unit is the header's own (项目资金（万元）just before its columns), not any unit in the window
    unit_start = max(start, run_start - UNIT_BEFORE_HEADER)
    units = _UNIT.findall(doc.folded, unit_start, pos)
    if not units:       # OCR splits "(万元)" across lines, or puts it below the header: a lone "(万元" or "万元)"
        units = [a or b for a, b in _LONE_UNIT.findall(doc.folded, unit_start, pos + LONE_UNIT_AFTER)]
    return columns, units[-1] if units else _stated_unit(doc, run_start)


def _header_over_cells(doc: NormText, label: re.Match, fiscal_year: int | None
                       ) -> tuple[tuple[list[Column], str | None] | None, int]:
    """A scrambled form that prints the header, then the first row's cells, then its labels
    ("年初预算数 全年预算数 全年执行数 … 250.00 250.00 215.4 10 8.62 … 年度资金总额 项目资金(元)"):
    the header and where the cells start, when at least MIN_ROW_CELLS cells follow the header at
    once. The unit is the header's, or the one printed by the label."""
    cols = _header_run(doc, max(0, label.start() - HEADER_WINDOW), label.start(), fiscal_year)
    if cols is None or len(_cells_after(doc, cols[2])) < MIN_ROW_CELLS:
        return None, label.end()
    columns, run_start, run_end = cols
    units = (_UNIT.findall(doc.folded, max(0, run_start - UNIT_BEFORE_HEADER), run_start)
             or _UNIT.findall(doc.folded, label.end(), label.end() + UNIT_BEFORE_HEADER))
    return (columns, units[-1] if units else _stated_unit(doc, run_start)), run_end


def _stated_unit(doc: NormText, run_start: int) -> str | None:
    """The unit a line above the table states once for all of it ("单位:万元", "金额单位：元"), the
    nearest before the header, when the header carries none of its own."""
    units = STATED_UNIT.findall(doc.folded, max(0, run_start - HEADER_WINDOW), run_start)
    return units[-1] if units else None


def _header_run(doc: NormText, start: int, end: int,
                fiscal_year: int | None) -> tuple[list[Column], int, int] | None:
    """The last run of column names in [start, end), read with whitespace and | removed: its columns,
    and where the run starts and ends in the text."""
    keep = [(c, i) for i, c in enumerate(doc.folded[start:end], start) if c not in " \t\n\f|"]
    compact = "".join(c for c, _ in keep)
    matches = []
    for r in rules().of("fund_column"):
        for m in r.regex.finditer(compact):
            year = m.groupdict().get("year")
            role = r.param("role")
            if year and fiscal_year and int(year) != fiscal_year:
                role = "prior"
            matches.append((m.start(), m.end(), Column(role, r.id, keep[m.start()][1])))
    matches.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    chosen, last_end = [], -1
    for s, e, col in matches:
        if s >= last_end:
            chosen.append((s, e, col))
            last_end = e
    runs: list[list[tuple[int, int, Column]]] = []
    for item in chosen:
        if runs and len(_ASIDE.sub("", compact[runs[-1][-1][1]:item[0]])) <= HEADER_GAP:
            runs[-1].append(item)
        else:
            runs.append([item])
    if not runs:
        return None
    run = _with_unknown(compact, keep, runs[-1])
    columns = [c for _, _, c in run if c.role != "group"]
    if sum(c.role in (*AMOUNT_ROLES, "sum") for c in columns) < 2:
        return None
    return columns, keep[run[0][0]][1], keep[run[-1][1] - 1][1] + 1


_UNKNOWN_COLUMN = re.compile(r"[\u4e00-\u9fff]{3,}")
_ASIDE = re.compile(r"\([^()]*\)")     # a bracketed aside in a header: (万元), (A), (B/A)


def _with_unknown(compact: str, keep: list[tuple[str, int]],
                  run: list[tuple[int, int, Column]]) -> list[tuple[int, int, Column]]:
    """The run with a column of no known role where words no rule names stand between two named
    columns (年初预算数 全年预算数 实际支出数 执行率: 实际支出数): it still holds a cell, and the
    row's cells align to the header only when every column keeps its slot. Bracketed asides
    ((万元), (A)) and a short modifier (全年) are no column, nor are the words before 原因
    (产生差异的原因): they are that column's own."""
    out = [run[0]]
    for item in run[1:]:
        gap = _ASIDE.sub("", compact[out[-1][1]:item[0]])
        if _UNKNOWN_COLUMN.search(gap) and item[2].role != "reason":
            at = out[-1][1]
            out.append((at, item[0], Column("unknown", "col.unknown", keep[at][1])))
        out.append(item)
    return out


def _cells_after(doc: NormText, pos: int) -> list[Cell]:
    cells: list[Cell] = []
    while len(cells) < MAX_CELLS:
        sep = _CELL_SEP.match(doc.folded, pos)
        assert sep is not None          # [...]* matches, if only the empty string
        if "\n" not in sep.group():       # "| |" on one line is an empty cell that kept its place
            cells += [Cell(sep.start(), sep.start(), None, None)] * max(0, sep.group().count("|") - 1)
        pos = sep.end()
        fused = fused_at(doc.folded, pos)
        if fused:                          # "33.7733.77": two cells OCR or a converter fused; the audit warns
            start, cut, end = fused
            cells += [Cell(start, cut, doc.folded[start:cut], None), Cell(cut, end, doc.folded[cut:end], None)]
            pos = end
            continue
        m = _cell_re().match(doc.folded, pos)
        if not m or m.end() == pos:
            break
        if m.group("empty"):
            cells.append(Cell(m.start(), m.end(), None, None))
        else:
            end = m.end("unit") if m.group("unit") else m.end("num")
            cells.append(Cell(m.start("num"), end, m.group("num"), m.group("unit")))
        pos = m.end()
    return cells


_NUMERAL = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?")


def _split_run(columns: list[Column], cells: list[Cell]) -> list[Cell]:
    """A row whose cells ran together, read as the one split whose executed / total agrees with its
    rate at the precision each piece states: a percentage ("1484631.00%": 148 | 46 | 31.00%, the
    columns up to the rate), or a bare run of every column with the rate as a ratio ("1.561.56120":
    1.56 | 1.56 | 1 | 20). Amounts share one number of decimals (as a table's column does) and the
    rate is below 1000%. With no agreeing split, or more than one, the cells stay as they are: a
    guess is no reading. A reading with nothing spent agrees with any total, so one with money
    spent wins over it."""
    rate_col = next((i for i, c in enumerate(columns) if c.role == "rate"), None)
    roles = [c.role for c in columns[:rate_col or 0]]
    first = cells[0] if cells else None
    if (first is None or first.numeral is None or rate_col is None or "total" not in roles
            or "executed" not in roles or (first.unit != "%" and len(cells) > 1)):
        return cells
    ratio = first.unit != "%"
    t, e = roles.index("total"), roles.index("executed")
    readings = [pieces for pieces in _splits(first.numeral, len(columns) if ratio else rate_col + 1)
                if len({_decimals(p) for p in pieces[:rate_col]}) == 1
                and len(pieces[rate_col].partition(".")[0]) <= RATE_DIGITS
                and _agrees(pieces[t], pieces[e], pieces[rate_col], 100 if ratio else 1)]
    # 0 of anything agrees with 0%
    spent = [r for r in readings if (v := resolve_numeral(r[rate_col])) is not None and v[0] != 0]
    readings = spent if len(spent) == 1 else readings
    if len(readings) != 1:
        return cells
    out, at = [], first.start
    for k, piece in enumerate(readings[0]):
        end = first.end if k == rate_col and not ratio else at + len(piece)
        out.append(Cell(at, end, piece, "%" if k == rate_col and not ratio else None))
        at += len(piece)
    return out + cells[1:]


_RUN = re.compile(r"[\s|:]*(?P<run>\d[\d.]{5,})(?![\d.%])")


def _run_at(doc: NormText, pos: int) -> list[Cell]:
    """A run of digits and points no cell reading takes ("1.561.56120"): one cell, to be split."""
    m = _RUN.match(doc.folded, pos)
    return [Cell(m.start("run"), m.end("run"), m.group("run"), None)] if m else []


def _splits(run: str, k: int) -> list[list[str]]:
    """Every way to cut run into k numerals (no leading zeros, one point at most in each)."""
    if k == 1:
        return [[run]] if _NUMERAL.fullmatch(run) else []
    return [[run[:i], *rest] for i in range(1, len(run)) if _NUMERAL.fullmatch(run[:i])
            for rest in _splits(run[i:], k - 1)]


def _decimals(numeral: str) -> int:
    return len(numeral.partition(".")[2])


def _agrees(total: str, executed: str, rate: str, scale: int = 1) -> bool:
    """Whether the numerals agree: executed / total × 100 can equal rate × scale (100 for a ratio)."""
    t, e, r = (resolve_numeral(x) for x in (total, executed, rate))
    if t is None or e is None or r is None:
        return False
    spread = lambda n: Interval(n[0] - n[1], n[0] + n[1])  # noqa: E731
    ratio = spread(e).scale(Decimal(100)).ratio(spread(t)) if t[0] > 0 else None
    return ratio is not None and ratio.meets(spread(r).scale(Decimal(scale)))


def _align(columns: list[Column], cells: list[Cell]) -> dict[int, Cell]:
    """Column index -> cell. The one percentage cell anchors the rate column: cells before it are
    right-aligned to the columns before the rate, cells after it left-aligned to those after.
    A header whose rate column has a name no rule knows still has that column where the template puts
    it, after the amounts and their 分值: the percentage anchors there, and is nobody's amount.
    With no percentage, the rate cell is taken as empty and cells fill the other columns in order,
    unless there is a cell for every column: then the rate column holds the rate as a ratio.
    A percentage never fills an amount column, and a plain number never fills the rate column."""
    rate_col = next((i for i, c in enumerate(columns) if c.role == "rate"), None)
    pct = next((i for i, c in enumerate(cells) if c.unit == "%"), None)
    if pct is None:         # every column filled: the rate is a ratio without % (0.958); else it is empty
        filled = [i for i, c in enumerate(columns) if c.role != "rate" or len(cells) == len(columns)]
        return {slot: cell for slot, cell in zip(filled, cells)}
    if rate_col is None:        # the unnamed rate column: one slot, in no column
        at = 1 + max((i for i, c in enumerate(columns) if c.role in (*AMOUNT_ROLES, "sum", "weight")), default=-1)
        slots: list[int | None] = [*range(at), None, *range(at, len(columns))]
    else:
        at, slots = rate_col, list(range(len(columns)))
    placed: dict[int, Cell] = {}
    before = cells[:pct][-at:] if at else []
    for k, cell in enumerate(reversed(before)):
        placed[at - 1 - k] = cell
    placed[at] = cells[pct]
    for k, cell in enumerate(cells[pct + 1:]):
        placed[at + 1 + k] = cell
    out: dict[int, Cell] = {}
    for v, cell in placed.items():
        col = slots[v] if v < len(slots) else None
        if col is not None and (cell.unit == "%") == (columns[col].role == "rate"):
            out[col] = cell
    return out


def _grid_aligned(doc: NormText, columns: list[Column], label: re.Match) -> dict[int, Cell]:
    """Column index -> cell, when the row and its header are real table cells: by grid column."""
    at = cell_at(doc, label.start(), label.end())
    if at is None:
        return {}
    by_col = {}
    for i, column in enumerate(columns):
        head = cell_at(doc, column.start, column.start + 1)
        if head is not None and head.table == at.table:
            by_col[head.col] = i
    out: dict[int, Cell] = {}
    for c in doc.cells:
        if c.table == at.table and c.row == at.row and c.col in by_col:
            m = _cell_re().fullmatch(doc.folded, c.start, c.end)
            if m and not m.group("empty"):
                end = m.end("unit") if m.group("unit") else m.end("num")
                out[by_col[c.col]] = Cell(m.start("num"), end, m.group("num"), m.group("unit"))
    return out


def _row_facts(doc: NormText, columns: list[Column], unit: str | None, aligned: dict[int, Cell],
               table: int, row: int) -> dict[str, Fact]:
    facts: dict[str, Fact] = {}
    for col, cell in sorted(aligned.items(), key=lambda cc: columns[cc[0]].role == "rate"):   # rate last
        role = columns[col].role
        if cell.numeral is None or role not in FUND_FIELDS or role in facts:
            continue
        if cell.unit == "%" and role != "rate":      # a percentage is no amount, weight or score
            continue
        span = Span(cell.start, cell.end, columns[col].rule)
        if role == "rate":
            r = resolve_numeral(cell.numeral) if cell.unit == "%" else _ratio(cell.numeral, facts)
        elif role in ("weight", "score"):
            r = resolve_numeral(cell.numeral) if cell.unit is None else None
        else:
            r = resolve_money(cell.numeral, cell.unit if cell.unit in ("万元", "元") else unit)
        if r:
            n = Number(span, r[0], r[1], {"rate": "%", "weight": "分", "score": "分"}.get(role, "元"))
            facts[role] = to_fact(doc, n, table=table, row=row, col=col + 1)
    return facts


def _ratio(numeral: str, facts: dict[str, Fact]) -> tuple[Decimal, Decimal] | None:
    """A rate cell written as a ratio (0.958, 1) as the percentage it states, when the row's executed /
    total agrees with it so read; else None (a bare 95.8 or 1 could be either, and no guess is made)."""
    r = resolve_numeral(numeral)
    if r is None or "total" not in facts or "executed" not in facts:
        return None
    pct = (r[0] * 100, r[1] * 100)
    return pct if agree(facts["total"], facts["executed"], Interval(pct[0] - pct[1], pct[0] + pct[1])) else None


_TOKEN = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.、])[ \t]*%?")


def header_only_row(doc: NormText, fiscal_year: int | None) -> dict[str, Fact]:
    """Forms whose header (… 合计 | 执行数 | 执行率) is scrambled away from its numbers: when every
    amount after the header is the same figure, budget and execution are that figure, unambiguously."""
    for m in re.finditer(r"执行数", doc.folded):
        header = _header_run(doc, max(0, m.start() - 60), m.end(), fiscal_year)
        if header is None or not {"sum", "total"} & {c.role for c in header[0]}:
            continue
        window_end = min(len(doc.folded), m.end() + 250)
        units = _UNIT.findall(doc.folded, m.start() - 60, window_end)
        if not units:
            continue
        read, rate = [], None
        for t in _TOKEN.finditer(doc.folded, m.end(), window_end):
            if t.group(0).rstrip().endswith("%"):
                rate = percent_at(doc.folded, t.start(), "col.rate")
                break
            read.append(plain_at(doc.folded, t.start(), "col.sum"))
        amounts = [a for a in read if a]
        if len(amounts) < 2 or len({a.value for a in amounts}) != 1:
            continue
        money = [y for a in amounts[:2] if (y := resolve_money(str(a.value), units[0])) is not None]
        if len(money) < 2:
            continue
        total = Number(amounts[0].span, *money[0], "元")
        executed = Number(Span(amounts[1].span.start, amounts[1].span.end, "col.executed"), *money[1], "元")
        facts = {"total": to_fact(doc, total), "executed": to_fact(doc, executed)}
        if rate:
            facts["rate"] = to_fact(doc, rate)
        return facts
    return {}


_ENUMERATOR = re.compile(r"\(\d{1,2}\)")
_FORMULA = re.compile(r"[,/=;。]")


def rate_only_row(doc: NormText, fiscal_year: int | None) -> dict[str, Fact]:
    """Forms whose amount cells were left blank and whose first row states only the rate
    ("全年预算数 全年执行数 执行率 经费来源:(1)财政拨款 97.5%"): the first figure after a header
    that names amounts and a rate, at most a short row label away, is a percentage; it is the rate.
    A plain number first is an amount of a row this reader cannot align, and nothing is read."""
    rate_rule = rules().get("col.rate")
    for m in rate_rule.regex.finditer(doc.folded):
        header = _header_run(doc, max(0, m.start() - HEADER_WINDOW), m.end(), fiscal_year)
        if header is None or not any(c.role == "rate" and c.start == m.start() for c in header[0]):
            continue
        tail = _header_run(doc, header[1], min(len(doc.folded), header[2] + HEADER_WINDOW), fiscal_year)
        end = tail[2] if tail is not None and tail[1] == header[1] else header[2]
        if _FORMULA.search(re.sub(r"\([^()]*\)", "", doc.folded[header[1]:end])):
            continue        # 执行率=执行数/预算数: a formula in a note, not a header
        t = next((t for t in _TOKEN.finditer(doc.folded, end, end + HEADER_WINDOW)
                  if not _ENUMERATOR.match(doc.folded, t.start() - 1)), None)
        if t is None:
            return {}
        label = _ENUMERATOR.sub("", re.sub(r"[\s|:]", "", doc.folded[end:t.start()]))
        if len(label) > ROW_LABEL or re.search(r"\d", label) or not t.group(0).endswith("%"):
            continue
        rate = percent_at(doc.folded, t.start(), rate_rule.id)
        if rate is not None and len(str(int(rate.value))) <= RATE_DIGITS:
            return {"rate": to_fact(doc, rate)}
    return {}


_DATED = re.compile(r"[年月日号]")
_CLAUSE = re.compile(r"[,，。;；]")


def agreeing_row(doc: NormText, fiscal_year: int | None) -> dict[str, Fact]:
    """Forms whose fund row was flattened out of its header's order ("全年预算数(A) 300 全年执行数(B)
    执行率(B/A) 其中 … 300万元 259.45万元 86.5%"): the first percentage after a header naming the
    budget, executed and rate columns is the rate; of the amounts from the header's start to it, the
    one pair whose executed / total agrees with it at the precision each states is the budget and the
    executed amount. No agreeing pair, or two that differ, and nothing is read: a guess is no reading.
    A comma or full stop between the header and the rate makes it a sentence, not a form's row."""
    rate_rule = rules().get("col.rate")
    for m in rate_rule.regex.finditer(doc.folded):
        header = _header_run(doc, max(0, m.start() - HEADER_WINDOW), m.end(), fiscal_year)
        if header is None or not {"total", "executed"} <= {c.role for c in header[0]}:
            continue
        _, run_start, run_end = header
        amounts, rate = [], None
        for t in _TOKEN.finditer(doc.folded, run_start, min(len(doc.folded), run_end + HEADER_WINDOW)):
            if t.group(0).rstrip().endswith("%"):
                rate = t
                break
            if not _DATED.match(doc.folded, t.end()):
                amounts.append(t)
        if rate is None or _CLAUSE.search(doc.folded, run_start, rate.start()):
            continue        # a sentence states its figures in its own words (budget.py reads them)
        pairs: dict[tuple[str, str], tuple[re.Match, re.Match]] = {}
        for i, a in enumerate(amounts):
            for b in amounts[i + 1:]:
                if _agrees(_figure(a), _figure(b), _figure(rate)[:-1]) and float(_figure(b)) > 0:
                    pairs.setdefault((_figure(a), _figure(b)), (a, b))      # a figure's first place
        if len(pairs) != 1:
            continue
        (total, executed), = pairs.values()
        unit = _unit_after(doc, total) or _unit_after(doc, executed) or _header_unit(doc, run_start)
        budget, spent = _money(doc, total, unit, "col.total"), _money(doc, executed, unit, "col.executed")
        rate_number = percent_at(doc.folded, rate.start(), rate_rule.id)
        if budget is None or spent is None or rate_number is None:
            continue
        return {"total": budget, "executed": spent, "rate": to_fact(doc, rate_number)}
    return {}


_OWN_UNIT = re.compile(r"[ \t]*(万元|千元|亿元|元)")


def _unit_after(doc: NormText, t: re.Match) -> str | None:
    m = _OWN_UNIT.match(doc.folded, t.end())
    return m.group(1) if m else None


def _header_unit(doc: NormText, run_start: int) -> str | None:
    """The unit in brackets just before a header's columns (资金情况(万元)), else one stated for the table."""
    units = _UNIT.findall(doc.folded, max(0, run_start - UNIT_BEFORE_HEADER), run_start)
    return units[-1] if units else _stated_unit(doc, run_start)


def _figure(t: re.Match) -> str:
    """A token's figure, without the space before a unit or %."""
    return t.group(0).rstrip()


def _money(doc: NormText, t: re.Match, unit: str | None, rule: str) -> Fact | None:
    """A token as an amount in its own unit, else `unit`."""
    money = resolve_money(_figure(t), _unit_after(doc, t) or unit)
    if money is None:
        return None
    return to_fact(doc, Number(Span(t.start(), t.start() + len(_figure(t)), rule), *money, "元"))

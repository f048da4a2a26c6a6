"""Excel workbooks (.xlsx): each visible worksheet a page, its cells a table, values as Excel shows them.

openpyxl loads the workbook whole (not read_only, so merged ranges are known: a merged range's
value sits at its top-left cell, the cells it covers are empty) with data_only=True, so a formula
gives the value Excel cached when the file was last saved. A formula the file holds no cached
value for (a workbook written by a script and never opened in Excel/WPS) reads as "": openpyxl
does not compute formulas. A workbook with formulas and no value at all fails with a message
saying to open and save it in Excel/WPS.

Each worksheet's used range is trimmed of empty rows and edge columns (empty columns inside it are
kept, unless a stray far cell makes it wider than any form, 256 columns). Leading rows holding a
single value above the table (the form's title, （2023年度）, 单位：万元) are written as lines
before it, as the same form reads in Word or on a web page; the rest is one table, covered merged
positions "". Hidden worksheets are skipped (unless every sheet is hidden); hidden rows and
columns are kept.

Numbers are written as the cell's number format displays them: 0.95 under "0.00%" -> 95.00%,
under "0%" -> 95%; 1150.5 under "0.00" -> 1150.50, under "#,##0.00" -> 1,150.50; quoted
literals ("万元") and currency signs kept; General (G/通用格式) shows integers without ".0" and
at most 15 significant digits. Dates are YYYY-MM-DD (with HH:MM:SS when the format shows time).

Bounds (readers.bounds): the package's XML is counted, and the cells its merged ranges cover,
before openpyxl loads it (a cell takes about 450 bytes loaded, a merged one too); only the cells
the XML holds are visited, never the empty cells of the range; a range too large to lay out
dense (values in A and IU on a million rows) keeps only the columns holding values, and fails if
even those are more than MAX_TABLE_CELLS; a number format longer than Excel allows (255
characters) shows the number as General.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..limits import MAX_TABLE_CELLS
from .load import LoadError, detail
from ..models import RawDoc, Source
from .bounds import check_package, check_table, xml_chunks
from .builder import DocBuilder
from .sniff import head_kind

_INVALID = ("the file is not a valid .xlsx (it may be a renamed .xls or damaged); open it in Excel/WPS and save "
            "as .xlsx (Excel 工作簿), and run again")


def read(data: bytes, source: Source) -> RawDoc:
    wb = _open(data)
    try:
        sheets = [ws for ws in wb.worksheets if ws.sheet_state == "visible"] or list(wb.worksheets)
        b = DocBuilder()
        written = 0
        for ws in sheets:
            grid = sheet_grid(ws)
            if not grid:
                continue
            head = _title_rows(grid)
            for row in grid[:head]:
                b.line(next(x for x in row if x))
            b.table(grid[head:])
            b.end_page("tables")
            written += 1
    except LoadError:
        raise
    except Exception as e:            # a workbook openpyxl opened but cannot walk: damaged
        raise LoadError("the .xlsx is damaged: its contents are not laid out as Excel writes them; open it in "
                        "Excel/WPS, save it again as .xlsx, and run again (if it opens and this stays, report it)",
                        "damaged", detail(e)) from e
    if not written:
        raise LoadError(_empty_reason(data), "no_text")
    return b.build(source)


def _open(data: bytes):
    kind = head_kind(data)
    if kind == "ole":
        raise LoadError("the file is a legacy Excel 97-2003 workbook (.xls) or WPS spreadsheet renamed to .xlsx: "
                        "convert it (libreoffice --headless --convert-to xlsx FILE) or open it in Excel/WPS and "
                        "save as .xlsx, and run again", "legacy_format")
    if kind == "pdf":
        raise LoadError("the file is a PDF document, not a workbook: rename it to .pdf and run again",
                        "wrong_extension")
    if kind == "markup":
        raise LoadError("the file is a web page (HTML table) saved with a .xlsx extension, as some systems "
                        "export: rename it to .html, or open it in Excel/WPS and save as .xlsx, and run again",
                        "wrong_extension")
    if kind != "zip":
        if not any(b < 9 for b in data[:4096]):
            raise LoadError("the file is plain text (CSV?) with a .xlsx extension: open it in Excel/WPS and save "
                            "as .xlsx, and run again", "wrong_extension")
        raise LoadError(_INVALID, "damaged")
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise LoadError(_INVALID, "damaged") from e
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise LoadError("the file is a Word document, not a workbook: rename it to .docx and run again",
                            "wrong_extension")
        raise LoadError(_INVALID, "damaged")
    check_package(data, ".xlsx")
    _check_merges(data)
    import openpyxl
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # unsupported extensions (data validation, slicers) are not our concern
            return openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=False)
    except Exception as e:            # openpyxl/zipfile/lxml: any failure to open means a broken package
        raise LoadError(_INVALID, "damaged") from e


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]{0,200}?\bref="\$?([A-Za-z]{1,3})\$?(\d{1,7}):\$?([A-Za-z]{1,3})'
                    rb'\$?(\d{1,7})"')
_TAIL = 256               # bytes: longer than any _MERGE match, so one cut by a chunk's end is found whole


def _check_merges(data: bytes) -> None:
    """openpyxl makes an object for every cell a merged range covers (a 2 KB sheet merging
    C3:XFD1048576 would ask for 17 billion): the ranges' cells are summed before it loads."""
    covered, largest = 0, (0, "")
    for m in _merges(data):
        c1, r1, c2, r2 = _column(m[1]), int(m[2]), _column(m[3]), int(m[4])
        cells = (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
        covered += cells
        largest = max(largest, (cells, m[0].rsplit(b'"', 2)[1].decode()))
    if covered > MAX_TABLE_CELLS:
        raise LoadError(f"the workbook's merged cells cover {covered:,} cells (the largest range is {largest[1]}), "
                        f"more than the {MAX_TABLE_CELLS:,} jixiao reads: unmerge the ranges that reach far outside "
                        "the form in Excel/WPS, save it, and run again", "too_large")


def _merges(data: bytes) -> Iterator[re.Match]:
    """The mergeCell elements of the worksheets, read a chunk at a time (one cut by a chunk's end too)."""
    part, prev = None, b""
    for name, chunk in xml_chunks(data, "xl/worksheets/"):
        if name == part:
            cut = min(len(prev), _TAIL)
            yield from (m for m in _MERGE.finditer(prev[-_TAIL:] + chunk[:_TAIL]) if m.start() < cut < m.end())
        yield from _MERGE.finditer(chunk)
        part, prev = name, chunk


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _empty_reason(data: bytes) -> str:
    import openpyxl
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
        formulas = any(isinstance(c.value, str) and c.value.startswith("=")
                       for ws in wb.worksheets for c in _cells(ws))
    except Exception:
        formulas = False
    if formulas:
        return ("the workbook's cells are formulas without saved results (it was written by a program, never "
                "opened in Excel): open it in Excel/WPS, save it, and run again")
    return "the workbook has no values in any worksheet; check that it is the report"


# ---------------------------------------------------------------- cells

def _cells(ws):
    """The cells the sheet's XML holds (ws._cells: iter_rows would create every empty cell of the range)."""
    cells = getattr(ws, "_cells", None)
    if isinstance(cells, dict):
        return cells.values()
    return (c for row in ws.iter_rows() for c in row)


_MAX_WIDTH = 256          # wider than any form (and Excel 2003's limit): a stray far cell, empty columns dropped
_MAX_FORMAT = 255         # characters of a number format (Excel's limit): a longer one is shown as General


def sheet_grid(ws) -> list[list[str]]:
    """The sheet's used range as rows of displayed values, empty rows and empty edge columns trimmed;
    a range too wide, or too large to lay out dense, keeps only the columns holding values."""
    values: dict[tuple[int, int], str] = {}
    for cell in _cells(ws):
        if cell.value is None:
            continue
        text = display(cell.value, cell.number_format)
        if text.strip():
            values[(cell.row, cell.column)] = text
    if not values:
        return []
    rows = sorted({r for r, _ in values})                 # rows with no value are no table row
    cols = sorted({c for _, c in values})
    span = cols[-1] - cols[0] + 1
    if span <= _MAX_WIDTH and len(rows) * span <= MAX_TABLE_CELLS:
        cols = list(range(cols[0], cols[-1] + 1))         # the used range: empty columns inside it kept
    check_table(len(rows), len(cols))
    return [[values.get((r, c), "") for c in cols] for r in rows]


def _title_rows(grid: list[list[str]]) -> int:
    """How many leading rows hold one value each above a table (none when the sheet never has two)."""
    n = 0
    while n < len(grid) and sum(1 for x in grid[n] if x) <= 1:
        n += 1
    return n if n < len(grid) else 0


# ---------------------------------------------------------------- display of values

_SECTION_SPLIT = re.compile(r'("[^"]*"|\\.|\[[^\]]*\]|;)')
_GENERAL_WORD = re.compile(r"general|g/通用格式|通用格式", re.I)


def display(value, number_format: str | None) -> str:
    """A cell value as Excel displays it under its number format."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        if _shows_time(number_format) and value.time() != dt.time(0):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        if number_format and len(number_format) > _MAX_FORMAT:
            return general(value)        # no such format in Excel: its literals would fill every cell
        try:
            return format_number(value, number_format or "General")
        except (InvalidOperation, ValueError, OverflowError):
            return general(value)
    return str(value)


def _shows_time(fmt: str | None) -> bool:
    bare = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", fmt or "")
    return bool(re.search(r"[hHsS]", bare))


def general(value) -> str:
    """Excel's General: integers without a decimal point, at most 15 significant digits."""
    if isinstance(value, int):
        return str(value)
    f = float(value)
    if f != f or f in (float("inf"), float("-inf")):
        return str(f)
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    text = format(f, ".15g")
    if "e" in text:
        mantissa, _, exp = text.partition("e")
        text = f"{mantissa}E{'+' if not exp.startswith('-') else '-'}{exp.lstrip('+-').zfill(2)}"
    return text


def _sections(fmt: str) -> list[str]:
    out: list[str] = []
    cur: list[str] = []
    for part in _SECTION_SPLIT.split(fmt):
        if part == ";":
            out.append("".join(cur))
            cur = []
        else:
            cur.append(part)
    out.append("".join(cur))
    return out


def format_number(value, fmt: str) -> str:
    sections = _sections(fmt)
    negative = value < 0
    if negative and len(sections) > 1 and sections[1].strip():
        section, value, sign = sections[1], -value, ""
    elif value == 0 and len(sections) > 2 and sections[2].strip():
        section, sign = sections[2], ""
    else:
        section = sections[0]
        sign = "-" if negative else ""
        value = abs(value)
    prefix, pattern, suffix = _split(_GENERAL_WORD.sub("\x00", section))
    if "\x00" in pattern or section.strip() == "@":
        return sign + prefix + general(value) + suffix
    if not pattern:                                          # text only, e.g. "-" for zero
        return sign + prefix + suffix
    number = Decimal(repr(float(value))) if isinstance(value, float) else Decimal(value)
    percent = "%" * pattern.count("%")
    number *= Decimal(100) ** len(percent)
    pattern = pattern.replace("%", "")
    suffix = percent + suffix
    if re.search(r"[eE][+-]", pattern):
        return sign + prefix + _scientific(number, pattern) + suffix
    whole, _, frac = pattern.partition(".")
    scale = len(whole) - len(whole.rstrip(","))            # trailing commas divide by 1000 each
    whole = whole.rstrip(",")
    number /= Decimal(1000) ** scale
    decimals = sum(1 for ch in frac if ch in "0#?")
    required = sum(1 for ch in frac if ch == "0")
    q = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{q:,.{decimals}f}" if "," in whole else f"{q:.{decimals}f}"
    if decimals > required:
        head, _, tail = text.partition(".")
        tail = tail[:required] + tail[required:].rstrip("0")
        text = head + ("." + tail if tail else "")
    if "0" not in whole and (text == "0" or text.startswith("0.")):
        text = text[1:]                                      # "#.00" shows .50, "#,###" shows 0 as nothing
    if sign and float(q) == 0:
        sign = ""
    return sign + prefix + text + suffix


def _scientific(number: Decimal, pattern: str) -> str:
    mantissa, _, _ = re.split(r"([eE][+-])", pattern, maxsplit=1)
    decimals = sum(1 for ch in mantissa.partition(".")[2] if ch in "0#?")
    text = f"{number:.{decimals}E}"
    m, _, exp = text.partition("E")
    return f"{m}E{exp[0]}{exp[1:].lstrip('0').zfill(2)}"


def _split(section: str) -> tuple[str, str, str]:
    """A format section -> (literal text before the number, the number's placeholders, literal text after)."""
    prefix: list[str] = []
    pattern: list[str] = []
    suffix: list[str] = []
    i, n = 0, len(section)
    while i < n:
        ch = section[i]
        if ch == '"':
            j = section.find('"', i + 1)
            j = n if j < 0 else j
            (suffix if pattern else prefix).append(section[i + 1:j])
            i = j + 1
            continue
        if ch == "\\" and i + 1 < n:
            (suffix if pattern else prefix).append(section[i + 1])
            i += 2
            continue
        if ch in "_*" and i + 1 < n:                         # padding and fill: no visible text of their own
            i += 2
            continue
        if ch == "[":
            j = section.find("]", i)
            j = n if j < 0 else j
            m = re.match(r"\[\$([^-\]]*)", section[i:j + 1])
            if m and m.group(1):
                (suffix if pattern else prefix).append(m.group(1))
            i = j + 1
            continue
        if ch in "0#?.,%\x00" or (ch in "eE" and i + 1 < n and section[i + 1] in "+-" and pattern):
            if ch in "eE":
                pattern.append(section[i:i + 2])
                i += 2
                continue
            if ch == "," and not pattern:
                prefix.append(ch)
            elif ch == "%" and not pattern:
                pattern.append(ch)
            else:
                if suffix and ch != "%":
                    suffix = []                              # literals between placeholders are dropped
                pattern.append(ch)
            i += 1
            continue
        if ch == "@":
            i += 1
            continue
        (suffix if pattern else prefix).append(ch)
        i += 1
    return "".join(prefix).strip(), "".join(pattern), "".join(suffix).rstrip()

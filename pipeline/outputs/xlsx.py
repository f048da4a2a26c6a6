"""xlsx: a workbook of plain rows written as its XML directly.

    book = Book(path, tmpdir, {"money": "#,##0.00"}); sheet = book.add_sheet("records", widths, header)
    sheet.row([text(ref, "…"), number(ref, 1.5, book.style["money"]), sheet.link(ref, "report/doc.html#n=1")])
    book.close()

jixiao.xlsx holds tables of text, numbers, booleans and links to report.html, a cell at a time: the
per-cell cost of a general writer (checks, escapes and re-encodings of every cell through several
calls) was most of the CPU of writing the outputs. Here a cell is one f-string, its text
escaped once. Every protection is kept: a text is always an inline string (never a formula,
whatever it starts with), Excel's own escape `_xHHHH_` in a text is escaped so that it reads back
as written, and the caller has already cleaned control characters and cut the length (export.xlsx_text).

Each sheet's rows and links go to temporary files as they come (memory holds none of them: 5,000
documents' links held 23 MB); closing the book
writes the zip: the sheets' XML around their rows, with the header frozen, an autofilter, landscape A4
fitted to the page's width with the header on every page, and the links as the sheet's hyperlinks;
compressed at zlib's fastest level (a quarter larger than its default, a third of its CPU).
"""
from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from zipfile import ZIP64_LIMIT, ZIP_DEFLATED, ZipFile

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_ESCAPE_OF_EXCEL = re.compile(r"(_x[0-9a-fA-F]{4}_)")     # what Excel would read as an escaped character
STYLE_HEADER, STYLE_LINK = 1, 2                             # cellXfs of _styles; number formats follow


def escape(s: str) -> str:
    """XML's escapes of a text, as xml.sax.saxutils writes them: its module imports urllib.request
    (0.01 s of CPU, at every run) for what a workbook never does."""
    return s.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(s: str) -> str:
    """A text as an XML attribute value, quoted, as xml.sax.saxutils.quoteattr writes it."""
    s = escape(s).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in s:
        return f'"{s}"'
    if "'" not in s:
        return f"'{s}'"
    return '"' + s.replace('"', "&quot;") + '"'


_attr = lru_cache(maxsize=16)(quoteattr)       # a link's file as an attribute: the same one, escaped once


def column_letter(i: int) -> str:
    """A column's letters from its 0-based index: 0 -> A, 26 -> AA."""
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _xml(s: str) -> str:
    """Text as XML character data that reads back as `s` in Excel and openpyxl."""
    if "&" in s or "<" in s or ">" in s:
        s = escape(s)
    if "_x" in s:
        s = _ESCAPE_OF_EXCEL.sub(r"_x005F\1", s)
    if "\ufffe" in s or "\uffff" in s:
        s = s.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return s


def text(ref: str, s: str, style: int = 0) -> str:
    """A text cell: an inline string, whatever the text looks like."""
    s_attr = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s_attr} t="inlineStr"><is><t xml:space="preserve">{_xml(s)}</t></is></c>'


def number(ref: str, v: float, style: int = 0) -> str:
    s_attr = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s_attr}><v>{v:.16G}</v></c>'


def boolean(ref: str, v: bool) -> str:
    return f'<c r="{ref}" t="b"><v>{int(v)}</v></c>'


def _width(w: float) -> float:
    """A column width as Excel stores it: the characters' pixels (7 a digit) and 5 of padding."""
    return int((int(w * 7 + 0.5) + 5) / 7 * 256) / 256


class Sheet:
    """One sheet: its header row, then rows of cells (text/number/boolean/link) appended in order.
    Its rows and its links (the sheet's hyperlinks and their relationships) go to files in the
    spill folder as they come: memory holds none of them (an archive's sheets hold a link a row)."""

    def __init__(self, name: str, spill: Path, widths: list[float], header: list[str]):
        self.name, self.widths = name, widths
        self.path, self.links_path, self.rels_path = spill, spill.with_suffix(".links"), spill.with_suffix(".rels")
        self.file = open(self.path, "w", encoding="utf-8")                  # noqa: SIM115 - closed by close()
        self.hyperlinks = open(self.links_path, "w", encoding="utf-8")      # noqa: SIM115
        self.relationships = open(self.rels_path, "w", encoding="utf-8")    # noqa: SIM115
        self.rows = 0                                       # rows written, the header's included
        self.links = 0
        self.row([text(column_letter(i) + "1", h, STYLE_HEADER) for i, h in enumerate(header)])

    def row(self, cells: list[str]) -> None:
        self.rows += 1
        self.file.write(f'<row r="{self.rows}">{"".join(cells)}</row>')

    def link(self, ref: str, target: str) -> str:
        """A cell showing `target` (a relative "file#place") that links to it, as Excel writes a
        relative link: its path with backslashes, the place apart."""
        file, _, place = target.partition("#")
        file = file.replace("/", "\\")
        self.links += 1
        self.hyperlinks.write(f'<hyperlink ref="{ref}" r:id="rId{self.links}" location={quoteattr(place)}/>')
        self.relationships.write(f'<Relationship Id="rId{self.links}" Type="{_REL}/hyperlink" Target={_attr(file)} '
                                 'TargetMode="External"/>')
        return text(ref, target, STYLE_LINK)

    def close(self) -> None:
        for f in (self.file, self.hyperlinks, self.relationships):
            f.close()

    def parts(self) -> Iterator[str | Path]:
        """The sheet's XML in order: its own pieces, and the spill files of its rows and links."""
        last = column_letter(len(self.widths) - 1)
        cols = "".join(f'<col min="{i}" max="{i}" width="{_width(w)}" customWidth="1"/>'
                       for i, w in enumerate(self.widths, 1))
        yield (f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
               f'<dimension ref="A1:{last}{self.rows}"/><sheetViews><sheetView workbookViewId="0">'
               '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
               '<selection pane="bottomLeft"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
               f'<cols>{cols}</cols><sheetData>')
        yield self.path
        yield f'</sheetData><autoFilter ref="A1:{last}{self.rows}"/>'
        if self.links:
            yield from ("<hyperlinks>", self.links_path, "</hyperlinks>")
        yield ('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
               '<pageSetup paperSize="9" fitToHeight="0" orientation="landscape"/></worksheet>')

    def relationship_parts(self) -> Iterator[str | Path]:
        """The sheet's relationships (its links), when it has any."""
        if self.links:
            yield from (f'{_HEAD}<Relationships xmlns="{_PKG}">', self.rels_path, "</Relationships>")


def _member(z: ZipFile, name: str, parts: Iterable[str | Path], big: bool = False) -> None:
    """A member of the zip from pieces of text and spill files, copied a megabyte at a time."""
    with z.open(name, "w", force_zip64=big) as out:
        for part in parts:
            if isinstance(part, Path):
                with open(part, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
            else:
                out.write(part.encode())


def _styles(number_formats: list[str]) -> str:
    """Normal, a bold header, a hyperlink's blue underline, then one style per number format."""
    fmts = "".join(f'<numFmt numFmtId="{164 + i}" formatCode={quoteattr(f)}/>' for i, f in enumerate(number_formats))
    xfs = "".join(f'<xf numFmtId="{164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
                  for i in range(len(number_formats)))
    font = '<sz val="11"/><name val="Calibri"/><family val="2"/>'       # no theme part: no colour or scheme from one
    return (f'{_HEAD}<styleSheet xmlns="{_MAIN}"><numFmts count="{len(number_formats)}">{fmts}</numFmts>'
            f'<fonts count="3"><font>{font}</font><font><b/>{font}</font>'
            '<font><u/><sz val="11"/><color rgb="FF0563C1"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
            '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" applyNumberFormat="0" applyFill="0" applyBorder="0" '
            'applyAlignment="0" applyProtection="0"><alignment vertical="top"/><protection locked="0"/></xf>'
            f'</cellStyleXfs><cellXfs count="{3 + len(number_formats)}">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="1" applyAlignment="1" applyProtection="1"/>'
            f'{xfs}</cellXfs><cellStyles count="2"><cellStyle name="Hyperlink" xfId="1" builtinId="8"/>'
            '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/>'
            '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
            '</styleSheet>')


class Book:
    """A workbook under construction at `path`: sheets added in order, their rows spilled to `spill`
    (a folder the caller removes), the zip written by `close`. `style[name]` is the cell style of each
    of `number_formats`."""

    def __init__(self, path: Path, spill: Path, number_formats: dict[str, str]):
        self.path, self.spill = path, spill
        self.formats = list(number_formats.values())
        self.style = {k: 3 + i for i, k in enumerate(number_formats)}
        self.sheets: list[Sheet] = []

    def add_sheet(self, name: str, widths: list[float], header: list[str]) -> Sheet:
        sheet = Sheet(name, self.spill / f"sheet{len(self.sheets) + 1}.xml", widths, header)
        self.sheets.append(sheet)
        return sheet

    def close(self) -> None:
        for s in self.sheets:
            s.close()
        with ZipFile(self.path, "w", ZIP_DEFLATED, compresslevel=1) as z:
            z.writestr("[Content_Types].xml", self._content_types())
            z.writestr("_rels/.rels", f'{_HEAD}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
                       f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
            z.writestr("xl/workbook.xml", self._workbook())
            z.writestr("xl/_rels/workbook.xml.rels", f'{_HEAD}<Relationships xmlns="{_PKG}">' + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(self.sheets) + 1))
                + f'<Relationship Id="rId{len(self.sheets) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
                '</Relationships>')
            z.writestr("xl/styles.xml", _styles(self.formats))
            for i, s in enumerate(self.sheets, 1):
                _member(z, f"xl/worksheets/sheet{i}.xml", s.parts(), big=os.path.getsize(s.path) > ZIP64_LIMIT // 2)
                if s.links:
                    _member(z, f"xl/worksheets/_rels/sheet{i}.xml.rels", s.relationship_parts())

    def abort(self) -> None:
        for s in self.sheets:
            s.close()

    def _content_types(self) -> str:
        sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}worksheet+xml"/>'
                         for i in range(1, len(self.sheets) + 1))
        return (f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}sheet.main+xml"/>'
                f'<Override PartName="/xl/styles.xml" ContentType="{_CT}styles+xml"/>{sheets}</Types>')

    def _workbook(self) -> str:
        names = []
        for i, s in enumerate(self.sheets):
            quoted = "'" + s.name.replace("'", "''") + "'"
            last = column_letter(len(s.widths) - 1)
            names.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                         f'{_xml(quoted)}!$A$1:${last}${s.rows}</definedName>')
            names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">{_xml(quoted)}!$1:$1</definedName>')
        sheets = "".join(f'<sheet name={quoteattr(s.name)} sheetId="{i}" r:id="rId{i}"/>'
                         for i, s in enumerate(self.sheets, 1))
        return (f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
                f'<sheets>{sheets}</sheets><definedNames>{"".join(names)}</definedNames>'
                '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')

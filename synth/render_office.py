"""Word (.docx, python-docx, real tables with merged cells) and Excel (.xlsx, openpyxl, the
self-evaluation table alone, numbers stored as numbers).

Both libraries stamp the time into the zip entries and the core properties; the files are
re-zipped with a fixed time so that the same document gives the same bytes.
"""
from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

from .doc import Document, Table

FIXED = datetime(2000, 1, 1, 0, 0, 0)
_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry dated FIXED and the core properties' dates set to it."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                blob = _DATES.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", blob)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, blob)
    return out.getvalue()


# ---------------------------------------------------------------- Word

def _east_asian(run_or_style, name: str) -> None:
    from docx.oxml.ns import qn
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def to_docx(doc: Document) -> bytes:
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt
    d = docx.Document()
    normal = d.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    _east_asian(normal, "宋体")
    for name in ("Heading 1", "Heading 2", "Title"):
        _east_asian(d.styles[name], "黑体")
    props = d.core_properties
    props.title, props.author, props.last_modified_by = doc.title, doc.organization, doc.organization
    props.created = props.modified = FIXED
    props.revision = 1
    pending_break = False
    for b in doc.blocks:
        if b.kind == "pagebreak":
            pending_break = True
            continue
        if pending_break:
            d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            pending_break = False
        if b.kind == "title":
            p = d.add_heading(b.text, level=0)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif b.kind == "heading":
            d.add_heading(b.text, level=min(2, b.level))
        elif b.kind == "sign":
            d.add_paragraph(b.text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif b.kind == "table":
            t = b.table
            assert t is not None         # a table block holds its table
            if t.caption:
                p = d.add_paragraph()
                p.add_run(t.caption).bold = True
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if t.subcaption:
                d.add_paragraph(t.subcaption).alignment = WD_ALIGN_PARAGRAPH.CENTER
            _docx_table(d, t)
            d.tables[-1].alignment = WD_TABLE_ALIGNMENT.CENTER
        else:
            p = d.add_paragraph(b.text)
            if b.kind == "para":
                p.paragraph_format.first_line_indent = Pt(24)
    buf = io.BytesIO()
    d.save(buf)
    return _fixed_zip(buf.getvalue())


def _docx_table(d, t: Table) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt
    table = d.add_table(rows=len(t.rows), cols=t.ncols)
    table.style = "Table Grid"
    for s in t.spans:
        table.cell(s.row, s.col).merge(table.cell(s.row + s.rows - 1, s.col + s.cols - 1))
    covered = t.covered()
    for r, row in enumerate(t.rows):
        for c, cell in enumerate(row):
            if (r, c) in covered or cell is None or not cell.text:
                continue
            para = table.cell(r, c).paragraphs[0]
            run = para.add_run(cell.text)
            run.font.size = Pt(9)
            run.bold = cell.bold or None
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER if cell.align == "center" else WD_ALIGN_PARAGRAPH.LEFT


# ---------------------------------------------------------------- Excel

_FORMATS = {"amount": "0.00", "number": "General"}


def _rate_format(text: str) -> str:
    """0.00% for "99.98%", 0% for "100%": the sheet shows the rate as the form prints it."""
    digits = len(text.rstrip("%").partition(".")[2])
    return "0." + "0" * digits + "%" if digits else "0%"


def to_xlsx(doc: Document, table: Table, amount_format: str = "0.00") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    wb = Workbook()
    ws = wb.active
    ws.title = (table.caption or "自评表")[:31]
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    n = table.ncols
    top = 1
    if table.caption:
        ws.cell(1, 1, table.caption).font = Font(name="宋体", size=14, bold=True)
        ws.cell(1, 1).alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
        top += 1
    if table.subcaption:
        ws.cell(top, 1, table.subcaption).alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=top, start_column=1, end_row=top, end_column=n)
        top += 1
    covered = table.covered()
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row):
            xc = ws.cell(top + r, 1 + c)
            xc.border = border
            if (r, c) in covered or cell is None:
                continue
            if cell.value is not None and cell.fmt:
                xc.value = float(cell.value) if cell.fmt != "number" or cell.value != int(cell.value) \
                    else int(cell.value)
                xc.number_format = (amount_format if cell.fmt == "amount" else
                                    _rate_format(cell.text) if cell.fmt == "rate" else _FORMATS[cell.fmt])
            elif cell.text:
                xc.value = cell.text
            xc.font = Font(name="宋体", size=10, bold=cell.bold)
            xc.alignment = Alignment(horizontal="center" if cell.align == "center" else "left",
                                     vertical="center", wrap_text=True)
    for s in table.spans:
        ws.merge_cells(start_row=top + s.row, start_column=1 + s.col,
                       end_row=top + s.row + s.rows - 1, end_column=1 + s.col + s.cols - 1)
    total = sum(table.widths)
    for c, w in enumerate(table.widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = round(100 * w / total, 1)
    wb.properties.creator = doc.organization
    wb.properties.title = table.caption
    wb.properties.created = wb.properties.modified = FIXED
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue())

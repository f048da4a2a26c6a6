"""Word documents (.docx): paragraphs and tables in document order, merged cells once.

python-docx opens the package; the body is then read from its XML, child by child (w:p, w:tbl,
and the content controls and custom-XML wrappers that hold them), because the object API loses
the order of paragraphs and tables and skips text in hyperlinks, fields and tracked insertions.

- Paragraph text: every w:t of the paragraph (runs, hyperlinks, fields' results, insertions),
  w:tab as a space, w:br/w:cr as a line break; deleted and moved-away text, field codes, text
  boxes and drawings are left out. Empty paragraphs are dropped.
- Tables: the grid Word lays out. A cell spanning columns (gridSpan) gives its text once, at its
  first column, and "" at the others; a cell continuing a vertical merge (vMerge) is "";
  w:gridBefore shifts a row right. A table nested in a cell is flattened into that cell's text
  (its rows as lines, cells joined by spaces). A table with a single column is a frame, not data:
  its content is read as body text, so a 自评表 placed inside a one-cell frame is still a table.
- Pages: a .docx has no fixed pages (Word lays them out when it opens the file), so the text is
  cut only where the author forced a new page: a page break (w:br w:type="page"), "page break
  before" on a paragraph, and a section break that starts a new page. A report whose 附件 自评表
  starts on a new page has it on its own page. Breaks inside tables are not honoured (a table is
  never cut), nor the page breaks Word last rendered (w:lastRenderedPageBreak): they are a cache
  of one machine's layout and are missing from files that WPS, LibreOffice or scripts wrote. So
  page N here is the N-th stretch between forced breaks, not always the printed page N.
- Headers, footers, footnotes, comments and text boxes are not read.
"""
from __future__ import annotations

import io
import zipfile

from ..load import LoadError
from ..models import RawDoc, Source
from .builder import DocBuilder

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{%s}" % W


def _q(name: str) -> str:
    return _W + name


_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT, _CUSTOM = (_q(n) for n in ("p", "tbl", "tr", "tc", "sdt", "sdtContent",
                                                                    "customXml"))
_T, _TAB, _BR, _CR, _NBH = (_q(n) for n in ("t", "tab", "br", "cr", "noBreakHyphen"))
_PPR, _SECTPR, _VAL, _TYPE = _q("pPr"), _q("sectPr"), _q("val"), _q("type")
# run content that is not the document's visible text
_HIDDEN = {_q(n) for n in ("del", "moveFrom", "instrText", "delInstrText", "drawing", "pict", "object",
                           "txbxContent", "footnoteReference", "endnoteReference", "commentReference",
                           "rPr", "pPr", "sectPr")}
_HIDDEN.add("{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent")
_PAGE = object()                      # marks a forced page break inside a paragraph's text

_NOT_DOCX = (
    (b"\xd0\xcf\x11\xe0", "the file is a legacy Word 97-2003 document (.doc) or WPS file renamed to .docx: convert "
                          "it (libreoffice --headless --convert-to docx FILE) or open it in Word/WPS and save as "
                          ".docx, and run again"),
    (b"%PDF", "the file is a PDF document, not a .docx: rename it to .pdf and run again"),
    (b"{\\rtf", "the file is an RTF document renamed to .docx: open it in Word/WPS and save it as .docx, "
                "and run again"),
)
_INVALID = ("the file is not a valid .docx (it may be a renamed .doc or damaged); open it in Word/WPS and save "
            "as .docx, and run again")


def read(data: bytes, source: Source) -> RawDoc:
    body = _open(data)
    reader = _Reader()
    try:
        reader.blocks(body)
    except LoadError:
        raise
    except Exception as e:           # malformed XML the package opened with: the file is damaged
        raise LoadError(f"the .docx could not be read ({type(e).__name__}: {e}); it may be damaged: open it in "
                        "Word/WPS, save it again as .docx, and run again") from e
    return reader.b.build(source)


def _open(data: bytes):
    head = data[:8].lstrip()
    for magic, message in _NOT_DOCX:
        if head.startswith(magic):
            raise LoadError(message)
    if head[:1] == b"<":
        raise LoadError("the file is a web page or XML document saved with a .docx extension: rename it to "
                        ".html (or open it in Word/WPS and save as .docx), and run again")
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise LoadError(_INVALID) from e
    if "word/document.xml" not in names:
        if "xl/workbook.xml" in names:
            raise LoadError("the file is an Excel workbook, not a Word document: rename it to .xlsx and run again")
        if "ppt/presentation.xml" in names:
            raise LoadError("the file is a PowerPoint presentation, not a Word document: save the report as "
                            ".docx or .pdf, and run again")
        raise LoadError(_INVALID)
    import docx
    try:
        return docx.Document(io.BytesIO(_as_document(data))).element.body
    except Exception as e:           # python-docx/lxml/zipfile: any failure to open means a broken package
        raise LoadError(_INVALID) from e


def _as_document(data: bytes) -> bytes:
    """A macro-enabled document or a template renamed .docx, retyped as a plain document for python-docx."""
    z = zipfile.ZipFile(io.BytesIO(data))
    types = z.read("[Content_Types].xml")
    plain = (types.replace(b"application/vnd.ms-word.document.macroEnabled.main+xml",
                           b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
             .replace(b"application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
                      b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
             .replace(b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
                      b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"))
    if plain == types:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in z.infolist():
            dst.writestr(info, plain if info.filename == "[Content_Types].xml" else z.read(info.filename))
    return out.getvalue()


def _on(el) -> bool:
    """A w:onOff property: present and not switched off."""
    return el is not None and el.get(_VAL, "true").lower() not in ("0", "false", "off")


def _int(el, default: int) -> int:
    try:
        return int(el.get(_VAL)) if el is not None else default
    except (TypeError, ValueError):
        return default


class _Reader:
    def __init__(self) -> None:
        self.b = DocBuilder()
        self.written = False          # anything on the current page yet
        self.breaks: list = []        # the body's section properties, in order

    # ------------------------------------------------------------ body

    def blocks(self, body) -> None:
        self.breaks = list(body.iter(_SECTPR))
        self._children(body, frame=False)
        if self.written:
            self.b.end_page("text")

    def _children(self, parent, frame: bool) -> None:
        for el in parent:
            tag = el.tag
            if tag == _P:
                self._paragraph(el, frame)
            elif tag == _TBL:
                self._table(el)
            elif tag in (_SDT, _CUSTOM):
                inner = el.find(_SDT_CONTENT) if tag == _SDT else el
                if inner is not None:
                    self._children(inner, frame)

    def _new_page(self) -> None:
        if self.written:
            self.b.end_page("text")
            self.written = False

    def _line(self, text: str) -> None:
        text = text.strip()
        if text:
            self.b.line(text)
            self.written = True

    def _paragraph(self, p, frame: bool) -> None:
        ppr = p.find(_PPR)
        if not frame and ppr is not None and _on(ppr.find(_q("pageBreakBefore"))):
            self._new_page()
        parts: list = []
        _runs(p, parts)
        text: list[str] = []
        for part in parts:
            if part is _PAGE:
                self._line("".join(text))
                text = []
                if not frame:
                    self._new_page()
            else:
                text.append(part)
        self._line("".join(text))
        sect = ppr.find(_SECTPR) if ppr is not None else None
        if not frame and sect is not None and self._next_section_starts_page(sect):
            self._new_page()

    def _next_section_starts_page(self, sect) -> bool:
        try:
            nxt = self.breaks[next(i for i, s in enumerate(self.breaks) if s is sect) + 1]
        except (StopIteration, IndexError):
            return False
        kind = nxt.find(_TYPE)
        return (kind.get(_VAL) if kind is not None else "nextPage") in ("nextPage", "oddPage", "evenPage")

    # ------------------------------------------------------------ tables

    def _table(self, tbl) -> None:
        if all(len(_cells(tr)) <= 1 for tr in _rows(tbl)):
            for tr in _rows(tbl):                # a frame: its content is body text
                for tc in _cells(tr):
                    self._children(tc, frame=True)
            return
        grid = table_grid(tbl)
        self.b.table(grid)
        self.written = self.written or any(any(row) for row in grid)


def _runs(el, out: list) -> None:
    """The visible text under a paragraph (or run), in order, with _PAGE where a page break is forced."""
    for child in el:
        tag = child.tag
        if tag in _HIDDEN:
            continue
        if tag == _T:
            out.append(child.text or "")
        elif tag == _TAB:
            out.append(" ")
        elif tag == _BR:
            kind = child.get(_TYPE)
            out.append(_PAGE if kind == "page" else " " if kind == "column" else "\n")
        elif tag == _CR:
            out.append("\n")
        elif tag == _NBH:
            out.append("-")
        elif tag == _P:                         # a paragraph nested in a run container (rare): its own line
            out.append("\n")
            _runs(child, out)
        else:
            _runs(child, out)                   # w:r, w:hyperlink, w:ins, w:fldSimple, w:smartTag, w:sdt ...


def _paragraph_text(p) -> str:
    parts: list = []
    _runs(p, parts)
    return "".join(x for x in parts if x is not _PAGE).strip()


def _rows(tbl) -> list:
    out = []
    for el in tbl:
        if el.tag == _TR:
            if el.find(f"{_q('trPr')}/{_q('del')}") is None:
                out.append(el)
        elif el.tag in (_SDT, _CUSTOM):
            inner = el.find(_SDT_CONTENT) if el.tag == _SDT else el
            if inner is not None:
                out += [tr for tr in inner if tr.tag == _TR]
    return out


def _cells(tr) -> list:
    out = []
    for el in tr:
        if el.tag == _TC:
            out.append(el)
        elif el.tag in (_SDT, _CUSTOM):
            inner = el.find(_SDT_CONTENT) if el.tag == _SDT else el
            if inner is not None:
                out += [tc for tc in inner if tc.tag == _TC]
    return out


def table_grid(tbl) -> list[list[str]]:
    """A w:tbl as rows of cell texts on Word's grid: spanned and vertically merged positions are ""."""
    rows: list[list[str]] = []
    width = 0
    for tr in _rows(tbl):
        trpr = tr.find(_q("trPr"))
        col = _int(trpr.find(_q("gridBefore")), 0) if trpr is not None else 0
        row = [""] * col
        for tc in _cells(tr):
            tcpr = tc.find(_q("tcPr"))
            span = max(1, _int(tcpr.find(_q("gridSpan")), 1)) if tcpr is not None else 1
            vmerge = tcpr.find(_q("vMerge")) if tcpr is not None else None
            hmerge = tcpr.find(_q("hMerge")) if tcpr is not None else None
            continued = any(m is not None and m.get(_VAL, "continue") != "restart" for m in (vmerge, hmerge))
            row.append("" if continued else cell_text(tc))
            row += [""] * (span - 1)
        rows.append(row)
        width = max(width, len(row))
    return [row + [""] * (width - len(row)) for row in rows]


def cell_text(tc) -> str:
    """A cell's paragraphs as lines; a nested table flattened into them (rows as lines, cells spaced)."""
    lines: list[str] = []
    for el in tc:
        if el.tag == _P:
            lines.append(_paragraph_text(el))
        elif el.tag == _TBL:
            lines += [" ".join(x for x in row if x) for row in table_grid(el)]
        elif el.tag in (_SDT, _CUSTOM):
            inner = el.find(_SDT_CONTENT) if el.tag == _SDT else el
            if inner is not None:
                lines.append(cell_text(inner))
    return "\n".join(x for x in lines if x)

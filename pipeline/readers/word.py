"""Word documents (.docx): paragraphs and tables in document order, merged cells once.

python-docx opens the package; the body is then read from its XML, child by child (w:p, w:tbl,
and the content controls and custom-XML wrappers that hold them), because the object API loses
the order of paragraphs and tables and skips text in hyperlinks, fields and tracked insertions.

- Paragraph text: the list label Word draws for a numbered paragraph (一、 （一） 1. ①, from the
  numbering definitions, which the text does not hold), then every w:t of the paragraph (runs,
  hyperlinks, fields' results, insertions), w:tab as a space, w:br/w:cr as a line break; deleted
  and moved-away text and field codes are left out. Text boxes anchored in a paragraph are read
  after it, once (not their VML fallback copy). Empty paragraphs are dropped.
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
- Headers, footers, footnotes, endnotes and comments are not read.
- Bounds (readers.bounds): the package's XML is counted before python-docx parses it; a
  gridBefore or a gridSpan leaves room for the row's other cells before the table's last column
  (its w:tblGrid, at most MAX_SPAN), as they do in any file Word wrote, so a 40 KB file whose cell
  spans a billion columns reads as the narrow table it is (a row of more cells than columns
  gets one column a cell); a table of more than MAX_TABLE_CELLS positions fails. w:gridAfter is
  not read (a row is padded to the table's width anyway).
"""
from __future__ import annotations

import io
import re
import zipfile

from ..limits import MAX_SPAN
from .load import LoadError, detail
from ..models import RawDoc, Source
from .bounds import check_package, check_table
from .builder import DocBuilder
from .sniff import head_kind

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{%s}" % W


def _q(name: str) -> str:
    return _W + name


_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT, _CUSTOM = (_q(n) for n in ("p", "tbl", "tr", "tc", "sdt", "sdtContent",
                                                                    "customXml"))
_R, _T, _TAB, _BR, _CR, _NBH = (_q(n) for n in ("r", "t", "tab", "br", "cr", "noBreakHyphen"))
_PPR, _SECTPR, _VAL, _TYPE = _q("pPr"), _q("sectPr"), _q("val"), _q("type")
# run content that is not the document's visible text
_HIDDEN = {_q(n) for n in ("del", "moveFrom", "instrText", "delInstrText", "drawing", "pict", "object",
                           "txbxContent", "footnoteReference", "endnoteReference", "commentReference",
                           "rPr", "pPr", "sectPr")}
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_HIDDEN.add("{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent")
_PAGE = object()                      # marks a forced page break inside a paragraph's text

_NOT_DOCX = {      # what head_kind says -> (the error code, what to do)
    "ole": ("legacy_format", "the file is a legacy Word 97-2003 document (.doc) or WPS file renamed to .docx: "
            "convert it (libreoffice --headless --convert-to docx FILE) or open it in Word/WPS and save as "
            ".docx, and run again"),
    "pdf": ("wrong_extension", "the file is a PDF document, not a .docx: rename it to .pdf and run again"),
    "rtf": ("wrong_extension", "the file is an RTF document renamed to .docx: open it in Word/WPS and save it "
            "as .docx, and run again"),
    "markup": ("wrong_extension", "the file is a web page or XML document saved with a .docx extension: rename "
               "it to .html (or open it in Word/WPS and save as .docx), and run again"),
}
_INVALID = ("the file is not a valid .docx (it may be a renamed .doc or damaged); open it in Word/WPS and save "
            "as .docx, and run again")


def read(data: bytes, source: Source) -> RawDoc:
    document = _open(data)
    try:
        reader = _Reader(_Numbering(document))
        reader.blocks(document.element.body)
    except LoadError:
        raise
    except Exception as e:           # malformed XML the package opened with: the file is damaged
        raise LoadError("the .docx is damaged: its contents are not laid out as Word writes them; open it in "
                        "Word/WPS, save it again as .docx, and run again (if it opens and this stays, report it)",
                        "damaged", detail(e)) from e
    return reader.b.build(source)


def _open(data: bytes):
    kind = head_kind(data)
    if kind in _NOT_DOCX:
        code, message = _NOT_DOCX[kind]
        raise LoadError(message, code)
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise LoadError(_INVALID, "damaged") from e
    if "word/document.xml" not in names:
        if "xl/workbook.xml" in names:
            raise LoadError("the file is an Excel workbook, not a Word document: rename it to .xlsx and run again",
                            "wrong_extension")
        if "ppt/presentation.xml" in names:
            raise LoadError("the file is a PowerPoint presentation, not a Word document: save the report as "
                            ".docx or .pdf, and run again", "wrong_extension")
        raise LoadError(_INVALID, "damaged")
    check_package(data, ".docx")
    import docx
    try:
        return docx.Document(io.BytesIO(_as_document(data)))
    except Exception as e:           # python-docx/lxml/zipfile: any failure to open means a broken package
        raise LoadError(_INVALID, "damaged") from e


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
    def __init__(self, numbering: "_Numbering") -> None:
        self.numbering = numbering
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
        parts: list = [self.numbering.label(p)]
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
        for box in _text_boxes(p):
            self._children(box, frame=True)
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
        grid = table_grid(tbl, self.numbering)
        self.b.table(grid)
        self.written = self.written or any(any(row) for row in grid)


def _runs(el, out: list) -> None:
    """The visible text under a paragraph (or run), in order, with _PAGE where a page break is forced."""
    for child in el:
        tag = child.tag
        if tag in _HIDDEN:
            continue
        if tag == _R and _on(child.find(f"{_q('rPr')}/{_q('vanish')}")):
            continue                            # text formatted hidden: not what a person sees
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


def _text_boxes(p) -> list:
    """The text boxes anchored in a paragraph, each once (Word writes a VML fallback copy of each)."""
    return [box for box in p.iter(_q("txbxContent"))
            if not any(a.tag == _FALLBACK for a in box.iterancestors())]


def _paragraph_text(p, numbering: "_Numbering | None" = None) -> str:
    parts: list = [numbering.label(p)] if numbering else []
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


def table_grid(tbl, numbering: "_Numbering | None" = None) -> list[list[str]]:
    """A w:tbl as rows of cell texts on Word's grid: spanned and vertically merged positions are "".
    A shift (gridBefore) or a span leaves room for the row's other cells before the table's last
    column (see the module's Bounds)."""
    rows: list[list[str]] = []
    width = 0
    columns = _columns(tbl)
    for tr in _rows(tbl):
        trpr = tr.find(_q("trPr"))
        tcs = _cells(tr)
        before = _int(trpr.find(_q("gridBefore")), 0) if trpr is not None else 0
        row = [""] * max(0, min(before, columns - len(tcs)))
        for i, tc in enumerate(tcs):
            tcpr = tc.find(_q("tcPr"))
            span = _int(tcpr.find(_q("gridSpan")), 1) if tcpr is not None else 1
            span = max(1, min(span, columns - len(row) - (len(tcs) - i - 1)))   # room for the cells after it
            vmerge = tcpr.find(_q("vMerge")) if tcpr is not None else None
            hmerge = tcpr.find(_q("hMerge")) if tcpr is not None else None
            continued = any(m is not None and m.get(_VAL, "continue") != "restart" for m in (vmerge, hmerge))
            row.append("" if continued else cell_text(tc, numbering))
            row += [""] * (span - 1)
        width = max(width, len(row))
        check_table(len(rows) + 1, width)
        rows.append(row)
    return [row + [""] * (width - len(row)) for row in rows]


def _columns(tbl) -> int:
    """The table's columns, as its w:tblGrid declares them, at most MAX_SPAN (Word's tables have at
    most 63): what a row's shift and spans may fill."""
    grid = tbl.find(_q("tblGrid"))
    columns = sum(1 for el in grid if el.tag == _q("gridCol")) if grid is not None else 0
    return min(MAX_SPAN, columns) if columns else MAX_SPAN


def cell_text(tc, numbering: "_Numbering | None" = None) -> str:
    """A cell's paragraphs as lines; a nested table flattened into them (rows as lines, cells spaced)."""
    lines: list[str] = []
    for el in tc:
        if el.tag == _P:
            lines.append(_paragraph_text(el, numbering))
        elif el.tag == _TBL:
            lines += [" ".join(x for x in row if x) for row in table_grid(el, numbering)]
        elif el.tag in (_SDT, _CUSTOM):
            inner = el.find(_SDT_CONTENT) if el.tag == _SDT else el
            if inner is not None:
                lines.append(cell_text(inner, numbering))
    return "\n".join(x for x in lines if x)


# ---------------------------------------------------------------- list numbering

_CN_DIGITS = "零一二三四五六七八九"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"


def _chinese(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 105 -> 一百零五 (Word's chineseCounting)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        return _CN_DIGITS[n // 100] + "百" + ("" if not rest else ("零" + _CN_DIGITS[rest]) if rest < 10
                                             else _CN_DIGITS[rest // 10] + "十" + (_CN_DIGITS[rest % 10]
                                                                                  if rest % 10 else ""))
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def _letters(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else str(n)


MAX_LIST_NUMBER = 32767     # past it a counter is shown in digits: no report's list is this long


def number_text(n: int, fmt: str) -> str:
    """A list counter in one of Word's number formats (w:numFmt); a counter past MAX_LIST_NUMBER in
    digits (a w:start of two billion would be 77 million letters, or two million Ms)."""
    if n > MAX_LIST_NUMBER:
        return str(n)
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "ideographDigital",
               "japaneseCounting", "taiwaneseCounting", "taiwaneseCountingThousand"):
        return _chinese(n)
    if fmt in ("ideographTraditional", "ideographZodiac"):
        return _TIANGAN[(n - 1) % 10] if n > 0 else str(n)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class _Numbering:
    """The labels Word draws before list paragraphs (一、 （一） 1. ①), which the XML does not hold as text.

    A paragraph is numbered by its own w:numPr or its style's (followed through w:basedOn). Counters run
    per abstract list, as Word continues a list across the instances that share it; an instance with a
    w:startOverride starts again where it is first used; numbering a level resets the levels below it.
    Bullets give no label.
    """

    def __init__(self, document) -> None:
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.levels: dict[str, dict[int, tuple[int, str, str, bool]]] = {}
        self.styles: dict[str, tuple[str | None, str | None, str | None]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        self.default_style = "Normal"
        try:
            self._read(document)
        except Exception:          # an unreadable numbering or styles part: paragraphs go without labels
            self.nums = {}

    def _read(self, document) -> None:
        numbering = document.part.numbering_part.element if _has_part(document, "numbering") else None
        styles = document.styles.element if _has_part(document, "styles") else None
        if numbering is not None:
            self._read_numbering(numbering)
        if styles is not None:
            for st in styles.iter(_q("style")):
                if st.get(_q("type")) == "paragraph" and _on_attr(st.get(_q("default"))):
                    self.default_style = st.get(_q("styleId"), "Normal")   # "a" in a Chinese Word's files
                numpr = st.find(f"{_PPR}/{_q('numPr')}")
                based = st.find(_q("basedOn"))
                num_id = ilvl = None
                if numpr is not None:
                    n, i = numpr.find(_q("numId")), numpr.find(_q("ilvl"))
                    num_id = n.get(_VAL) if n is not None else None
                    ilvl = i.get(_VAL) if i is not None else None
                self.styles[st.get(_q("styleId"), "")] = (num_id, ilvl, based.get(_VAL) if based is not None else None)

    def _read_numbering(self, numbering) -> None:
        for an in numbering.iter(_q("abstractNum")):
            levels = {}
            for lvl in an.iter(_q("lvl")):
                fmt, text = lvl.find(_q("numFmt")), lvl.find(_q("lvlText"))
                levels[_int_attr(lvl, _q("ilvl"), 0)] = (
                    _int(lvl.find(_q("start")), 1), fmt.get(_VAL, "decimal") if fmt is not None else "decimal",
                    text.get(_VAL, "") if text is not None else "", _on(lvl.find(_q("isLgl"))))
            self.levels[an.get(_q("abstractNumId"), "")] = levels
        for num in numbering.iter(_q("num")):
            ref = num.find(_q("abstractNumId"))
            overrides = {}
            for o in num.iter(_q("lvlOverride")):
                start = o.find(_q("startOverride"))
                if start is not None:
                    overrides[_int_attr(o, _q("ilvl"), 0)] = _int(start, 1)
            self.nums[num.get(_q("numId"), "")] = (ref.get(_VAL, "") if ref is not None else "", overrides)

    def _of_style(self, style_id: str | None) -> tuple[str | None, str | None]:
        seen = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            num_id, ilvl, based = self.styles.get(style_id, (None, None, None))
            if num_id is not None:
                return num_id, ilvl
            style_id = based
        return None, None

    def label(self, p) -> str:
        if not self.nums:
            return ""
        ppr = p.find(_PPR)
        numpr = ppr.find(_q("numPr")) if ppr is not None else None
        num_id = ilvl = None
        if numpr is not None:
            n, i = numpr.find(_q("numId")), numpr.find(_q("ilvl"))
            num_id = n.get(_VAL) if n is not None else None
            ilvl = i.get(_VAL) if i is not None else None
        if num_id is None:
            style = ppr.find(_q("pStyle")) if ppr is not None else None
            num_id, style_ilvl = self._of_style(style.get(_VAL) if style is not None else self.default_style)
            ilvl = ilvl if ilvl is not None else style_ilvl
        if num_id is None or num_id == "0" or num_id not in self.nums:
            return ""
        try:
            level = int(ilvl or 0)
        except ValueError:
            level = 0
        abstract, overrides = self.nums[num_id]
        levels = self.levels.get(abstract, {})
        if level not in levels:
            return ""
        counters = self.counters.setdefault(abstract, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for lv, start in overrides.items():
                counters[lv] = start - 1
        start, fmt, text, _ = levels[level]
        counters[level] = counters.get(level, start - 1) + 1
        for deeper in [lv for lv in counters if lv > level]:
            del counters[deeper]
        if fmt in ("bullet", "none"):
            return ""

        def value(m) -> str:
            lv = int(m.group(1)) - 1
            lstart, lfmt, _, _ = levels.get(lv, (1, "decimal", "", False))
            legal = levels[level][3]
            return number_text(counters.get(lv, lstart), "decimal" if legal and lfmt != "decimal" else lfmt)

        return re.sub(r"%([1-9])", value, text)


def _has_part(document, name: str) -> bool:
    rel = {"numbering": "/numbering", "styles": "/styles"}[name]
    return any(r.reltype.endswith(rel) for r in document.part.rels.values())


def _on_attr(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "on")


def _int_attr(el, attr: str, default: int) -> int:
    try:
        return int(el.get(attr))
    except (TypeError, ValueError):
        return default

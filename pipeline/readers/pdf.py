"""PDF reports: the pdfium text layer for every page; a table search only on pages that draw ruled
lines; OCR (readers.ocr) only on pages with no usable text layer.

Per page, cheapest first:
- pdfium's characters with their boxes. Fake bold (a glyph drawn twice a hair apart: pdfium reads
  "预预算算") is undone by position, never by text, so "人人" and "1100" stay. Lines are rebuilt from
  the boxes in reading order (top to bottom, left to right); a space is put where the gap is a space,
  none where every character of a line is spaced out ("填 报 日 期"), and " | " where a gap is as wide
  as a table column.
- the page's path objects: when they draw enough horizontal and vertical rules to make a table,
  pdfplumber's lattice algorithm turns those rules into cells (readers.ruled, done there from pdfium's
  paths and characters: pdfminer never parses the page, pdfplumber is not imported); each table goes
  to the builder as cells, and the text above, between and below them as lines, in order.
- a page with (almost) no usable characters and an image covering it, a page that is mostly an image
  under a heading (a scanned form pasted in), or a text layer that maps to no characters, is rendered
  at about 200 dpi and read by OCR (readers.ocr), each line with its confidence.
Then, over the whole document, running headers and footers (the same words at the same place on
most pages) and page numbers ("- 3 -", "第3页 共10页", "3/10") are dropped.
"""
from __future__ import annotations

import ctypes
import math
import re
import statistics
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import attrgetter

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .load import LoadError
from ..models import PageMethod, RawDoc, Source
from .builder import CELL_SEP, DocBuilder
from . import ruled
from .geometry import Extent
from .pageobjects import PageObjects, bare, bounds, own_matrix, survey
from .sniff import is_pdf

# ---------------------------------------------------------------- tunables

DUPLICATE = 0.15          # a repeated glyph closer than this (in ems, and 0.3 of its width) is fake bold
SPACE_GAP = 0.18          # a gap wider than this (ems, beyond a spaced-out line's usual gap) is a space
CELL_GAP = 2.0            # a gap wider than this (ems) separates two table cells
UPRIGHT = math.radians(3)  # a glyph turned less than this reads upright
UPRIGHT_MARGIN = 1e-4     # radians: pdfium measures a glyph's angle in single precision
SPACED_OUT = 0.15         # gaps this close (ems) in a run of three or more: characters spaced out
RULE_THICK = 2.5          # points: a path thinner than this is a rule
RULE_LONG = 8.0           # points: a rule shorter than this is not a table's
TABLE_RULES = 3           # this many horizontal and vertical rules make a page worth a table search
MIN_TEXT = 20             # fewer usable characters than this is no text layer
SCAN_COVER = 0.3          # an image covering this share of the page makes a page with no text a scan
SCAN_MOSTLY = 0.5         # ... and one covering this share, a page with only a little text (a heading)
LITTLE_TEXT = 300
OUTLINED = 300            # this many path objects and no text: the text was drawn as outlines
OCR_DPI = 200
OCR_MAX_SIDE = 2400       # pixels
FURNITURE_ZONE = 0.15     # headers and footers lie in the top and bottom 15% of the page
FURNITURE_LINES = 3       # ... among its first and last three lines

_PAGE_NUMBER = re.compile(
    r"^(?:[-－—–~·•_\s]*\d{1,4}[-－—–~·•_\s]*"
    r"|第\s*[\d一二三四五六七八九十百零〇]+\s*页(?:\s*[,，/、]?\s*共\s*\d+\s*页)?"
    r"|共\s*\d+\s*页\s*[,，]?\s*第\s*\d+\s*页"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?)$", re.I)
_MASK = re.compile(r"\d+|[一二三四五六七八九十]+(?=页)")


def is_page_number(text: str) -> bool:
    """"- 3 -", "—3—", "3", "第3页 共10页", "第三页", "3/10", "Page 3 of 10"."""
    return bool(_PAGE_NUMBER.match(text.strip()))


# ---------------------------------------------------------------- the page model

@dataclass(slots=True)
class Char(Extent):
    """One glyph, in display coordinates (points, origin at the page's top left, y down). Its loose box
    starts at its origin, so fake bold's copies differ in `left` by a hair."""
    text: str
    left: float
    top: float
    right: float
    bottom: float


@dataclass
class Line:
    text: str
    top: float
    bottom: float
    size: float                           # the line's type size (ems), for telling headers from titles
    confidence: float | None = None


@dataclass
class Table:
    rows: list[list[str | None]]
    top: float


@dataclass
class PageRead:
    number: int
    height: float
    method: PageMethod = "text"
    items: list[Line | Table] = field(default_factory=list)


# ---------------------------------------------------------------- entry point

def read(data: bytes, source: Source) -> RawDoc:
    pdf = _open(data)
    try:
        pages = [_text_layer(pdf, i) for i in range(len(pdf))]
        scanned = [p.number for p in pages if p.method == "ocr"]
        if scanned:
            _ocr_available(scanned)
        for number in scanned:
            page = pdf[number - 1]
            try:
                _ocr(page, pages[number - 1])
            finally:
                page.close()
    finally:
        pdf.close()
    _drop_furniture(pages)
    b = DocBuilder()
    for p in pages:
        for item in sorted(p.items, key=lambda it: it.top):
            if isinstance(item, Table):
                b.table(item.rows)
            elif item.text:
                b.line(item.text, confidence=item.confidence)
        b.end_page(p.method)
    return b.build(source)


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        code = getattr(e, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY) and b"/Encrypt" not in data:
            code = None         # a previous document's error: pdfium keeps the last one per thread
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise LoadError("the PDF is password-protected; remove the password (qpdf --decrypt "
                            "--password=PASSWORD in.pdf out.pdf) and run again", "password_needed") from e
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise LoadError("the PDF uses an encryption jixiao cannot open; decrypt it (qpdf --decrypt in.pdf "
                            "out.pdf) and run again", "unsupported_encryption") from e
        if not is_pdf(data):
            raise LoadError("the file is not a PDF (it does not start with %PDF); check what it really is "
                            "(file FILE) and give it the right extension", "wrong_extension") from e
        if b"%%EOF" not in data[-2048:]:
            raise LoadError("the PDF is truncated or damaged (it does not end with %%EOF); re-download it, or "
                            "try repairing it (qpdf in.pdf out.pdf), and run again", "damaged") from e
        raise LoadError("the PDF is damaged (pdfium cannot open it); re-download it, or try repairing it "
                        "(qpdf in.pdf out.pdf), and run again", "damaged") from e
    if len(pdf) == 0:
        pdf.close()
        raise LoadError("the PDF has no pages; re-export or re-download the report", "no_text")
    return pdf


# ---------------------------------------------------------------- pass 1: the text layer, and what each page needs

def _text_layer(pdf: pdfium.PdfDocument, index: int) -> PageRead:
    try:
        page = pdf[index]
    except pdfium.PdfiumError as e:
        raise LoadError(f"page {index + 1} of the PDF is damaged and cannot be read; try repairing the file "
                        "(qpdf in.pdf out.pdf) and run again", "damaged") from e
    try:
        shown = _Frame.of(page)
        objects = survey(page)
        textpage = page.get_textpage()
        try:
            chars, usable, unmapped, frame = _chars(textpage, shown, upright=objects.tilt < UPRIGHT - UPRIGHT_MARGIN)
        finally:
            textpage.close()
        rules, cover, paths = _graphics(objects, shown)
        p = PageRead(number=index + 1, height=frame.height)
        if (usable < MIN_TEXT and (cover >= SCAN_COVER or paths >= OUTLINED)) or \
                (usable < LITTLE_TEXT and cover >= SCAN_MOSTLY) or (unmapped >= MIN_TEXT and unmapped > usable):
            p.method = "ocr"
            return p
        rows = _rows(chars)
        if rules and frame.rotation == shown.rotation:       # tables are searched in the page as shown
            p.method = "tables"
            p.items = _tables([c for row in rows for c in row], ruled.edges(objects.paths, shown.point))
        elif not chars:
            p.method = "none"
        if not p.items:
            p.items = list(_lines_of(rows))
        return p
    finally:
        page.close()


class _Frame:
    """Page space (points, y up, rotated as stored) -> display space (y down, as the page is shown;
    the space pdfplumber and rendering use), or turned by another quarter to read sideways text."""

    def __init__(self, mediabox: tuple[float, float, float, float], rotation: int):
        self.rotation = rotation % 360
        self.x0, self.y0, self.x1, self.y1 = mediabox
        w, h = self.x1 - self.x0, self.y1 - self.y0
        self.width, self.height = (h, w) if self.rotation in (90, 270) else (w, h)

    @classmethod
    def of(cls, page: pdfium.PdfPage) -> "_Frame":
        return cls(page.get_mediabox(), page.get_rotation())

    def turned(self, rotation: int) -> "_Frame":
        return _Frame((self.x0, self.y0, self.x1, self.y1), rotation)

    def point(self, x: float, y: float) -> tuple[float, float]:
        r = self.rotation
        if r == 90:
            return y - self.y0, x - self.x0
        if r == 180:
            return self.x1 - x, y - self.y0
        if r == 270:
            return self.y1 - y, self.x1 - x
        return x - self.x0, self.y1 - y

    def box(self, left: float, bottom: float, right: float, top: float) -> tuple[float, float, float, float]:
        (ax, ay), (bx, by) = self.point(left, bottom), self.point(right, top)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


_UNUSABLE = frozenset((0xFFFD, 0xFFFE, 0xFFFF))    # with controls and the private use area: no usable text


# called once per glyph: (textpage as c_void_p, index[, byref(FS_RECTF)]), nothing converted
_map_error = bare(pdfium_c.FPDFText_HasUnicodeMapError, ctypes.c_int)
_angle_of = bare(pdfium_c.FPDFText_GetCharAngle, ctypes.c_float)
_loose_box = bare(pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_int)
_RECT = struct.Struct("4f").unpack_from          # an FS_RECTF's fields at once: reading each costs more


def _chars(textpage: pdfium.PdfTextPage, page_frame: _Frame, upright: bool = False) \
        -> tuple[list[Char], int, int, _Frame]:
    """The page's glyphs that read in its main direction (a diagonal watermark does not), in display
    space, without pdfium's generated spaces and line breaks; how many are usable / unmapped; and the
    frame they read upright in: the page's own, or, when most of its text runs sideways (content turned
    without /Rotate), the frame turned to read it. `upright`: every glyph is known to read upright in
    page space (pageobjects.survey), so pdfium is not asked each one's angle."""
    raw = textpage.raw
    handle = ctypes.cast(raw, ctypes.c_void_p)
    rect = pdfium_c.FS_RECTF()
    rect_p = ctypes.byref(rect)
    texts: list[str] = []
    boxes: list[tuple[float, float, float, float]] = []     # pdfium's: left, top, right, bottom (y up)
    directions: list[int] = []
    unmapped = 0
    n = pdfium_c.FPDFText_CountChars(raw)
    kinds = _KINDS
    for k, c in _indexed(_page_text(raw, n), n):
        kind = kinds.get(c)
        if kind is None:
            kind = kinds[c] = _kind(c)
        if kind or _map_error(handle, k) == 1:
            unmapped += kind != _SPACE        # pdfium's generated characters are its spaces and line breaks
            continue
        _loose_box(handle, k, rect_p)
        texts.append(c)
        boxes.append(_RECT(rect))
        if not upright:
            directions.append(_direction(_angle_of(handle, k)))
    counts = {d: 0 for d in (0, 90, 180, 270)}
    if upright:
        counts[0] = len(texts)
        directions = [0] * len(texts)
    else:
        for d in directions:
            if d >= 0:
                counts[d] += 1
    shown = (360 - page_frame.rotation) % 360        # pdfium's angle of text that reads upright as shown
    main = max(counts, key=lambda d: (counts[d], d == shown))
    if counts[shown] >= counts[main] / 2:
        main = shown                                  # mostly upright: odd glyphs are stamps or marks
    frame = page_frame if main == shown else page_frame.turned(360 - main)
    if frame.rotation == 0:                          # the common case, without the frame's arithmetic
        x0, y1 = frame.x0, frame.y1
        chars = [Char(c, left - x0, y1 - top, right - x0, y1 - bottom) if left <= right and bottom <= top
                 else Char(c, *frame.box(left, bottom, right, top))
                 for c, d, (left, top, right, bottom) in zip(texts, directions, boxes) if d == main]
    else:
        chars = [Char(c, *frame.box(left, bottom, right, top))
                 for c, d, (left, top, right, bottom) in zip(texts, directions, boxes) if d == main]
    return chars, len(chars), unmapped, frame


def _direction(angle: float) -> int:
    """pdfium's angle of a glyph (radians, clockwise) -> 0, 90, 180 or 270, or -1 for a slant."""
    if 0 <= angle <= UPRIGHT or 2 * math.pi - UPRIGHT <= angle:
        return 0
    angle = math.degrees(angle) % 360        # -1 (unknown) -> 359
    quarter = round(angle / 90) % 4 * 90
    return quarter if min(abs(angle - quarter), 360 - abs(angle - quarter)) <= 3 else -1


def _page_text(raw, n: int) -> str:
    """The page's characters, in one call to pdfium rather than one per character: UTF-16 with one unit
    per character index, a character beyond the BMP taking two. Should pdfium return another count,
    each index's code point is asked for one by one. pdfium marks a line-end hyphen as 0x2, a character
    it cannot name as 0."""
    buffer = (ctypes.c_ushort * (n + 1))()
    if n and pdfium_c.FPDFText_GetText(raw, 0, n, buffer) == n + 1:
        text = ctypes.string_at(buffer, 2 * n).decode("utf-16-le", "surrogatepass")
    else:
        text = "".join(chr(u) if u <= 0x10FFFF else "\ufffd"
                       for u in (pdfium_c.FPDFText_GetUnicode(raw, i) for i in range(n)))
    return text.translate(_PDFIUM_MARKS)


_PDFIUM_MARKS = {2: "-", 0: "\ufffd"}


def _indexed(text: str, n: int) -> Iterable[tuple[int, str]]:
    """Each character with its pdfium index: the position in the text, unless a character beyond the
    BMP (two of the n indices) came before."""
    if len(text) == n:
        return enumerate(text)
    out, k = [], 0
    for c in text:
        out.append((k, c))
        k += 2 if c > "\uffff" else 1
    return out


_USABLE, _SPACE, _UNMAPPED = 0, 1, 2      # a glyph's kind by its character; _USABLE is falsy
_KINDS: dict[str, int] = {}         # each character's kind, worked out once


def _kind(c: str) -> int:
    o = ord(c)
    if c.isspace():
        return _SPACE
    if o < 32 or 0xE000 <= o <= 0xF8FF or o in _UNUSABLE:
        return _UNMAPPED
    return _USABLE


def _graphics(objects: PageObjects, frame: _Frame) -> tuple[bool, float, int]:
    """(does the page draw a ruled table, the share of the page images cover, how many path objects)."""
    horizontal = vertical = 0
    covered = 0.0
    area = max(1.0, frame.width * frame.height)
    for raw in objects.images:
        left, bottom, right, top = bounds(raw)
        covered += min(right - left, frame.width + frame.height) * min(top - bottom, frame.width + frame.height) / area
    for raw, _ in objects.paths:
        left, bottom, right, top = bounds(raw)
        w, h = right - left, top - bottom
        if h <= RULE_THICK and w >= RULE_LONG:
            horizontal += 1
        elif w <= RULE_THICK and h >= RULE_LONG:
            vertical += 1
        elif w >= RULE_LONG and h >= RULE_LONG:
            segments = pdfium_c.FPDFPath_CountSegments(raw)
            if segments <= 5:                        # a rectangle: two rules each way
                horizontal += 2
                vertical += 2
            else:
                hs, vs = _segment_rules(raw)
                horizontal += hs
                vertical += vs
    return horizontal >= TABLE_RULES and vertical >= TABLE_RULES, min(1.0, covered), len(objects.paths)


def _segment_rules(raw) -> tuple[int, int]:
    """Horizontal and vertical straight segments of a path that draws many (a grid in one path)."""
    a, b, c, d, e, f = own_matrix(raw)
    x, y = ctypes.c_float(), ctypes.c_float()
    hs = vs = 0
    prev = None
    for s in range(pdfium_c.FPDFPath_CountSegments(raw)):
        seg = pdfium_c.FPDFPath_GetPathSegment(raw, s)
        if not seg or not pdfium_c.FPDFPathSegment_GetPoint(seg, x, y):
            prev = None
            continue
        px = a * x.value + c * y.value + e
        py = b * x.value + d * y.value + f
        if pdfium_c.FPDFPathSegment_GetType(seg) == pdfium_c.FPDF_SEGMENT_LINETO and prev is not None:
            dx, dy = abs(px - prev[0]), abs(py - prev[1])
            if dy <= 0.5 and dx >= RULE_LONG:
                hs += 1
            elif dx <= 0.5 and dy >= RULE_LONG:
                vs += 1
        prev = (px, py)
    return hs, vs


# ---------------------------------------------------------------- characters -> lines

def _lines(chars: list[Char]) -> list[Line]:
    """Glyphs -> lines: grouped by vertical overlap, each read left to right, fake bold undone."""
    return _lines_of(_rows(chars))


def _rows(chars: list[Char]) -> list[list[Char]]:
    """Glyphs grouped by vertical overlap into rows, each sorted left to right, fake bold undone. A
    glyph joins the last or the one before last row (by the running means of their glyphs' middles and
    heights) when it overlaps that row's band by half the smaller height. Most glyphs join the last
    row, so its band is kept in local variables; the row before it, in a list."""
    rows: list[list[Char]] = []
    last: list[Char] | None = None
    before: list | None = None       # [glyphs, sum of middles, sum of heights, count]
    middles = heights = high = low = height = 0.0
    count = 0
    for c in sorted(chars, key=_top_plus_bottom):            # by middle
        top, bottom = c.top, c.bottom
        c_h = bottom - top
        if last is not None and (high if high < bottom else bottom) - (low if low > top else top) \
                >= 0.5 * (height if height < c_h else c_h):     # min() and max() cost more than this
            last.append(c)
            middles += (top + bottom) / 2
            heights += c_h
            count += 1
        elif before is not None and _overlaps(before[1] / before[3], before[2] / before[3], top, bottom):
            before[0].append(c)
            before[1] += (top + bottom) / 2
            before[2] += c_h
            before[3] += 1
            continue
        else:
            if last is not None:
                before = [last, middles, heights, count]
            last = [c]
            rows.append(last)
            middles, heights, count = (top + bottom) / 2, c_h, 1
        middle, height = middles / count, heights / count
        high, low = middle + height / 2, middle - height / 2
    return [_undouble(sorted(row, key=attrgetter("left"))) for row in rows]


def _overlaps(middle: float, height: float, top: float, bottom: float) -> bool:
    """Does a glyph overlap a row's band (its mean middle and height) by half the smaller height?"""
    high, low = middle + height / 2, middle - height / 2
    return min(high, bottom) - max(low, top) >= 0.5 * min(height, bottom - top)


def _top_plus_bottom(c: Char) -> float:
    return c.top + c.bottom


def _lines_of(rows: list[list[Char]]) -> list[Line]:
    out = []
    for row in rows:
        heights = sorted([c.bottom - c.top for c in row])
        half = len(heights) // 2
        size = heights[half] if len(heights) % 2 else (heights[half - 1] + heights[half]) / 2   # the median
        out.append(Line(text=_join(row, size), top=min([c.top for c in row]),
                        bottom=max([c.bottom for c in row]), size=size))
    return sorted(out, key=lambda l: l.top)


def _undouble(row: list[Char]) -> list[Char]:
    """Drop the copies fake bold draws: the same glyph again, a hair (not a glyph's width) to the right.
    A genuinely repeated character ("人人", "1100") sits a whole advance further on and stays."""
    kept: list[Char] = []
    t1 = t2 = t3 = None             # the texts of the last three kept
    for c in row:
        t = c.text
        if (t == t1 or t == t2 or t == t3) and any(_copy_of(k, c) for k in kept[-3:] if k.text == t):
            continue
        kept.append(c)
        t1, t2, t3 = t, t1, t2
    return kept


def _copy_of(k: Char, c: Char) -> bool:
    limit = min(DUPLICATE * max(k.height, c.height), 0.3 * max(1e-3, k.right - k.left))
    return abs(c.left - k.left) < limit and abs(c.middle - k.middle) < 0.25 * k.height


def _join(row: list[Char], size: float) -> str:
    """A line's glyphs -> its text: a space for a space's gap, " | " for a column's, nothing inside a
    spaced-out run ("填 报 日 期", "2 0 2 4": three or more equal gaps in a row, each glyph alone)."""
    gaps = [b.left - a.right for a, b in zip(row, row[1:])]
    if not gaps or max(gaps) <= SPACE_GAP * size:      # no gap is a space: most lines of Chinese
        return "".join([c.text for c in row])
    spaced = [SPACE_GAP * size < g < CELL_GAP * size for g in gaps]
    letter = [False] * len(gaps)
    i = 0 if True in spaced else len(gaps)
    while i < len(gaps):
        j = i
        if spaced[i]:
            while j + 1 < len(gaps) and spaced[j + 1] and abs(gaps[j + 1] - gaps[i]) <= SPACED_OUT * size:
                j += 1
            if j - i >= 2:
                letter[i:j + 1] = [True] * (j - i + 1)
        i = j + 1
    parts = [row[0].text]
    for gap, c, spaced_out in zip(gaps, row[1:], letter):
        if gap >= CELL_GAP * size:
            parts.append(CELL_SEP)
        elif gap > SPACE_GAP * size and not spaced_out:
            parts.append(" ")
        parts.append(c.text)
    return "".join(parts)


# ---------------------------------------------------------------- tables, on the pages that draw rules

_WRAP = re.compile(r"\s*\n\s*")


def _cell(text: str | None) -> str | None:
    """A cell's text with its wrapped lines joined: no space where Chinese meets Chinese or a full-width
    mark ("取得了较好\n的社会效益", "（\n万元）"), one space between Latin words or numbers."""
    if not text:
        return text

    def join(m: re.Match) -> str:
        a, b = text[m.start() - 1] if m.start() else " ", text[m.end()] if m.end() < len(text) else " "
        return " " if a.isascii() and b.isascii() else ""
    return _WRAP.sub(join, text.strip())


def _tables(chars: list[Char], edges: list[ruled.Edge]) -> list[Line | Table]:
    """The page's ruled tables, and the lines of the text outside them; nothing when it has none."""
    tables = [(bbox, [[_cell(c) for c in row] for row in rows]) for bbox, rows in ruled.find(edges, chars)
              if len(rows) >= 2 and max(len(r) for r in rows) >= 2]
    if not tables:
        return []
    outside = chars
    for (x0, top, x1, bottom), _ in tables:
        outside = [c for c in outside if not (x0 - 1 <= (c.left + c.right) / 2 <= x1 + 1
                                              and top - 1 <= (c.top + c.bottom) / 2 <= bottom + 1)]
    return [*_lines(outside), *(Table(rows=rows, top=bbox[1]) for bbox, rows in tables)]


# ---------------------------------------------------------------- pass 2: OCR

def _ocr_available(pages: list[int]) -> None:
    from . import ocr
    try:
        ocr.engine()
    except ocr.OcrUnavailable as e:
        which = (f"page {pages[0]} is a scanned image" if len(pages) == 1 else
                 f"pages {_ranges(pages)} are scanned images")
        raise LoadError(f"{which} with no text layer, and reading {'it' if len(pages) == 1 else 'them'} "
                        "needs OCR: install the extra (pip install 'jixiao[ocr]') and run again",
                        "missing_dependency") from e


def _ranges(numbers: list[int]) -> str:
    out: list[str] = []
    start: int | None = numbers[0]
    for a, b in zip(numbers, numbers[1:] + [None]):
        if b != a + 1:
            out.append(str(start) if start == a else f"{start}-{a}")
            start = b
    return ", ".join(out)


def _ocr(page: pdfium.PdfPage, p: PageRead) -> None:
    from . import ocr
    width, height = page.get_size()                 # as shown (pdfium turns it by /Rotate)
    scale = min(OCR_DPI / 72, OCR_MAX_SIDE / max(1.0, width, height))
    bitmap = page.render(scale=scale, grayscale=True)
    image = bitmap.to_numpy()
    try:
        lines = ocr.read(image)
    finally:
        bitmap.close()
    p.items = [Line(text=l.text, top=l.top / scale, bottom=l.bottom / scale, size=(l.bottom - l.top) / scale,
                    confidence=l.confidence) for l in lines]


# ---------------------------------------------------------------- running headers, footers, page numbers

def _drop_furniture(pages: list[PageRead]) -> None:
    """Drop page numbers, and lines that repeat at the same place, in the same size, on most pages,
    from the top and bottom of every page (the title on page 1, in larger type, stays)."""
    edges: list[tuple[PageRead, Line, str]] = []
    for p in pages:
        lines = sorted((it for it in p.items if isinstance(it, Line)), key=lambda l: l.top)
        zone = FURNITURE_ZONE * p.height
        top = [l for l in lines[:FURNITURE_LINES] if l.bottom <= zone]
        bottom = [l for l in lines[-FURNITURE_LINES:] if l.top >= p.height - zone]
        for where, group in (("top", top), ("bottom", bottom)):
            for l in group:
                edges.append((p, l, where))
    drop: set[int] = set()
    for _, l, _ in edges:
        if is_page_number(l.text):
            drop.add(id(l))
    need = max(2, math.ceil(len(pages) / 2))
    groups: dict[tuple[str, str], list[tuple[PageRead, Line]]] = {}
    for p, l, where in edges:
        if CELL_SEP.strip() in l.text or "元" in l.text:
            continue        # a table row repeated on each page, or its unit (单位：万元), is no header
        key = re.sub(r"\s+", "", _MASK.sub("#", l.text))
        groups.setdefault((where, key), []).append((p, l))
    for members in groups.values():
        if len({p.number for p, _ in members}) < need:
            continue
        at = statistics.median(l.top for _, l in members)
        size = statistics.median(l.size for _, l in members)
        same = [(p, l) for p, l in members
                if abs(l.top - at) <= max(4.0, 0.5 * size) and abs(l.size - size) <= 0.2 * size]
        if len({p.number for p, _ in same}) >= need:
            drop.update(id(l) for _, l in same)
    for p in pages:
        p.items = [it for it in p.items if id(it) not in drop]

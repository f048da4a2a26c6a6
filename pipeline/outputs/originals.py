"""originals: an evidence shown on the file it came from, for the page of a document with
findings (the auditor's work; reading originals again for every document would cost minutes).

- PDF: the pages holding the findings' evidence rendered to a PNG (pypdfium2) with a box around the evidence's words. The text layer
  jixiao keeps was rebuilt from the glyphs (lines in reading order, spaces and " | " inserted,
  running headers dropped), so an offset is no glyph index: the page is read again and the
  evidence's words, blanks ignored, are looked for among its glyphs, the same occurrence as in the
  kept page text; the glyphs' boxes, merged line by line, are the box. A page read by OCR has no
  glyphs: its image is shown and the page says the box is not known.
- xlsx: the name of the cell (Sheet1!D5) whose shown value holds the evidence's words, nearest the
  evidence's table row and column.

The original is read where records.jsonl says it is, only when its sha256 is still the record's: a
moved or changed file gets a note, never a box on the wrong page. A page image is named by the
file's sha256 and the page, so a rerun over the same files renders nothing again.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..models import Evidence, Record
from .xlsx import column_letter

if TYPE_CHECKING:
    import pypdfium2 as pdfium

SCALE = 1.5                     # 108 dpi: an A4 page 893 px wide, inside a 1024 px screen
MAX_PAGES = 8                   # pages rendered per document: those holding its findings' evidence
_BLANK = re.compile(r"[\s|\u3000]+")


def compact(s: str) -> str:
    """Words without blanks or cell separators: what the kept text and the glyphs share."""
    return _BLANK.sub("", s)


@dataclass
class PageImage:
    page: int
    src: str                    # relative to report/
    width: int
    height: int
    boxes: list[dict] = field(default_factory=list)     # {"span": "e12-20", "rects": [(left, top, w, h) in %]}
    note: str | None = None


@dataclass
class Original:
    """What a document's page shows of its original: page images, cell names, or why not."""
    pages: list[PageImage] = field(default_factory=list)
    cells: dict[tuple[int, int], str] = field(default_factory=dict)     # (start, end) -> "Sheet1!D5"
    note: str | None = None

    def box_of(self, e: Evidence) -> str | None:
        """The id of the box drawn for e, when one was."""
        span = f"e{e.start}-{e.end}"
        return next((f"b{e.start}-{e.end}" for p in self.pages for b in p.boxes if b["span"] == span), None)


def _readable(r: Record) -> tuple[Path | None, str | None]:
    """The original's path when it is still there and unchanged, else why not."""
    path = Path(r.source.path)
    try:
        data = path.read_bytes()
    except OSError:
        return None, f"原件不在 {r.source.path}（从 jixiao extract 运行时的目录生成报告即可看到原件页面）"
    if hashlib.sha256(data).hexdigest() != r.source.sha256:
        return None, "原件在读取后已改变（sha256 不符），不显示原件页面"
    return path, None


def original(r: Record, text: str | None, evidences: list[Evidence], img_dir: Path, used: set[str]) -> Original:
    """The original of a document with findings as its page shows it: the PDF pages holding the
    findings' evidence (every evidence on them boxed), or the workbook's cell names of `evidences`.
    Only documents with findings: reading the originals again costs about 0.1 s a page or workbook,
    20 minutes over 6,000 files. `used` collects the image files kept."""
    if r.status != "ok" or text is None or r.source.format not in ("pdf", "xlsx") or not r.findings:
        return Original()
    path, why = _readable(r)
    if path is None:
        return Original(note=why)
    try:
        if r.source.format == "pdf":
            pages = list(dict.fromkeys(e.page for f in r.findings for e in f.evidence))[:MAX_PAGES]
            return Original(pages=_pdf_pages(path, r.source.sha256, text, evidences, pages, img_dir, used))
        return Original(cells=_xlsx_cells(path, evidences))
    except Exception as e:  # noqa: BLE001 -- a file the reader opened but pdfium/openpyxl now refuse: say so, go on
        return Original(note=f"原件未能再次打开（{type(e).__name__}），不显示原件页面")


# ---------------------------------------------------------------- PDF

def _pdf_pages(path: Path, sha: str, text: str, evidences: list[Evidence], pages: list[int], img_dir: Path,
               used: set[str]) -> list[PageImage]:
    """The pages rendered, each with the boxes of the evidences on it."""
    import pypdfium2 as pdfium

    pages_text = text.split("\f")
    wanted: dict[int, list[Evidence]] = {p: [] for p in pages if 1 <= p <= len(pages_text)}
    for e in evidences:
        if e.page in wanted:
            wanted[e.page].append(e)
    starts = [0]
    for p in pages_text[:-1]:
        starts.append(starts[-1] + len(p) + 1)
    pdf = pdfium.PdfDocument(str(path))
    try:
        out = []
        for number in sorted(wanted):
            if number > len(pdf):
                continue
            page = pdf[number - 1]
            out.append(_page_image(page, number, sha, img_dir, used, pages_text[number - 1], starts[number - 1],
                                   wanted[number]))
            page.close()
        return out
    finally:
        pdf.close()


def _page_image(page, number: int, sha: str, img_dir: Path, used: set[str], page_text: str, page_start: int,
                evidences: list[Evidence]) -> PageImage:
    name = f"{sha[:24]}-{number}.png"
    used.add(name)
    left, bottom, right, top = page.get_cropbox()
    width, height = round((right - left) * SCALE), round((top - bottom) * SCALE)
    target = img_dir / name
    if not target.exists():
        img_dir.mkdir(parents=True, exist_ok=True)
        image = page.render(scale=SCALE, grayscale=True).to_pil()
        width, height = image.size
        image.save(target, optimize=False, compress_level=3)
    image = PageImage(number, f"img/{name}", width, height)
    if page.get_rotation() % 360:
        image.note = "此页为旋转页，未画出位置框"
        return image
    glyphs = Glyphs.of(page)
    if not glyphs.stream:
        image.note = "此页没有文字层（扫描件，由 OCR 读取）：OCR 读到的位置未保存，未画出位置框"
        return image
    seen = set()
    for e in evidences:
        span = f"e{e.start}-{e.end}"
        if span in seen:
            continue
        seen.add(span)
        rects = glyphs.box(page_text, e.start - page_start, e.text, (left, top, right - left, top - bottom))
        if rects:
            image.boxes.append({"span": span, "id": f"b{e.start}-{e.end}", "rects": rects, "text": e.text})
    return image


@dataclass
class Glyphs:
    """A page's glyphs, blanks left out: as a string, and each one's pdfium index."""
    textpage: pdfium.PdfTextPage
    stream: str
    index: list[int]

    @classmethod
    def of(cls, page) -> Glyphs:
        import pypdfium2.raw as pdfium_c

        textpage = page.get_textpage()
        chars, index = [], []
        for i in range(textpage.count_chars()):
            c = chr(pdfium_c.FPDFText_GetUnicode(textpage, i) or 32)
            if not _BLANK.fullmatch(c):
                chars.append(c)
                index.append(i)
        return cls(textpage, "".join(chars), index)

    def box(self, page_text: str, offset: int, words: str,
            crop: tuple[float, float, float, float]) -> list[tuple[float, float, float, float]]:
        """The boxes of the glyphs of `words` (at `offset` of the kept page text), one per line, in
        percent of the page; [] when the words are not among the glyphs (fake bold, a ligature)."""
        needle = compact(words)
        if not needle:
            return []
        nth = compact(page_text[:max(offset, 0)]).count(needle)        # the same occurrence as in the kept text
        at = -1
        for _ in range(nth + 1):
            found = self.stream.find(needle, at + 1)
            if found < 0:
                break
            at = found
        if at < 0:
            return []
        lines: list[list[float]] = []
        for i in self.index[at:at + len(needle)]:
            l, b, r, t = self.textpage.get_charbox(i)
            line = lines[-1] if lines else None
            if line and not (b >= line[3] or t <= line[1]):          # overlaps the line vertically: same line
                line[:] = [min(line[0], l), min(line[1], b), max(line[2], r), max(line[3], t)]
            else:
                lines.append([l, b, r, t])
        left, top, w, h = crop
        pad = 1.5
        return [(round((l - pad - left) / w * 100, 3), round((top - t - pad) / h * 100, 3),
                 round((r - l + 2 * pad) / w * 100, 3), round((t - b + 2 * pad) / h * 100, 3))
                for l, b, r, t in lines]


# ---------------------------------------------------------------- xlsx

def _xlsx_cells(path: Path, evidences: Iterable[Evidence]) -> dict[tuple[int, int], str]:
    """(start, end) -> "Sheet1!D5" for the evidences read from a table cell. The workbook's sheets
    with values are the text's pages, in order, as the reader made them."""
    import openpyxl

    from ..readers.sheet import _cells, _title_rows, display, sheet_grid

    wb = openpyxl.load_workbook(path, data_only=True)
    sheets = [ws for ws in wb.worksheets if ws.sheet_state == "visible"] or list(wb.worksheets)
    pages = []
    for ws in sheets:
        shown = {(c.row, c.column): compact(display(c.value, c.number_format)) for c in _cells(ws)
                 if c.value is not None}
        shown = {k: v for k, v in shown.items() if v}
        if shown:
            pages.append((ws.title, shown, _title_rows(sheet_grid(ws))))
    out = {}
    for e in evidences:
        if 1 <= e.page <= len(pages) and (cell := _cell_of(e, *pages[e.page - 1])):
            out[(e.start, e.end)] = cell
    return out


def _cell_of(e: Evidence, title: str, shown: dict[tuple[int, int], str], head: int) -> str | None:
    """The cell whose shown value holds e's words: the one that is exactly them first, then the one
    nearest e's row and column of the reader's table (the sheet's rows with values, less the title
    rows above the table; its columns from the first with a value)."""
    needle = compact(e.text)
    hits = [k for k, v in shown.items() if needle and needle in v]
    if not hits:
        return None
    rows = sorted({r for r, _ in shown})
    first_col = min(c for _, c in shown)

    def distance(k: tuple[int, int]) -> tuple:
        r, c = k
        return (shown[k] != needle, abs(rows.index(r) + 1 - head - e.row) if e.row else 0,
                abs(c - first_col + 1 - e.col) if e.col else 0, r, c)
    r, c = min(hits, key=distance)
    return f"{title}!{column_letter(c - 1)}{r}"

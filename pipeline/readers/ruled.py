"""Ruled tables from what pdfium has already read: the rules from the page's path objects, the cell
text from its characters, and the cells from pdfplumber's own lattice algorithm (pdfplumber.table).

pdfplumber's `page.find_tables()` would first have pdfminer parse the whole page again in Python,
which costs many times what pdfium's reading of the page does; handing its table finder the edges and
characters pdfium found gives the same cells without that second parse.
"""
from __future__ import annotations

import ctypes
from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING, ClassVar

import pypdfium2.raw as pdfium_c

from .pageobjects import Matrix

if TYPE_CHECKING:
    from .pdf import Char

ALIGNED = 0.01     # points: a segment whose ends differ less than this across is horizontal (vertical)
MIN_EDGE = 1.0     # points: pdfplumber's prefilter of edges before merging ("lines" strategy)
X_TOLERANCE = 3    # points: pdfplumber's default word and line tolerances, for a cell's text
Y_TOLERANCE = 3

Bbox = tuple[float, float, float, float]


def edges(paths: list[tuple[object, Matrix]], point) -> list[dict]:
    """Every horizontal and vertical straight segment the paths draw (each with its matrix to page
    space, as pageobjects.survey gives them), as pdfplumber edges in display space (`point` maps page
    space to it): each side of a rectangle, each line of a grid."""
    out: list[dict] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    for raw, (a, b, c, d, e, f) in paths:
        start = prev = None
        for s in range(pdfium_c.FPDFPath_CountSegments(raw)):
            seg = pdfium_c.FPDFPath_GetPathSegment(raw, s)
            if not seg or not pdfium_c.FPDFPathSegment_GetPoint(seg, x, y):
                start = prev = None
                continue
            p = point(a * x.value + c * y.value + e, b * x.value + d * y.value + f)
            if pdfium_c.FPDFPathSegment_GetType(seg) == pdfium_c.FPDF_SEGMENT_MOVETO or prev is None:
                start = p
            else:
                _edge(out, prev, p)
                if pdfium_c.FPDFPathSegment_GetClose(seg) and start is not None:
                    _edge(out, p, start)
            prev = p
    return out


def _edge(out: list[dict], a: tuple[float, float], b: tuple[float, float]) -> None:
    (ax, ay), (bx, by) = a, b
    if abs(ay - by) < ALIGNED and abs(ax - bx) >= MIN_EDGE:
        orientation, ay = "h", by
    elif abs(ax - bx) < ALIGNED and abs(ay - by) >= MIN_EDGE:
        orientation, ax = "v", bx
    else:
        return
    x0, x1, top, bottom = min(ax, bx), max(ax, bx), min(ay, by), max(ay, by)
    out.append({"object_type": "curve_edge", "orientation": orientation, "x0": x0, "x1": x1, "top": top,
                "bottom": bottom, "doctop": top, "width": x1 - x0, "height": bottom - top})


class _Page:
    """What pdfplumber's TableFinder asks of a page when it is given explicit edges."""
    chars: ClassVar[list] = []
    bbox = (0, 0, 0, 0)


def find(found_edges: list[dict], chars: list[Char]) -> list[tuple[Bbox, list[list[str | None]]]]:
    """The ruled tables the edges draw, each (bbox, rows of cell texts; None where a merged cell covers)."""
    from pdfplumber.table import TableFinder
    v = [e for e in found_edges if e["orientation"] == "v"]
    h = [e for e in found_edges if e["orientation"] == "h"]
    if len(v) < 2 or len(h) < 2:
        return []
    settings = {"vertical_strategy": "explicit", "horizontal_strategy": "explicit",
                "explicit_vertical_lines": v, "explicit_horizontal_lines": h}
    finder = TableFinder(_Page(), settings)  # type: ignore[arg-type]  # a stand-in page: only chars and bbox are read
    return [(t.bbox, _extract(t, chars)) for t in finder.tables]


def _extract(table, chars: list[Char]) -> list[list[str | None]]:
    """pdfplumber's Table.extract(): each character goes to the cell holding its centre (as
    pdfplumber's char_in_bbox), found through the grid of the cells' edges rather than by testing every
    cell; a cell's text is laid out as pdfplumber's extract_text does (see _text)."""
    xs = sorted({x for c in table.cells for x in (c[0], c[2])})
    ys = sorted({y for c in table.cells for y in (c[1], c[3])})
    slot: dict[tuple[int, int], tuple] = {}
    for cell in table.cells:
        for i in range(bisect_left(xs, cell[0]), bisect_left(xs, cell[2])):
            for j in range(bisect_left(ys, cell[1]), bisect_left(ys, cell[3])):
                slot[i, j] = cell
    held: dict[tuple, list[Char]] = {}
    x0, top, x1, bottom = xs[0], ys[0], xs[-1], ys[-1]
    for ch in chars:
        x, y = (ch.left + ch.right) / 2, ch.middle
        if x0 <= x < x1 and top <= y < bottom:
            cell = slot.get((bisect_right(xs, x) - 1, bisect_right(ys, y) - 1))
            if cell is not None:
                held.setdefault(cell, []).append(ch)
    return [[None if cell is None else _text(held.get(cell, ())) for cell in row.cells] for row in table.rows]


def _text(chars) -> str:
    """pdfplumber's extract_text() of one cell's upright characters with its default tolerances: lines
    by `top` (within Y_TOLERANCE of the last), each read by x0, a space where the gap from the last
    character's right edge is wider than X_TOLERANCE."""
    lines: list[list[Char]] = []
    last = None
    for ch in sorted(chars, key=lambda c: c.top):
        if last is None or ch.top > last + Y_TOLERANCE:
            lines.append([])
        lines[-1].append(ch)
        last = ch.top
    out = []
    for line in lines:
        line.sort(key=lambda c: (c.left, c.right))
        parts = [line[0].text]
        for a, b in zip(line, line[1:]):
            if b.left > a.right + X_TOLERANCE or abs(b.top - a.top) > Y_TOLERANCE:
                parts.append(" ")
            parts.append(b.text)
        out.append("".join(parts))
    return "\n".join(out)

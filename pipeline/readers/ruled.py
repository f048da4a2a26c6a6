"""Ruled tables from what pdfium has already read: the rules from the page's path objects, the cell
text from its characters, and the cells by pdfplumber's lattice algorithm (pdfplumber.table's
TableFinder with explicit lines: snap, join, intersect, smallest cells, tables), done here.

pdfplumber's `page.find_tables()` would first have pdfminer parse the whole page again in Python; its
TableFinder given pdfium's edges skips that parse, but still rebuilds two sets of edge boxes for every
pair of corners it compares. Here each corner's edges are gathered once, so a ruled page costs a few
hundred microseconds, not milliseconds, and pdfplumber is not imported to read a PDF. Every step keeps
pdfplumber's arithmetic and order (tests/test_pdf_ruled.py holds the two side by side on random grids),
so the cells are the same to the last bit.
"""
from __future__ import annotations

import ctypes
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from itertools import groupby
from typing import TYPE_CHECKING

import pypdfium2.raw as pdfium_c

from .pageobjects import Matrix

if TYPE_CHECKING:
    from .pdf import Char

ALIGNED = 0.01     # points: a segment whose ends differ less than this across is horizontal (vertical)
MIN_EDGE = 1.0     # points: pdfplumber's prefilter of edges before merging ("lines" strategy)
SNAP = 3           # points: pdfplumber's default snap, join, minimum edge length and intersection tolerances
JOIN = 3
EDGE_MIN = 3
MEET = 3
X_TOLERANCE = 3    # points: pdfplumber's default word and line tolerances, for a cell's text
Y_TOLERANCE = 3

Bbox = tuple[float, float, float, float]
Edge = tuple[str, float, float, float]       # "h" or "v"; where it lies across (y or x); from, to along it
Point = tuple[float, float]


def edges(paths: list[tuple[object, Matrix]], point) -> list[Edge]:
    """Every horizontal and vertical straight segment the paths draw (each with its matrix to page
    space, as pageobjects.survey gives them), in display space (`point` maps page space to it): each
    side of a rectangle, each line of a grid."""
    out: list[Edge] = []
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


def _edge(out: list[Edge], a: tuple[float, float], b: tuple[float, float]) -> None:
    (ax, ay), (bx, by) = a, b
    if abs(ay - by) < ALIGNED and abs(ax - bx) >= MIN_EDGE:
        out.append(("h", by, min(ax, bx), max(ax, bx)))
    elif abs(ax - bx) < ALIGNED and abs(ay - by) >= MIN_EDGE:
        out.append(("v", bx, min(ay, by), max(ay, by)))


def find(found_edges: list[Edge], chars: list[Char]) -> list[tuple[Bbox, list[list[str | None]]]]:
    """The ruled tables the edges draw, each (bbox, rows of cell texts; None where a merged cell covers)."""
    v = [e[1:] for e in found_edges if e[0] == "v"]
    h = [e[1:] for e in found_edges if e[0] == "h"]
    if len(v) < 2 or len(h) < 2:
        return []
    out = []
    for cells in _tables(_cells(_merged(v, horizontal=False), _merged(h, horizontal=True))):
        rows = _rows(cells)
        bbox = (min([c[0] for c in cells]), min([c[1] for c in cells]),
                max([c[2] for c in cells]), max([c[3] for c in cells]))
        out.append((bbox, _extract(cells, rows, chars)))
    return out


# ---------------------------------------------------------------- pdfplumber's lattice, step by step

_Run = tuple[float, float, float, float]      # an edge being merged: across, from, to, its length


def _merged(found: list[tuple[float, float, float]], horizontal: bool) -> list[_Run]:
    """pdfplumber's merge_edges, then filter_edges, for the edges of one orientation: positions across
    snapped to their cluster's mean (a cluster chains values each within SNAP of the last), edges on one
    line joined where one starts within JOIN of the last one's end, then those shorter than EDGE_MIN
    dropped; in pdfplumber's order (by position, then by start) and with its arithmetic (a joined
    horizontal edge's width is its new end minus its start, a vertical one's height grows by the
    difference)."""
    cluster: dict[float, int] = {}
    last = None
    for x in sorted({e[0] for e in found}):
        cluster[x] = cluster[last] + (x > last + SNAP) if last is not None else 0
        last = x
    snapped: list[_Run] = []
    for _, members in groupby(sorted(found, key=lambda e: cluster[e[0]]), key=lambda e: cluster[e[0]]):
        group = list(members)
        mean = sum([e[0] for e in group]) / len(group)
        snapped.extend((at + (mean - at), lo, hi, hi - lo) for at, lo, hi in group)
    out: list[_Run] = []
    for _, line in groupby(sorted(snapped, key=lambda e: e[0]), key=lambda e: e[0]):
        ordered = sorted(line, key=lambda e: e[1])
        joined = [ordered[0]]
        for e in ordered[1:]:
            at, lo, hi, length = joined[-1]
            if e[1] <= hi + JOIN:
                if e[2] > hi:
                    joined[-1] = (at, lo, e[2], e[2] - lo if horizontal else length + (e[2] - hi))
            else:
                joined.append(e)
        out.extend(e for e in joined if e[3] >= EDGE_MIN)
    return out


def _cells(v: list[_Run], h: list[_Run]) -> list[Bbox]:
    """pdfplumber's edges_to_intersections and intersections_to_cells: a corner where a vertical edge
    meets a horizontal one (within MEET); from each corner, in order, the smallest cell whose four
    corners are joined by edges (two corners joined: they share an edge, compared by its box as
    pdfplumber does). Each corner's edge boxes are gathered once, not for every pair compared."""
    across: dict[Point, set] = {}      # corner -> boxes of the vertical edges through it
    along: dict[Point, set] = {}       # ... of the horizontal ones
    by_y = sorted(h, key=lambda e: e[0])
    ys = [e[0] for e in by_y]
    for x, top, bottom, _ in v:
        for y, x0, x1, _ in by_y[bisect_left(ys, top - MEET - 1):bisect_right(ys, bottom + MEET + 1)]:
            if top <= y + MEET and bottom >= y - MEET and x >= x0 - MEET and x <= x1 + MEET:
                corner = (x, y)
                if corner not in across:
                    across[corner], along[corner] = set(), set()
                across[corner].add((x, top, x, bottom))
                along[corner].add((x0, y, x1, y))
    points = sorted(across)
    columns: dict[float, list[Point]] = {}
    rows: dict[float, list[Point]] = {}
    for p in points:
        columns.setdefault(p[0], []).append(p)
        rows.setdefault(p[1], []).append(p)
    cells = []
    for p in points:
        column, row = columns[p[0]], rows[p[1]]
        below = column[column.index(p) + 1:]
        right = [r for r in row[row.index(p) + 1:] if not along[p].isdisjoint(along[r])]
        cell = _smallest(p, below, right, across, along)
        if cell is not None:
            cells.append(cell)
    return cells


def _smallest(p: Point, below: list[Point], right: list[Point], across: dict[Point, set],
              along: dict[Point, set]) -> Bbox | None:
    """pdfplumber's find_smallest_cell: the first corner below joined to p, with the first corner to
    the right joined to p, whose fourth corner is joined to both."""
    if not right:
        return None
    for b in below:
        if across[p].isdisjoint(across[b]):
            continue
        for r in right:
            corner = (r[0], b[1])
            if corner in across and not across[corner].isdisjoint(across[r]) \
                    and not along[corner].isdisjoint(along[b]):
                return (p[0], p[1], corner[0], corner[1])
    return None


def _tables(cells: list[Bbox]) -> list[list[Bbox]]:
    """pdfplumber's cells_to_tables: cells grouped by shared corners, in passes over those left (a
    pass that adds none closes a table); tables of more than one cell, topmost then leftmost first."""
    remaining = list(cells)
    corners: set[Point] = set()
    current: list[Bbox] = []
    tables = []
    while remaining:
        before = len(current)
        for cell in list(remaining):
            x0, top, x1, bottom = cell
            mine = ((x0, top), (x0, bottom), (x1, top), (x1, bottom))
            if not current or any(c in corners for c in mine):
                corners.update(mine)
                current.append(cell)
                remaining.remove(cell)
        if len(current) == before:
            tables.append(current)
            corners, current = set(), []
    if current:
        tables.append(current)
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


def _rows(cells: list[Bbox]) -> list[list[Bbox | None]]:
    """pdfplumber's Table.rows: cells by top, each row spread over the table's distinct left edges
    (None where no cell starts)."""
    xs = sorted({c[0] for c in cells})
    out = []
    for _, row in groupby(sorted(cells, key=lambda c: (c[1], c[0])), key=lambda c: c[1]):
        starts = {c[0]: c for c in row}
        out.append([starts.get(x) for x in xs])
    return out


# ---------------------------------------------------------------- the cells' text

def _extract(cells: list[Bbox], rows: list[list[Bbox | None]], chars: Iterable[Char]) -> list[list[str | None]]:
    """pdfplumber's Table.extract(): each character goes to the cell holding its centre (as
    pdfplumber's char_in_bbox), found through the grid of the cells' edges rather than by testing every
    cell; a cell's text is laid out as pdfplumber's extract_text does (see _text)."""
    xs = sorted({x for c in cells for x in (c[0], c[2])})
    ys = sorted({y for c in cells for y in (c[1], c[3])})
    slot: dict[tuple[int, int], Bbox] = {}
    for cell in cells:
        for i in range(bisect_left(xs, cell[0]), bisect_left(xs, cell[2])):
            for j in range(bisect_left(ys, cell[1]), bisect_left(ys, cell[3])):
                slot[i, j] = cell
    held: dict[Bbox, list[Char]] = {}
    x0, top, x1, bottom = xs[0], ys[0], xs[-1], ys[-1]
    for ch in chars:
        x, y = (ch.left + ch.right) / 2, ch.middle
        if x0 <= x < x1 and top <= y < bottom:
            at = slot.get((bisect_right(xs, x) - 1, bisect_right(ys, y) - 1))
            if at is not None:
                held.setdefault(at, []).append(ch)
    return [[None if cell is None else _text(held.get(cell, ())) for cell in row] for row in rows]


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

"""OCR for scanned pages: an image -> its lines in reading order, each with the engine's confidence.

RapidOCR (PP-OCR models on onnxruntime; the wheel ships them, so it runs offline) finds text boxes and
reads them. The boxes are grouped into visual lines by their vertical overlap, and read left to right;
two boxes of one line with a wide gap between them are table cells and are joined with " | " (the
builder's CELL_SEP), so a table flattened by the scan keeps its columns.

A ruled table is read by its grid: the rules are found in the image (long thin runs of ink, OpenCV
morphology), the cells are the spaces they enclose, and each text box (or, when one box straddles a
rule, each of its characters) goes to the cell it lies in. Each table row becomes one line of cells
joined by " | ", a merged cell's text once at its top-left position and the positions it covers
empty, the layout DocBuilder.table gives a text PDF's table. So a label spanning four rows stays on
the row it heads, and cells too close for a gap to tell apart stay apart.

RapidOCR is the optional extra `ocr`: it is imported, and its engine made, once per process, when the
first scanned page arrives, and kept for the process's later scans (a batch's worker reads many). A
process forked from one that had made it (a small batch's worker, forked from the command) makes its
own: onnxruntime's threads do not survive a fork. Each inference uses the worker's share of the cores
(OMP_NUM_THREADS, which the batch's pool sets: the cores over the workers), not every core, so that
two workers reading scans do not each start a thread per core. Without it `engine()` raises
OcrUnavailable.
"""
from __future__ import annotations

import os
import re
import statistics
import threading
from dataclasses import dataclass
from typing import Any

from .builder import CELL_SEP
from .geometry import Extent

MAX_SIDE = 2400          # pixels: the engine's own default (2000) would shrink a 200 dpi A4 page
CELL_GAP = 0.6           # a gap wider than this many line heights separates two cells
SAME_LINE = 0.5          # a box joins a line when they overlap vertically by this share of the lower one
RULE_H = 3.0             # a horizontal rule is at least this many text heights long
RULE_V = 1.2             # a vertical rule at least this many (a character's stroke is shorter)
EDGE_TOL = 0.5           # cell edges closer than this many text heights are one grid line (skew, rule width)


class OcrUnavailable(ImportError):
    """RapidOCR (the `ocr` extra) is not installed."""


@dataclass(frozen=True)
class Box(Extent):
    """One text box as the engine read it, in pixels (y down); `words` its characters' boxes, if known."""
    left: float
    top: float
    right: float
    bottom: float
    text: str
    score: float
    words: tuple["Box", ...] = ()


@dataclass(frozen=True)
class OcrLine:
    """One visual line: its text (cells joined by " | "), the lowest confidence of its boxes, where it lies."""
    text: str
    confidence: float
    left: float
    top: float
    right: float
    bottom: float


_engine: Any = None
_engine_pid: int | None = None      # the process that made _engine
_lock = threading.Lock()


def engine() -> Any:
    """The process's RapidOCR engine, made on first use (the models load when it first reads)."""
    global _engine, _engine_pid
    if _engine is None or _engine_pid != os.getpid():
        with _lock:
            if _engine is None or _engine_pid != os.getpid():
                try:
                    from rapidocr import RapidOCR
                    import onnxruntime  # noqa: F401  (rapidocr imports it only when the models load)
                except ImportError as e:
                    raise OcrUnavailable(f"RapidOCR is not installed ({e})") from e
                _engine = RapidOCR(params=params())
                _engine_pid = os.getpid()
    return _engine


def params() -> dict[str, Any]:
    """The engine's settings: onnxruntime's threads within an inference at the worker's share of the
    cores when its pool set one (OMP_NUM_THREADS), else onnxruntime's own default (every core)."""
    out: dict[str, Any] = {"Global.log_level": "error", "Global.max_side_len": MAX_SIDE}
    try:
        share = int(os.environ["OMP_NUM_THREADS"])
    except (KeyError, ValueError):
        return out
    threads = max(1, min(share, os.cpu_count() or 1))
    return out | {"EngineConfig.onnxruntime.intra_op_num_threads": threads,
                  "EngineConfig.onnxruntime.inter_op_num_threads": 1}


def read(image: Any) -> list[OcrLine]:
    """An image (a numpy array, grey or BGR) -> its lines, top to bottom; ruled tables row by row."""
    result = engine()(image, return_word_box=True)
    if result.boxes is None or result.txts is None or not len(result.txts):
        return []
    words = result.word_results if len(result.word_results) == len(result.txts) else [()] * len(result.txts)
    boxes = []
    for quad, text, score, ws in zip(result.boxes, result.txts, result.scores, words):
        if text.strip():
            chars = tuple(_box(q, w, float(s)) for w, s, q in (ws or ()) if q is not None and w.strip())
            boxes.append(_box(quad, text.strip(), float(score), chars))
    if not boxes:
        return []
    unit = statistics.median(b.height for b in boxes)
    lines: list[OcrLine] = []
    for cells in find_grids(_grey(image), unit):
        rows, boxes = table_rows(cells, boxes, unit)
        lines += rows
    return sorted(lines + group(boxes), key=lambda l: (l.top + l.bottom) / 2)


def _box(quad: Any, text: str, score: float, words: tuple[Box, ...] = ()) -> Box:
    xs = [float(p[0]) for p in quad]
    ys = [float(p[1]) for p in quad]
    return Box(min(xs), min(ys), max(xs), max(ys), text, score, words)


def _grey(image: Any):
    import numpy as np
    a = np.asarray(image)
    if a.ndim == 3:
        a = a[:, :, 0] if a.shape[2] == 1 else a.mean(axis=2)
    return a.astype(np.uint8)


def group(boxes: list[Box]) -> list[OcrLine]:
    """Boxes -> visual lines, in reading order: top to bottom, each line left to right."""
    lines: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: b.middle):
        best, best_overlap = None, 0.0
        for line in lines[-3:]:                 # a slightly skewed scan can interleave neighbouring lines
            overlap = _overlap(line, box)
            if overlap > best_overlap:
                best, best_overlap = line, overlap
        if best is not None and best_overlap >= SAME_LINE:
            best.append(box)
        else:
            lines.append([box])
    out = [_line(sorted(line, key=lambda b: b.left)) for line in lines]
    return sorted(out, key=lambda l: (l.top + l.bottom) / 2)


def _overlap(line: list[Box], box: Box) -> float:
    """Vertical overlap of a box with a line's band (mean middle, mean height), as a share of the lower."""
    middle = statistics.fmean(b.middle for b in line)
    height = statistics.fmean(b.height for b in line)
    top, bottom = middle - height / 2, middle + height / 2
    inter = min(bottom, box.bottom) - max(top, box.top)
    return max(0.0, inter) / max(1e-6, min(height, box.height))


def _line(boxes: list[Box]) -> OcrLine:
    height = statistics.median(b.height for b in boxes)
    parts = [boxes[0].text]
    for a, b in zip(boxes, boxes[1:]):
        parts.append(CELL_SEP if b.left - a.right > CELL_GAP * height else " ")
        parts.append(b.text)
    return OcrLine(text="".join(parts), confidence=min(b.score for b in boxes),
                   left=min(b.left for b in boxes), top=min(b.top for b in boxes),
                   right=max(b.right for b in boxes), bottom=max(b.bottom for b in boxes))


# ---------------------------------------------------------------- ruled tables in the image

@dataclass(frozen=True)
class GridCell:
    """A space enclosed by rules, in pixels."""
    left: float
    top: float
    right: float
    bottom: float

    def holds(self, x: float, y: float) -> bool:
        return self.left <= x <= self.right and self.top <= y <= self.bottom


def find_grids(grey: Any, unit: float) -> list[list[GridCell]]:
    """The cells of each ruled table of a page image (grey, 0 = ink); `unit` is the text height in pixels."""
    import cv2
    import numpy as np
    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    long_h, long_v = max(40, int(RULE_H * unit)), max(20, int(RULE_V * unit))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (long_h, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, long_v)))
    rules = cv2.dilate(np.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    grids = []
    for k in range(1, n):
        x, y, w, h = (int(v) for v in stats[k][:4])
        if w < 4 * unit or h < 2 * unit:
            continue
        spaces = (labels[y:y + h, x:x + w] != k).astype(np.uint8)
        m, _, inner, _ = cv2.connectedComponentsWithStats(spaces, connectivity=4)
        cells = []
        for j in range(1, m):
            cx, cy, cw, ch = (int(v) for v in inner[j][:4])
            if cx == 0 or cy == 0 or cx + cw == w or cy + ch == h:
                continue                          # open to the outside: not enclosed by rules
            if cw >= 0.8 * unit and ch >= 0.6 * unit:
                cells.append(GridCell(x + cx, y + cy, x + cx + cw, y + cy + ch))
        if len(cells) >= 4:
            grids.append(cells)
    return grids


def _edges(values: list[float], tol: float) -> list[float]:
    """Cluster coordinates (cell sides) into grid lines."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [statistics.fmean(c) for c in out]


def _nearest(edges: list[float], v: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - v))


def table_rows(cells: list[GridCell], boxes: list[Box], unit: float) -> tuple[list[OcrLine], list[Box]]:
    """Lay the boxes of a table into its cells: (one line per row, the boxes that lie outside it)."""
    tol = max(6.0, EDGE_TOL * unit)
    xs = _edges([c.left for c in cells] + [c.right for c in cells], tol)
    ys = _edges([c.top for c in cells] + [c.bottom for c in cells], tol)
    if len(xs) < 3 or len(ys) < 3:
        return [], boxes
    place = {c: (_nearest(ys, c.top), _nearest(xs, c.left)) for c in cells}
    pieces: dict[GridCell, list[Box]] = {}
    outside = []

    def cell_of(b: Box) -> GridCell | None:
        """The cell holding the box's centre; one on a rule goes to the nearest cell of its height."""
        x, y = b.center, b.middle
        if not (xs[0] - tol <= x <= xs[-1] + tol and ys[0] - tol <= y <= ys[-1] + tol):
            return None
        found = next((c for c in cells if c.holds(x, y)), None)
        if found is None:
            level = [c for c in cells if c.top <= y <= c.bottom]
            found = min(level, key=lambda c: max(c.left - x, x - c.right), default=None)
        return found

    for b in boxes:
        home = cell_of(b)
        if home is None:
            outside.append(b)
            continue
        straddles = b.left < home.left - tol or b.right > home.right + tol
        for part in (b.words if straddles and b.words else (b,)):
            cell = cell_of(part) or home
            pieces.setdefault(cell, []).append(part if part is b else
                                               Box(part.left, part.top, part.right, part.bottom, part.text, b.score))
    grid: dict[int, dict[int, str]] = {}
    scores: dict[int, list[float]] = {}
    for cell, parts in pieces.items():
        r, c = place[cell]
        grid.setdefault(r, {})[c] = _cell_text(parts)
        scores.setdefault(r, []).extend(p.score for p in parts)
    left, right = xs[0], xs[-1]
    lines = []
    for r in sorted(grid):
        row = [grid[r].get(c, "") for c in range(len(xs) - 1)]
        lines.append(OcrLine(text=CELL_SEP.join(row), confidence=min(scores[r]), left=left, top=ys[r],
                             right=right, bottom=ys[min(r + 1, len(ys) - 1)]))
    return lines, outside


_DASH = re.compile(r"[一\-－—–_]{1,3}")


def _cell_text(parts: list[Box]) -> str:
    """A cell's pieces, line by line; no space where Chinese meets Chinese, one between Latin words.
    A cell holding only a dash reads "—" (the engine reads a scanned "—" as "一", which is a numeral)."""
    text = ""
    for line in group(parts):
        piece = line.text.replace(CELL_SEP, " ")
        if text and not (text[-1].isascii() and text[-1].isalnum() and piece[0].isascii() and piece[0].isalnum()):
            text += piece
        else:
            text += (" " if text else "") + piece
    return "—" if _DASH.fullmatch(text) else text

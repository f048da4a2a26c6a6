"""OCR for scanned pages: an image -> its lines in reading order, each with the engine's confidence.

RapidOCR (PP-OCR models on onnxruntime; the wheel ships them, so it runs offline) finds text boxes and
reads them. The boxes are grouped into visual lines by their vertical overlap, and read left to right;
two boxes of one line with a wide gap between them are table cells and are joined with " | " (the
builder's CELL_SEP), so a table flattened by the scan keeps its columns.

RapidOCR is the optional extra `ocr`: it is imported, and its engine made, once per process, when the
first scanned page arrives. Without it `engine()` raises OcrUnavailable.
"""
from __future__ import annotations

import statistics
import threading
from dataclasses import dataclass
from typing import Any

from .builder import CELL_SEP

MAX_SIDE = 2400          # pixels: the engine's own default (2000) would shrink a 200 dpi A4 page
CELL_GAP = 0.6           # a gap wider than this many line heights separates two cells
SAME_LINE = 0.5          # a box joins a line when they overlap vertically by this share of the lower one


class OcrUnavailable(ImportError):
    """RapidOCR (the `ocr` extra) is not installed."""


@dataclass(frozen=True)
class Box:
    """One text box as the engine read it, in pixels (y down)."""
    left: float
    top: float
    right: float
    bottom: float
    text: str
    score: float

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


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
_lock = threading.Lock()


def engine() -> Any:
    """The process's RapidOCR engine, made on first use (the models load when it first reads)."""
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                try:
                    from rapidocr import RapidOCR
                    import onnxruntime  # noqa: F401  (rapidocr imports it only when the models load)
                except ImportError as e:
                    raise OcrUnavailable(f"RapidOCR is not installed ({e})") from e
                _engine = RapidOCR(params={"Global.log_level": "error", "Global.max_side_len": MAX_SIDE})
    return _engine


def read(image: Any) -> list[OcrLine]:
    """An image (numpy array, grey or BGR, or a PIL image) -> its lines, top to bottom."""
    result = engine()(image)
    if result.boxes is None or result.txts is None or not len(result.txts):
        return []
    boxes = []
    for quad, text, score in zip(result.boxes, result.txts, result.scores):
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
        if text.strip():
            boxes.append(Box(min(xs), min(ys), max(xs), max(ys), text.strip(), float(score)))
    return group(boxes)


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

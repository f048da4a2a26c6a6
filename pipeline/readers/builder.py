"""DocBuilder: how every reader lays a document out as text, so the extractors need not care
which format a report came in.

A table row becomes one line, cells joined by " | " (a merged cell's text appears once, at its
top-left position; the positions it covers are empty), and each cell's offsets are recorded, so a
value read from it carries table/row/col as evidence.

The text is laid out under the character cap (bounds.check_chars): a reader stops at the first
character past it, not after the whole of a huge document is in memory.
"""
from __future__ import annotations

import re

from collections.abc import Sequence

from ..models import Cell, PageInfo, PageMethod, RawDoc, Scored, Source
from .bounds import check_chars

CELL_SEP = " | "
_BLANKS = re.compile(r"[ \t\r\n\u3000]+")


class DocBuilder:
    def __init__(self) -> None:
        self._pages: list[str] = []
        self._parts: list[str] = []
        self._offset = 0                      # offset of the next character in "\f".join(pages)
        self._cells: list[Cell] = []
        self._ocr: list[Scored] = []
        self._info: list[PageInfo] = []
        self._tables = 0
        self._page_tables = 0

    def _append(self, s: str) -> int:
        start = self._offset
        self._parts.append(s)
        self._offset += len(s)
        check_chars(self._offset)
        return start

    def line(self, text: str, confidence: float | None = None) -> None:
        """One line of text (a paragraph, an OCR'd line); inner line breaks are kept."""
        start = self._append(text)
        if confidence is not None and text:
            self._ocr.append(Scored(start=start, end=start + len(text), confidence=round(confidence, 4)))
        self._append("\n")

    def table(self, rows: Sequence[Sequence[str | None]]) -> None:
        """A table as rows of cell texts (None or "" for an empty or merged-over position)."""
        grid = [[_BLANKS.sub(" ", c or "").strip() for c in row] for row in rows]
        grid = [row for row in grid if any(row)]
        if not grid:
            return
        self._tables += 1
        self._page_tables += 1
        for r, row in enumerate(grid, 1):
            for c, text in enumerate(row, 1):
                if c > 1:
                    self._append(CELL_SEP)
                start = self._append(text)
                if text:
                    self._cells.append(Cell(table=self._tables, row=r, col=c, start=start, end=start + len(text)))
            self._append("\n")

    def end_page(self, method: PageMethod = "text") -> None:
        text = "".join(self._parts)
        self._info.append(PageInfo(number=len(self._pages) + 1, method=method, chars=len(text.strip()),
                                   tables=self._page_tables))
        self._pages.append(text)
        self._parts = []
        self._page_tables = 0
        self._offset += 1                     # the form feed that joins this page to the next

    def build(self, source: Source) -> RawDoc:
        if self._parts or not self._pages:
            self.end_page()
        ocr = any(p.method == "ocr" for p in self._info)
        return RawDoc(source=source.model_copy(update={"pages": len(self._pages), "ocr": ocr}),
                      pages=tuple(self._pages), cells=tuple(self._cells), ocr=tuple(self._ocr),
                      page_info=tuple(self._info))

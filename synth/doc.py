"""The one document model every renderer draws from: a list of blocks.

A table is rows of cells; a position covered by a merged cell holds None, and `spans` says which
cell covers it, so each renderer can merge the way its format does (docx cell.merge, HTML
rowspan/colspan, xlsx merge_cells, reportlab SPAN) and the text renderers can leave it empty.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal


@dataclass(frozen=True)
class Cell:
    """A table cell: the text every renderer prints, and for spreadsheets the number behind it.

    `fmt` says how a spreadsheet shows `value`: "amount" (0.00), "rate" (0.00%, value a fraction),
    "number" (as it is).
    """
    text: str
    value: Decimal | int | None = None
    fmt: Literal["amount", "rate", "number"] | None = None
    bold: bool = False
    align: Literal["left", "center"] = "center"


@dataclass(frozen=True)
class Span:
    row: int
    col: int
    rows: int = 1
    cols: int = 1


@dataclass
class Table:
    rows: list[list[Cell | None]]
    spans: list[Span] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)    # relative column widths
    caption: str | None = None                           # the form's title, printed above it
    subcaption: str | None = None                        # （2022年度）, 单位：万元 …
    kind: str = "table"                                  # "selfeval" for the 自评表

    @property
    def ncols(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    def covered(self) -> dict[tuple[int, int], Span]:
        """Every position a span covers except its top-left, mapped to the span."""
        out = {}
        for s in self.spans:
            for r in range(s.row, s.row + s.rows):
                for c in range(s.col, s.col + s.cols):
                    if (r, c) != (s.row, s.col):
                        out[(r, c)] = s
        return out

    def span_at(self, r: int, c: int) -> Span | None:
        for s in self.spans:
            if (s.row, s.col) == (r, c):
                return s
        return None


TableMode = Literal["pipe", "lines", "spaces"]        # how the .txt draws a table
BlockKind = Literal["title", "subtitle", "heading", "para", "table", "sign", "note", "pagebreak"]


@dataclass
class Block:
    kind: BlockKind
    text: str = ""
    level: int = 1
    table: Table | None = None


@dataclass
class Document:
    id: str
    title: str
    blocks: list[Block]
    organization: str            # who publishes it (web page source, seal text)
    published: str               # 2023-03-15
    header: str | None = None    # running page header of the PDF, if any
    txt_table_mode: TableMode = "pipe"
    txt_blank_lines: bool = True
    seal: bool = False           # the scanned copy carries a red seal near the signature
    notes: list[str] = field(default_factory=list)

    def tables(self) -> list[Table]:
        return [b.table for b in self.blocks if b.kind == "table" and b.table is not None]

    def selfeval(self) -> Table | None:
        return next((t for t in self.tables() if t.kind == "selfeval"), None) or next(iter(self.tables()), None)


class TableBuilder:
    """Rows of cells with merges, written as (row, col, text, rowspan, colspan)."""

    def __init__(self, ncols: int, widths: list[float] | None = None) -> None:
        self.ncols = ncols
        self.rows: list[list[Cell | None]] = []
        self.spans: list[Span] = []
        self.widths = widths or [1.0] * ncols
        self._taken: set[tuple[int, int]] = set()
        self._next = 0

    def new_row(self) -> int:
        """The next row to fill (a row a rowspan above already reached is reused, not appended)."""
        r = self._next
        self._next += 1
        while len(self.rows) <= r:
            self.rows.append([None] * self.ncols)
        return r

    def put(self, row: int, col: int, cell: Cell | str, rows: int = 1, cols: int = 1) -> None:
        if isinstance(cell, str):
            cell = Cell(cell)
        while len(self.rows) < row + rows:
            self.rows.append([None] * self.ncols)
        for r in range(row, row + rows):
            for c in range(col, col + cols):
                if (r, c) in self._taken:
                    raise ValueError(f"cell ({r}, {c}) written twice")
                self._taken.add((r, c))
        self.rows[row][col] = cell
        if rows > 1 or cols > 1:
            self.spans.append(Span(row, col, rows, cols))

    def build(self, **kw) -> Table:
        for r, row in enumerate(self.rows):       # every position not written is an empty cell
            for c in range(self.ncols):
                if (r, c) not in self._taken:
                    row[c] = Cell("")
        return Table(rows=self.rows, spans=self.spans, widths=self.widths, **kw)

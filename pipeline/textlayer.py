"""normalize: RawDoc -> NormText, the one text layer that owns every offset.

The repairs are the ones PDF and web exports do to Chinese reports: full-width digits and
punctuation (NFKC; an enclosed number ① becomes "(1)", never glued to the figure after it),
spaces between characters and around numbers ("2021 年", "广 州 市", "35. 3"), indentation, and sentences broken across lines. Each output character remembers the
raw offset it came from (`to_raw`), so a debugging session can go back to the file.

Matching happens on `folded` (traditional characters folded to simplified, one for one), and
every match becomes evidence through `evidence()`, which slices the printed `text`.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from .models import Cell, Evidence, NormText, RawDoc
from .rules import rules


def is_cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"


_HEADING = re.compile(r"^(?:#|[一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、]|"
                      r"第[一二三四五六七八九十\d]+[章条节部])")
_SENTENCE_END = set("。!?;:！？；：")
_PROSE = re.compile(r"[,，、]")           # a wrapped line is prose: breadcrumbs and table cells have no commas
MIN_WRAPPED_LINE = 15


def normalize(raw: RawDoc) -> NormText:
    rawtext = "\f".join(raw.pages)
    chars = [(c, i) for i, ch in enumerate(rawtext) if ch != "\r" for c in _nfkc(ch)]
    chars = _mark_columns(chars)
    chars = _drop_spaces(chars)
    chars = _join_wrapped_lines(chars)
    text = _text(chars)
    to_raw = [i for _, i in chars]
    page_starts = (0,) + tuple(m.end() for m in re.finditer("\f", text))

    def moved(start: int, end: int) -> dict[str, int]:      # raw offsets -> text offsets
        return {"start": bisect.bisect_left(to_raw, start), "end": bisect.bisect_left(to_raw, end)}

    cells = tuple(c.model_copy(update=moved(c.start, c.end)) for c in raw.cells)
    ocr = tuple(o.model_copy(update=moved(o.start, o.end)) for o in raw.ocr)
    return NormText(source=raw.source, raw=rawtext, text=text, folded=text.translate(rules().t2s),
                    to_raw=tuple(to_raw), page_starts=page_starts, cells=cells, ocr=ocr)


_NUMBERED = re.compile(r"(\d+)[.,]")


@cache
def _nfkc(ch: str) -> str:
    """NFKC, except that an enclosed number keeps its enclosure as brackets: "①100万元" is item 1 and
    100万元, where NFKC's "1100万元" would be a wrong amount. ① Ⓐ ㊀ -> (1) (A) (一); ⒈ 🄂 -> (1); ⑴ ㈠ as NFKC."""
    out = unicodedata.normalize("NFKC", ch)
    if out == ch:
        return out
    if unicodedata.decomposition(ch).startswith("<circle>"):
        return f"({out})"
    numbered = _NUMBERED.fullmatch(out)
    return f"({numbered.group(1)})" if numbered else out


_COLUMN_GAP = re.compile(r"(?<=[^\s])(?: {2,}|[ \t]*\t[ \t]*)(?=[^\s])")
MIN_COLUMN_GAPS = 2       # a line with two wide gaps is a table row; one is a typo in prose


def _text(chars: list[tuple[str, int]]) -> str:
    return "".join([c for c, _ in chars])


def _mark_columns(chars: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """A table flattened with runs of spaces or tabs between its cells gets | between them, as a
    reader lays out real cells, so the table readers see the cells; single spaces stay spaces."""
    text = _text(chars)
    gaps = []
    for line in re.finditer(r"[^\n\f|]+(?=[\n\f]|$)", text):      # lines with | have their cells
        if line.start() and text[line.start() - 1] not in "\n\f":
            continue
        found = list(_COLUMN_GAP.finditer(text, line.start(), line.end()))
        if len(found) >= MIN_COLUMN_GAPS:
            gaps += found
    if not gaps:
        return chars
    out, pos = [], 0
    for g in gaps:
        out += chars[pos:g.start()]
        raw = chars[g.start()][1]
        out += [(" ", raw), ("|", raw), (" ", raw)]
        pos = g.end()
    return out + chars[pos:]


def _drop_spaces(chars: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Drop space runs at line ends and between CJK/digit neighbours, keeping digit-digit gaps (cells).
    A kept run becomes one space. NFKC made every ideographic space (U+3000) a space."""
    text = _text(chars)
    out: list[tuple[str, int]] = []
    pos = 0
    for run in re.finditer(" +", text):
        out += chars[pos:run.start()]
        before = out[-1][0] if out else "\n"
        after = text[run.end()] if run.end() < len(text) else "\n"
        if _space_kept(before, after, out):
            out.append((" ", chars[run.start()][1]))
        pos = run.end()
    return out + chars[pos:]


def _space_kept(a: str, b: str, out: list[tuple[str, int]]) -> bool:
    if a in "\n\f" or b in "\n\f":
        return False
    if is_cjk(a) and (is_cjk(b) or b.isdigit() or b in "%(“"):
        return False
    if a.isdigit() and (is_cjk(b) or b == "%"):
        return False
    if a == "." and b.isdigit() and len(out) > 1 and out[-2][0].isdigit():
        return _list_number(out)      # "35. 3" -> "35.3", but "1. 100 万元" is item 1
    return not (a in ")”" and is_cjk(b))


_LIST_LEAD = set("\n\f。;!?")       # after NFKC: ；！？ are ;!?
LIST_NUMBER_DIGITS = 2


def _list_number(out: list[tuple[str, int]]) -> bool:
    """The digits before the "." that ends `out` number a list item: at most two digits, at a line's
    start or after a sentence's end. A decimal split by the text layer ("预算35. 3万元") follows a word."""
    k = len(out) - 2
    while k >= 0 and out[k][0].isdigit():
        k -= 1
    lead = out[k][0] if k >= 0 else "\n"
    return len(out) - 2 - k <= LIST_NUMBER_DIGITS and lead in _LIST_LEAD


def _join_wrapped_lines(chars: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Join a long line that stops mid-sentence with the text line after it (at most one blank line)."""
    text = _text(chars)
    drop: set[int] = set()
    for m in re.finditer(r"\n(?:\n)?", text):
        start, end = m.start(), m.end()
        line_start = text.rfind("\n", 0, start) + 1
        line = text[line_start:start]
        nxt_end = text.find("\n", end)
        nxt = text[end:nxt_end if nxt_end >= 0 else len(text)]
        if (len(line) >= MIN_WRAPPED_LINE and line[-1] not in _SENTENCE_END and
                (is_cjk(line[-1]) or line[-1] in "、,") and nxt and (is_cjk(nxt[0]) or nxt[0].isdigit())
                and not _HEADING.match(nxt) and "|" not in line and _PROSE.search(line)
                and _continues(nxt)):
            drop.update(range(start, end))
    return [c for k, c in enumerate(chars) if k not in drop]


def _continues(line: str) -> bool:
    """The rest of a wrapped sentence is long, or ends it; a short bare line is a cell of a table
    flattened one cell per line (a 三级指标 name after a long 偏差原因 cell)."""
    return len(line) >= MIN_WRAPPED_LINE or bool(_PROSE.search(line)) or line.rstrip()[-1:] in _SENTENCE_END


@dataclass(frozen=True)
class Span:
    """What an extractor found: a stretch of text and the id of the rule that found it."""
    start: int
    end: int
    rule: str


def cell_at(doc: NormText, start: int, end: int) -> Cell | None:
    """The real table cell that holds text[start:end], if any."""
    k = bisect.bisect_right(doc.cells, start, key=lambda c: c.start) - 1
    return doc.cells[k] if k >= 0 and end <= doc.cells[k].end else None


def evidence(doc: NormText, span: Span, **cell: int) -> Evidence:
    """The only way a match becomes evidence: the slice of the printed text, with its page, the
    table cell it lies in (a real cell, else the one the caller counted) and the OCR confidence of what was read."""
    page = bisect.bisect_right(doc.page_starts, span.start)
    real = cell_at(doc, span.start, span.end)
    if real is not None:    # a real table cell beats a position an extractor counted in flattened text
        cell = {"table": real.table, "row": real.row, "col": real.col}
    scores = [o.confidence for o in doc.ocr if o.start < span.end and span.start < o.end]
    return Evidence(page=page, start=span.start, end=span.end, text=doc.text[span.start:span.end],
                    rule=span.rule, confidence=min(scores) if scores else None, **cell)

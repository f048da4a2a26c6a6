"""normalize: RawDoc -> NormText, the one text layer that owns every offset.

The repairs are the ones PDF and web exports do to Chinese reports: full-width digits and
punctuation (NFKC; an enclosed number ① becomes "(1)", never glued to the figure after it),
the pinyin glosses some mirror sites print after rare characters (項(xiàng)目), a web list's bullets, invisible format characters (zero-width spaces), page-number lines, spaces between characters and around numbers ("2021 年", "广 州 市", "35. 3"), indentation, and sentences broken across lines. Each output character remembers the
raw offset it came from (`to_raw`), so a debugging session can go back to the file.

Matching happens on `folded` (traditional characters folded to simplified, one for one), and
every match becomes evidence through `evidence()`, which slices the printed `text`.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from ..models import Cell, Evidence, NormText, RawDoc
from ..rules import RuleSet, rules


def line_offset(text: str, n: int) -> int:
    """Where the (n+1)-th line starts: how far down a title or a page's top is looked for."""
    pos = 0
    for _ in range(n):
        pos = text.find("\n", pos) + 1
        if pos == 0:
            return len(text)
    return pos


def is_cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"


_HEADING = re.compile(r"^(?:#|[一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十\d]+[)）]|\d{1,2}(?:、|\.(?!\d))|"
                      r"第[一二三四五六七八九十\d]+[章条节部])")
_SENTENCE_END = set("。!?;:！？；：")
_PROSE = re.compile(r"[,，、]")           # a wrapped line is prose: breadcrumbs and table cells have no commas
MIN_WRAPPED_LINE = 15


def normalize(raw: RawDoc) -> NormText:
    rawtext = "\f".join(raw.pages)
    layer = _nfkc_layer(rawtext)
    for repair in (_strip_invisible, _strip_glosses, _strip_bullets, _strip_page_marks, _mark_columns, _drop_spaces,
                   _join_wrapped_lines):
        layer = layer.edit(repair(layer.text))
    text, to_raw = layer.text, layer.to_raw
    page_starts = (0,) + tuple(m.end() for m in re.finditer("\f", text))

    def moved(start: int, end: int) -> dict[str, int]:      # raw offsets -> text offsets
        return {"start": bisect.bisect_left(to_raw, start), "end": bisect.bisect_left(to_raw, end)}

    cells = tuple(c.model_copy(update=moved(c.start, c.end)) for c in raw.cells)
    ocr = tuple(o.model_copy(update=moved(o.start, o.end)) for o in raw.ocr)
    folded = _translate(text, rules().t2s, _fold_class(rules()))
    return NormText(source=raw.source, raw=rawtext, text=text, folded=folded,
                    to_raw=tuple(to_raw), page_starts=page_starts, cells=cells, ocr=ocr)


Edit = tuple[int, int, str]      # text[start:end] becomes the string


@dataclass(frozen=True)
class _Layer:
    """Text with the raw offset of each character. A repair is a list of edits, applied with slices,
    because a report is tens of thousands of characters and a repair changes a few hundred."""
    text: str
    to_raw: Sequence[int]

    def edit(self, edits: list[Edit]) -> _Layer:
        """Apply edits, in order and apart; each new character maps to the raw offset of the first
        it replaces."""
        if not edits:
            return self
        parts: list[str] = []
        to_raw: list[int] = []
        pos = 0
        for start, end, new in edits:
            parts += (self.text[pos:start], new)
            to_raw += self.to_raw[pos:start]
            to_raw += [self.to_raw[start]] * len(new)
            pos = end
        parts.append(self.text[pos:])
        to_raw += self.to_raw[pos:]
        return _Layer("".join(parts), to_raw)


def _nfkc_layer(rawtext: str) -> _Layer:
    """rawtext through _nfkc, without "\r". Most characters map to themselves and most others to one
    character, which keeps offsets; only the rest (① -> "(1)", "\r" -> "") are edits."""
    one: dict[str, str] = {}
    other = {"\r": ""}
    for ch in set(rawtext):
        out = _nfkc(ch)
        if out != ch:
            (one if len(out) == 1 else other)[ch] = out
    text = _translate(rawtext, str.maketrans(one))
    spans = _any_of("".join(other)).finditer(rawtext)
    return _Layer(text, range(len(text))).edit([(m.start(), m.end(), other[m.group()]) for m in spans])


def _translate(text: str, table: dict[int, str], hits: re.Pattern[str] | None = None) -> str:
    """text.translate(table) for a table of single characters that few of text's characters are in:
    str.translate looks every character up (a miss costs a KeyError), a regex jumps to the hits."""
    if not table:
        return text
    return (hits or _any_of("".join(map(chr, table)))).sub(lambda m: table[ord(m.group())], text)


def _any_of(chars: str) -> re.Pattern[str]:
    return re.compile(f"[{re.escape(chars)}]")


@lru_cache(maxsize=4)
def _fold_class(ruleset: RuleSet) -> re.Pattern[str] | None:
    """The fold table's characters as one class, built once per rule set: it is thousands long."""
    return _any_of("".join(map(chr, ruleset.t2s))) if ruleset.t2s else None


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


_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# one pinyin syllable in brackets right after a CJK character: an initial, vowels, a final n/ng/r
_GLOSS = re.compile(r"(?<=[\u4e00-\u9fff\u3400-\u4dbf])\((?:[zcs]h|[bpmfdtnlgkhjqxrzcsyw])?"
                    f"[aeiouvü{_TONED}\u0300-\u036f]{{1,4}}(?:ng|n|r)?\\)")


def _strip_glosses(text: str) -> list[Edit]:
    """Drop the pinyin a mirror site prints after a rare character (預(yù)算數(shù) -> 預算數), so
    rules see the words whole. A gloss is lowercase: (PPP), (A), (B/A) stay; a bare single letter
    (a) is a list marker, not a gloss, unless it carries a tone (ā)."""
    return [(m.start(), m.end(), "") for m in _GLOSS.finditer(text)
            if len(m.group()) > 3 or m.group()[1] in _TONED]


# format characters a page carries unseen: soft hyphen, zero-width space and joiners, direction marks,
# word joiner, byte-order mark (zero-width no-break space)
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]+")


def _strip_invisible(text: str) -> list[Edit]:
    """Drop the characters a web page or an editor leaves between others without showing them
    (预\u200b算数): a reader sees 预算数, and so must every rule."""
    return [(m.start(), m.end(), "") for m in _INVISIBLE.finditer(text)]


_BULLET = re.compile(r"(?m)^[ \t]*[•●◆■▪►▶][ \t]*")


def _strip_bullets(text: str) -> list[Edit]:
    """Drop the bullet a web page's list puts before a line (• 来源:某县财政局, • 名称:…报告), so
    rules that read a line from its start see its words. A checkbox (□, ○) is a form's answer, not a
    bullet, and stays."""
    return [(m.start(), m.end(), "") for m in _BULLET.finditer(text)]


_PAGE_MARK = re.compile(r"(?m)^[ \t]*(?:[—－-]{1,2}[ \t]*\d{1,3}[ \t]*[—－-]{1,2}|第[ \t]*\d{1,3}[ \t]*页"
                        r"(?:[ \t]*[,，/]?[ \t]*共[ \t]*\d{1,3}[ \t]*页)?)[ \t]*\n")


def _strip_page_marks(text: str) -> list[Edit]:
    """Drop a line that is only a page's number (— 3 —, 第3页 共10页), which a PDF's text keeps
    wherever its page broke, inside a sentence or between a flattened table's cells."""
    return [(m.start(), m.end(), "") for m in _PAGE_MARK.finditer(text)]


_COLUMN_GAP = re.compile(r"(?<=[^\s])(?: {2,}|[ \t]*\t[ \t]*)(?=[^\s])")
MIN_COLUMN_GAPS = 2       # a line with two wide gaps is a table row; one is a typo in prose
_LINE_BREAK = re.compile(r"[\n\f]")


def _mark_columns(text: str) -> list[Edit]:
    """A table flattened with runs of spaces or tabs between its cells gets | between them, as a
    reader lays out real cells, so the table readers see the cells; single spaces stay spaces."""
    edits: list[Edit] = []
    end = 0
    while gap := _COLUMN_GAP.search(text, end):          # only a line with a gap needs a look
        start = max(text.rfind("\n", end, gap.start()), text.rfind("\f", end, gap.start())) + 1
        brk = _LINE_BREAK.search(text, gap.end())
        end = brk.start() if brk else len(text)
        gaps = list(_COLUMN_GAP.finditer(text, start, end))
        if len(gaps) >= MIN_COLUMN_GAPS and "|" not in text[start:end]:      # lines with | have their cells
            edits += [(g.start(), g.end(), " | ") for g in gaps]
    return edits


def _drop_spaces(text: str) -> list[Edit]:
    """Drop space runs at line ends and between CJK/digit neighbours, keeping digit-digit gaps (cells)
    but in a line set in wide type. A kept run becomes one space. NFKC made every ideographic space
    (U+3000) a space."""
    edits = []
    wide = _wide_type(text)
    for run in re.finditer(" +", text):
        start, end = run.span()
        before = text[start - 1] if start else "\n"
        after = text[end] if end < len(text) else "\n"
        if _space_kept(before, after, text, start) and not (end - start == 1 and wide(start)):
            start += 1
        if start < end:
            edits.append((start, end, ""))
    return edits


WIDE_TYPE = 6       # characters of a line spaced out one by one, at least: a title set in wide type


def _wide_type(text: str) -> Callable[[int], bool]:
    """Whether an offset of `text` lies in a line set in wide type ("2 0 2 3 年 度 绩 效 自 评 报 告"):
    every word one character, most of them Chinese. Its digits are one figure, not a row's cells."""
    spans = []
    for line in re.finditer(r"[^\n]+", text):
        chars = line.group().split()
        if (len(chars) >= WIDE_TYPE and all(len(c) == 1 for c in chars)
                and 2 * sum(map(is_cjk, chars)) > len(chars) and "|" not in chars):
            spans.append(line.span())
    starts = [a for a, _ in spans]
    return lambda at: (k := bisect.bisect_right(starts, at) - 1) >= 0 and at < spans[k][1]


def _space_kept(a: str, b: str, text: str, at: int) -> bool:
    if a in "\n\f" or b in "\n\f":
        return False
    if is_cjk(a) and (is_cjk(b) or b.isdigit() or b in "%(“"):
        return False
    if a.isdigit() and (is_cjk(b) or b == "%"):
        return False
    if a == "." and b.isdigit() and at > 1 and text[at - 2].isdigit():
        return _list_number(text, at - 1)      # "35. 3" -> "35.3", but "1. 100 万元" is item 1
    return not (a in ")”" and is_cjk(b))


_LIST_LEAD = set("\n\f。;!?")       # after NFKC: ；！？ are ;!?
LIST_NUMBER_DIGITS = 2


def _list_number(text: str, dot: int) -> bool:
    """The digits before the "." at text[dot] number a list item: at most two digits, at a line's
    start or after a sentence's end. A decimal split by the text layer ("预算35. 3万元") follows a word.
    `text` still has its spaces: before the digits they are a line's indentation, which goes, or a
    space that stays and is no sentence's end."""
    k = dot - 1
    while k >= 0 and text[k].isdigit():
        k -= 1
    lead = k
    while lead >= 0 and text[lead] == " ":
        lead -= 1
    leads = "\n\f" if lead < k else _LIST_LEAD
    return dot - 1 - k <= LIST_NUMBER_DIGITS and (lead < 0 or text[lead] in leads)


def _join_wrapped_lines(text: str) -> list[Edit]:
    """Join a long line that stops mid-sentence with the text line after it (at most one blank line)."""
    edits = []
    for m in re.finditer(r"\n(?:\n)?", text):
        start, end = m.start(), m.end()
        line_start = text.rfind("\n", 0, start) + 1
        nxt_end = text.find("\n", end)
        if _wrapped(text[line_start:start], text[end:nxt_end if nxt_end >= 0 else len(text)]):
            edits.append((start, end, ""))
    return edits


_LEADS_ON = set(",、。;:)")      # marks that close or go on with a clause: no line of its own starts with one
@cache
def _unit_lead() -> re.Pattern:
    """A figure's unit at a line's start: money (rules/units.yaml), %, or a counting unit followed by
    its clause's mark (2629 | 人,资助…; 人员经费 is no unit)."""
    from .numbers import money_units     # numbers reads offsets from this module: imported when asked
    return re.compile(f"(?:{money_units()}|%|(?:{rules().get('count.units').pattern})(?=[,、。;]))")


def _wrapped(line: str, nxt: str) -> bool:
    """Whether `line` stops at a page's margin, which falls anywhere (inside a figure: 11.|78万元, between
    a figure and its unit, before a comma), and `nxt` goes on with its sentence. A table's row (|), a
    line that ends its sentence and one with no comma (a title, a breadcrumb, a cell) stop where they
    are, unless the next line starts with a mark that cannot start one. A line ending in a figure goes
    on only into that figure's unit or decimals: a contents line's page number or a row's score ends it."""
    if len(line) < MIN_WRAPPED_LINE or not nxt or "|" in line:
        return False
    if nxt[0] in _LEADS_ON:
        return True
    if line[-1].isdigit():          # 1123.45 | 万元
        ends_open = bool(_unit_lead().match(nxt))
    elif line[-1] == ".":           # 11. | 78万元
        ends_open = line[-2:-1].isdigit() and nxt[0].isdigit()
    else:
        ends_open = is_cjk(line[-1]) or line[-1] in "、,"
    return (ends_open and (is_cjk(nxt[0]) or nxt[0].isdigit() or nxt[0] == "%")
            and not _HEADING.match(nxt) and bool(_PROSE.search(line)) and _continues(nxt))


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

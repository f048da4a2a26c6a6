"""Counted outputs: a number with its measure word and 2-8 characters naming what was counted.

Chinese puts the counted noun after the measure word ("13 场赛事", "为 6000 名职工提供…") or, in
lists and tables, before the number ("组建独立基层工会 51 家", "学生受资助人数 | 735 | 人次"). The
noun after wins when there is one; otherwise the words before, walking back over table cells
(comparators, other numbers, the unit column) to the row's name. jieba trims to whole words.
"""
from __future__ import annotations

import re
from functools import cache

from ..models import NormText, Quantity
from ..text.numbers import resolve_numeral
from ..rules import rules
from ..text.segment import words
from ..text.layer import Span, evidence, is_cjk

MAX_SUBJECT = 8
# words, not characters, so 共享, 即时, 会计, 统计 stay whole
_LEAD_WORDS = {"其中", "分别", "即", "包括", "含", "共", "共有", "现有", "和", "及", "与", "或"}
_TAIL_WORDS = {"共有", "共计", "共", "有", "约", "为", "计", "达", "近", "等", "的", "了", "及", "和", "与", "现有"}
_RIGHT_STOP = re.compile(r"^(?:以上|以下|左右|余|多|次|的|参与|参加)")
# 1处等, 5次对…, 居委会5个和村委会1个: the counted thing is before; 等级, 对口, 和谐 are words
_RIGHT_STOP_WORDS = {"等", "对", "和", "及", "与", "或"}
_SKIP_BACK = re.compile(r"[\s|:：≥≤≧≦<>=%.\dA-Za-z*★☆]")   # cells, comparators, OCR debris, marks
_NOTE_BACK = re.compile(r"[(（][^()（）\n]{0,20}[)）]$")     # a bracketed note after a row name: (按年)(≥**人)
NOTE_WINDOW = 22


@cache
def _count_re() -> re.Pattern:
    units = rules().get("count.units").pattern
    num = rules().expand("{NUM}")
    # the unit right after the number, or alone in the next table cell ("735 | 人次 |")
    return re.compile(rf"(?<!第)(?P<num>{num})(?:[ \t]*(?P<unit>{units})|[ \t]*\|[ \t]*(?P<cell>{units})[ \t]*(?=\|))")


def extract_quantities(doc: NormText) -> list[Quantity]:
    exclude = rules().get("count.exclude").regex
    out = []
    for m in _count_re().finditer(doc.folded):
        group = "unit" if m.group("unit") else "cell"
        unit = m.group(group)
        r = resolve_numeral(m.group("num"))
        if r is None or (r[0] != r[0].to_integral() and not unit.startswith("万")):
            continue
        subject = _shown(doc, _subject(doc.folded, m.start("num"), m.end(), unit), m.start("num"), m.end())
        if subject and exclude.search(subject):
            continue
        value = int(r[0]) if r[0] == r[0].to_integral() else float(r[0])
        # the unit is one of the lexicon's, named as the lexicon writes it (個 is 个): a subject is the text's
        out.append(Quantity(value=value, unit=unit, subject=subject,
                            evidence=evidence(doc, Span(m.start(), m.end(), "count.units"))))
    return out


def _shown(doc: NormText, subject: str, num_start: int, unit_end: int) -> str:
    """The subject read on the folded text (its words cut by a simplified dictionary, 事項 one word
    as 事项 is) written as the text gives it: the same stretch of text, folding being one for one."""
    at = doc.folded.rfind(subject, 0, num_start)
    if at < 0:
        at = doc.folded.find(subject, unit_end)
    return doc.text[at:at + len(subject)] if subject and at >= 0 else subject


def _subject(text: str, num_start: int, unit_end: int, unit: str) -> str:
    right = _cjk_run(text, unit_end, forward=True)
    if right and not _RIGHT_STOP.match(right) and words(right, hmm=False)[0] not in _RIGHT_STOP_WORDS:
        return _trim(_strip_ends(right.lstrip("“\"《")), keep_end=False)
    pos = num_start
    for _ in range(6):   # walk back over cells that are numbers, comparators, notes or the unit column
        pos = _skip_back(text, pos)
        left = _cjk_run(text, pos, forward=False)
        stripped = _strip_ends(_drop_unit(_past_count(text, pos - len(left), left), unit))
        if len(stripped) >= 2 and stripped != unit:
            return _trim(stripped, keep_end=True)
        if not left:
            break
        pos -= len(left)
    return ""


def _past_count(text: str, start: int, left: str) -> str:
    """The words before a number without the previous count's unit they open with (社区5个和村委会1个:
    个和 belongs to the 5, 村委会 names the 1)."""
    if start == 0 or not text[start - 1].isdigit():
        return left
    m = rules().get("count.units").regex.match(left)
    return left[m.end():] if m else left


def _skip_back(text: str, pos: int) -> int:
    """Where the words before pos start once cells, comparators and bracketed notes are passed."""
    while True:
        while pos > 0 and _SKIP_BACK.match(text[pos - 1]):
            pos -= 1
        note = _NOTE_BACK.search(text, max(0, pos - NOTE_WINDOW), pos)
        if not note:
            return pos
        pos = note.start()


def _drop_unit(left: str, unit: str) -> str:
    """The words before a number without the unit column's word (培训人次 | 500 -> 培训), unless the
    unit's character ends a longer word (事项 252 项: 事项 is the subject, not 事 + 项)."""
    if not (left.endswith(unit) and len(left) > len(unit)):
        return left
    return left[:-len(unit)] if words(left, hmm=False)[-1] == unit else left


def _strip_ends(s: str) -> str:
    """Without a leading 其中/包括 … and trailing 共计/有/等 … words: they frame the subject."""
    ws = words(s, hmm=False) if s else []
    while ws and ws[0] in _LEAD_WORDS:
        ws.pop(0)
    while ws and ws[-1] in _TAIL_WORDS:
        ws.pop()
    return "".join(ws)


def _cjk_run(text: str, pos: int, forward: bool) -> str:
    """The run of CJK characters (quotes and brackets inside allowed) starting or ending at pos."""
    ok = lambda c: is_cjk(c) or c in "“”\"《》"  # noqa: E731
    if forward:
        end = pos
        while end < len(text) and ok(text[end]):
            end += 1
        return text[pos:end].replace("“", "").replace("”", "")
    start = pos
    while start > 0 and ok(text[start - 1]):
        start -= 1
    return text[start:pos].replace("“", "").replace("”", "")


def _trim(s: str, keep_end: bool) -> str:
    """At most MAX_SUBJECT characters of whole words: the last words before a number, the first after."""
    if len(s) <= MAX_SUBJECT:
        return s
    ws = words(s)
    picked: list[str] = []
    for w in (reversed(ws) if keep_end else ws):
        if sum(map(len, picked)) + len(w) > MAX_SUBJECT:
            break
        picked.append(w)
    if not picked:
        return s[-MAX_SUBJECT:] if keep_end else s[:MAX_SUBJECT]
    return "".join(reversed(picked)) if keep_end else "".join(picked)

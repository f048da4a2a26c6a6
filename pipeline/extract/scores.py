"""Scores, deductions, grades, and the indicators a report states.

The stated score (自评得分 95 分, 自评总分: 69, 综合评分为97分) wins over the table's 总分 row,
where the first figure is the template maximum (100) and the second the score; a lone 总分 100 is
only the maximum, so it gives no score.
"""
from __future__ import annotations

import itertools
import re
from decimal import Decimal
from functools import cache

from ..models import Fact, Indicator, IndicatorLevel, NormText
from ..text.numbers import resolve_numeral, unread
from ..rules import Rule, rules
from ..text.layer import Span, evidence, is_cjk
from .tables import column_role

_CN_LEVEL = {"一": 1, "二": 2, "三": 3}
_SENTENCE_END = re.compile(r"[。;!?\n]")
SENTENCE_LOOKBACK = 200       # characters before a grade searched for its sentence's start
_CMP = {"大于等于": "≥", "不低于": "≥", "不少于": "≥", "达到": "≥", "≧": "≥", ">=": "≥", "高于": ">",
        "小于等于": "≤", "不高于": "≤", "≦": "≤", "<=": "≤", "低于": "<"}


def _score_fact(doc: NormText, start: int, end: int, rule_id: str, numeral: str, top: int = 100) -> Fact | None:
    """A score out of 100, or up to `top` where a rule allows bonus points."""
    r = resolve_numeral(numeral)
    if r is None or not (0 <= r[0] <= top) or unread(doc.folded, start, end, rule_id):
        return None
    return Fact(value=float(r[0]), evidence=evidence(doc, Span(start, end, rule_id)), precision=float(r[1]))


def extract_score(doc: NormText) -> tuple[Fact | None, Fact | None]:
    """(self_score, grade read from a table: the 总分 row's, else a one-row results table's): a stated
    score wins over the tables'."""
    row_score, row_grade = _score_row(doc)
    if row_score is None or row_grade is None:
        table_score, table_grade = _result_table(doc)
        row_score, row_grade = row_score or table_score, row_grade or table_grade
    for r in rules().of("score"):
        for m in r.regex.finditer(doc.folded):
            fact = _score_fact(doc, m.start("num"), m.end("num"), r.id, m.group("num"), r.param("max", 100))
            if fact:
                return fact, row_grade
    return row_score, row_grade


def _result_table(doc: NormText) -> tuple[Fact | None, Fact | None]:
    """A results table flattened one cell per line (序号 / 项目名称 / … / 自评分数 / 评价结果, then its
    row's cells): with one row, that row's score and grade are the report's; with several, each row is
    one project's and none is the report's. Empty cells leave no line, so cells are found by what they
    hold: the grade is the row's one grade word, the score its last figure where no figure column
    (金额, 规模) follows the score's. A short row cell may read as one more header cell: harmless."""
    r = rules().get("score.result_table")
    for head in r.regex.finditer(doc.folded):
        cells = _line_cells(doc.folded, head.start())
        names = [c for _, _, c in
                 itertools.takewhile(lambda x: len(x[2]) <= HEADER_CELL and not _FIGURE.fullmatch(x[2]), cells)]
        header = [_column(r, c) for c in names]
        row = list(itertools.takewhile(lambda x: not _ROW_END.search(x[2]), cells[len(header):]))
        if not row or len(row) > len(header) or not {"score", "grade"} & set(header) or _names_levels(names):
            continue
        return _table_score(doc, r, header, row), _table_grade(doc, r, header, row)
    return None, None


def _names_levels(names: list[str]) -> bool:
    """Whether a header names indicator levels (一级指标, 三级指标): then it heads the table the
    indicators are scored in, one row an indicator, and its 自评得分 column holds no result."""
    return any(column_role(c) in ("level1", "level2", "level3") for c in names)


HEADER_CELL = 12          # the longest line read as a column's name
MAX_CELLS = 40            # lines looked at after a 序号 line: a header and one row fit
_FIGURE = re.compile(r"\d+(?:\.\d+)?")
_LINE = re.compile(r"[^\n]+")
_ROW_END = re.compile(r"^(?:合计|总计|小计)|[。,;]")     # a total row or a sentence: the table is over


def _line_cells(text: str, start: int) -> list[tuple[int, int, str]]:
    """(start, end, cell) of the non-blank lines from `start`, trimmed of spaces and cell borders."""
    out = []
    for m in _LINE.finditer(text, start):
        cell = m.group().strip(" \t|")
        if cell:
            lead = len(m.group()) - len(m.group().lstrip(" \t|"))
            out.append((m.start() + lead, m.start() + lead + len(cell), cell))
        if len(out) > MAX_CELLS:
            break
    return out


def _column(r: Rule, cell: str) -> str | None:
    """What a header cell names: index, score, grade, figure, note (the rule's groups), or None."""
    m = re.fullmatch(r.param("columns"), cell)
    return m.lastgroup if m else None


def _table_score(doc: NormText, r: Rule, header: list[str | None], row) -> Fact | None:
    if "score" not in header or "figure" in header[header.index("score") + 1:]:
        return None
    figures = [c for c in row if _FIGURE.fullmatch(c[2]) and not (c is row[0] and header[0] == "index")]
    return _score_fact(doc, figures[-1][0], figures[-1][1], r.id, figures[-1][2]) if figures else None


def _table_grade(doc: NormText, r: Rule, header: list[str | None], row) -> Fact | None:
    grade = re.compile(rules().expand("{GRADE}"))
    grades = [c for c in row if grade.fullmatch(c[2])]
    if "grade" not in header or len(grades) != 1:
        return None
    start, end, _ = grades[0]
    return Fact(value=doc.text[start:end], evidence=evidence(doc, Span(start, end, r.id)))


@cache
def _cells() -> re.Pattern[str]:
    """A cell of the 总分 row: a figure or a grade word up to the next gap or cell border, or a
    figure that ends in 分 (总分100分95分: the text layer drops the spaces between 分 and a digit)
    or runs into the next cell's words (总分100偏差原因分析: the gap dropped too, not 100万元);
    the maximum may be bracketed (总分(100分)95分)."""
    grade = rules().expand("{GRADE}")
    return re.compile(rf"[\s|:：()]*(?P<cell>\d+(?:\.\d+)?|{grade})(?:(?<=\d)分|(?=[\s|)]|$|(?<=\d)(?![万亿千元])[\u4e00-\u9fff]))")


def _score_row(doc: NormText) -> tuple[Fact | None, Fact | None]:
    """总分 | 100 | 95 | 优: the maximum, the score, and the grade when the row has one; a lone
    figure where the table has no maximum to give (its header names 得分 but no 分值)."""
    for r in rules().of("score_row"):
        for m in r.regex.finditer(doc.folded):
            cells: list[re.Match[str]] = []
            pos = m.end()
            while len(cells) < 3 and (c := _cells().match(doc.folded, pos)):
                cells.append(c)
                pos = c.end()
            nums = [c for c in cells if c.group("cell")[0].isdigit()]
            if len(nums) == 1 and _lone_is_score(doc, r, m.start(), nums[0].group("cell")):
                fact = _score_fact(doc, nums[0].start("cell"), nums[0].end("cell"), r.id, nums[0].group("cell"))
                if fact:
                    return fact, None
            if len(nums) >= 2 and (v := resolve_numeral(nums[0].group("cell"))) is not None and v[0] == 100:
                fact = _score_fact(doc, nums[1].start("cell"), nums[1].end("cell"), r.id, nums[1].group("cell"))
                grade = next((c for c in cells[cells.index(nums[1]) + 1:] if not c.group("cell")[0].isdigit()), None)
                grade_fact = (Fact(value=grade.group("cell"), evidence=evidence(
                    doc, Span(grade.start("cell"), grade.end("cell"), r.id))) if grade else None)
                if fact:
                    return fact, grade_fact
    return None, None


def _lone_is_score(doc: NormText, r: Rule, at: int, numeral: str) -> bool:
    """A 总分 row with one figure holds the score where the table before it scores its indicators
    (a 得分 column) and gives no weights (分值), so no maximum to sum; a 100 beside a 分值 column is the
    template's maximum with the score cell left empty. The 总分 must open its cell: 产出指标总分 50 is
    a part's maximum."""
    window = doc.folded[max(0, at - r.param("lookback", 0)):at]
    if (at and is_cjk(doc.folded[at - 1])) or not re.search(r.param("score_column", "(?!)"), window):
        return False
    v = resolve_numeral(numeral)
    return v is not None and (v[0] != 100 or not re.search(r.param("weight_column", "(?!)"), window))


def extract_deduction(doc: NormText) -> Fact | None:
    """The deductions a report states as such (扣分 5 分; 其中A扣2分，B扣1.5分), summed; rule texts
    (缺一项扣 0.5 分) are not.

    A stated total (合计扣分 3.5 分) is the deduction alone, since the items are in it; of several
    totals the largest, the grand total that section totals add up to.
    """
    found = sorted(_deductions(doc), key=lambda d: d[0])
    totals = [(d, v) for d in found if d[3].param("total") and (v := resolve_numeral(d[2]))]
    if totals:
        (start, end, _, r), (value, half) = max(totals, key=lambda t: t[1][0])
        return Fact(value=float(value), evidence=evidence(doc, Span(start, end, r.id)), precision=float(half))
    if not found:
        return None
    total, half = Decimal(0), Decimal(0)
    for _, _, numeral, _ in found:
        v = resolve_numeral(numeral)
        if v:
            total, half = total + v[0], half + v[1]
    return Fact(value=float(total), evidence=evidence(doc, Span(found[0][0], found[-1][1], found[0][3].id)),
                precision=float(half))


def _deductions(doc: NormText):
    """(start, end, numeral, rule) of each stated deduction; an `item` rule's match is a sentence
    listing several (其中A扣2分，B扣1.5分), each item one deduction, unless it reads as a scoring rule."""
    for r in rules().of("deduction"):
        item = r.param("item")
        for m in r.regex.finditer(doc.folded):
            if item is None:
                yield m.start(), m.end(), m.group("num"), r
            elif not re.search(r.param("not_if"), m.group()):
                for i in re.finditer(rules().expand(item), doc.folded[:m.end()]):
                    if i.start() >= m.start():
                        yield i.start(), i.end(), i.group("num"), r


def extract_grade(doc: NormText) -> Fact | None:
    """The first grade stated as a result; one whose sentence counts or bounds it (3个项目评为优,
    90分以上的为优) is a tally or a band definition, not the report's grade."""
    for r in rules().of("grade"):
        not_before = re.compile(r.param("not_before", "(?!)"))
        for m in r.regex.finditer(doc.folded):
            sentence = _SENTENCE_END.split(doc.folded[max(0, m.start() - SENTENCE_LOOKBACK):m.start()])[-1]
            if not not_before.search(sentence):
                return Fact(value=doc.text[m.start("grade"):m.end("grade")],
                            evidence=evidence(doc, Span(m.start("grade"), m.end("grade"), r.id)))
    return None


def extract_structure(doc: NormText) -> list[IndicatorLevel]:
    """Stated indicator counts and the names listed after them ("三级指标 6 个，A，B，… 和 F"); a count
    written first ("27个三级指标") lists none."""
    out = []
    for r in rules().of("indicator_level"):
        for m in r.regex.finditer(doc.folded):
            count = int(m.group("count") or m.group("lead"))
            names = _names(doc.text[m.start("names"):m.end("names")], count) if m.group("names") is not None else []
            out.append(IndicatorLevel(level=_CN_LEVEL[m.group("level")], count=count, names=names,
                                      evidence=evidence(doc, Span(m.start(), m.end(), r.id))))
    return sorted(out, key=lambda lv: lv.evidence.start)


def _names(listing: str, count: int) -> list[str]:
    items = [s.strip() for s in re.split(r"[,，、]", listing) if s.strip()]
    if len(items) == count - 1 and items:
        # the last two items of a Chinese list are joined by 和/及/与: "质量指标和产出指标"
        head, sep, tail = max((items[-1].rpartition(w) for w in ("以及", "和", "及", "与")),
                              key=lambda p: len(p[0]))
        if sep and head and tail:
            items[-1:] = [head, tail]
    return items


def extract_targets(doc: NormText) -> list[Indicator]:
    out = []
    for r in rules().of("target"):
        exclude = re.compile(r.param("exclude", "(?!)"))
        for m in r.regex.finditer(doc.folded):
            name = doc.text[m.start("name"):m.end("name")]
            if exclude.search(doc.folded, m.start("name"), m.end("name")):
                continue
            cmp_ = m.group("cmp") or ""
            cmp_ = "≥" if m.group("post") in ("以上", "及以上") else "≤" if m.group("post") == "以下" else _CMP.get(cmp_, cmp_ or "=")
            value = resolve_numeral(m.group("num"))
            out.append(Indicator(level3=name, comparator=cmp_, target=f"{cmp_}{m.group('num')}%",
                                 target_value=float(value[0]) if value else None,
                                 evidence=evidence(doc, Span(m.start(), m.end(), r.id))))
    return out


"""classify: NormText -> Classified (report type, fiscal year, organisation).

The title decides most of it: the first line that names a performance self-evaluation (or one of
the look-alike negatives: 决算说明, 管理办法, 单位预算) gives the type by its first type keyword,
the year written in it, and the organisation written before or after that year. Tables name the
reporting unit (实施单位, 资金使用单位, 主管部门), which wins for project and policy reports.
"""
from __future__ import annotations

import re
from collections import Counter

from .models import Classified, Fact, NormText
from .rules import Rule, rules
from .textlayer import Span, evidence

TITLE_LINES = 60          # how far down a title is looked for
TITLE_CONTEXT = 40        # characters before the title keyword that still belong to the title
TITLE_TAIL = 16           # and after it ("…自评表(2022年度)")
OPENING_CHARS = 200       # the opening text read for the type when there is no title line


def classify(doc: NormText) -> Classified:
    titles = _title_segments(doc)
    report_type = _report_type(doc, titles)
    year = _fiscal_year(doc, titles)
    org = _organization(doc, titles, report_type.value if report_type else "department")
    return Classified(doc=doc, report_type=report_type, fiscal_year=year, organization=org)


def _title_segments(doc: NormText) -> list[tuple[int, int, str]]:
    """(start, end, rule id) of each title-like stretch among the first lines: titles, then prose.

    Site furniture (breadcrumbs, 发布日期 lines) is passed over. A sentence that names the report
    ("本局已完成2023年度部门整体支出绩效自评,有关情况报告如下") is kept, cut to its clause, after every real
    title line. A title is head-final, so a line (or cell) that ends in a negative head (…决算表,
    …结果的通报) is a negative whatever it names before; in prose such a word decides nothing.
    """
    r = rules()
    perf, summary, other = r.get("title.performance"), r.get("title.summary"), r.get("title.other")
    skip, sentence = r.get("title.skip").regex, r.get("title.sentence").regex
    limit = _line_offset(doc.folded, TITLE_LINES)
    lines = _kept_lines(doc.folded[:limit], skip)
    titles, prose = [], []
    for before, m, after in zip([None, *lines[:-1]], lines, [*lines[1:], None]):
        line_start, line = m.start(), m.group(0)
        om, pm = other.regex.search(line), perf.regex.search(line)
        if om and not sentence.search(line, line.rfind("|", 0, om.start()) + 1, om.start()):
            titles.append((line_start, line_start + len(line), other.id))
        elif pm and sentence.search(line, 0, min(len(line), pm.end() + TITLE_TAIL)):
            start, end = _clause(line, pm.start(), pm.end())
            prose.append((line_start + start, line_start + end, "title.sentence"))
        elif pm:
            start = line_start + max(0, pm.start() - TITLE_CONTEXT)
            if pm.start() == 0 and before is not None and _names_subject(before.group(0)):
                start = before.start()      # 某某项目资金 / 绩效评价报告: the title broke before its head
            titles.append((start, line_start + min(len(line), pm.end() + TITLE_TAIL), perf.id))
        elif after is not None and (wrapped := perf.regex.search(line + after.group(0))) \
                and wrapped.start() < len(line) < wrapped.end() and not sentence.search(line, 0, wrapped.start()):
            # a long title wrapped onto the next line (…项目绩效 / 自评报告): one title over both lines
            start = max(0, wrapped.start() - TITLE_CONTEXT)
            titles.append((line_start + start, after.end(), perf.id))
        elif (sm := summary.regex.search(line)) and not sentence.search(line):
            titles.append((line_start, line_start + len(line), summary.id))
    return titles + prose


def _kept_lines(text: str, skip: re.Pattern) -> list[re.Match]:
    """The lines that are not furniture; a line that is only a label ([ 体裁分类 ]) takes its value
    line with it."""
    kept, label = [], False
    for m in re.finditer(r"[^\n]+", text):
        if skip.search(m.group(0)):
            label = bool(re.fullmatch(r"\s*[\[【][^\]】]+[\]】]\s*", m.group(0)))
        elif label:
            label = False
        else:
            kept.append(m)
    return kept


def _clause(line: str, start: int, end: int) -> tuple[int, int]:
    """The clause of `line` around [start, end): from the last sentence mark before to the next after."""
    sentence = rules().get("title.sentence").regex
    marks = [m.start() for m in sentence.finditer(line)]
    left = max([m + 1 for m in marks if m < start], default=0)
    right = min([m for m in marks if m >= end], default=len(line))
    return max(left, start - TITLE_CONTEXT), min(right, end + TITLE_TAIL)


def _names_subject(line: str) -> bool:
    """A short line of plain words (no cells, labels or sentence marks) can be a title's first half."""
    return len(line.strip()) <= TITLE_CONTEXT and not re.search(r"[|:]", line) \
        and not rules().get("title.sentence").regex.search(line)


def _line_offset(text: str, n: int) -> int:
    pos = 0
    for _ in range(n):
        pos = text.find("\n", pos) + 1
        if pos == 0:
            return len(text)
    return pos


def _report_type(doc: NormText, titles: list[tuple[int, int, str]]) -> Fact | None:
    """The title decides (_ruled_type); with no title line and no form label, the opening text."""
    return _ruled_type(doc, titles) or _opening_type(doc)


def _ruled_type(doc: NormText, titles: list[tuple[int, int, str]]) -> Fact | None:
    """The first title line decides: a negative title -> other; else its first type keyword, in rule order.

    A title naming no type is read by the form's first label (项目名称: a project form); a
    self-evaluation title with neither (云溪镇人民政府2024年度绩效自评报告) evaluates the body that
    publishes it: department. With no title line, only a form label decides.
    """
    kinds = rules().of("body_type")
    lines = [t for t in titles if t[2] != "title.sentence"]
    if lines:      # later title-like lines ("(一)部门预算", "附件:项目自评表") are sections, not the title
        start, end, rule_id = lines[0]
        if rule_id == "title.other":
            return _fact(doc, start, end, rule_id, "other")
        for r in kinds:
            if r.regex.search(doc.folded, start, end):
                return _fact(doc, start, end, r.id, r.param("type"))
        return _form_type(doc) or _fact(doc, start, end, rule_id, "department")
    return _form_type(doc)


def _opening_type(doc: NormText) -> Fact | None:
    """No title line, no form label: the first type keyword (in rule order) of the opening text,
    where an untitled report says what it covers (一、部门基本情况; 一、项目概况). Words of a cited
    document (《关于下达…项目资金的通知》) and body words further down decide nothing."""
    skip = rules().get("title.skip").regex
    start = next((m.start() for m in re.finditer(r"[^\n]+", doc.folded) if not skip.search(m.group(0))), 0)
    end = min(len(doc.folded), start + OPENING_CHARS)
    cited = [c.span() for c in rules().get("year.cited").regex.finditer(doc.folded, start, end)]
    for r in rules().of("body_type"):
        for m in r.regex.finditer(doc.folded, start, end):
            if not any(a <= m.start() < b for a, b in cited):
                return _fact(doc, m.start(), m.end(), r.id, r.param("type"))
    return None


def _form_type(doc: NormText) -> Fact | None:
    """The first form label among the first lines (项目名称, 单位名称) names what the form describes."""
    limit = _line_offset(doc.folded, TITLE_LINES)
    found = [(m.start(), m.end(), r) for r in rules().of("form_type") if (m := r.regex.search(doc.folded, 0, limit))]
    if not found:
        return None
    start, end, r = min(found, key=lambda f: f[0])
    return _fact(doc, start, end, r.id, r.param("type"))


def _fiscal_year(doc: NormText, titles) -> Fact | None:
    """The title's year; else a bracketed (2022年度); else the body's commonest year, dates left out
    and cited documents' years (《关于2025年…的通知》) only when no other is written; else the year
    that a year-end date closes (截至2023年12月31日)."""
    year_title, bracketed, year_end = rules().get("year.title"), rules().get("year.bracketed"), rules().get("year.end")
    for start, end, _ in titles:
        m = year_title.regex.search(doc.folded, start, end)
        if m:
            return _year(doc, m, year_title.id)
    m = bracketed.regex.search(doc.folded)
    if m:
        return _year(doc, m, bracketed.id)
    cited = [c.span() for c in rules().get("year.cited").regex.finditer(doc.folded)]
    every = list(year_title.regex.finditer(doc.folded))
    found = [m for m in every if not any(a <= m.start() < b for a, b in cited)] or every
    if found:
        commonest, _ = Counter(m.group("year") for m in found).most_common(1)[0]
        return _year(doc, next(m for m in found if m.group("year") == commonest), year_title.id)
    m = year_end.regex.search(doc.folded)
    return _year(doc, m, year_end.id) if m else None


def _year(doc: NormText, m: re.Match, rule_id: str) -> Fact:
    return _fact(doc, m.start("year"), m.end("year"), rule_id, int(m.group("year")))


# ---------------------------------------------------------------- organisation

def _organization(doc: NormText, titles, report_type: str) -> Fact | None:
    labels = rules().of("org_label")
    by_where = {w: [r for r in labels if r.param("where") == w] for w in ("title", "table", "label", "publisher", "body")}
    title_org = _title_org(doc, titles, by_where["title"])
    table_org = _first_label(doc, by_where["table"])
    if report_type in ("project", "policy") and table_org:
        return table_org
    org = title_org or _first_label(doc, by_where["label"]) or table_org
    if org is None:
        org = _first_label(doc, by_where["body"], min_len=4)
    if org is None:
        return None
    # a short title name (水利局) is completed by the publisher line (云溪区水利局) when it ends with it
    for pub in _all_labels(doc, by_where["publisher"]):
        if pub.value.endswith(org.value) and len(pub.value) > len(org.value):
            return pub
    return org


def _title_org(doc: NormText, titles, title_rules: list[Rule]) -> Fact | None:
    for start, end, rule_id in titles:
        line_start = doc.folded.rfind("\n", 0, start) + 1
        for r in title_rules:
            for m in r.regex.finditer(doc.folded, line_start, end):
                fact = _org_fact(doc, m, r.id)
                if fact:
                    return fact
                extended = _extend(doc, m, r.id)
                if extended:
                    return extended
        # a title without a name ("2022年决算报告") may sit under a line that is only the name
        prev_end = line_start - 1
        while prev_end > 0 and doc.folded[prev_end - 1] == "\n":
            prev_end -= 1
        prev_start = doc.folded.rfind("\n", 0, max(prev_end, 0)) + 1
        if 0 < prev_end - prev_start <= 30:
            m = re.match(r"\s*(?P<org>.+?)\s*$", doc.folded[prev_start:prev_end])
            fact = _org_fact(doc, m, rule_id, offset=prev_start) if m else None
            if fact:
                return fact
    return None


def _first_label(doc: NormText, label_rules: list[Rule], min_len: int = 2) -> Fact | None:
    return next((f for f in _all_labels(doc, label_rules) if len(f.value) >= min_len), None)


def _all_labels(doc: NormText, label_rules: list[Rule]):
    for r in label_rules:
        for m in r.regex.finditer(doc.folded):
            fact = _org_fact(doc, m, r.id, exact_end=r.param("exact_end", False))
            if fact:
                yield fact


def _org_fact(doc: NormText, m: re.Match, rule_id: str, offset: int = 0, exact_end: bool = False) -> Fact | None:
    """The name in group `org`, trimmed, and accepted only if it ends like a body (局, 中心, 人民政府 …).

    A name run into the next cell ("青石市水务公司项目主管单位…", "…资源局青石市自然资源局") is cut
    at the first label word or where its own first characters repeat; trailing text after the last
    suffix is dropped, unless `exact_end` asks that the name end at the match's end.
    """
    start, end = m.start("org") + offset, m.end("org") + offset
    strip = rules().of("org_strip")[0].regex
    for _ in range(3):
        # on the slice, so ^ and $ anchor at the name's ends (search(text, pos) keeps ^ at the text's start)
        s = strip.search(doc.folded[start:end])
        if not s:
            break
        if s.start() == 0:
            start += s.end()
        elif s.end() == end - start:
            end = start + s.start()
        else:
            break
    stop = rules().of("org_stop")[0].regex.search(doc.folded, start + 2, end)
    if stop:
        end = stop.start()
    repeat = doc.folded.find(doc.folded[start:start + 3], start + 3, end)
    if end - start >= 6 and repeat > 0:
        end = repeat
    name = doc.folded[start:end]
    suffixes = rules().of("org_suffix")[0].lexicon
    best = max((name.rfind(s) + len(s) for s in suffixes if name.rfind(s) >= 2), default=0)
    if best < 3 or (exact_end and best != len(name)):
        return None
    end = start + best
    return _fact(doc, start, end, rule_id, doc.text[start:end])


def _extend(doc: NormText, m: re.Match, rule_id: str) -> Fact | None:
    """A title naming only a place (白沙乡) is completed by the body's full name (白沙乡人民政府)."""
    stem = doc.folded[m.start("org"):m.end("org")]
    if len(stem) < 2 or not stem.endswith(tuple(rules().get("org.suffix").param("places"))):
        return None
    for found in re.finditer(re.escape(stem) + r"[\u4e00-\u9fff]{1,8}", doc.folded):
        if found.start() == m.start("org"):
            continue
        fact = _org_fact(doc, _Whole(found), rule_id)
        if fact and fact.value.startswith(doc.text[m.start("org"):m.end("org")]) and len(fact.value) > len(stem):
            return fact
    return None


class _Whole:
    """Adapts a plain match so _org_fact can read it as group 'org'."""
    def __init__(self, m: re.Match):
        self._m = m

    def start(self, _group: str) -> int:
        return self._m.start()

    def end(self, _group: str) -> int:
        return self._m.end()


def _fact(doc: NormText, start: int, end: int, rule_id: str, value) -> Fact:
    return Fact(value=value, evidence=evidence(doc, Span(start, end, rule_id)))

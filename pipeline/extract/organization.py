"""organization: the unit that reports, read from the report's own title and labels.

Where a name stands decides how far it is trusted: a table's 实施单位 / 资金使用单位 / 主管部门
(first for project and policy reports), the title, a name-only line above a title, a label (单位名称,
第一部分 某某概况) or the paragraph that describes the unit (某局是…, 某局内设…), the unit a web page
names as its publisher (来源, 发布机构), a letter's signature, a name defined with 以下简称, and last
a name written just before a year in the body. A section written after its body's name (某局某科)
is part of that body. Page furniture never names the unit: a name inside a cited document title
(《…关于…的通知》) or holding a breadcrumb or a caption is none. A name must end like a body (局,
中心, 人民政府 …) at a word's end: 部门, 委托, 处室 are words, not a suffix. A short or abbreviated
name is completed by the fullest form of the same name the text gives (卫健委 -> 某县卫生健康委员会,
财政局 -> 某区财政局).
"""
from __future__ import annotations

import re

from ..models import Fact, NormText
from ..rules import Rule, rules
from .scope import on_several_projects, under_item
from ..text.layer import Span, evidence, line_offset

TITLE_LINES = 60          # how far down a name-only line or a publisher line is looked for
NAME_LINE = 30            # the longest line that can be a name alone
PLACE_PREFIX = 16         # the longest place chain (某某省某某市某某县) put before a short name
_HAN = re.compile(r"[\u4e00-\u9fff]")
AFTER_TITLE = ("label", "table", "publisher", "signature", "alias")   # the sources after the title, in order


def organization(doc: NormText, titles: list[tuple[int, int, str]], report_type: str) -> Fact | None:
    """The reporting unit, or None when no source names one that reads as a body's name."""
    by_where = _labels_by_where()
    found = {w: list(_all_labels(doc, by_where[w])) for w in AFTER_TITLE}
    title = _title_org(doc, titles, by_where["title"])
    table_first = found["table"][:1] if report_type in ("project", "policy") else []
    if table_first and on_several_projects(doc) and under_item(doc, table_first[0].evidence.start):
        table_first = []    # one of several projects' 实施单位 is that project's, not the report's unit
    ranked = [table_first, [title] if title else [], *(found[w] for w in AFTER_TITLE)]
    org = next((facts[0] for facts in ranked if facts), None) \
        or next((f for f in _all_labels(doc, by_where["body"]) if len(f.value) >= 4), None)
    if org is None:
        return None
    pool = [f for facts in found.values() for f in facts] + ([title] if title else [])
    return _fullest(doc, _body_of_section(org, pool), pool)


def _body_of_section(org: Fact, pool: list[Fact]) -> Fact:
    """A section (科, 股, 室) written after its own body's name (某县林业局资源管理科), where another
    source names that body alone, is part of it: the body reports. A section named alone stays."""
    if not org.value.endswith(tuple(rules().get("org.suffix").param("sections"))):
        return org
    return next((f for f in pool if len(f.value) < len(org.value) and org.value.startswith(f.value)), org)


def _labels_by_where() -> dict[str, list[Rule]]:
    labels = rules().of("org_label")
    return {w: [r for r in labels if r.param("where") == w]
            for w in ("title", *AFTER_TITLE, "body")}


def _title_org(doc: NormText, titles, title_rules: list[Rule]) -> Fact | None:
    """The name in the first title that has one, else a name-only line above it."""
    for start, end, _ in titles:
        line_start = doc.folded.rfind("\n", 0, start) + 1
        for r in title_rules:
            for m in r.regex.finditer(doc.folded, line_start, end):
                fact = _org_fact(doc, m.start("org"), m.end("org"), r.id, strict=True, place_lenient=True) \
                    or _extend(doc, m.start("org"), m.end("org"), r.id)
                if fact:
                    return fact
        fact = _name_line_above(doc, line_start)
        if fact:
            return fact
    return None


def _name_line_above(doc: NormText, line_start: int) -> Fact | None:
    """A title without a name ("2022年决算报告") may sit under a line that is only the name, or the
    title's first half (某县某某指挥部水毁修复项目资金 / 绩效评价报告)."""
    prev_end = line_start - 1
    while prev_end > 0 and doc.folded[prev_end - 1] == "\n":
        prev_end -= 1
    prev_start = doc.folded.rfind("\n", 0, max(prev_end, 0)) + 1
    if not 0 < prev_end - prev_start <= NAME_LINE:
        return None
    r = rules().get("org.name_line")
    m = r.regex.fullmatch(doc.folded, prev_start, prev_end)
    return _org_fact(doc, m.start("org"), m.end("org"), r.id, strict=True, place_lenient=True) if m else None


def _all_labels(doc: NormText, label_rules: list[Rule]):
    for r in label_rules:
        if r.param("requires") and r.param("requires") not in doc.folded:
            continue            # the literal its pattern needs is absent: no search of the whole text
        limit = line_offset(doc.folded, TITLE_LINES) if r.param("near_top") else len(doc.folded)
        for m in r.regex.finditer(doc.folded, 0, limit):
            fact = _org_fact(doc, m.start("org"), m.end("org"), r.id, strict=r.param("exact_end", False))
            if fact:
                yield fact


def _org_fact(doc: NormText, start: int, end: int, rule_id: str, strict: bool = False,
              place_lenient: bool = False) -> Fact | None:
    """The name in folded[start:end], trimmed, and accepted only if it ends like a body (局, 中心 …).

    A name run into the next cell ("某县城投公司项目主管单位…", "…运输局某县交通运输局") is cut
    at the first label word or where its own first characters repeat; trailing text after the last
    suffix is dropped, unless `strict` asks that the name end with its suffix (titles, name lines):
    in a title 地方政府专项债券资金使用 and 提升乡镇卫生院服务能力 are subjects, not units. `place_lenient`
    lets a name that opens with a place (某某县防汛指挥部水毁修复项目) keep its suffix mid-title.
    A name inside a cited document title 《…》 is someone else's.
    """
    start, end = _trimmed(doc.folded, start, end, cut=not strict)
    if _inside_citation(doc.folded, start):
        return None
    name = doc.folded[start:end]
    best = _suffix_end(name)
    if best < 3:
        return None
    if strict and not _ends_name(name, best):
        if not (place_lenient and re.match(rules().get("org.suffix").param("place_start"), name)):
            return None
        strict = False
    end = start + (len(name) if strict else best)
    if rules().get("org.furniture").regex.search(doc.folded[start:end]):
        return None
    return _fact(doc, start, end, rule_id, doc.text[start:end])


_GLOSS_TAIL = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)")


def _ends_name(name: str, best: int) -> bool:
    """Nothing but a pinyin gloss (學(xué)) or the bracket closing an alias (某党校(某学院)) after the suffix."""
    rest = _GLOSS_TAIL.sub("", name[best:])
    return rest == "" or rest == ")" and "(" in name[:best]


def _trimmed(text: str, start: int, end: int, cut: bool = True) -> tuple[int, int]:
    """The name's span without leading 我/根据, a trailing 本级 or a second name run on (某省财政厅某省
    教育厅); with `cut`, without the next cell's label either (a name its pattern already ended,
    某某项目管理中心, keeps its 项目)."""
    strip = rules().get("org.strip").regex
    for _ in range(3):
        # on the slice, so ^ and $ anchor at the name's ends (search(text, pos) keeps ^ at the text's start)
        s = strip.search(text[start:end])
        if not s:
            break
        if s.start() == 0:
            start += s.end()
        elif s.end() == end - start:
            end = start + s.start()
        else:
            break
    stop = rules().get("org.stop").regex.search(text, start + 2, end) if cut else None
    if stop:
        end = stop.start()
    repeat = text.find(text[start:start + 3], start + 3, end)
    if end - start >= 6 and repeat > 0 and text.count("(", start, repeat) == text.count(")", start, repeat):
        end = repeat        # (a repeat in brackets is the name's other name: 某开发区(某市某区)建设局)
    return start, end


def _inside_citation(text: str, pos: int) -> bool:
    """pos lies in an open 《…》 (the title of a cited document) on its own line."""
    line_start = text.rfind("\n", 0, pos) + 1
    return text.rfind("《", line_start, pos) > text.rfind("》", line_start, pos)


def _suffix_end(name: str) -> int:
    """Where the name's last unit suffix ends (0: none). A suffix that runs on into a word is none:
    部 in 部门 and 部分, 委 in 委托, 处 in 处室."""
    r = rules().get("org.suffix")
    runon = r.param("runon")
    best = 0
    for s in r.lexicon or ():
        i = name.find(s, 2)
        while i >= 0:
            end = i + len(s)
            nxt = _GLOSS_TAIL.sub("", name[end:end + 9])[:1]
            ends_word = not nxt or not _HAN.match(nxt)
            if end > best and (ends_word or nxt not in runon.get(s, "")):
                best = end
            i = name.find(s, i + 1)
    return best


def _extend(doc: NormText, start: int, end: int, rule_id: str) -> Fact | None:
    """A title naming only a place (云溪乡) is completed by the body's full name (云溪乡人民政府)."""
    stem = doc.folded[start:end]
    if len(stem) < 2 or not stem.endswith(tuple(rules().get("org.suffix").param("places"))):
        return None
    for found in re.finditer(re.escape(stem) + r"[\u4e00-\u9fff]{1,8}", doc.folded):
        if found.start() == start:
            continue
        fact = _org_fact(doc, found.start(), found.end(), rule_id)
        if fact and fact.value.startswith(doc.text[start:end]) and len(fact.value) > len(stem):
            return fact
    return None


def _fullest(doc: NormText, org: Fact, pool: list[Fact]) -> Fact:
    """The fullest form of the chosen name: another source's name that ends with it (云溪区水务局 for
    水务局) or spells it out (某县卫生健康委员会 for 卫健委), else the name with the place chain the
    text writes before it where a name stands alone (某区财政局 on its own line for 财政局)."""
    short = org.value
    fuller = [f for f in pool if len(f.value) > len(short)
              and (f.value.endswith(short) or _abbreviates(short, f.value))]
    fuller += _place_prefixed(doc, doc.folded[org.evidence.start:org.evidence.end], org.evidence.rule or "")
    return max(fuller, key=lambda f: len(f.value), default=org)


def _abbreviates(short: str, full: str) -> bool:
    """卫健委 abbreviates 某县卫生健康委员会: its characters in order, its last one in the full name's
    suffix, and at most half as long (农业科 and 农业工作科 are two sections, not a name and its short form)."""
    pos = 0
    for ch in short:
        pos = full.find(ch, pos) + 1
        if pos == 0:
            return False
    return len(full) >= 2 * len(short) and short[-1] in full[-3:]


def _place_prefixed(doc: NormText, name: str, rule_id: str) -> list[Fact]:
    """`name` written elsewhere with a place chain before it, from a word boundary (某区财政局)."""
    places = tuple(rules().get("org.suffix").param("places"))
    text, out = doc.folded, []
    for m in re.finditer(re.escape(name), text):
        b = m.start()
        while b > 0 and m.start() - b < PLACE_PREFIX and _HAN.match(text[b - 1]):
            b -= 1
        if b == m.start() or (b > 0 and _HAN.match(text[b - 1])) or not text[b:m.start()].endswith(places):
            continue
        fact = _org_fact(doc, b, m.end(), rule_id)
        if fact and (fact.evidence.start, fact.evidence.end) == (b, m.end()):
            out.append(fact)
    return out


def _fact(doc: NormText, start: int, end: int, rule_id: str, value) -> Fact:
    return Fact(value=value, evidence=evidence(doc, Span(start, end, rule_id)))

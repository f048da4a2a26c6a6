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
from functools import cache

from ..models import Fact, NormText
from ..rules import Rule, rules
from .scope import on_several_projects, under_item
from ..text.layer import Span, evidence, line_offset

TITLE_LINES = 60          # how far down a near_top label (overview, described, publisher) is looked for
NAME_LINE = 30            # the longest line that can be a name alone
PLACE_PREFIX = 16         # the longest place chain (某某省某某市某某县) put before a short name
_HAN = re.compile(r"[\u4e00-\u9fff]")
AFTER_TITLE = ("label", "table", "publisher", "signature", "alias")   # the sources after the title, in order


def organization(doc: NormText, titles: list[tuple[int, int, str]], report_type: str) -> Fact | None:
    """The reporting unit, or None when no source names one that reads as a body's name."""
    by_where = _labels_by_where()
    found = {w: list(_all_labels(doc, by_where[w])) for w in AFTER_TITLE}
    title = _title_org(doc, titles, by_where["title"])
    if report_type == "project":
        title, found["publisher"] = _without_host(title, found["publisher"])
    table_first = found["table"][:1] if report_type in ("project", "policy") else []
    if table_first and on_several_projects(doc) and under_item(doc, table_first[0].evidence.start):
        table_first = []    # one of several projects' 实施单位 is that project's, not the report's unit
    ranked = [table_first, [title] if title else [], *(found[w] for w in AFTER_TITLE)]
    org = next((facts[0] for facts in ranked if facts), None) \
        or _subject(doc, by_where["subject"]) \
        or next((f for f in _all_labels(doc, by_where["body"]) if len(f.value) >= 4), None) \
        or _self_named(doc)
    if org is None:
        return None
    pool = [f for facts in found.values() for f in facts] + ([title] if title else [])
    return _fullest(doc, _body_of_section(org, pool), pool)


def _without_host(title: Fact | None, publishers: list[Fact]) -> tuple[Fact | None, list[Fact]]:
    """A project report's page published by the finance body (来源:某县财政局) sits in the column it
    hosts for every unit's projects: that publisher, or a title's place completed from its line
    (某县 -> 某县财政局), does not name the unit that ran the project."""
    finance = rules().get("org.commissioner").regex
    hosts = [f for f in publishers if finance.search(f.value)]
    spans = {(f.evidence.start, f.evidence.end) for f in hosts}
    if title and (title.evidence.start, title.evidence.end) in spans:
        title = None
    return title, [f for f in publishers if f not in hosts]


def _body_of_section(org: Fact, pool: list[Fact]) -> Fact:
    """A section (科, 股, 室) written after its own body's name (某县林业局资源管理科), where another
    source names that body alone, is part of it: the body reports. A section named alone stays."""
    if not org.value.endswith(tuple(rules().get("org.suffix").param("sections"))):
        return org
    return next((f for f in pool if len(f.value) < len(org.value) and org.value.startswith(f.value)), org)


def _labels_by_where() -> dict[str, list[Rule]]:
    labels = rules().of("org_label")
    return {w: [r for r in labels if r.param("where") == w]
            for w in ("title", *AFTER_TITLE, "subject", "body")}


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
        if not (place_lenient and _place_start().match(name)):
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
    best = 0
    for s in rules().get("org.suffix").lexicon or ():
        i = name.find(s, 2)
        while i >= 0:
            end = i + len(s)
            if end > best and not _runs_on(s, name[end:end + 9]):
                best = end
            i = name.find(s, i + 1)
    return best


def _runs_on(suffix: str, after: str) -> bool:
    """The suffix and the character after it (a pinyin gloss skipped) make another word: 部门, 委托, 站涵."""
    nxt = _GLOSS_TAIL.sub("", after)[:1]
    return bool(nxt) and bool(_HAN.match(nxt)) and nxt in rules().get("org.suffix").param("runon").get(suffix, "")


@cache
def _place_start() -> re.Pattern:
    """org.suffix's place_start: a name that opens with a place (某某省, 某某县)."""
    return re.compile(rules().get("org.suffix").param("place_start"))


def _subject(doc: NormText, subject_rules: list[Rule]) -> Fact | None:
    """The subject of the sentence that says who organised the self-evaluation: a body's name, or a
    place (某某市), completed by its body's full name where the text gives one."""
    place = _place_start()
    for r in subject_rules:
        for m in r.regex.finditer(doc.folded):
            start, end = _trimmed(doc.folded, m.start("org"), m.end("org"), cut=False)
            fact = _org_fact(doc, start, end, r.id, strict=True)
            if fact is None and place.fullmatch(doc.folded, start, end) and not _inside_citation(doc.folded, start):
                fact = _extend(doc, start, end, r.id) or _fact(doc, start, end, r.id, doc.text[start:end])
            if fact:
                return fact
    return None


def _self_named(doc: NormText) -> Fact | None:
    """The unit a report calls 我局 / 我委 / 我厅: the one name in the text that ends with the same
    suffix, written at least once where it does not ask or allot (根据某局要求, 某局下达…), not beside
    我局 in one clause (我局会同某局…: another body) and not as the finance body that asked for the
    report; none where two different names end so, or where the suffixes called so disagree."""
    r = rules().get("org.self_ref")
    text = doc.folded
    suffixes = {m.group("org") for m in r.regex.finditer(text) if not _runs_on(m.group("org"), text[m.end():m.end() + 9])}
    found = [f for f in (_the_one_named(doc, s, r) for s in suffixes) if f]
    return found[0] if len(found) == 1 else None


def _the_one_named(doc: NormText, suffix: str, r: Rule) -> Fact | None:
    """The one name ending with `suffix`, in its fullest form (省某厅 and 某某省某厅 are one)."""
    spans = list(_names_ending(doc.folded, suffix, tuple(r.lexicon or ())))
    names = {doc.folded[s:e] for s, e, _ in spans}
    longest = max(names, key=len, default="")
    if not longest or any(not longest.endswith(n) for n in names) or not any(own for *_, own in spans):
        return None
    s, e, _ = max((sp for sp in spans if doc.folded[sp[0]:sp[1]] == longest), key=lambda sp: sp[2])
    return _fact(doc, s, e, r.id, doc.text[s:e])


def _names_ending(text: str, suffix: str, starts: tuple[str, ...]):
    """(start, end, own) of each name ending with `suffix`: from the nearest word start (a non-Han
    character or a word in `starts`) where a place opens it (向市某某委…, 《某某省某厅…》), a level
    alone (市局, 县委) left out; `own` where it stands outside a cited title, does not ask or allot, is
    not beside 我局 in its clause and is not the finance body."""
    place = _place_start()
    other, furniture = rules().get("org.other_body").regex, rules().get("org.furniture").regex
    self_ref, commissioner = rules().get("org.self_ref").regex, rules().get("org.commissioner").regex
    for m in re.finditer(re.escape(suffix), text):
        if text[m.start() - 1:m.start()] == "我" or _runs_on(suffix, text[m.end():m.end() + 9]):
            continue
        for s in range(m.start() - 1, max(m.start() - 24, -1), -1):
            if not _HAN.match(text[s]):
                break
            at_word_start = s == 0 or not _HAN.match(text[s - 1]) or text.endswith(starts, 0, s)
            if at_word_start and place.match(text, s, m.start()) and not _level_alone(text[s:m.start()], place) \
                    and not furniture.search(text, s, m.end()):
                clause = _CLAUSE_END.search(text, m.end())
                beside = self_ref.search(text, _clause_start(text, s), clause.start() if clause else len(text))
                own = not (_inside_citation(text, s) or other.match(text, m.end()) or beside
                           or commissioner.search(text, s, m.end()))
                yield s, m.end(), own
                break


_CLAUSE_END = re.compile(r"[,，。;；:：!！?？\n]")


def _clause_start(text: str, pos: int) -> int:
    """Where the clause holding pos starts (after the last comma, stop, colon or line break)."""
    return max(text.rfind(c, 0, pos) for c in ",，。;；:：!！?？\n") + 1


def _level_alone(head: str, place: re.Pattern[str]) -> bool:
    """The part before the suffix is only a place chain (市, 青石县, 某省某市): a level's body."""
    while head:
        m = place.match(head)
        if not m:
            return False
        head = head[m.end():]
    return True


def _extend(doc: NormText, start: int, end: int, rule_id: str) -> Fact | None:
    """A title naming only a place (云溪乡) is completed by the body's full name (云溪乡人民政府), not by
    the body the report is addressed to or done for (云溪县财政局:, 受云溪县财政局的委托)."""
    stem = doc.folded[start:end]
    if len(stem) < 2 or not stem.endswith(tuple(rules().get("org.suffix").param("places"))):
        return None
    other = rules().get("org.other_body").regex
    for found in re.finditer(re.escape(stem) + r"[\u4e00-\u9fff]{1,8}", doc.folded):
        if found.start() == start:
            continue
        fact = _org_fact(doc, found.start(), found.end(), rule_id)
        if fact and fact.value.startswith(doc.text[start:end]) and len(fact.value) > len(stem) \
                and not other.match(doc.folded, found.start() + len(fact.value)):
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

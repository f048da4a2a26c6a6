"""Web pages (.html/.htm) as Chinese government sites publish them: the article body, tables kept.

1. Decode: a BOM, else the charset the page declares (<meta charset>, http-equiv content, <?xml
   encoding?>; gb2312/gbk and their aliases are read as GB18030, their superset), else UTF-8, else
   GB18030. Bytes that are valid UTF-8 with Chinese in them are read as UTF-8 whatever the page
   declares: GBK text is practically never valid UTF-8, while UTF-8 text often decodes as GBK
   into garbage, and sites that re-encode old pages leave their gb2312 declaration behind.
2. Lay the whole page out with lxml as blocks in document order: a line per paragraph (block
   elements and <br> end a line) and a grid per data table, rowspan/colspan expanded (a spanning
   cell's text at its top-left position, "" at the others it covers). A table that holds another
   table, has a single column, or a cell of many lines, is page layout: its cells are walked as text.
3. Let trafilatura find the article: `bare_extraction(include_tables=True, include_comments=False)`
   with its minimum-size threshold lowered, so that a short report (a paragraph and a 自评表) is not
   handed to its whole-page "baseline" rescue, which returns navigation and footer with the body.
   A block is the article's when trafilatura's output has its text; the article's container is
   the lowest element that holds those blocks. Kept: the matched blocks, every line of the
   container between the first and the last of them (a short line trafilatura dropped, such as
   单位：万元, stays), every data table in the container (trafilatura sometimes drops a table whose
   cells are mostly numbers), and the page's heading when it matches the title trafilatura found.
   trafilatura's own tables are never used: they lose rowspan; the grid comes from lxml.
4. When trafilatura finds nothing, the container is the element whose paragraphs hold the most
   text (readability's rule: a paragraph counts for its parent, half for its grandparent), and all
   of it is kept. Either way, lines that are page furniture (mostly links; 版权所有, 分享到,
   打印本页, 当前位置, 发布日期/浏览次数 lines; inside nav/breadcrumb/footer/share elements) are dropped.

A web page is one page. Nothing is fetched: frames, scripts and linked files are not followed.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import cache

from .load import LoadError, detail
from ..models import RawDoc, Source
from .bounds import check_markup, check_table
from .builder import DocBuilder
from .decode import decode_markup
from .sniff import head_kind

_SKIP = {"script", "style", "noscript", "template", "head", "iframe", "frame", "object", "embed", "svg",
         "canvas", "select", "option", "button", "input", "textarea", "map", "audio", "video", "math"}
_BLOCK = {"address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dir",
          "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
          "h5", "h6", "header", "hr", "html", "legend", "li", "main", "menu", "nav", "ol", "p", "pre",
          "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"}
_HEADING = {"h1", "h2", "h3"}
_TITLE_CLASS = re.compile(r"title|biaoti|bt\b|headline", re.I)
_SPACES = re.compile(r"\s+")
_FURNITURE = re.compile(
    r"版权所有|copyright|©|ICP备|ICP证|公网安备|网站标识码|(?:主办|承办)(?:单位)?\s*[:：]|技术支持\s*[:：]|网站地图|"
    r"分享到|打印本页|关闭窗口|【\s*打印\s*】|【\s*关闭\s*】|字号\s*[:：]|【\s*大\s*中\s*小\s*】|"
    r"^\s*(?:您(?:当前)?(?:的|所在)?位置|当前位置)\s*[:：]|浏览次数|阅读次数|访问次数|点击数|"
    r"^\s*(?:发布|发表|更新)(?:日期|时间)\s*[:：]|^\s*(?:上一篇|下一篇|相关链接|相关文章|扫一扫)", re.I)
_FURNITURE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|crumbs?|breadcrumbs?|footer|foot|share|bdshare|copyright|"
    r"position|location|dqwz|sitemap)(?:$|[\s_-])", re.I)
_INVISIBLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_MAX_SPAN = 200                                 # a colspan/rowspan beyond this is markup noise
_LAYOUT_CELL_LINES = 12                         # a cell holding more lines than this is page layout


# ---------------------------------------------------------------- decoding

def decode_html(data: bytes) -> tuple[str, str]:
    """The page's text and the encoding it was read with."""
    _reject_other_formats(data)
    text, encoding = decode_markup(data)
    sample = text[:4096]
    control = sum(1 for c in sample if ord(c) < 32 and c not in "\n\r\t\f")
    if control > max(2, len(sample) // 50):
        raise LoadError("the file does not look like a web page (it holds binary data); it may be damaged or "
                        "another format saved as .html: open it in a browser, save it again (网页，全部 / Web "
                        "page, complete) and run again", "not_text")
    return text, encoding


def _reject_other_formats(data: bytes) -> None:
    what = {
        "pdf": "a PDF document: rename it to .pdf",
        "zip": ("a zip package (a Word .docx or Excel .xlsx file, most likely): rename it to .docx or .xlsx, "
                "whichever opens"),
        "ole": ("a legacy Office file (.doc or .xls): convert it (libreoffice --headless --convert-to docx FILE, "
                "or --convert-to xlsx)"),
        "rtf": "an RTF document: open it in Word/WPS and save it as .docx",
    }.get(head_kind(data) or "")
    if what:
        raise LoadError(f"the file is not a web page but {what}, and run again", "wrong_extension")


# ---------------------------------------------------------------- layout of the whole page

@dataclass
class _Line:
    text: str
    owner: object                      # the block element the text belongs to
    linked: float = 0.0                # share of its characters inside links


@dataclass
class _Table:
    rows: list[list[str]]
    owner: object
    caption: str = ""


@dataclass
class _Walk:
    blocks: list = field(default_factory=list)
    buf: list[str] = field(default_factory=list)
    owners: list = field(default_factory=list)
    links: int = 0                     # how deep inside <a> the walk is
    linked: int = 0                    # characters of the current line inside links

    def add(self, text: str | None) -> None:
        if text:
            self.buf.append(text)
            if self.links:
                self.linked += len(_key(text))

    def flush(self) -> None:
        text = _SPACES.sub(" ", "".join(self.buf)).strip()
        linked, self.buf, self.linked = self.linked, [], 0
        if text:
            self.blocks.append(_Line(text, self.owners[-1] if self.owners else None,
                                     linked / max(1, len(_key(text)))))

    def walk(self, el) -> None:
        tag = _tag(el)
        if tag is None or tag in _SKIP or el.get("hidden") is not None or _INVISIBLE.search(el.get("style", "")):
            self.add(el.tail)
            return
        if tag == "br":
            self.flush()
            self.add(el.tail)
            return
        if tag == "table":
            self.flush()
            self._table(el)
            self.add(el.tail)
            return
        if tag in ("pre", "plaintext", "xmp", "listing"):       # preformatted: its own line breaks count
            self.flush()
            self.owners.append(el)
            for line in "".join(t for t in el.itertext() if isinstance(t, str)).splitlines():
                self.add(line)
                self.flush()
            self.owners.pop()
            self.add(el.tail)
            return
        block = tag in _BLOCK
        if block:
            self.flush()
            self.owners.append(el)
        self.links += tag == "a"
        self.add(el.text)
        for child in el:
            self.walk(child)
        self.links -= tag == "a"
        if block:
            self.flush()
            self.owners.pop()
        self.add(el.tail)

    def _table(self, table) -> None:
        nested = any(_tag(t) == "table" for t in table.iterdescendants())
        grid = [] if nested else _grid(_rows(table))
        if nested or _is_layout(grid):
            self.owners.append(table)
            for c in table:
                self.walk(c)          # caption, rows, cells: as text, nested tables as tables
            self.flush()
            self.owners.pop()
            return
        caption = next((_cell_text(c) for c in table if _tag(c) == "caption"), "")
        self.blocks.append(_Table(grid, table, caption))


def _tag(el) -> str | None:
    tag = el.tag
    if not isinstance(tag, str):
        return None                   # comment, processing instruction, entity
    return tag.rsplit("}", 1)[-1].lower()


def _rows(table) -> list:
    """The table's own rows, in document order (thead/tbody/tfoot walked, nested tables not)."""
    out = []
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            out.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            out += [tr for tr in child if _tag(tr) == "tr"]
    return out


def _span(cell, name: str) -> int:
    try:
        m = re.match(r"\s*(\d+)", cell.get(name, "1"))
        return 1 if m is None else max(0, min(_MAX_SPAN, int(m.group(1))))
    except (AttributeError, ValueError):
        return 1


def _grid(rows: list) -> list[list[str]]:
    """rows of <td>/<th> -> the rectangular grid, each spanning cell's text at its top-left position.
    The grid's size is checked before a cell's span is filled (spans of 200 × 200 on every cell of a
    1 MB page would fill billions of positions)."""
    texts: dict[tuple[int, int], str] = {}
    taken: set[tuple[int, int]] = set()
    ncols = 0
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr:
            if _tag(cell) not in ("td", "th"):
                continue
            while (r, c) in taken:
                c += 1
            rowspan = _span(cell, "rowspan") or (len(rows) - r)      # rowspan="0": to the table's end
            rowspan = min(rowspan, len(rows) - r)
            colspan = _span(cell, "colspan") or 1
            check_table(len(rows), max(ncols, c + colspan))
            texts[(r, c)] = _cell_text(cell)
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            c += colspan
            ncols = max(ncols, c)
    return [[texts.get((r, c), "") for c in range(ncols)] for r in range(len(rows))]


def _cell_text(cell) -> str:
    w = _Walk()
    w.add(cell.text)
    for child in cell:
        w.walk(child)
    w.flush()
    return "\n".join(b.text if isinstance(b, _Line) else
                     "\n".join(" ".join(x for x in row if x) for row in b.rows) for b in w.blocks)


def _is_layout(grid: list[list[str]]) -> bool:
    """Page layout rather than data (a table holding a table is, too): a single column, a cell of many
    lines, or a single row with a cell of several (a sidebar beside the article)."""
    filled = [[x for x in row if x] for row in grid if any(row)]
    if max((len(row) for row in filled), default=0) <= 1:
        return True
    lines = max((cell.count("\n") + 1 for row in filled for cell in row), default=0)
    return lines > _LAYOUT_CELL_LINES or (len(filled) == 1 and lines >= 3)


# ---------------------------------------------------------------- choosing the article

def _key(text: str) -> str:
    return _SPACES.sub("", text)


def _ancestors(el) -> list:
    out = []
    while el is not None:
        out.append(el)
        el = el.getparent()
    return out


def _common_ancestor(elements: list):
    chain = _ancestors(elements[0])[::-1]                # root first
    depth = len(chain)
    for el in elements[1:]:
        other = _ancestors(el)[::-1]
        depth = min(depth, len(other))
        for i in range(depth):
            if chain[i] is not other[i]:
                depth = i
                break
    return chain[depth - 1] if depth else chain[0]


@cache
def _config():
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")       # a short report is still an article, not a
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")          # case for the whole-page baseline rescue
    logging.getLogger("trafilatura").setLevel(logging.ERROR)    # its "discarding" notes are not ours
    return config


def _trafilatura_text(html: str) -> tuple[set[str], str, str]:
    """What trafilatura takes for the article: the keys of its text pieces, all of it, and its title."""
    import trafilatura
    from trafilatura.settings import Document

    try:
        doc = trafilatura.bare_extraction(html, include_tables=True, include_comments=False,
                                          include_images=False, with_metadata=True, config=_config())
    except Exception:        # trafilatura failing on odd markup only means the lxml fallback decides
        return set(), "", ""
    if not isinstance(doc, Document) or doc.body is None:
        return set(), "", ""
    keys: set[str] = set()
    for el in doc.body.iter():
        if _tag(el) in ("p", "head", "item", "cell", "quote", "code", "list", "table", "row"):
            whole = "".join(el.itertext())
            keys.add(_key(whole))
            keys.update(_key(piece) for piece in whole.split("\n"))
    keys.discard("")
    return keys, "\x00".join(sorted(keys)), doc.title or ""


def _boilerplate(b) -> bool:
    """Navigation, breadcrumbs, share/print buttons, page furniture and footers, wherever they sit."""
    if isinstance(b, _Table):
        return False
    if b.linked >= 0.8 or (len(b.text) <= 120 and _FURNITURE.search(b.text)):
        return True
    el = b.owner
    while el is not None:
        if _FURNITURE_CLASS.search(f"{el.get('class', '')} {el.get('id', '')}"):
            return True
        el = el.getparent()
    return False


def _matches(key: str, keys: set[str], blob: str) -> bool:
    return key in keys or (len(key) >= 8 and key in blob)


def _table_matches(table: _Table, keys: set[str], blob: str) -> bool:
    cells = [_key(c) for row in table.rows for c in row if c.strip()]
    return bool(cells) and sum(_matches(c, keys, blob) for c in cells) * 2 >= len(cells)


_LEAF = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "pre", "blockquote", "caption", "figcaption",
         "address", "summary", "legend", "table"}


def _largest_container(blocks: list):
    """The element whose paragraphs hold the most text: each paragraph (or table) counts for the element
    that holds it, and half for the one above that; text written straight into a container counts for it."""
    score: dict[int, list] = {}
    for b in blocks:
        el = b.owner
        if el is None:
            continue
        n = sum(len(_key(x)) for row in b.rows for x in row) if isinstance(b, _Table) else len(_key(b.text))
        if _tag(el) in _LEAF:
            el = el.getparent()
        for weight in (1.0, 0.5):
            if el is None:
                break
            entry = score.setdefault(id(el), [el, 0.0])
            entry[1] += weight * n
            el = el.getparent()
    if not score:
        return None
    return max(score.values(), key=lambda e: e[1])[0]


def _size(b) -> int:
    return sum(len(_key(x)) for row in b.rows for x in row) if isinstance(b, _Table) else len(_key(b.text))


def _holder(el):
    """The element that holds a paragraph or table: its parent; text written straight into a container: it."""
    return el.getparent() if _tag(el) in _LEAF and el.getparent() is not None else el


def _select(blocks: list, html: str, page_title: str) -> list:
    # lxml hands out one proxy per node while a reference to it lives: holding the chains keeps id() stable
    alive = [_ancestors(b.owner) if b.owner is not None else [] for b in blocks]
    chains = [{id(a) for a in chain} for chain in alive]

    def within(container) -> list[int]:
        return [i for i, chain in enumerate(chains) if id(container) in chain]

    def size(container) -> int:
        return sum(_size(blocks[i]) for i in within(container) if not _boilerplate(blocks[i]))

    def inside(a, b) -> bool:
        return any(x is b for x in _ancestors(a))

    keys, blob, title = _trafilatura_text(html)
    matched = [b.owner for b in blocks if b.owner is not None and
               (_table_matches(b, keys, blob) if isinstance(b, _Table) else _matches(_key(b.text), keys, blob))]
    largest = _largest_container(blocks)
    container = largest
    if matched:
        found = _common_ancestor([_holder(el) for el in matched])
        if largest is None or inside(largest, found):
            container = found
        elif not inside(found, largest) and size(found) * 2 >= size(largest):
            container = found                  # elsewhere on the page, and at least half as much text
    if container is None:
        return []
    keep = set(within(container))
    if not keep:
        return []
    heading = _heading(blocks, keep, title, page_title)
    if heading is not None:
        keep.add(heading)
    return [b for i, b in enumerate(blocks) if i in keep and not _boilerplate(b)]


def _is_title(key: str, title_key: str, page_key: str) -> bool:
    """A heading's text is the page's title: most of <title>, or trafilatura's title where <title> lacks it
    (a site's name alone, which both may hold, is neither)."""
    if len(key) < 4:
        return False
    if key in page_key:
        return len(key) * 2 >= len(page_key)
    return key == title_key


def _heading(blocks: list, keep: set[int], title: str, page_title: str) -> int | None:
    """The page's title heading before the article, when the article does not hold it."""
    title_key, page_key = _key(title), _key(page_title)
    if any(isinstance(blocks[i], _Line) and _is_title(_key(blocks[i].text), title_key, page_key) for i in keep):
        return None
    for i in range(min(keep) - 1, -1, -1):
        b = blocks[i]
        if isinstance(b, _Table) or b.owner is None:
            continue
        owner = b.owner
        looks = _tag(owner) in _HEADING or _TITLE_CLASS.search(f"{owner.get('class', '')} {owner.get('id', '')}")
        if looks and _is_title(_key(b.text), title_key, page_key):
            return i
    return None


# ---------------------------------------------------------------- reader

def read(data: bytes, source: Source) -> RawDoc:
    check_markup(data, "web page")
    html, encoding = decode_html(data)
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)          # lxml refuses str input that declares an encoding
    try:
        import lxml.html
        root = lxml.html.document_fromstring(html)
    except Exception as e:          # lxml: ParserError ("Document is empty") and the like
        raise LoadError("the file could not be read as a web page (its markup is damaged or empty); open it in a "
                        "browser to check it shows the report, save it again as a web page and run again", "damaged",
                        detail(e)) from e
    title_el = root.find(".//title")
    page_title = title_el.text_content() if title_el is not None else ""
    body = root.find("body")
    if body is None:
        body = root
    walk = _Walk()
    walk.walk(body)
    walk.flush()
    blocks = _select(walk.blocks, html, page_title) if walk.blocks else []
    if not blocks:
        frames = root.find(".//frameset") is not None or root.find(".//iframe") is not None
        raise LoadError("the web page has no readable text" + (
            " (it only frames other pages: open the framed page and save that)" if frames else
            " (its content may be loaded by JavaScript): open it in a browser, save it as 网页，全部 / "
            "Web page, complete, or print it to PDF, and run again"), "no_text")
    b = DocBuilder()
    for block in blocks:
        if isinstance(block, _Table):
            if block.caption:
                b.line(block.caption)
            b.table(block.rows)
        else:
            b.line(block.text)
    b.end_page("text")
    return b.build(source.model_copy(update={"encoding": encoding}))

"""Every hostile file issue 18 names, written into one folder, for benchmarks/hostile_run.py.

The builders the tests already have are imported from them (tests/test_hostile.py, tests/test_bounds.py),
not copied; what no test needs at full size is built here: the memory eaters as the issue measured
them (an .xlsx with cells in columns A and IU on a million rows, a .docx of 390 MB of paragraphs, a
200 MB .txt), XXE and billion laughs, lying ZIP bombs, names of every kind (GBK, 0xFF, formulas, escape
codes), links that leave the folder, an unreadable folder and a path past PATH_MAX.

`build(base)` writes `base/inbox` (and `base/elsewhere`, what the links point at) and returns what must
get exactly one record each: a path relative to the inbox, or a folder ending in "/" whose walk stops
at a depth the machine decides (one record at or under it).
"""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from tests.test_bounds import (
    S,
    W,
    billion_column_span_docx,
    cell,
    docx,
    merged_to_the_last_cell_xlsx,
    millions_of_elements_docx,
    row,
    spans_of_200_by_200_html,
    xlsx,
)
from tests.test_hostile import GBK_NAME, GOOD, TITLE, image_pdf, surrogate_pdf, zip_bomb
from tests.test_hostile import build as build_broken

SECRET = "机密局"                                  # in the file the links point at: must reach no output
ESC = "\x1b[2J\x1b]0;pwned\x07\u202e"           # clear the screen, retitle the window, a bidi override
MB = 1 << 20


class Batch:
    """The folder being filled, and what each thing in it is (the run prints it beside its record)."""

    def __init__(self, base: Path):
        self.inbox, self.elsewhere = base / "inbox", base / "elsewhere"
        self.inbox.mkdir(parents=True)
        self.elsewhere.mkdir()
        self.expected: dict[str, str] = {}

    def put(self, name: str | bytes, data: bytes | str, what: str) -> Path:
        path = Path(os.fsdecode(os.path.join(os.fsencode(self.inbox), os.fsencode(name))))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        self.expect(path, what)
        return path

    def expect(self, path: Path, what: str, folder: bool = False) -> None:
        self.expected[path.relative_to(self.inbox).as_posix() + ("/" if folder else "")] = what


# ---------------------------------------------------------------- memory eaters at the size

def big_xml_zip(kind: str, head: str, unit: str, tail: str, size: int) -> bytes:
    """A .docx (kind "word") or .xlsx ("sheet") whose main part is `head`, `unit` repeated to about
    `size` bytes, and `tail`, streamed so that the builder never holds the part."""
    parts = {"word": docx(""), "sheet": xlsx("")}[kind]
    main = {"word": "word/document.xml", "sheet": "xl/worksheets/sheet1.xml"}[kind]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(parts)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for item in src.infolist():
            if item.filename != main:
                z.writestr(item.filename, src.read(item))
        with z.open(main, "w", force_zip64=True) as part:
            part.write(head.encode())
            chunk = unit.encode() * max(1, MB // len(unit.encode()))
            for _ in range(size // len(chunk)):
                part.write(chunk)
            part.write(tail.encode())
    return out.getvalue()


def paragraphs_docx(size: int) -> bytes:
    """A .docx of `size` bytes of paragraphs: under the unpacked-size limit, far past the character cap."""
    p = "<w:p><w:r><w:t>" + "青石县项目资金使用情况说明" * 40 + "</w:t></w:r></w:p>"
    return big_xml_zip("word", f'<?xml version="1.0"?><w:document {W}><w:body>', p, "</w:body></w:document>", size)


def far_apart_xlsx(rows: int) -> bytes:
    """Values in columns A and IU on `rows` rows: dense, 255 × rows positions."""
    return xlsx("".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="IU{r}"><v>1</v></c></row>'
                        for r in range(1, rows + 1)))


def long_format_xlsx(cells: int) -> bytes:
    """`cells` numbers shown through a number format of 100,000 characters of literal text."""
    styles = (f'<?xml version="1.0"?><styleSheet {S}><numFmts count="1"><numFmt numFmtId="164" '
              f'formatCode="0.00&quot;{"万" * 100_000}&quot;"/></numFmts><cellXfs count="2"><xf numFmtId="0"/>'
              '<xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>')
    rows = "".join(f'<row r="{r}"><c r="A{r}" s="1"><v>{r}.5</v></c><c r="B{r}" s="1"><v>1</v></c></row>'
                   for r in range(1, cells // 2 + 1))
    return xlsx(rows, styles)


def long_txt(size: int) -> bytes:
    line = "青石县2022年度项目资金使用情况说明，全年预算数 100 万元，执行数 90 万元。\n".encode()
    return line * (size // len(line))


# ---------------------------------------------------------------- XML that reaches for more

def with_doctype(package: bytes, part: str, doctype: str, text: str) -> bytes:
    """The package with `doctype` declared before `part`'s root and `text` (entity references) in
    place of the part's first 100.00 / <v>1</v>."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item).decode()
            if item.filename == part:
                decl, _, rest = data.partition("?>")
                data = decl + "?>" + doctype + rest.replace("100.00", text, 1).replace("<v>1</v>", f"<v>{text}</v>", 1)
            z.writestr(item.filename, data)
    return out.getvalue()


def _table_docx() -> bytes:
    return docx("<w:tbl>" + row(cell("全年预算数") + cell("100.00")) + "</w:tbl>")


XXE = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = ('<!DOCTYPE r [<!ENTITY a "lollollollollol">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>")


def lying_zip_bomb(part: str, size: int) -> bytes:
    """A ZIP whose directory says its one part unpacks to 1,000 bytes, and whose data unpacks to `size`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with z.open(part, "w") as f:
            for _ in range(size // (16 * MB)):
                f.write(bytes(16 * MB))
    data = bytearray(out.getvalue())
    local = zipfile.ZipFile(io.BytesIO(data)).getinfo(part).header_offset
    central = data.rindex(b"PK\x01\x02")                 # the part's central entry: the last one
    data[local + 22:local + 26] = data[central + 24:central + 28] = (1000).to_bytes(4, "little")
    return bytes(data)


# ---------------------------------------------------------------- the folder

def past_path_max(batch: Batch) -> None:
    """Folders nested past PATH_MAX, made one at a time from the last (no path names them whole), and a
    report at the bottom."""
    top = batch.inbox / "deep"
    top.mkdir()
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(os.pathconf(top, "PC_PATH_MAX") // 200 + 1):
            os.mkdir("d" * 200, dir_fd=fd)
            fd, parent = os.open("d" * 200, os.O_RDONLY, dir_fd=fd), fd
            os.close(parent)
        with os.fdopen(os.open("deep.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w", encoding="utf-8") as f:
            f.write(GOOD)
    finally:
        os.close(fd)
    batch.expect(top, "a report below folders nested past PATH_MAX", folder=True)


def links(batch: Batch) -> None:
    secret = batch.elsewhere / "key.txt"
    secret.write_text(GOOD.replace("某某市某某区财政局", SECRET), encoding="utf-8")
    for name, target, what in (("kmsg.txt", "/proc/kmsg", "a link to /proc/kmsg (a read blocks for ever)"),
                               ("root", "/", "a link to / (a walk of the whole machine)"),
                               ("key.txt", secret, "a link to a file outside the folder"),
                               ("outside", batch.elsewhere, "a link to a folder outside the folder")):
        (batch.inbox / name).symlink_to(target)
        batch.expect(batch.inbox / name, what)
    os.mkfifo(batch.inbox / "pipe.txt")
    batch.expect(batch.inbox / "pipe.txt", "a named pipe")


def locked(batch: Batch) -> None:
    folder = batch.inbox / "locked"
    (folder / "inner").mkdir(parents=True)
    (folder / "inner" / "r.txt").write_text(GOOD, encoding="utf-8")
    folder.chmod(0)
    batch.expect(folder, "an unreadable folder", folder=True)


def names(batch: Batch) -> None:
    batch.put(GBK_NAME, GOOD, "a GBK file name (not UTF-8)")
    batch.put(b"\xff\xfe-report.txt", GOOD, "a file name with 0xFF bytes")
    for start in ("=", "+", "-", "@"):
        batch.put(f"{start}cmd|' -C calc'!A0.txt", GOOD.replace("某某市某某区财政局", f"{start}HYPERLINK(\"x\")局"),
                  f"a name and an organisation starting with {start}")
    batch.put(f"{ESC}escape.txt", GOOD.replace("全年", f"{ESC}全年"), "escape codes in the name and the text")


def figures(batch: Batch) -> None:
    batch.put("ratio-1e26.txt", TITLE + "全年预算数 1 元，执行数 100000000000000000000000000 元，执行率 90%。\n",
              "an execution ratio of 10²⁶ (past Decimal's 28 digits)")
    batch.put("ratio-1e60.txt", TITLE + "全年预算数 0.00000000000000000001 元，执行数 " + "9" * 39 + " 元。\n",
              "an execution ratio of 10⁵⁸")
    batch.put("negative.txt", TITLE + "全年预算数 -12.5 万元，执行数 1.2E+06元，执行率 －3%。\n",
              "negative and scientific-notation figures")


def build(base: Path) -> Batch:
    """Every hostile file into base/inbox; see the module's docstring."""
    batch = Batch(base)
    broken = build_broken(batch.inbox)                       # tests/test_hostile.py's 36 broken files
    for name in broken.cases:
        batch.expect(batch.inbox / name, "broken: " + name)
    for name, data, what in (
            ("span.docx", billion_column_span_docx(), "gridSpan and gridBefore of 10⁹"),
            ("elements.docx", millions_of_elements_docx(), "millions of XML elements"),
            ("merged.xlsx", merged_to_the_last_cell_xlsx(), "a merged range to XFD1048576"),
            ("spans.html", spans_of_200_by_200_html(), "web cells spanning 200 × 200"),
            ("tags.html", ("<html><body>" + "<b>" * 5_001_000 + "</body></html>").encode(), "millions of tags"),
            ("format.xlsx", long_format_xlsx(20_000), "a number format of 100,000 characters"),
            ("apart.xlsx", far_apart_xlsx(1_000_000), "values in columns A and IU on a million rows"),
            ("paragraphs.docx", paragraphs_docx(390 * MB), "390 MB of paragraphs"),
            ("long.txt", long_txt(200 * MB), "a 200 MB .txt"),
            ("surrogate.pdf", surrogate_pdf(), "a glyph mapped to a lone surrogate"),
            ("indirect-image.pdf", image_pdf(14000, 12000, indirect=True), "an image sized by indirect objects"),
            ("bomb.xlsx", zip_bomb("xl/worksheets/sheet1.xml", 600 * MB), "a declared ZIP bomb (.xlsx)"),
            ("lying-bomb.docx", lying_zip_bomb("word/document.xml", 1024 * MB), "a ZIP bomb whose sizes lie"),
            ("xxe.docx", with_doctype(_table_docx(), "word/document.xml", XXE.replace(" r ", " w:document "),
                                      "&xxe;"), "XXE: an entity naming /etc/passwd"),
            ("laughs.docx", with_doctype(_table_docx(), "word/document.xml", LAUGHS.replace(" r ", " w:document "),
                                         "&j;"), "billion laughs (.docx)"),
            ("laughs.xlsx", with_doctype(xlsx('<row r="1"><c r="A1"><v>1</v></c></row>'), "xl/worksheets/sheet1.xml",
                                         LAUGHS.replace(" r ", " worksheet "), "&j;"), "billion laughs (.xlsx)"),
            ("laughs.html", f"<!DOCTYPE html>{LAUGHS}<html><body><p>&j;</p></body></html>", "billion laughs (.html)")):
        batch.put(name, data, what)
    names(batch)
    figures(batch)
    links(batch)
    locked(batch)
    past_path_max(batch)
    return batch

"""Hostile files: archives are full of broken files, and every one is data.

The test makes each kind of broken file itself (nothing is downloaded), puts them all in one folder
with the symlinks an archive picks up, runs `jixiao extract` on the folder as a user would, and
checks every file got a record whose status and error say what is wrong and what to do. Run with
`-s` to see the table (case, status, error).
"""
from __future__ import annotations

import base64
import ctypes
import hashlib
import io
import json
import os
import random
import struct
import subprocess
from shutil import which
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipeline import extract_file
from pipeline.outputs.texts import Texts
from tests.conftest import CORPUS, jixiao

SYNTH = CORPUS / "synth"
REPORT = SYNTH / "syn-dept-001"
PASSWORD = "jixiao-2021"


# ---------------------------------------------------------------- hand-written PDFs

def pdf_bytes(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF from its objects (1 is the catalog), with a correct xref table."""
    out, offsets = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def _page(content: bytes, resources: bytes) -> list[bytes]:
    return [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources " + resources + b" >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]


# RC4 and the standard security handler, revision 2 (PDF 1.7, 7.6.3, algorithms 2, 3, 4): enough
# for pdfium to ask for the password, computed here because no PDF library at hand encrypts.
PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def rc4(key: bytes, data: bytes) -> bytes:
    s, j = list(range(256)), 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for b in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(b ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def text_pdf(lines: list[str], password: str | None = None) -> bytes:
    """One page of Helvetica text; with a password, RC4-encrypted (user = owner password)."""
    content = b"BT /F1 12 Tf 72 760 Td 16 TL " + b" ".join(b"(%s) '" % line.encode("latin-1") for line in lines) + b" ET"
    file_id = hashlib.md5(b"jixiao hostile").digest()
    trailer = b"/ID [<%s> <%s>]" % (file_id.hex().encode(), file_id.hex().encode())
    objects = _page(content, b"<< /Font << /F1 5 0 R >> >>")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    if password is None:
        return pdf_bytes(objects, trailer)
    padded, p = (password.encode() + PAD)[:32], -44
    owner = rc4(hashlib.md5(padded).digest()[:5], padded)
    key = hashlib.md5(padded + owner + struct.pack("<i", p) + file_id).digest()[:5]
    stream_key = hashlib.md5(key + struct.pack("<i", 4)[:3] + b"\0\0").digest()[:10]
    encrypted = rc4(stream_key, content)
    objects[3] = b"<< /Length %d >>\nstream\n" % len(encrypted) + encrypted + b"\nendstream"
    objects.append(b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
                   % (owner.hex().encode(), rc4(key, PAD).hex().encode(), p))
    return pdf_bytes(objects, trailer + b" /Encrypt 6 0 R")


def image_pdf(width: int, height: int, indirect: bool = False) -> bytes:
    """One page that is one blank grey image of width × height pixels (a zip bomb: kilobytes on disk);
    `indirect` states the size as objects of its own (/Width 6 0 R), as some writers do."""
    z, parts, left = zlib.compressobj(1), [], width * height
    while left:
        n = min(1 << 24, left)
        parts.append(z.compress(bytes(n)))
        left -= n
    image = b"".join(parts) + z.flush()
    objects = _page(b"q 595 0 0 842 0 0 cm /Im1 Do Q", b"<< /XObject << /Im1 5 0 R >> >>")
    size = b"/Width 6 0 R /Height 7 0 R" if indirect else b"/Width %d /Height %d" % (width, height)
    objects.append(b"<< /Type /XObject /Subtype /Image " + size + b" /ColorSpace /DeviceGray "
                   b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % len(image)
                   + image + b"\nendstream")
    if indirect:
        objects += [b"%d" % width, b"%d" % height]
    return pdf_bytes(objects)


def zip_bomb(name: str, size: int) -> bytes:
    """A .docx/.xlsx whose one part unpacks to `size` bytes of zeros (kilobytes on disk)."""
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with z.open(name, "w", force_zip64=True) as part:
            for _ in range(size >> 24):
                part.write(bytes(1 << 24))
    return buf.getvalue()


def many_pages(n: int) -> bytes:
    import pypdfium2 as pdfium
    import io
    pdf = pdfium.PdfDocument.new()
    for _ in range(n):
        pdf.new_page(595, 842)
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    return buf.getvalue()


# ---------------------------------------------------------------- the cases

@dataclass
class Case:
    status: str
    words: tuple[str, ...] = ()           # each must be in the error (what is wrong, what to do)
    nulls: bool = False                   # ok, and no budget, score or year read
    rules: tuple[str, ...] = ()           # findings it must have
    facts: dict = field(default_factory=dict)      # fields read, and their values
    note: str = ""


@dataclass
class Inbox:
    folder: Path
    cases: dict[str, Case] = field(default_factory=dict)

    def add(self, name: str, data: bytes | str, case: Case) -> Path:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        self.cases[name] = case
        return path


TITLE = "某某市某某区财政局2021年度部门整体支出绩效自评报告\n"
JUNK = random.Random(8).randbytes(4096)


def build(folder: Path) -> Inbox:
    box = Inbox(folder)
    pdf = REPORT.with_suffix(".pdf").read_bytes()
    box.add("empty.pdf", b"", Case("failed", ("empty", "re-download")))
    box.add("empty.txt", b"", Case("failed", ("empty", "re-download")))
    box.add("truncated.pdf", pdf[:len(pdf) * 6 // 10], Case("failed", ("truncated", "re-download", "qpdf")))
    box.add("corrupted.pdf", pdf[:20] + bytes(len(pdf) - 60) + pdf[-40:], Case("failed", ("damaged", "qpdf")))
    box.add("no-pages.pdf", many_pages(0), Case("failed", ("re-download",)))
    box.add("encrypted.pdf", text_pdf(["Annual report"], PASSWORD), Case("failed", ("password-protected", "--password")))
    box.add("not-a-pdf.pdf", TITLE + "全年预算数 100 万元。", Case("failed", ("not a PDF", "extension")))
    box.add("word-named.pdf", REPORT.with_suffix(".docx").read_bytes(), Case("failed", ("Word", "rename it to .docx")))
    box.add("pdf-named.txt", pdf, Case("failed", ("is a PDF", "rename it to .pdf")))
    box.add("thousands.pdf", many_pages(3000), Case("failed", ("3000 pages", "page cap", "--max-pages")))
    box.add("huge-image.pdf", image_pdf(14000, 12000), Case("failed", ("14000×12000", "memory guard", "downsample")))
    box.add("shift-jis.txt", ("予算執行報告書。今年度の予算は一千万円で、執行率は百パーセントでした。" * 10).encode("shift_jis"),
            Case("failed", ("text encoding", "UTF-8")))
    box.add("koi8.txt", ("Отчёт об исполнении бюджета за 2021 год. " * 20).encode("koi8-r"),
            Case("failed", ("text encoding", "UTF-8")))
    box.add("big5.txt", ("某某市某某區財政局2021年度部門整體支出績效自評報告\n全年預算數 100 萬元，執行數 90 萬元，"
                         "執行率 90%。\n" * 3).encode("big5"), Case("ok", facts={"report_type": "department",
                                                                              "fiscal_year": 2021}))
    box.add("junk.txt", JUNK, Case("failed", ("does not look like text",)))
    box.add("junk.pdf", JUNK, Case("failed", ("not a PDF",)))
    box.add("junk.docx", JUNK, Case("failed", ("not a valid .docx", "save as .docx")))
    box.add("junk.xlsx", JUNK, Case("failed", ("not a valid .xlsx", "save as .xlsx")))
    box.add("junk.html", JUNK, Case("failed", ("does not look like a web page",)))
    box.add("zip-bomb.docx", zip_bomb("word/document.xml", 600 << 20), Case("failed", ("unpacks to", "ZIP bomb")))
    box.add("junk.bin", JUNK, Case("skipped", (".bin is not a report format", "supported")))
    box.add("legacy.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), Case("failed", ("libreoffice",)))
    box.add("english.txt", "Annual Performance Report\nThe department delivered its programmes on time.\n",
            Case("ok", nulls=True))
    box.add("english.pdf", text_pdf(["Annual Performance Report", "The department delivered its programmes."]),
            Case("ok", nulls=True))
    box.add("no-figures.txt", "关于加强预算绩效管理工作的说明\n本单位高度重视预算绩效管理，认真组织开展自评工作，"
            "各项工作有序推进，取得了较好的社会效益。\n", Case("ok", nulls=True))
    box.add("absurd.txt", TITLE + "全年预算数 1000000000000000000000000000000 元，执行数 1000000000000000000000000000000 元，"
            "执行率 1000000000%。\n", Case("ok", rules=("rate_out_of_range", "amount_out_of_range")))
    unreadable = box.add("unreadable.pdf", pdf, Case("failed", ("Permission denied", "chmod")))
    unreadable.chmod(0)
    (folder / "broken-link.pdf").symlink_to("gone.pdf")
    box.cases["broken-link.pdf"] = Case("failed", ("broken link", "gone.pdf", "fix or remove the link"))
    (folder / "loop-a.txt").symlink_to("loop-b.txt")
    (folder / "loop-b.txt").symlink_to("loop-a.txt")
    box.cases["loop-a.txt"] = box.cases["loop-b.txt"] = Case("failed", ("loop", "fix or remove the link"))
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to("..")          # a folder loop: walked once, not for ever
    return box


# ---------------------------------------------------------------- running it

def _no_dac_override() -> None:
    """In the child, as root: drop the capabilities that let root read a chmod 000 file
    (PR_CAPBSET_DROP, CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH), so exec'd jixiao is refused as a user is."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _as_user() -> dict:
    """subprocess keywords under which chmod 000 really blocks a read, or None when that cannot be had."""
    if os.geteuid() != 0:
        return {}
    return {"preexec_fn": _no_dac_override}


def _blocks(path: Path, kw: dict) -> bool:
    try:
        r = subprocess.run([sys.executable, "-c", f"open({str(path)!r}, 'rb')"], capture_output=True, **kw)
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode != 0 and b"PermissionError" in r.stderr


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    box = build(base / "inbox")
    kw = _as_user()
    if not _blocks(base / "inbox" / "unreadable.pdf", kw):
        box.cases["unreadable.pdf"] = Case("ok", note="skipped: chmod 000 does not block reads here (root with "
                                           "CAP_DAC_OVERRIDE that cannot be dropped)")
        kw = {}
    out = base / "out"
    cmd = [which("jixiao", path=str(Path(sys.executable).parent)) or "jixiao",
           "extract", str(base / "inbox"), "-o", str(out), "-q"]
    done = subprocess.run(cmd, capture_output=True, timeout=900, cwd=CORPUS.parent, **kw)
    records = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    return box, done, out, {Path(r["source"]["path"]).relative_to(base / "inbox").as_posix(): r for r in records}


def test_every_hostile_file_gets_a_record_that_says_what_to_do(run):
    box, done, out, records = run
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    rows = []
    for name, case in sorted(box.cases.items()):
        r = records.get(name)
        said = (r and r["error"]) or case.note
        if r and not said:
            said = ("findings: " + ", ".join(sorted({f["rule"] for f in r["findings"]})) if r["findings"] else
                    "no figures read" if all(v is None for v in r["budget"].values()) else "figures read")
        rows.append((name, r and r["status"], said or ""))
    width = max(len(n) for n, _, _ in rows)
    print("\n" + "\n".join(f"{n:<{width}}  {s or 'NO RECORD':<8} {e}" for n, s, e in rows))
    assert set(records) == set(box.cases), "every file in the folder, and nothing else, has one record"
    for name, case in box.cases.items():
        r = records[name]
        if case.note:
            continue
        assert r["status"] == case.status, (name, r["status"], r["error"])
        for word in case.words:
            assert word in r["error"], (name, word, r["error"])
        if case.status != "ok":
            assert "bug in jixiao" not in r["error"], (name, r["error"])
        if case.nulls:
            assert r["fiscal_year"] is None and r["self_score"] is None and r["findings"] == [], name
            assert all(v is None for v in r["budget"].values()), name
        assert set(case.rules) <= {f["rule"] for f in r["findings"]}, (name, r["findings"])
        for k, v in case.facts.items():
            assert r[k] and r[k]["value"] == v, (name, k, r[k])


def test_absurd_figures_reach_every_output(run):
    """10³⁰ 元 and 10⁹ % are written as the numbers they are, to Parquet, DuckDB and the spreadsheet."""
    _, done, out, records = run
    assert done.returncode == 0
    import duckdb
    import openpyxl
    con = duckdb.connect(str(out / "jixiao.duckdb"), read_only=True)
    rows = con.execute("SELECT total_yuan, rate_pct FROM records WHERE path LIKE '%absurd.txt'").fetchall()
    assert rows == [(1e30, 1e9)]
    import pyarrow.parquet as pq
    table = pq.read_table(out / "records.parquet").to_pylist()
    assert [r["total_yuan"] for r in table if r["path"].endswith("absurd.txt")] == [1e30]
    sheet = openpyxl.load_workbook(out / "jixiao.xlsx", read_only=True).worksheets[0]
    assert 1e30 in [c for row in sheet.iter_rows(values_only=True) for c in row]


def test_the_password_opens_an_encrypted_pdf(tmp_path):
    from pipeline.readers.load import LoadError, load
    path = tmp_path / "encrypted.pdf"
    path.write_bytes(text_pdf(["Annual report 2021"], PASSWORD))
    assert load(path, password=PASSWORD).pages[0].strip() == "Annual report 2021"
    with pytest.raises(LoadError, match="password given with --password does not open it"):
        load(path, password="wrong")


def test_extract_with_password_reads_an_encrypted_pdf(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "encrypted.pdf").write_bytes(text_pdf(["Annual report 2021"], PASSWORD))
    done = jixiao("extract", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q", "--password", PASSWORD)
    assert done.returncode == 0, done.stderr
    record = json.loads((tmp_path / "out" / "records.jsonl").read_text(encoding="utf-8"))
    assert record["status"] == "ok", record["error"]


def test_a_named_pipe_fails_instead_of_blocking(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    code = f"from pipeline import extract_file; r = extract_file({str(fifo)!r}); print(r.status, r.error)"
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("blocked reading the named pipe")
    assert done.stdout.startswith(b"failed") and b"not a regular file" in done.stdout


def test_a_symlinked_folder_is_not_silently_dropped(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "report.txt").write_text(TITLE + "全年预算数 100 万元。", encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "linked").symlink_to(tmp_path / "elsewhere")
    done = jixiao("extract", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q", "--jobs", "1")
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "out" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    assert any("linked" in json.loads(line)["source"]["path"] for line in lines)


def test_a_damaged_pdf_read_after_an_encrypted_one_is_not_called_password_protected(tmp_path):
    """pdfium keeps its last error per thread: a PDF it cannot open, read right after a
    password-protected one in the same process, must not inherit that one's password error."""
    (tmp_path / "a.pdf").write_bytes(text_pdf(["Annual report"], PASSWORD))
    (tmp_path / "b.pdf").write_bytes(many_pages(0))
    assert "password-protected" in extract_file(tmp_path / "a.pdf").error
    error = extract_file(tmp_path / "b.pdf").error
    assert "password" not in error and "re-download" in error


# ---------------------------------------------------------------- issue 18: names, characters, cells

GBK_NAME = "报告".encode("gbk") + b".txt"          # as a Windows ZIP unpacks a Chinese name on Linux
GOOD = TITLE + "全年预算数 100 万元，执行数 90 万元，执行率 90%。\n"


def _records(out: Path) -> list[dict]:
    """records.jsonl read strictly: every byte UTF-8, every line JSON."""
    return [json.loads(line) for line in (out / "records.jsonl").read_bytes().decode("utf-8").splitlines()]


def test_a_file_name_that_is_not_utf8_gets_its_record_and_the_batch_goes_on(tmp_path):
    from pipeline.cli import main
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "good.txt").write_text(GOOD, encoding="utf-8")
    gbk = os.path.join(os.fsencode(inbox), GBK_NAME)
    with open(gbk, "wb") as f:
        f.write(GOOD.encode("utf-8"))
    assert main(["extract", str(inbox), "-o", str(tmp_path / "out"), "-q", "-j", "1"]) == 0
    records = _records(tmp_path / "out")
    assert [r["status"] for r in records] == ["ok", "ok"]
    named = next(r for r in records if r["source"]["path_bytes"])
    assert base64.b64decode(named["source"]["path_bytes"]) == gbk                  # lossless
    assert named["source"]["path"].endswith(r"\xb1\xa8\xb8\xe6.txt")              # readable
    assert "报告.txt" in named["source"]["notes"][0]
    assert named["budget"]["total_yuan"]["value"] == 1_000_000
    assert main(["extract", str(inbox), "-o", str(tmp_path / "out"), "-q", "-j", "1"]) == 0   # a rerun
    assert _records(tmp_path / "out") == records
    assert b"\\xb1\\xa8" in (tmp_path / "out" / "records.csv").read_bytes()


def surrogate_pdf() -> bytes:
    """One page of Helvetica whose ToUnicode map sends the glyph "A" to U+D800, a lone surrogate."""
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def /CMapType 2 def "
            b"1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfchar <41> <D800> endbfchar endcmap "
            b"CMapName currentdict /CMap defineresource pop end end")
    objects = _page(b"BT /F1 12 Tf 72 760 Td (2021 A budget) Tj ET", b"<< /Font << /F1 5 0 R >> >>")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>")
    objects.append(b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream")
    return pdf_bytes(objects)


def test_a_pdf_whose_font_maps_a_glyph_to_a_lone_surrogate_gets_its_record(tmp_path):
    from pipeline.cli import main
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "surrogate.pdf").write_bytes(surrogate_pdf())
    (tmp_path / "in" / "good.txt").write_text(GOOD, encoding="utf-8")
    assert main(["extract", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q", "-j", "1"]) == 0
    records = {Path(r["source"]["path"]).name: r for r in _records(tmp_path / "out")}
    assert records["good.txt"]["status"] == "ok"
    r = records["surrogate.pdf"]
    assert r["status"] == "ok" and "1 character of the text was not valid Unicode" in r["source"]["notes"][0]
    with Texts(tmp_path / "out") as texts:
        text = texts.get(r["source"]["sha256"])
    assert text is not None and text.startswith("2021 \ufffd budget")


def test_text_leaves_every_reader_as_valid_unicode_with_a_note(tmp_path):
    """At the reader boundary (load): a surrogate escape the text reader kept, and one a caller's string holds."""
    from pipeline import extract_text
    from pipeline.outputs.export import record_json
    from pipeline.readers.load import valid_doc
    from pipeline.models import RawDoc, Source
    doc = valid_doc(RawDoc(source=Source(path="x.txt", sha256="0", format="txt"), pages=("a\udcb1b", "\ud800")))
    assert doc.pages == ("a\ufffdb", "\ufffd") and "2 characters" in doc.source.notes[0]
    r = extract_text(GOOD + "损坏\udcff的字符\n")
    assert "1 character" in r.source.notes[0] and r.budget.total_yuan.value == 1_000_000
    record_json(r).encode("utf-8")


def test_panel_xlsx_keeps_text_that_looks_like_a_formula_as_text(tmp_path):
    import openpyxl
    from pipeline import extract_text
    from pipeline.outputs import panel
    formula = "=cmd|' /C calc'!A0"
    records = [extract_text(GOOD.replace("某某市某某区财政局", "青石县财政局"), path=formula + ".txt")]
    panel.write(panel.build(records), tmp_path)
    cells = [c for ws in openpyxl.load_workbook(tmp_path / "panel.xlsx").worksheets for row in ws.iter_rows()
             for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)
    import zipfile
    with zipfile.ZipFile(tmp_path / "panel.xlsx") as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_every_csv_neutralises_text_that_starts_like_a_formula_and_keeps_numbers(tmp_path):
    """records.csv, findings.csv and the panel's CSVs: one rule (export.csv_safe) for all."""
    import csv as csvlib
    from pipeline import extract_text
    from pipeline.outputs import panel
    from pipeline.outputs.export import FORMULA_START, csv_safe, write_csvs
    assert csv_safe(-5.0) == -5.0 and csv_safe(-5) == -5 and csv_safe("-5") == "'-5"
    records = [extract_text(GOOD, path=f"{c}cmd|' /C calc'!A0 {i}.txt") for i, c in enumerate(FORMULA_START)]
    records.append(extract_text("-1 某某单位\n" + GOOD + "自评得分 -5 分。执行率 1000%。\n", path="@x.txt"))
    write_csvs(tmp_path, records, headers="code")
    panel.write(panel.build(records), tmp_path)
    names = ("records.csv", "findings.csv", "panel.csv", "panel_findings.csv", "panel_unplaced.csv")
    cells = [c for n in names
             for row in csvlib.reader((tmp_path / n).open(encoding="utf-8-sig", newline="")) for c in row]
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    assert sum(c.startswith("'") for c in cells) >= len(FORMULA_START) + 1
    with (tmp_path / "records.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csvlib.DictReader(f))
    assert {r["total_yuan"] for r in rows} == {"1000000.0"} and rows[0]["path"] == "'=cmd|' /C calc'!A0 0.txt"


def test_a_rate_too_large_for_decimal_rounding_keeps_the_record_and_its_facts():
    """executed / total = 10²⁶: the execution_rate check cannot round it to cents in Decimal's 28 digits;
    the record stays ok with every fact, and the checks that can compute still speak."""
    from pipeline import extract_text
    r = extract_text(TITLE + "全年预算数 1 元，执行数 100000000000000000000000000 元，执行率 90%。\n")
    assert r.status == "ok", r.error
    assert r.budget.executed_yuan.value == 1e26 and r.budget.rate_pct.value == 90
    assert {"executed_exceeds_budget", "amount_out_of_range"} <= {f.rule for f in r.findings}


# ---------------------------------------------------------------- issue 18: what the run's process reads, where links lead

_opened: list[str] | None = None        # what this process opens while a test watches (an audit hook)


def _note_open(event: str, args: tuple) -> None:
    if event == "open" and _opened is not None:
        _opened.append(os.fsdecode(args[0]) if isinstance(args[0], (str, bytes)) else str(args[0]))


def test_the_inputs_are_hashed_and_read_in_the_workers_never_in_the_run_s_own_process(tmp_path):
    """A read may block for ever (a link to /proc/kmsg) where --timeout does not reach: the run's own
    process only stats the inputs, the workers hash and read them under the time limit."""
    global _opened
    from pipeline.batch import runner
    from pipeline.cli import iter_files
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in ("a.txt", "b.txt"):
        (inbox / name).write_text(GOOD, encoding="utf-8")
    sys.addaudithook(_note_open)
    _opened = []
    try:
        first = runner.run(iter_files([str(inbox)]), tmp_path / "out", jobs=1, timeout=30)
        again = runner.run(iter_files([str(inbox)]), tmp_path / "out", jobs=1, timeout=30)
        read_here = [p for p in _opened if p.startswith(str(inbox))]
    finally:
        _opened = None
    assert read_here == []
    assert (first.processed, again.processed, again.up_to_date) == (2, 0, 2)
    records = _records(tmp_path / "out")
    assert {r["source"]["sha256"] for r in records} == {hashlib.sha256(GOOD.encode()).hexdigest()}


def test_links_out_of_the_input_folder_are_skipped_unless_follow_links(tmp_path):
    """A hostile archive's links to a secret file, a folder and / are not followed: each gets a skipped
    record saying why, nothing of them reaches the outputs, / is not walked; a link inside is read."""
    from pipeline.cli import main
    secret = tmp_path / "elsewhere"
    secret.mkdir()
    (secret / "key.txt").write_text(GOOD.replace("某某市某某区财政局", "机密局"), encoding="utf-8")
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "good.txt").write_text(GOOD, encoding="utf-8")
    (inbox / "alias.txt").symlink_to("good.txt")
    (inbox / "key.txt").symlink_to(secret / "key.txt")
    (inbox / "folder").symlink_to(secret)
    (inbox / "root").symlink_to("/")
    out = tmp_path / "out"
    assert main(["extract", str(inbox), "-o", str(out), "-q", "-j", "1"]) == 0
    by_name = {Path(r["source"]["path"]).name: r for r in _records(out)}
    assert set(by_name) == {"good.txt", "alias.txt", "key.txt", "folder", "root"}
    assert by_name["good.txt"]["status"] == by_name["alias.txt"]["status"] == "ok"
    for name in ("key.txt", "folder", "root"):
        r = by_name[name]
        assert r["status"] == "skipped" and "outside the folders given" in r["error"], (name, r)
        assert "--follow-links" in r["error"]
    assert "机密局" not in (out / "records.jsonl").read_text(encoding="utf-8") + \
        (out / "texts.jsonl").read_text(encoding="utf-8")
    (inbox / "root").unlink()
    assert main(["extract", str(inbox), "-o", str(out), "-q", "-j", "1", "--follow-links"]) == 0
    by_name = {Path(r["source"]["path"]).relative_to(inbox).as_posix(): r for r in _records(out)}
    assert set(by_name) == {"good.txt", "alias.txt", "key.txt", "folder/key.txt"}
    assert by_name["key.txt"]["status"] == "ok" and by_name["key.txt"]["organization"]["value"] == "机密局"


def test_the_image_memory_guard_reads_a_size_stated_as_indirect_objects(tmp_path):
    """/Width 6 0 R /Height 7 0 R: the guard must not read the object numbers as the size."""
    from pipeline.readers.load import LoadError, load
    path = tmp_path / "indirect.pdf"
    path.write_bytes(image_pdf(14000, 12000, indirect=True))
    with pytest.raises(LoadError, match="14000×12000 pixels .* memory guard"):
        load(path)


def test_audit_shows_escape_codes_in_file_names_as_text_and_reads_in_workers(tmp_path, capsys):
    """File names with terminal escape codes (clear the screen, retitle the window) and a bidi override:
    `jixiao audit` prints their codes, never the bytes (a document's own are dropped by the text layer);
    the reports are read by extract's isolated workers (time limit, crash isolation), never in the
    command's own process."""
    global _opened
    from pipeline.cli import main
    esc = "\x1b[2J\x1b]0;pwned\x07\u202e"
    (tmp_path / f"{esc}empty.txt").write_bytes(b"")
    (tmp_path / f"{esc}rate.txt").write_text(GOOD.replace("执行率 90%", "执行率 50%"),
                                             encoding="utf-8")
    sys.addaudithook(_note_open)
    _opened = []
    try:
        code = main(["audit", str(tmp_path), "-j", "1"])
        read_here = [p for p in _opened if p.startswith(str(tmp_path))]
    finally:
        _opened = None
    printed = capsys.readouterr().out
    assert code == 0 and read_here == []
    assert "execution_rate" in printed and "empty" in printed
    assert not any(c in printed for c in "\x1b\x07\u202e"), printed
    assert printed.count("\\x1b[2J\\x1b]0;pwned\\x07\\u202e") == 2         # the failed line, the finding's heading


# ---------------------------------------------------------------- issue 18, item 5: small files that ask for all memory

def test_a_worker_past_its_memory_limit_is_ended_and_the_batch_goes_on(tmp_path):
    """The memory watchdog: OCR of a scanned page takes about 1 GB resident; under a 600 MB limit its
    worker is ended, the file gets a failed record naming the limit, and a replaced worker reads the rest."""
    from pipeline.batch import runner
    from pipeline.cli import iter_files
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "scan.pdf").write_bytes(REPORT.with_suffix(".scan.pdf").read_bytes())
    (tmp_path / "in" / "z.txt").write_text(GOOD, encoding="utf-8")
    runner.run(iter_files([str(tmp_path / "in")]), tmp_path / "out", jobs=1, timeout=300, memory=600 << 20)
    scan, text = _records(tmp_path / "out")
    assert scan["status"] == "failed" and "600 MB of memory" in scan["error"] and "--max-memory" in scan["error"]
    assert text["status"] == "ok"


def test_a_docx_cell_spanning_a_billion_columns_reads_as_a_narrow_table(tmp_path):
    """gridSpan and gridBefore of 10⁹ (a 40 KB .docx took 9.9 GiB): each counts for at most MAX_SPAN."""
    import docx
    from pipeline.batch import runner
    from pipeline.cli import iter_files
    from pipeline.limits import MAX_SPAN
    d = docx.Document()
    d.add_paragraph(TITLE.strip())
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "全年预算数", "100万元"
    buf = io.BytesIO()
    d.save(buf)
    (tmp_path / "in").mkdir()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(tmp_path / "in" / "span.docx", "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:tr>", b'<w:tr><w:trPr><w:gridBefore w:val="1000000000"/></w:trPr>', 1)
                data = data.replace(b"<w:tcPr>", b'<w:tcPr><w:gridSpan w:val="1000000000"/>', 1)
                assert b"gridSpan" in data and b"gridBefore" in data
            dst.writestr(item, data)
    runner.run(iter_files([str(tmp_path / "in")]), tmp_path / "out", jobs=1, timeout=120, memory=1 << 30)
    (r,) = _records(tmp_path / "out")
    assert r["status"] == "ok", r["error"]          # in a worker held under 1 GB
    from pipeline.readers.load import load
    doc = load(tmp_path / "in" / "span.docx")
    assert max(c.col for c in doc.cells) <= 2 * MAX_SPAN + 1 and "100万元" in doc.pages[0]


def test_a_sheet_with_values_far_apart_on_many_rows_is_not_made_a_dense_grid():
    """Cells in columns A and IU on 5,000 rows: 1.3 million cells dense; only the two columns are kept."""
    import openpyxl
    from pipeline.readers.sheet import sheet_grid
    ws = openpyxl.Workbook().active
    for row in range(1, 5001):
        ws.cell(row, 1, f"项目{row}")
        ws.cell(row, 255, row)
    grid = sheet_grid(ws)
    assert len(grid) == 5000 and {len(row) for row in grid} == {2} and grid[0] == ["项目1", "1"]


def test_a_number_format_longer_than_excel_allows_shows_the_number_as_general():
    """A format's literal text is repeated in every cell it formats: one of 100,000 characters over a
    sheet of numbers was gigabytes of text."""
    from pipeline.readers.sheet import display
    assert display(5, '"' + "x" * 100_000 + '"0') == "5"
    assert display(5, '"元"0.00') == "元5.00"


def test_a_document_past_the_character_cap_fails_saying_so(tmp_path, monkeypatch):
    from pipeline.readers import load as load_module
    from pipeline.readers.load import LoadError, load
    path = tmp_path / "long.txt"
    path.write_text("预" * 1000, encoding="utf-8")       # 1,000 characters, 3,000 bytes
    monkeypatch.setattr(load_module, "MAX_CHARS", 900)
    with pytest.raises(LoadError, match="1,000 characters of text, more than the 900"):
        load(path)
    monkeypatch.setattr(load_module, "MAX_CHARS", 500)      # refused by its size, before it is read
    with pytest.raises(LoadError, match="0 MB of text, more than the 500"):
        load(path)

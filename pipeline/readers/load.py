"""load: a path -> RawDoc, through the reader for its format, or a LoadError a person can act on.

Readers are imported when a file of their format first arrives, so a batch of .txt files never
loads pdfium, and a missing optional extra only matters for the files that need it.

Before a reader sees the bytes, two cheap guards run, because archives are full of broken files:
- the content must be what the name says (a Word file named .pdf, a PDF named .txt): the error
  names what the file really is and the extension to give it;
- a PDF is opened once to count its pages (a PDF of thousands of pages is refused before any page
  is read: the page cap) and to see whether it is password-protected (the error says to pass
  --password; with the password, the reader gets a decrypted copy, so neither pdfium nor
  pdfplumber needs to know about passwords).
"""
from __future__ import annotations

import base64
import errno
import hashlib
import importlib
import os
import re
import stat
import unicodedata
from pathlib import Path

from ..limits import MAX_CHARS, MAX_PAGES
from ..models import RawDoc, Source
from .sniff import sniff

READERS = {".txt": "text", ".pdf": "pdf", ".docx": "word", ".html": "web", ".htm": "web", ".xlsx": "sheet"}
LEGACY = {
    ".doc": "a legacy Word file: convert it to .docx (libreoffice --headless --convert-to docx FILE) and run again",
    ".wps": "a WPS Writer file: save it as .docx in WPS, or convert it (libreoffice --headless --convert-to docx "
            "FILE), and run again",
    ".xls": "a legacy Excel file: convert it to .xlsx (libreoffice --headless --convert-to xlsx FILE) and run again",
    ".et": "a WPS spreadsheet: save it as .xlsx, or convert it (libreoffice --headless --convert-to xlsx FILE), "
           "and run again",
}
MAX_IMAGE_PIXELS = 150_000_000   # a scan's image OCR may decode: A3 at 1200 dpi; 30000² px would take GBs
LITTLE_TEXT = 300                # characters: a page with fewer and a large image may be rendered for OCR
MAX_UNPACKED = 500_000_000       # bytes a .docx/.xlsx may unpack to: a zip bomb would fill the memory


class LoadError(Exception):
    """The file could not be read. The message says what is wrong with the file and what to do about
    it, in words; `code` names the problem (a stable snake_case name a program can count failures by,
    the record's error_code); `detail` is what a library said, for a report to jixiao's developers
    (error_detail), never in the message."""

    def __init__(self, message: str, code: str, detail: str | None = None):
        super().__init__(message)
        self.code, self.detail = code, detail


class Unsupported(LoadError):
    """Not a report format jixiao reads: the file is recorded as skipped."""

    def __init__(self, message: str):
        super().__init__(message, "unsupported_format")


def detail(e: BaseException) -> str:
    """An exception as error_detail keeps it: its class and message."""
    return f"{type(e).__name__}: {e}"


def unexpected(e: BaseException) -> LoadError:
    """What a file's record says when reading it raised what no reader meant: memory that ran out (the
    file asks for too much), or a bug, named as one; the exception only in error_detail."""
    if isinstance(e, MemoryError):
        return LoadError(too_much_memory("the memory this worker may have (the --max-memory limit, or the "
                                         "machine's)"), "out_of_memory", detail(e))
    return LoadError("jixiao stopped on this file: this is a bug in jixiao; please report it with the file (the "
                     "record's error_detail says what went wrong)", "bug", detail(e))


def too_much_memory(limit: str) -> str:
    """What a file whose reading ran out of memory is told, here and by the runner's memory watchdog."""
    return (f"reading it took more than {limit}: the file asks for far more than a report needs (a huge "
            "table span, sheet or text); check it, or raise the limit with --max-memory MB (0: none)")


def source_of(path: Path, data: bytes = b"") -> Source:
    """A file's source; a name that `path` cannot show as it is (not UTF-8, as a GBK name a Windows ZIP
    unpacked; or holding control or bidi characters) is kept exactly in `path_bytes`, and `path` shows
    it readable, so the record can be written and no output shows it reordered or garbled."""
    raw, shown = os.fsencode(path), path_text(path)
    exact, notes = None, []
    try:
        if raw.decode("utf-8") != shown:
            exact, notes = base64.b64encode(raw).decode("ascii"), [NAME_CONTROLS]
    except UnicodeDecodeError:
        exact, notes = base64.b64encode(raw).decode("ascii"), [_name_note(raw)]
    return Source(path=shown, path_bytes=exact, sha256=hashlib.sha256(data).hexdigest(),
                  format=path.suffix.lower().lstrip(".") or "none", notes=notes)


def path_text(path: str | Path) -> str:
    """A path as a person may read it in every output: valid Unicode, the bytes that are not UTF-8 read
    as \\xNN, control and bidi characters as their codes (visible)."""
    return visible(os.fsencode(path).decode("utf-8", "backslashreplace"))


_HIDDEN = frozenset(("Cc", "Cf", "Zl", "Zp"))


def visible(text: str) -> str:
    """Text with each control or format character (an escape sequence, a newline, U+202E that shows
    what follows reversed, a zero-width joiner) written as its code, \\x1b, \\u202e: what a name shows
    is what it is, in a terminal, a table or a web page."""
    return text if text.isprintable() else "".join(map(_visible_char, text))


def _visible_char(c: str) -> str:
    if unicodedata.category(c) not in _HIDDEN:
        return c
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


NAME_CONTROLS = ("the file name holds control or bidi characters (a newline, an escape sequence, U+202E that shows "
                 "the rest reversed): path shows each as its code (\\u202e), path_bytes holds it exactly (base64); "
                 "rename the file")


def _name_note(raw: bytes) -> str:
    """What the record says of a name that is not UTF-8, with the GB18030 reading when there is one."""
    name = os.path.basename(raw)
    from .decode import gbk_reading        # here: decode imports this module's LoadError
    reading = gbk_reading(name)
    guess = f" (read as GBK: {visible(reading)})" if reading is not None else ""
    return (f"the file name is not UTF-8{guess}: path shows its other bytes as \\xNN, path_bytes holds it exactly "
            "(base64); rename it to UTF-8 (convmv -f gbk -t utf-8 --notest FILE) so that every tool reads its name")


_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_unicode(text: str) -> tuple[str, int]:
    """The text with each lone UTF-16 surrogate (no character: it cannot be written as UTF-8) replaced
    by U+FFFD, one for one so that offsets hold, and how many there were."""
    if _SURROGATE.search(text) is None:
        return text, 0
    return _SURROGATE.subn("\ufffd", text)


def valid_doc(doc: RawDoc) -> RawDoc:
    """A reader's pages as valid Unicode, before they leave load(): a font that maps a glyph to a lone
    surrogate, or a decoder that kept a bad byte, must not stop the record being written. The record
    notes how many characters were replaced."""
    pages, bad = [], 0
    for page in doc.pages:
        page, n = valid_unicode(page)
        pages.append(page)
        bad += n
    if not bad:
        return doc
    note = (f"{bad} character{'s' if bad > 1 else ''} of the text {'were' if bad > 1 else 'was'} not valid Unicode "
            "(lone UTF-16 surrogates, as a damaged font map gives) and read as U+FFFD")
    return doc.model_copy(update={"pages": tuple(pages),
                                  "source": doc.source.model_copy(update={"notes": [*doc.source.notes, note]})})


def load(path: Path, *, max_pages: int | None = MAX_PAGES, password: str | None = None) -> RawDoc:
    """Read one file. `max_pages` (None: no cap) refuses longer PDFs before reading a page;
    `password` opens a password-protected PDF."""
    suffix = path.suffix.lower()
    if suffix in LEGACY:
        raise LoadError(f"{path.name} is {LEGACY[suffix]}", "legacy_format")
    reader = READERS.get(suffix)
    if reader is None:
        raise Unsupported(f"{suffix or 'files without an extension'} is not a report format jixiao reads "
                          f"(supported: {', '.join(sorted(READERS))})")
    _check_file(path)
    if reader in ("text", "web") and path.stat().st_size > 4 * MAX_CHARS:       # 4 bytes a character at most
        raise LoadError(too_long(f"{path.stat().st_size / 1e6:,.0f} MB of text"), "too_long")
    try:
        data = path.read_bytes()
    except IsADirectoryError as e:
        raise LoadError("the path is a folder, not a file; give the folder itself to jixiao extract",
                        "not_a_file") from e
    except OSError as e:
        raise LoadError(f"cannot read the file ({e.strerror or e}); check that it exists and that you may "
                        "read it (ls -l FILE; chmod a+r FILE), and run again", "cannot_read") from e
    if not data:
        raise LoadError("the file is empty (0 bytes); re-export or re-download the report", "empty_file")
    _check_content(data, suffix)
    source = source_of(path, data).model_copy(update={"format": suffix.lstrip(".")})
    if reader == "pdf":
        data = _pdf_guard(data, max_pages, password)
    elif reader in ("word", "sheet"):
        _zip_guard(data, suffix)
    try:
        module = importlib.import_module(f".{reader}", __package__)
    except ImportError as e:
        raise LoadError(f"reading {suffix} files needs the Python package {e.name!r}, which is not installed; "
                        "reinstall jixiao with its dependencies (pip install -e '.[ocr]')", "missing_dependency") from e
    doc = valid_doc(module.read(data, source))
    chars = sum(len(p) for p in doc.pages)
    if chars > MAX_CHARS:
        raise LoadError(too_long(f"{chars:,} characters of text"), "too_long")
    return doc


def too_long(what: str) -> str:
    """What a document past the character cap is told, here and by the readers that stop at it."""
    return (f"the file holds {what}, more than the {MAX_CHARS:,} characters jixiao reads in one document (a "
            "report has a few million at most): if it is many reports in one, split it; else it is not a report")


def _check_file(path: Path) -> None:
    """A broken or looping symbolic link, or something that is not a file (a named pipe would block
    the read for ever), fails before it is opened."""
    try:
        st = path.stat()
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise LoadError("the file is a symbolic link that leads back to itself (a loop); fix or remove "
                            "the link, and run again", "broken_link") from e
        if path.is_symlink():
            raise LoadError(f"the file is a symbolic link to {path_text(os.readlink(path))}, which does not exist (a broken "
                            "link); fix or remove the link, or copy the report there, and run again",
                            "broken_link") from e
        raise LoadError(f"cannot read the file ({e.strerror or e}); check that it exists and that you may "
                        "read it, and run again", "cannot_read") from e
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        raise LoadError("the path is not a regular file (a named pipe, socket or device); jixiao reads files: "
                        "copy the report to a file and run again", "not_a_file")


# ---------------------------------------------------------------- is the file what its name says?

def _check_content(data: bytes, suffix: str) -> None:
    """For .pdf and .txt: the Word, sheet and web readers tell a misnamed file themselves."""
    if suffix not in (".pdf", ".txt"):
        return
    found = sniff(data)
    if found is None:
        return
    what, ext = found
    if ext == suffix or (ext == ".html" and suffix == ".txt"):
        return                                   # a web page saved as .txt reads as its text
    if ext == ".zip":
        raise LoadError(f"the file is named {suffix} but is a ZIP archive; unpack it and give jixiao the folder",
                        "wrong_extension")
    if ext is not None:
        raise LoadError(f"the file is named {suffix} but is {what}; rename it to {ext} and run again",
                        "wrong_extension")
    if what.startswith("a legacy Office"):
        raise LoadError(f"the file is named {suffix} but is {what}; convert it (libreoffice --headless "
                        "--convert-to docx FILE, or xlsx for a spreadsheet) and run again", "legacy_format")
    if what.endswith("image"):
        raise LoadError(f"the file is named {suffix} but is {what}; jixiao reads scans inside PDFs: convert it "
                        "(img2pdf FILE -o FILE.pdf) and run again", "wrong_extension")
    if what.endswith("archive"):
        raise LoadError(f"the file is named {suffix} but is {what}; unpack it and give jixiao the folder",
                        "wrong_extension")
    raise LoadError(f"the file is named {suffix} but is {what}, not a report; check where it came from",
                    "wrong_extension")


# ---------------------------------------------------------------- PDFs: page cap, password

def _pdf_guard(data: bytes, max_pages: int | None, password: str | None) -> bytes:
    """Count the pages and open the encryption, before the reader reads a page. A PDF pdfium cannot
    open at all is the reader's to describe (truncated, damaged, not a PDF)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c
    try:
        pdf = pdfium.PdfDocument(data, password=password)
    except pdfium.PdfiumError as e:
        # pdfium's error code can be a previous document's (FPDF_GetLastError is per thread, and a load
        # that fails early may not set it): a password error needs the file's own /Encrypt too
        if getattr(e, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD and b"/Encrypt" in data:
            if password is None:
                raise LoadError("the PDF is password-protected; run again with its password (jixiao extract "
                                "--password PASSWORD …), or remove it (qpdf --decrypt --password=PASSWORD "
                                "in.pdf out.pdf)", "password_needed") from e
            raise LoadError("the PDF is password-protected and the password given with --password does not "
                            "open it; check the password and run again", "wrong_password") from e
        return data
    try:
        n = len(pdf)
        if max_pages is not None and n > max_pages:
            raise LoadError(f"the PDF has {n} pages, more than the page cap of {max_pages}; if it really is one "
                            f"report, raise the cap (jixiao extract --max-pages {n} …), else split it",
                            "too_many_pages")
        if _huge_images(data):
            _render_guard(pdf)
        if pdfium_c.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1:
            return _decrypted(pdf, pdfium_c.FPDF_REMOVE_SECURITY) or data
        return data
    finally:
        pdf.close()


_IMAGE = re.compile(rb"/Subtype\s*/Image\b")
_SIZE = re.compile(rb"/(Width|Height)\s+(\d{1,9})(\s+\d{1,9}\s+R)?\b")


def _huge_images(data: bytes) -> bool:
    """Whether an image dictionary states more pixels than MAX_IMAGE_PIXELS, or states its size as
    indirect objects (/Width 6 0 R: pdfium resolves them in _render_guard): one pass of a regex over
    the bytes (an image's dictionary is never compressed into an object stream), so a PDF without
    one costs no page loads."""
    for m in _IMAGE.finditer(data):
        stated = _SIZE.findall(data[max(0, m.start() - 400):m.end() + 400])
        if any(ref for _, _, ref in stated):
            return True
        size = {k: int(v) for k, v, _ in stated}
        if size.get(b"Width", 0) * size.get(b"Height", 0) > MAX_IMAGE_PIXELS:
            return True
    return False


def _render_guard(pdf) -> None:
    """The memory guard: a page with (almost) no text layer is rendered for OCR, and rendering decodes
    its images whole; refuse the document when such a page holds an image too large to decode."""
    import pypdfium2.raw as pdfium_c
    for i in range(len(pdf)):
        page = pdf[i]
        try:
            images = [obj.get_px_size() for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,))]
            huge = [(w, h) for w, h in images if w * h > MAX_IMAGE_PIXELS]
            if not huge:
                continue
            textpage = page.get_textpage()
            try:
                chars = len("".join(textpage.get_text_range().split()))
            finally:
                textpage.close()
        finally:
            page.close()
        if chars < LITTLE_TEXT:          # readers.pdf OCRs such a page when the image covers most of it
            w, h = max(huge, key=lambda s: s[0] * s[1])
            raise LoadError(f"page {i + 1} is mostly a scanned image of {w}×{h} pixels "
                            f"({w * h / 1e6:.0f} megapixels), more than the {MAX_IMAGE_PIXELS // 1_000_000} "
                            "megapixels jixiao decodes for OCR (the memory guard); downsample the scan to "
                            "300 dpi and run again", "image_too_large")


def _decrypted(pdf, flags: int) -> bytes | None:
    """An encrypted PDF, opened, saved without its encryption (None when pdfium cannot save it: the
    reader then opens the original, which it can when the user password is empty)."""
    import io
    out = io.BytesIO()
    try:
        pdf.save(out, flags=flags)
    except Exception:
        return None
    return out.getvalue() or None


# ---------------------------------------------------------------- .docx, .xlsx: unpacked size

def _zip_guard(data: bytes, suffix: str) -> None:
    """The sizes the ZIP's directory states, before anything is unpacked (a damaged ZIP is the
    reader's to describe)."""
    import io
    import zipfile
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    if unpacked > MAX_UNPACKED:
        raise LoadError(f"the {suffix} file unpacks to {unpacked / 1e6:,.0f} MB, more than the "
                        f"{MAX_UNPACKED / 1e6:,.0f} MB jixiao unpacks (a ZIP bomb, or huge embedded media); "
                        "open it, remove or compress the media, save it again and run again", "too_large")

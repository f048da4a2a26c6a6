"""What a file's first bytes say it is: the one place jixiao looks at magic numbers. load checks
that a .pdf or .txt is what its name says (sniff); the Word, sheet and web readers name what a
misnamed file really is (head_kind) in their own words; the PDF reader tells a damaged PDF from
another file (is_pdf)."""
from __future__ import annotations

PDF = b"%PDF-"                  # a PDF's header ("%PDF-1.7"), somewhere in its first KB
ZIP = b"PK\x03\x04"             # a ZIP package: what a .docx or .xlsx is
OLE = b"\xd0\xcf\x11\xe0"       # an OLE2 compound file: the legacy .doc, .xls, .wps, .et
RTF = b"{\\rtf"
MAGIC = (PDF, ZIP, OLE, RTF)
_OTHER = ((b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
          (b"GIF8", "a GIF image"), (b"II*\x00", "a TIFF image"), (b"MM\x00*", "a TIFF image"),
          (b"Rar!", "a RAR archive"), (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
          (b"\x1f\x8b", "a gzip archive"), (b"\x7fELF", "a program (ELF)"), (b"MZ", "a Windows program"))


def is_pdf(data: bytes) -> bool:
    """A PDF header in the first KB (a viewer accepts junk before it)."""
    return PDF in data[:1024]


def head_kind(data: bytes) -> str | None:
    """What the first bytes, past white space and a UTF-8 BOM, say: "pdf", "zip", "ole", "rtf",
    "markup" (a web page or XML: "<"), or None."""
    head = data[:16].lstrip(b"\xef\xbb\xbf \t\r\n")
    for magic, kind in ((PDF, "pdf"), (ZIP, "zip"), (OLE, "ole"), (RTF, "rtf"), (b"<", "markup")):
        if head.startswith(magic):
            return kind
    return None


def sniff(data: bytes) -> tuple[str, str | None] | None:
    """What the first bytes say a file is, for the formats a misnamed report usually is, with the
    extension it should have (None when jixiao reads no such file); None when they say nothing
    (plain text, or junk: the reader for the name decides)."""
    if is_pdf(data):
        return "a PDF", ".pdf"
    kind = head_kind(data)
    if kind == "zip":
        if b"word/" in data:
            return "a Word document (.docx)", ".docx"
        if b"xl/" in data:
            return "an Excel workbook (.xlsx)", ".xlsx"
        return "a ZIP archive", ".zip"
    if kind == "ole":
        return "a legacy Office file (.doc/.xls/.wps/.et)", None
    for magic, what in _OTHER:
        if data.startswith(magic):
            return what, None
    text = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "a web page (HTML)", ".html"
    return None

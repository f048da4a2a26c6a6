"""The readers' caps on the work one file can ask for (pipeline.limits): text, XML, table cells.

A file past a cap fails with a LoadError naming what is too large, the cap, and what to do; the
checks run before the expensive step they guard (the XML is counted before it is parsed, a table's
grid before it is filled, the text as it is laid out), so the reader stops early and small.
"""
from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator

from ..limits import MAX_CHARS, MAX_TABLE_CELLS, MAX_XML_ELEMENTS
from .load import LoadError, too_long

_CHUNK = 1 << 20


def check_chars(chars: int) -> None:
    """Past MAX_CHARS characters the document fails as it is laid out, before the rest is read (load
    checks the whole text too, and a text file's size before it is read)."""
    if chars > MAX_CHARS:
        raise LoadError(too_long(f"at least {chars:,} characters of text"), "too_long")


def check_table(rows: int, cols: int) -> None:
    """A table whose grid (spans expanded) would have more than MAX_TABLE_CELLS positions fails
    before the grid is made."""
    if rows * cols > MAX_TABLE_CELLS:
        raise LoadError(f"a table of the file lays out as {rows:,} rows × {cols:,} columns ({rows * cols:,} "
                        f"cells), more than the {MAX_TABLE_CELLS:,} cells jixiao lays out in one table (a cell "
                        "spanning thousands of rows or columns, or a sheet's values spread over a huge range); "
                        "check the table, remove what lies far outside the form, and run again", "too_large")


def check_elements(elements: int, what: str) -> None:
    """Past MAX_XML_ELEMENTS the file fails unparsed: its parsed tree alone would near a gigabyte."""
    if elements > MAX_XML_ELEMENTS:
        raise LoadError(f"the {what} holds more than {MAX_XML_ELEMENTS:,} XML elements, the most jixiao reads "
                        "in one file (read, they would take about a gigabyte of memory): if it is many reports in "
                        "one, split it; else check where it came from", "too_large")


def check_markup(data: bytes, what: str) -> None:
    """An HTML or XML text: its tags counted (`<` not followed by `/`) before it is parsed."""
    check_elements(data.count(b"<") - data.count(b"</"), what)


def check_package(data: bytes, what: str) -> None:
    """The tags of a .docx/.xlsx's XML parts (python-docx and openpyxl parse every one they know,
    headers and shared strings too), counted as they are unpacked, before any is parsed."""
    elements = 0
    for _, chunk in xml_chunks(data):
        elements += chunk.count(b"<") - chunk.count(b"</")
        check_elements(elements, what)


def xml_chunks(data: bytes, folder: str = "") -> Iterator[tuple[str, bytes]]:
    """The XML parts of a ZIP package under `folder`, unpacked a megabyte at a time (never whole):
    (part name, chunk). A damaged ZIP gives what could be read: it is the reader's to describe."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        for info in z.infolist():
            if info.filename.startswith(folder) and info.filename.endswith((".xml", ".rels")):
                with z.open(info) as f:
                    while chunk := f.read(_CHUNK):
                        yield info.filename, chunk
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
        return

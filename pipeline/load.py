"""load: a path -> RawDoc, through the reader for its format, or a LoadError a person can act on.

Readers are imported when a file of their format first arrives, so a batch of .txt files never
loads pdfium, and a missing optional extra only matters for the files that need it.
"""
from __future__ import annotations

import hashlib
import importlib
from pathlib import Path

from .models import RawDoc, Source

READERS = {".txt": "text", ".pdf": "pdf", ".docx": "word", ".html": "web", ".htm": "web", ".xlsx": "sheet"}
LEGACY = {
    ".doc": "a legacy Word file: convert it to .docx (libreoffice --headless --convert-to docx FILE) and run again",
    ".wps": "a WPS Writer file: save it as .docx in WPS, or convert it (libreoffice --headless --convert-to docx "
            "FILE), and run again",
    ".xls": "a legacy Excel file: convert it to .xlsx (libreoffice --headless --convert-to xlsx FILE) and run again",
    ".et": "a WPS spreadsheet: save it as .xlsx, or convert it (libreoffice --headless --convert-to xlsx FILE), "
           "and run again",
}


class LoadError(Exception):
    """The file could not be read; the message says what to do about it."""


class Unsupported(LoadError):
    """Not a report format jixiao reads: the file is recorded as skipped."""


def source_of(path: Path, data: bytes = b"") -> Source:
    return Source(path=str(path), sha256=hashlib.sha256(data).hexdigest(),
                  format=path.suffix.lower().lstrip(".") or "none")


def load(path: Path) -> RawDoc:
    suffix = path.suffix.lower()
    if suffix in LEGACY:
        raise LoadError(f"{path.name} is {LEGACY[suffix]}")
    reader = READERS.get(suffix)
    if reader is None:
        raise Unsupported(f"{suffix or 'files without an extension'} is not a report format jixiao reads "
                          f"(supported: {', '.join(sorted(READERS))})")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise LoadError(f"cannot read the file ({e.strerror}); check that it exists and is readable") from e
    if not data:
        raise LoadError("the file is empty (0 bytes); re-export or re-download the report")
    try:
        module = importlib.import_module(f".readers.{reader}", __package__)
    except ImportError as e:
        raise LoadError(f"reading {suffix} files needs the Python package {e.name!r}, which is not installed; "
                        "reinstall jixiao with its dependencies (pip install -e '.[ocr]')") from e
    return module.read(data, source_of(path, data).model_copy(update={"format": suffix.lstrip(".")}))

"""The library API: a file (or a text in memory) through the stages, in order, to its record.

    load -> normalize -> classify -> extract -> validate

Imported as `pipeline.extract_file` and so on (pipeline/__init__.py loads this module on first use).
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, NamedTuple

from .extract.classify import classify
from .extract import extract
from .limits import MAX_PAGES
from .readers.load import LoadError, Unsupported, load, source_of, unexpected, valid_doc
from .models import NormText, RawDoc, Record, Source
from .text.layer import normalize
from .checks.validate import validate

STAGES = (normalize, classify, extract, validate)


def text_of(path: str | Path, *, password: str | None = None) -> NormText:
    """The text layer of a file: what `jixiao text` prints and every evidence offset points into
    (`password` opens a password-protected PDF)."""
    return normalize(load(Path(path), password=password))


def extract_text(text: str, path: str = "<text>") -> Record:
    """A report already in memory -> its record (as if read from a UTF-8 .txt file)."""
    return _run(_in_memory(text, path)).record


def text_layer(text: str, path: str = "<text>") -> NormText:
    """The text layer of a report in memory: what extract_text's evidence offsets point into."""
    return normalize(_in_memory(text, path))


def _in_memory(text: str, path: str) -> RawDoc:
    """As load() gives a .txt file, valid Unicode whatever the caller's string holds."""
    source = Source(path=path, sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
                    format="txt", pages=text.count("\f") + 1, encoding="utf-8")
    return valid_doc(RawDoc(source=source, pages=tuple(text.split("\f"))))


class Extraction(NamedTuple):
    """A file's record, and the text layer its evidence offsets index (None when nothing was read)."""
    record: Record
    text: str | None


def extract_file(path: str | Path) -> Record:
    """One file -> one record. Never raises for a bad file: it becomes a failed or skipped record."""
    return extract_document(path).record


def extract_document(path: str | Path, *, max_pages: int | None = MAX_PAGES, password: str | None = None) \
        -> Extraction:
    """One file -> its record and its text layer (what the HTML report highlights evidence in).
    A document of more than `max_pages` pages (None: no cap) fails unread, its error naming the cap;
    `password` opens a password-protected PDF."""
    path = Path(path)
    try:
        data = load(path, max_pages=max_pages, password=password)
    except Exception as e:  # a reader's bug must not stop a batch either
        failure = e if isinstance(e, LoadError) else unexpected(e)
        status = "skipped" if isinstance(e, Unsupported) else "failed"
        return Extraction(Record(source=source_of(path, _bytes(path)), status=status, error=str(failure),
                                 error_code=failure.code, error_detail=failure.detail), None)
    return _run(data)


def _run(data: RawDoc) -> Extraction:
    text = None
    try:
        result: Any = data              # each stage takes what the one before gives
        for stage in STAGES:
            result = stage(result)
            if isinstance(result, NormText):
                text = result.text
        return Extraction(result, text)
    except Exception as e:  # a bug must not stop a batch: the file still gets a record saying so
        failure = unexpected(e)
        return Extraction(Record(source=data.source, status="failed", error=str(failure), error_code=failure.code,
                                 error_detail=failure.detail), text)


def _bytes(path: Path) -> bytes:
    """The file's bytes, to hash for its record; none for what is not a regular file (a named pipe
    would block the read for ever)."""
    try:
        return path.read_bytes() if path.is_file() else b""
    except OSError:
        return b""


__all__ = ["Extraction", "extract_document", "extract_file", "extract_text", "text_of", "text_layer", "STAGES", "Record"]

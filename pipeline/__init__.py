"""jixiao: Chinese budget-performance self-evaluation reports -> evidence-linked records.

The stages, in order (each a plain function from one frozen model to the next):

    load -> normalize -> classify -> extract -> validate
"""
from __future__ import annotations

from pathlib import Path

from .classify import classify
from .extract import extract
from .load import LoadError, Unsupported, load, source_of
from .models import NormText, Record
from .textlayer import normalize
from .validate import validate

STAGES = (normalize, classify, extract, validate)


def text_of(path: str | Path) -> NormText:
    """The text layer of a file: what `jixiao text` prints and every evidence offset points into."""
    return normalize(load(Path(path)))


def extract_file(path: str | Path) -> Record:
    """One file -> one record. Never raises for a bad file: it becomes a failed or skipped record."""
    path = Path(path)
    try:
        data = load(path)
    except Unsupported as e:
        return Record(source=source_of(path, _bytes(path)), status="skipped", error=str(e))
    except LoadError as e:
        return Record(source=source_of(path, _bytes(path)), status="failed", error=str(e))
    try:
        result = data
        for stage in STAGES:
            result = stage(result)
        return result
    except Exception as e:  # a bug must not stop a batch: the file still gets a record saying so
        return Record(source=data.source, status="failed",
                      error=f"jixiao could not process this file ({type(e).__name__}: {e}); "
                            "this is a bug in jixiao: please report it with the file")


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


__all__ = ["extract_file", "text_of", "STAGES", "Record"]

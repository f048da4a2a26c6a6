"""Plain-text reports (.txt): the encoding is found, the pages are split on form feeds."""
from __future__ import annotations

from ..models import RawDoc, Source
from .decode import decode_text


def read(data: bytes, source: Source) -> RawDoc:
    text, encoding = decode_text(data)
    pages = tuple(text.split("\f"))
    return RawDoc(source=source.model_copy(update={"pages": len(pages), "encoding": encoding}), pages=pages)

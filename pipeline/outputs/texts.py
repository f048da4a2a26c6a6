"""texts: every document's text layer in one file per OUTDIR, texts.jsonl, keyed by sha256.

One JSON object a line, `{"sha256": "<hex>", "text": "<the text layer>"}`, appended as the records
come: creating a file per document cost 75-225 times an append. `text` is the string every evidence
offset indexes (the text `jixiao text FILE` prints), exact through JSON: a form feed between pages,
a lone surrogate written as "?" (one character for one: the offsets hold). A document's text is written
once, whatever the number of its copies or reruns; a run killed mid-line leaves a torn last line, cut
off by the next writer. Outside tools read it as JSON lines (pandas `read_json(..., lines=True)`,
DuckDB `read_json('texts.jsonl')`); `Texts` gives one text by its sha256 from an offset index.
Texts no record holds any more are dropped once they are most of the file (`prune`, after a run).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import BinaryIO

TEXTS = "texts.jsonl"
_HEAD = b'{"sha256": "'           # how text_line starts: the key is read without parsing the text


_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
"""Line breaks to str.splitlines (and to JavaScript before 2019) that JSON leaves as they are: escaped,
so that whatever splits the file into lines finds one text a line."""


def text_line(sha256: str, text: str) -> bytes:
    """A text's line of texts.jsonl, always valid UTF-8 ("?" for a stray surrogate)."""
    line = json.dumps({"sha256": sha256, "text": text}, ensure_ascii=False).translate(_BREAKS)
    return (line + "\n").encode("utf-8", "replace")


def _key(line: bytes) -> str:
    if line.startswith(_HEAD) and line[len(_HEAD) + 64:len(_HEAD) + 66] == b'",':
        return line[len(_HEAD):len(_HEAD) + 64].decode("ascii", "replace")
    return str(json.loads(line).get("sha256"))          # a line some other tool wrote: parsed whole


def scan(path: Path) -> tuple[dict[str, tuple[int, int]], int]:
    """sha256 -> (offset, length) of each whole line, the first of a key winning, and where the last
    whole line ends. Streamed: only the index is held (about 150 bytes a document)."""
    index: dict[str, tuple[int, int]] = {}
    end = 0
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        return index, 0
    with f:
        for line in f:
            if not line.endswith(b"\n"):
                break                   # torn by a kill: not a text
            try:
                index.setdefault(_key(line), (end, len(line)))
            except ValueError:
                pass                    # not JSON: skipped, never fatal to a run
            end += len(line)
    return index, end


def prune(outdir: Path, keep: set[str]) -> bool:
    """Rewrite texts.jsonl with only the texts of `keep` (the sha256 of OUTDIR's records), when the
    rest (texts of files since changed or gone, a repeated key) is more than half of it: an archive
    rerun as files change would otherwise grow it without end, and a rerun that replaced a few files
    leaves it as it is. Written whole or not at all; returns whether it was rewritten."""
    path = outdir / TEXTS
    index, end = scan(path)
    live = {sha: at for sha, at in index.items() if sha in keep}
    if 2 * sum(length for _, length in live.values()) >= end:
        return False
    tmp = path.with_name(path.name + ".tmp")
    with open(path, "rb") as src, open(tmp, "wb") as out:
        for offset, length in sorted(live.values()):
            src.seek(offset)
            out.write(src.read(length))
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    return True


class TextWriter:
    """Appends texts to OUTDIR/texts.jsonl, each once. The file is scanned (and a torn last line cut)
    at the first text given, not before: a Writer that only renames records never reads it."""

    def __init__(self, outdir: Path):
        self.path = outdir / TEXTS
        self._have: set[str] = set()
        self._f: BinaryIO | None = None

    def add(self, sha256: str, text: str) -> None:
        if self._f is None:
            index, end = scan(self.path)
            self._have = set(index)
            self._f = f = open(self.path, "ab")
            if f.tell() != end:
                f.truncate(end)
                f.seek(end)
        if sha256 in self._have:
            return
        self._f.write(text_line(sha256, text))
        self._f.flush()
        self._have.add(sha256)

    def close(self) -> None:
        if self._f is not None:
            self._f.close()


class Texts:
    """The text layers of an OUTDIR, one at a time by sha256 (an offset index, built at the first ask)."""

    def __init__(self, outdir: Path):
        self.path = Path(outdir) / TEXTS
        self._index: dict[str, tuple[int, int]] | None = None
        self._f: BinaryIO | None = None

    def get(self, sha256: str) -> str | None:
        """A document's text layer, exactly as kept; None when the file holds none for it."""
        if self._index is None:
            self._index = scan(self.path)[0]
            self._f = open(self.path, "rb") if self._index else None
        at = self._index.get(sha256)
        if at is None or self._f is None:
            return None
        self._f.seek(at[0])
        try:
            text = json.loads(self._f.read(at[1])).get("text")
        except ValueError:
            return None
        return text if isinstance(text, str) else None

    def close(self) -> None:
        if self._f is not None:
            self._f.close()

    def __enter__(self) -> "Texts":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


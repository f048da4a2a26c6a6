"""jieba, loaded once per process with the project's user dictionary (rules/userdict.txt).

jieba is imported on first use, not with this module, and without pkg_resources: jieba imports it
(a quarter of a second, and a deprecation warning) only to open its own data files, which it
otherwise opens by path.

Its prefix dictionary (half a million words and prefixes, each with a count) is what loading costs:
jieba's own marshal cache takes over a second to load, and even building the dictionary from plain
data takes a quarter of a second. So our copy of it, written beside jieba's own cache the first time
from what jieba built, is kept in shards, one per first character, and a shard is put into jieba's
dictionary only when a text to cut holds its character: every key jieba looks up while cutting a
text is a piece of that text, so it finds in the dictionary what it would have found in the whole
one. A short report needs a few hundred of the shards, and a worker keeps those it loaded for the
next. The copy is plain data (no pickle): the worst a damaged or foreign copy can do is be
refused, and then jieba loads its own way.
"""
from __future__ import annotations

import hashlib
import logging
import mmap
import os
import sys
import tempfile
from array import array
from functools import cache, lru_cache
from pathlib import Path

from ..rules import rules

MAGIC = b"jixiao jieba prefix dictionary 2\n"
_COUNT = array("q").itemsize


class Shards:
    """Our copy of jieba's prefix dictionary, open: a header line (total, entries, shards, bytes of
    the first characters), the shards' first characters, each entry's count, each shard's end (in
    entries and in bytes of keys), then the keys, each followed by a newline, shard after shard."""

    def __init__(self, path: Path):
        """Raises ValueError when the file is not a whole copy written by this user."""
        with open(path, "rb") as f:
            if hasattr(os, "getuid") and os.fstat(f.fileno()).st_uid != os.getuid():
                raise ValueError(f"{path} belongs to another user")
            try:
                self._data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError as e:         # an empty file
                raise ValueError(f"{path} is not a prefix dictionary copy") from e
        data = self._data
        if data[:len(MAGIC)] != MAGIC:
            raise ValueError(f"{path} is not a prefix dictionary copy")
        head_end = data.find(b"\n", len(MAGIC))
        try:
            self.total, n, shards, chars = (int(x) for x in data[len(MAGIC):head_end].split())
            first = data[head_end + 1:head_end + 1 + chars].decode("utf-8")
        except ValueError as e:
            raise ValueError(f"{path} has no header") from e
        self._counts = head_end + 1 + chars
        ends = array("q")
        ends.frombytes(data[self._counts + n * _COUNT:self._counts + (n + 2 * shards) * _COUNT])
        self._keys = self._counts + (n + 2 * shards) * _COUNT
        if len(first) != shards or len(ends) != 2 * shards or (shards and (ends[-2] != n or
                                                                           self._keys + ends[-1] != len(data))):
            raise ValueError(f"{path} is cut short")
        self._first, self._ends = first, ends     # a shard's place looked up when asked: a dict of all costs 6 ms

    def shard(self, char: str) -> dict[str, int]:
        """The entries whose key starts with `char` (none when no word does)."""
        i = self._first.rfind(char) if len(char) == 1 else -1
        if i < 0:
            return {}
        ends = self._ends
        start, end = (ends[2 * i - 2] if i else 0), ends[2 * i]              # in entries
        key_start, key_end = (ends[2 * i - 1] if i else 0), ends[2 * i + 1]  # in bytes of keys
        counts = array("q")
        counts.frombytes(self._data[self._counts + start * _COUNT:self._counts + end * _COUNT])
        keys = self._data[self._keys + key_start:self._keys + key_end].decode("utf-8").split("\n")[:-1]
        if len(keys) != len(counts):
            raise ValueError("a shard of the prefix dictionary copy is damaged")
        return dict(zip(keys, counts))

    def chars(self) -> list[str]:
        return list(dict.fromkeys(self._first))


class _Words:
    """The process's tokenizer and which shards of the dictionary it holds (all, when jieba built it)."""

    def __init__(self, tok, shards: Shards | None):
        self.tok, self.shards, self.loaded = tok, shards, set[str]()

    def need(self, text: str) -> None:
        """Put into the dictionary the shards of every character of `text` not there yet."""
        if self.shards is None:
            return
        for char in set(text) - self.loaded:
            self.tok.FREQ.update(self.shards.shard(char))
            self.loaded.add(char)


@cache
def _tokenizer() -> _Words:
    """The user dictionary goes in after the shards of all its characters: jieba gives a user word
    the count it asks for (or one it suggests from the dictionary), and a prefix of it that is no
    word of the dictionary a count of 0, as it would have over the whole dictionary."""
    jieba = _import_jieba()
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    out = _Words(tok, open_prefix_dict(tok, _cache_path(jieba)))
    userdict = rules().userdict
    if userdict.exists():
        out.need(userdict.read_text(encoding="utf-8"))
        tok.load_userdict(str(userdict))
    return out


def _import_jieba():
    hide = "pkg_resources" not in sys.modules
    if hide:
        # None: an import of it raises ImportError, jieba's fallback (typeshed allows only modules)
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        if hide:
            del sys.modules["pkg_resources"]
    return jieba


def words(text: str, hmm: bool = True) -> list[str]:
    """jieba's words; hmm=False keeps to dictionary words, which says where a known word ends
    (新能源车共: 车 | 共, where HMM guesses a word 车共)."""
    return list(_words(text, hmm))


@lru_cache(maxsize=4096)
def _words(text: str, hmm: bool = True) -> tuple[str, ...]:
    """Remembered: the same phrases (an indicator's name, a project's) come back in report after
    report, and cutting one costs a tenth of a millisecond."""
    w = _tokenizer()
    w.need(text)
    return tuple(w.tok.cut(text, HMM=hmm))


def open_prefix_dict(tok, path: Path) -> Shards | None:
    """Our copy at `path`, for a new jieba Tokenizer to take its shards from (its total now); without
    a usable copy, let jieba load the whole dictionary and write the copy for next time (None)."""
    try:
        shards = Shards(path)
    except (OSError, ValueError):
        tok.initialize()
        write_prefix_dict(path, tok.FREQ, tok.total)
        return None
    tok.FREQ, tok.total, tok.initialized = {}, shards.total, True
    return shards


def read_prefix_dict(path: Path) -> tuple[dict[str, int], int]:
    """The whole dictionary of our copy at `path` and its total. Raises ValueError when the file is not
    a whole copy written by this user."""
    shards = Shards(path)
    freq: dict[str, int] = {}
    for char in shards.chars():
        freq.update(shards.shard(char))
    return freq, shards.total


def write_prefix_dict(path: Path, freq: dict[str, int], total: int) -> None:
    """Written whole or not at all (a temporary file renamed over it); a failure only costs speed."""
    groups: dict[str, list[str]] = {}
    for key in freq:
        groups.setdefault(key[:1], []).append(key)
    first = "".join(groups).encode("utf-8")
    counts, ends, blob = array("q"), array("q"), bytearray()
    for keys in groups.values():
        counts.extend(freq[k] for k in keys)
        blob += "".join(k + "\n" for k in keys).encode("utf-8")
        ends.extend((len(counts), len(blob)))
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name)
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + f"{total} {len(freq)} {len(groups)} {len(first)}\n".encode() + first)
            f.write(counts.tobytes() + ends.tobytes())
            f.write(blob)
        os.replace(tmp, path)
    except (OSError, OverflowError, UnicodeError):
        logging.getLogger(__name__).debug("could not write %s", path, exc_info=True)


def _cache_path(jieba) -> Path:
    """Beside jieba's own cache, named for jieba's version, its dictionary file as it is now and the
    format of our copy."""
    dictionary = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)
    st = dictionary.stat()
    key = hashlib.sha256(f"{MAGIC!r}\0{jieba.__version__}\0{dictionary}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return Path(tempfile.gettempdir()) / f"jixiao-jieba-{key.hexdigest()[:16]}.dict"

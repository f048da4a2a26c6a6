"""jieba, loaded once per process with the project's user dictionary (rules/userdict.txt).

jieba is imported on first use, not with this module, and without pkg_resources: jieba imports it
(a quarter of a second, and a deprecation warning) only to open its own data files, which it
otherwise opens by path.

Its prefix dictionary (half a million words and prefixes, each with a count) is what loading costs.
jieba keeps it in a marshal cache that takes over a second to load; the same table kept as a block
of counts and a block of words loads in about a quarter of that. That copy is written beside jieba's
own cache the first time, from what jieba built, and is plain data (no pickle): the worst a damaged
or foreign copy can do is be refused, and then jieba loads its own way.
"""
from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
from array import array
from functools import cache, lru_cache
from pathlib import Path

from ..rules import rules

MAGIC = b"jixiao jieba prefix dictionary 1\n"


@cache
def _tokenizer():
    jieba = _import_jieba()
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    load_prefix_dict(tok, _cache_path(jieba))
    if rules().userdict.exists():
        tok.load_userdict(str(rules().userdict))
    return tok


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
    return tuple(_tokenizer().cut(text, HMM=hmm))


def load_prefix_dict(tok, path: Path) -> None:
    """Fill a new jieba Tokenizer's prefix dictionary from our copy at `path`; without a usable copy,
    let jieba load it and write the copy for next time."""
    try:
        tok.FREQ, tok.total = read_prefix_dict(path)
        tok.initialized = True
    except (OSError, ValueError):
        tok.initialize()
        write_prefix_dict(path, tok.FREQ, tok.total)


def read_prefix_dict(path: Path) -> tuple[dict[str, int], int]:
    """Raises ValueError when the file is not a whole copy written by this user."""
    with open(path, "rb") as f:
        if hasattr(os, "getuid") and os.fstat(f.fileno()).st_uid != os.getuid():
            raise ValueError(f"{path} belongs to another user")
        data = f.read()
    if not data.startswith(MAGIC):
        raise ValueError(f"{path} is not a prefix dictionary copy")
    head_end = data.index(b"\n", len(MAGIC))
    total, n = (int(x) for x in data[len(MAGIC):head_end].split())
    counts = array("q")
    counts.frombytes(data[head_end + 1:head_end + 1 + counts.itemsize * n])
    keys = data[head_end + 1 + counts.itemsize * n:].decode("utf-8").split("\n")
    if len(counts) != n or len(keys) != n:
        raise ValueError(f"{path} is cut short")
    return dict(zip(keys, counts)), total


def write_prefix_dict(path: Path, freq: dict[str, int], total: int) -> None:
    """Written whole or not at all (a temporary file renamed over it); a failure only costs speed."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name)
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + f"{total} {len(freq)}\n".encode())
            f.write(array("q", freq.values()).tobytes())
            f.write("\n".join(freq).encode("utf-8"))
        os.replace(tmp, path)
    except (OSError, OverflowError, UnicodeError):
        logging.getLogger(__name__).debug("could not write %s", path, exc_info=True)


def _cache_path(jieba) -> Path:
    """Beside jieba's own cache, named for jieba's version and its dictionary file as it is now."""
    dictionary = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)
    st = dictionary.stat()
    key = hashlib.sha256(f"{jieba.__version__}\0{dictionary}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()
    return Path(tempfile.gettempdir()) / f"jixiao-jieba-{key[:16]}.dict"

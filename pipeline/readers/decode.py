"""Bytes -> text, the one place jixiao guesses a document's encoding: a text report (decode_text),
a web page (decode_markup, which heeds the page's declared charset) and a file name that is not
UTF-8 (gbk_reading, for what its record says of it)."""
from __future__ import annotations

import codecs
import re

from .load import LoadError


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text report: BOMs first, then UTF-8, BOM-less UTF-16, GB18030 (a superset of GBK), and
    last UTF-8 with a very few bad bytes replaced (the encoding says how many)."""
    if not data:
        raise LoadError("the file is empty (0 bytes); re-export or re-download the report", "empty_file")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _checked(data.decode(enc, errors="replace"), enc)
    failure = LoadError("cannot tell the text encoding (tried UTF-8, UTF-16, GB18030 and Big5); save the file as "
                        "UTF-8 and run again", "unknown_encoding")
    for enc in ("utf-8", "utf-16-le", "utf-16-be", "gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc.startswith("utf-16") and _plausible(text) < 0.95:
            continue      # any even-length bytes decode as UTF-16; only real text reads as words
        if enc != "utf-8" and _common(text) < MIN_COMMON:
            continue      # decodes, but as rare characters: mojibake of another codec (Shift-JIS, KOI8 …)
        try:
            return _checked(text, enc)
        except LoadError as e:
            failure = e
    damaged = _mostly_utf8(data)
    if damaged is not None:
        return _checked(*damaged)
    control = sum(1 for b in data if b < 32 and b not in b"\n\r\t\f")
    if control > max(2, len(data) // 50):
        failure = LoadError(f"the file does not look like text ({control} control bytes in {len(data)}); "
                            "it may be binary or damaged: check that it is really a .txt report", "not_text")
    raise failure


MAX_BAD_SHARE = 0.001     # undecodable bytes per character that a damaged UTF-8 file may have


def _mostly_utf8(data: bytes) -> tuple[str, str] | None:
    """UTF-8 with a few undecodable bytes (a damaged download, one stray byte), each replaced by U+FFFD
    and counted in the encoding's name; None when there are more: then the file is in another codec."""
    text = data.decode("utf-8", errors="surrogateescape")       # one lone surrogate per bad byte
    bad = sum(1 for c in text if "\udc80" <= c <= "\udcff")
    if not bad or bad > max(1, MAX_BAD_SHARE * len(text)):
        return None
    text = "".join("\ufffd" if "\udc80" <= c <= "\udcff" else c for c in text)
    return text, f"utf-8 ({bad} bad byte{'s' if bad > 1 else ''} replaced)"


MIN_COMMON = 0.9          # share of a text's Chinese characters that must be common ones
SAMPLE = 20000            # characters looked at


def _common(text: str) -> float:
    """Share of the Chinese characters that are common ones (in GB2312, or among Big5's frequent
    characters): a real report is written almost only with them, another codec's bytes read as
    GB18030, Big5 or UTF-16 give rare characters all over the 20,000 (1.0 with under 20 of them)."""
    han = [c for c in text[:SAMPLE] if "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"]
    if len(han) < 20:
        return 1.0
    return sum(1 for c in han if _frequent(c)) / len(han)


def _frequent(c: str) -> bool:
    try:
        c.encode("gb2312")
        return True
    except UnicodeEncodeError:
        pass
    try:
        return 0xA4 <= c.encode("big5")[0] <= 0xC6      # Big5's frequent characters (常用字)
    except UnicodeEncodeError:
        return False


def _plausible(text: str) -> float:
    """Share of characters a Chinese report is written with: CJK, ASCII, CJK and full-width punctuation."""
    ok = sum(1 for c in text if "\u4e00" <= c <= "\u9fff" or " " <= c <= "~" or c in "\n\r\t\f"
             or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef" or "\u2010" <= c <= "\u2027")
    return ok / max(1, len(text))


def _checked(text: str, encoding: str) -> tuple[str, str]:
    """Reject decodings that are really binary: many control characters mean the wrong codec."""
    control = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    if control > max(2, len(text) // 50):
        raise LoadError(f"the file does not look like text ({control} control characters when read as "
                        f"{encoding}); it may be binary or damaged: check that it is really a .txt report", "not_text")
    return text, encoding


# ---------------------------------------------------------------- web pages

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([a-z0-9_.:\-]+)""", re.I)
_GB = {"gb2312", "gbk", "gb_2312-80", "gb_2312", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn",
       "x-euc-cn", "csgb2312", "chinese", "iso-ir-58", "gb18030", "x-gb2312"}


def decode_markup(data: bytes) -> tuple[str, str]:
    """A web page's text and the encoding it was read with: a BOM, else its declared charset unless the
    bytes are valid UTF-8 (a page saved as UTF-8 under an old gb2312 declaration), else UTF-8, GB18030."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc
    declared = _declared(data[:8192])
    if declared != "utf-8" and _is_utf8(data):
        return data.decode("utf-8"), "utf-8"        # a page saved as UTF-8 under an old gb2312 declaration
    for enc in dict.fromkeys(e for e in (declared, "utf-8", "gb18030") if e):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return data.decode("gb18030", errors="replace"), "gb18030"


def _is_utf8(data: bytes) -> bool:
    """Valid UTF-8 with multi-byte characters: GBK text almost never is, so it is what the page holds."""
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _declared(head: bytes) -> str | None:
    m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not m:
        return None
    name = m.group(1).decode("ascii", "ignore").lower().strip(".:-_")
    if name in _GB:
        return "gb18030"
    if name in ("big5", "x-big5", "big5-hkscs", "cn-big5"):
        return "big5hkscs"
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return None
    return None if name.startswith("utf-16") or name.startswith("utf-32") else name


def gbk_reading(name: bytes) -> str | None:
    """A file name's GB18030 reading (what a Windows ZIP unpacked names are), None when it has none."""
    try:
        return name.decode("gb18030")
    except UnicodeDecodeError:
        return None

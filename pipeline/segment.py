"""jieba, loaded once per process with the project's user dictionary (rules/userdict.txt).

jieba is imported on first use, not with this module: importing it costs a few tenths of a second
(pkg_resources), which a process that never segments (the batch's parent) need not pay."""
from __future__ import annotations

import logging
from functools import cache

from .rules import rules


@cache
def _tokenizer():
    import jieba
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    if rules().userdict.exists():
        tok.load_userdict(str(rules().userdict))
    return tok


def words(text: str) -> list[str]:
    return list(_tokenizer().cut(text, HMM=True))

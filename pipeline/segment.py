"""jieba, loaded once per process with the project's user dictionary (rules/userdict.txt)."""
from __future__ import annotations

import logging
from functools import cache

import jieba

from .rules import rules


@cache
def _tokenizer() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    if rules().userdict.exists():
        tok.load_userdict(str(rules().userdict))
    return tok


def words(text: str) -> list[str]:
    return list(_tokenizer().cut(text, HMM=True))

"""jieba's prefix dictionary through our plain-data copy: the same table as jieba's own, and a damaged
copy is refused, jieba loads its own way and the copy is written again."""
import logging
import subprocess
import sys

import jieba
import pytest

from pipeline.rules import rules
from pipeline.text.segment import MAGIC, load_prefix_dict, read_prefix_dict

jieba.setLogLevel(logging.WARNING)
SENTENCE = "组建独立基层工会的单位数量达到51家"


@pytest.fixture(scope="module")
def own():
    """jieba's prefix dictionary as jieba itself loads it."""
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


def test_the_copy_is_written_on_first_use_and_holds_jieba_s_table(own, tmp_path):
    path = tmp_path / "prefix.dict"
    first = jieba.Tokenizer()
    load_prefix_dict(first, path)                    # no copy yet: jieba loads, the copy is written
    assert path.read_bytes().startswith(MAGIC)
    freq, total = read_prefix_dict(path)
    assert total == own.total and len(freq) == len(own.FREQ) > 400_000
    assert freq == own.FREQ
    second = jieba.Tokenizer()
    load_prefix_dict(second, path)
    assert second.initialized and second.total == own.total
    assert list(second.cut(SENTENCE)) == list(own.cut(SENTENCE))


@pytest.mark.parametrize("damage", [lambda b: b[:len(b) // 2], lambda b: b"x" + b[1:], lambda b: b""],
                         ids=["cut short", "not ours", "empty"])
def test_a_damaged_copy_is_refused_and_written_again(own, tmp_path, damage):
    path = tmp_path / "prefix.dict"
    load_prefix_dict(jieba.Tokenizer(), path)
    whole = path.read_bytes()
    path.write_bytes(damage(whole))
    with pytest.raises(ValueError):
        read_prefix_dict(path)
    tok = jieba.Tokenizer()
    load_prefix_dict(tok, path)
    assert list(tok.cut(SENTENCE)) == list(own.cut(SENTENCE))
    assert path.read_bytes() == whole


def test_jieba_is_loaded_without_pkg_resources_and_segments_the_same():
    code = ("import sys; from pipeline.text.segment import words; print('|'.join(words(%r))); "
            "print('pkg_resources' in sys.modules)" % SENTENCE)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[1] == "False"            # a fresh process: nothing else imported it either
    with_userdict = jieba.Tokenizer()
    with_userdict.load_userdict(str(rules().userdict))
    assert out[0] == "|".join(with_userdict.cut(SENTENCE, HMM=True))

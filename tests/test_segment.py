"""jieba's prefix dictionary through our plain-data copy, in shards by first character: the same table
as jieba's own, the same words whichever shards a process has loaded, and a damaged copy is refused,
jieba loads its own way and the copy is written again."""
import logging
import subprocess
import sys

import jieba
import pytest

from pipeline.rules import rules
from pipeline.text.segment import MAGIC, Shards, open_prefix_dict, read_prefix_dict

jieba.setLogLevel(logging.WARNING)
SENTENCE = "组建独立基层工会的单位数量达到51家"
# invented sentences of the kinds quantities cuts: indicator names, counts with units, project names
TEXTS = ["青石县某某局完成农村道路修建12.5公里", "新建标准化厂房3栋，培训基层干部260人次", "预算执行率达到98.6%",
         "年初预算数与全年预算数之差", "绩效自评得分92分，群众满意度不低于90%", "维修改造校舍面积4500平方米",
         "新能源车共计采购40辆", "执行数为1,150.50万元"]


@pytest.fixture(scope="module")
def own():
    """jieba's prefix dictionary as jieba itself loads it."""
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


def test_the_copy_is_written_on_first_use_and_holds_jieba_s_table(own, tmp_path):
    path = tmp_path / "prefix.dict"
    first = jieba.Tokenizer()
    assert open_prefix_dict(first, path) is None     # no copy yet: jieba loads it whole, the copy is written
    assert path.read_bytes().startswith(MAGIC)
    freq, total = read_prefix_dict(path)
    assert total == own.total and len(freq) == len(own.FREQ) > 400_000
    assert freq == own.FREQ
    second = jieba.Tokenizer()
    shards = open_prefix_dict(second, path)
    assert shards is not None and second.initialized and second.total == own.total and second.FREQ == {}
    assert shards.shard("单") == {k: v for k, v in own.FREQ.items() if k.startswith("单")}


def test_a_tokenizer_with_only_the_shards_of_its_texts_cuts_as_jieba_with_the_whole_dictionary(own, tmp_path):
    """The project's user dictionary included: its words keep the counts it gives them."""
    from pipeline.text.segment import _Words
    path = tmp_path / "prefix.dict"
    open_prefix_dict(jieba.Tokenizer(), path)
    whole = jieba.Tokenizer()
    whole.initialize()
    whole.load_userdict(str(rules().userdict))
    part = jieba.Tokenizer()
    words = _Words(part, open_prefix_dict(part, path))
    words.need(rules().userdict.read_text(encoding="utf-8"))
    part.load_userdict(str(rules().userdict))
    for text in TEXTS + [SENTENCE]:
        words.need(text)
        for hmm in (True, False):
            assert list(part.cut(text, HMM=hmm)) == list(whole.cut(text, HMM=hmm)), text
    assert part.total == whole.total and len(part.FREQ) < len(whole.FREQ) / 10    # a few shards, not all
    words.need("".join(words.shards.chars()))
    assert part.FREQ == whole.FREQ


@pytest.mark.parametrize("damage", [lambda b: b[:len(b) // 2], lambda b: b"x" + b[1:], lambda b: b"",
                                    lambda b: b[:-1]], ids=["cut short", "not ours", "empty", "last byte lost"])
def test_a_damaged_copy_is_refused_and_written_again(own, tmp_path, damage):
    path = tmp_path / "prefix.dict"
    open_prefix_dict(jieba.Tokenizer(), path)
    whole = path.read_bytes()
    path.write_bytes(damage(whole))
    with pytest.raises(ValueError):
        Shards(path)
    tok = jieba.Tokenizer()
    assert open_prefix_dict(tok, path) is None
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

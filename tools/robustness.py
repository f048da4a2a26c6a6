"""The dev set laid out and worded as other sites do it: the same reports, their meaning kept, each
variant scored by ../shared/tools/score.py beside the untouched set.

    .venv/bin/python tools/robustness.py [GOLD_DIR] [--only wrapped,cells] [--tree DIR]

A variant that scores lower than the untouched set shows a reading that leans on one layout or one
word (a line cut at the page's margin, a table flattened one cell per line, 支出率 for 执行率), found
without reading any report the rules were not written against. The variants are made in a
temporary folder and never kept: the texts are other people's.
"""
from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent

WRAP = 38                   # characters a line is cut at: a page's width of Chinese text
HEAD = "首页 > 信息公开 > 财政资金 > 绩效评价\n来源:本站  发布时间:2024-05-20  浏览次数:318\n字号:大 中 小  打印本页\n"
FOOT = "\n打印本页 关闭窗口\n主办单位:本站 技术支持:某某网络公司 备案号:某ICP备12345678号\n"
FIGURE = re.compile(r"(?<![\d.,])(\d+(?:\.\d+)?)\s*万元")


def wrapped(text: str, gold: dict) -> str:
    """Every line cut every 38 characters (WRAP), wherever the cut falls: a figure, a word, before 。."""
    return "\n".join(line[i:i + WRAP] for line in text.split("\n") for i in range(0, max(len(line), 1), WRAP))


def cells(text: str, gold: dict) -> str:
    """Tables flattened one cell per line instead of | between cells."""
    return re.sub(r"[ \t]*\|[ \t]*", "\n", text)


def wide_title(text: str, gold: dict) -> str:
    """The first line set in wide type, a space after every character (2 0 2 3 年 度 …)."""
    lines = text.split("\n")
    k = next((i for i, line in enumerate(lines) if line.strip()), 0)
    lines[k] = " ".join(lines[k].strip())
    return "\n".join(lines)


def bullets(text: str, gold: dict) -> str:
    """Every line a web list's item, a bullet before it (• …)."""
    return "\n".join("• " + line if line.strip() else line for line in text.split("\n"))


def invisible(text: str, gold: dict) -> str:
    """A zero-width space after every twentieth character, as some pages carry them unseen."""
    return "".join(c + "\u200b" * (i % 20 == 19) for i, c in enumerate(text))


def page_marks(text: str, gold: dict) -> str:
    """A page-number line (— 3 —) after every 25th line, wherever the page broke: a sentence, a table."""
    lines = text.split("\n")
    return "\n".join(line + (f"\n— {k // 25} —" if k and k % 25 == 0 else "") for k, line in enumerate(lines))


def site(text: str, gold: dict) -> str:
    """A site's breadcrumb, source line and footer around the report."""
    return HEAD + text + FOOT


def yuan(text: str, gold: dict) -> str:
    """Amounts in 元 with thousands separators (1,150,500.00元) instead of 万元."""
    return FIGURE.sub(lambda m: f"{Decimal(m.group(1)) * 10000:,.2f}元", text)


_TITLE = re.compile(r"^(\s*)([\u4e00-\u9fff()（）]{3,30}?)(20\d\d年度?)(.*(?:报告|自评表))\s*$")


def year_first(text: str, gold: dict) -> str:
    """The title's year moved before the unit's name (2023年度某某局…报告 for 某某局2023年度…报告)."""
    lines = text.split("\n")
    for k, line in enumerate(lines[:8]):
        m = _TITLE.match(line)
        if m:
            lines[k] = m.group(1) + m.group(3) + m.group(2) + m.group(4)
            break
    return "\n".join(lines)


def untitled(text: str, gold: dict) -> str:
    """The unit's name taken out of the title (2023年度部门整体支出绩效自评报告): the body must name it."""
    name = gold.get("organization") or ""
    lines = text.split("\n")
    k = next((i for i, line in enumerate(lines[:8]) if name and name in line and re.search("报告|自评表", line)), None)
    if k is not None:
        lines[k] = lines[k].replace(name, "", 1)
    return "\n".join(lines)


# how traditional text writes a simplified character the fold table reaches from several (发: 發, 髮),
# and the characters it writes as simplified text does (出, not 齣; 面, not 麵)
TRADITIONAL_PICK: dict[str, str] = {pair[0]: pair[1] for pair in """发發 为為 个個 产產 镇鎮 说說 复復 当當 别別 并並 参參 录錄 台臺 采採 众眾
    绿綠 线線 团團 阅閱 证證 针針 奖獎 汇匯 签簽 里裡 绕繞 厕廁 术術 获獲 馆館 岁歲 尽盡 苏蘇 历歷 启啟 径徑
    绝絕 坝壩 药藥 钟鐘 炼煉 万萬 与與 后後 余餘 范範 准準 据據 云雲 于於 冲衝""".split()}
TRADITIONAL_SAME = "出局制合表面教核家系查布困同群占托向才污干游即只谷松斗卷千征"


@cache
def _simplified_to_traditional() -> dict[int, str]:
    """rules/t2s.txt turned round: each simplified character to the traditional one it folds from
    (TRADITIONAL_PICK where there are several), except those traditional text shares."""
    pairs: dict[str, str] = {}
    for line in (HERE.parent / "rules" / "t2s.txt").read_text(encoding="utf-8").splitlines():
        for pair in [] if line.startswith("#") else line.split():
            if pair[1] not in TRADITIONAL_SAME:
                pairs.setdefault(pair[1], TRADITIONAL_PICK.get(pair[1], pair[0]))
    return str.maketrans(pairs)


def traditional(text: str, gold: dict) -> str:
    """The report in traditional characters (預算數, 縣財政局), as a mirror site prints it; the gold
    organisation and quantities' subjects are written the same way, since names are read as the
    text gives them."""
    table = _simplified_to_traditional()
    if gold.get("organization"):
        gold["organization"] = gold["organization"].translate(table)
    for q in gold.get("quantities") or []:
        q["keyword"] = (q.get("keyword") or "").translate(table)
    return text.translate(table)


def spaced_cells(text: str, gold: dict) -> str:
    """A table's rows flattened with one space between cells and its empty cells gone, as a PDF's
    text export gives them (总额 100.00 95.00 10 95.00% 9.5)."""
    def row(line: str) -> str:
        return " ".join(c.strip() for c in line.split("|") if c.strip()) if "|" in line else line
    return "\n".join(map(row, text.split("\n")))


AD_PROSE = "本文档由网友上传分享,下载1次需5积分,VIP会员免费下载。"
AD_LINE = "扫码关注本站公众号 获取更多精品文档"


def advert(text: str, gold: dict) -> str:
    """A document library's adverts inside the report: one sentence between two of the body's
    sentences (a third of the way down) and one line inside its table (or its middle line)."""
    lines = text.split("\n")
    rows = [k for k, line in enumerate(lines) if "|" in line] or [len(lines) // 2]
    lines.insert(rows[len(rows) // 2], AD_LINE)
    out = "\n".join(lines)
    cut = out.find("。", len(out) // 3) + 1
    return out[:cut] + AD_PROSE + out[cut:] if cut else out


_TOTAL_ROW = re.compile(r"(?m)^([^\d\n|]*资金总额[^\d\n|]*?)((?:[ \t|:]*\d[\d.,]*%?)+)")


def run_together(text: str, gold: dict) -> str:
    """A budget table's 年度资金总额 row printed with its figures run together (资金总额329.77329.77
    338.3110102.59%), as a flattened PDF's text gives it: only the header says where one cell ends."""
    return _TOTAL_ROW.sub(lambda m: m.group(1).rstrip(" \t|:") + re.sub(r"[ \t|:]", "", m.group(2)), text)


_TITLE_LINE = re.compile(r"[^,。;:|]{6,50}(?:报告|自评表|评价表)")


def attachment(text: str, gold: dict) -> str:
    """An 附件2 line and the file's name (the title's line with .docx, where a title line ends in 报告 or
    自评表) above the report, as a notice's attachment or a document library shows it."""
    title = next((line.strip() for line in text.split("\n")[:10] if _TITLE_LINE.fullmatch(line.strip())), None)
    return "附件2\n" + (f"{title}.docx\n" if title else "") + text


def index_table(text: str, gold: dict) -> str:
    """A government site's index table above the report: an index number and publication dates with
    years of their own (2024-06-18), the catalogue; no publisher, which would hand over the gold's name."""
    return ("索引号 | 11530000MB0000000X/2024-00021 | 公开目录 | 财政预决算 |\n"
            "发布日期 | 2024-06-18 09:30:12 | 成文日期 | 2024-06-17 |\n文号 | 浏览量 |\n" + text)


FULL = str.maketrans("0123456789.%", "０１２３４５６７８９．％")


def fullwidth(text: str, gold: dict) -> str:
    """A word processor's export: full-width figures (１２３．４５万元, ９５％), \\r\\n line ends, and
    every paragraph indented with two ideographic spaces."""
    figures = re.sub(r"\d[\d.]*%?", lambda m: m.group().translate(FULL), text)
    return "\r\n".join("\u3000\u3000" + line if line.strip() else line for line in figures.split("\n"))


def reworded(old: str, new: str) -> Callable[[str, dict], str]:
    def variant(text: str, gold: dict) -> str:
        return re.sub(old + r"(?=[ \t]*(?:为|是|:|达)?[ \t]*\d)", new, text)
    variant.__doc__ = f"{old} before a figure written {new}."
    return variant


VARIANTS: dict[str, Callable[[str, dict], str]] = {
    "wrapped": wrapped, "cells": cells, "wide_title": wide_title, "bullets": bullets, "invisible": invisible, "page_marks": page_marks, "site": site, "year_first": year_first, "untitled": untitled, "yuan": yuan,
    "traditional": traditional, "spaced_cells": spaced_cells, "advert": advert, "attachment": attachment,
    "index_table": index_table, "fullwidth": fullwidth, "run_together": run_together,
    "rate_word": reworded("执行率", "支出率"), "budget_noun": reworded("预算数", "预算资金"),
}


def score(folder: Path, tree: Path, shared: Path) -> float:
    """The macro F1 score.py gives the jixiao of the checkout `tree` on `folder`."""
    code = f"import sys; sys.path.insert(0, {str(tree)!r}); from pipeline.cli import main; sys.exit(main(sys.argv[1:]))"
    cmd = shlex.join(["env", f"PYTHONPATH={tree}", sys.executable, "-P", "-c", code, "extract"])
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([sys.executable, str(shared / "tools" / "score.py"), str(folder), "--cmd", cmd,
                        "--json", out.name], check=True, capture_output=True)
        return json.loads(Path(out.name).read_text(encoding="utf-8"))["macro_f1"]


def main(argv: list[str] | None = None) -> int:
    root = HERE.parent
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gold_dir", nargs="?", default=str(root.parent / "shared" / "devset"))
    ap.add_argument("--only", help="comma-separated variants (default: all): " + ", ".join(VARIANTS))
    ap.add_argument("--tree", default=str(root), help="the checkout whose jixiao is scored")
    ap.add_argument("--keep", metavar="DIR", help="write the variants into DIR/NAME and leave them there, to read "
                    "one's errors with score.py (a folder outside the repository: the texts are other people's)")
    a = ap.parse_args(argv)
    gold, tree = Path(a.gold_dir), Path(a.tree)
    shared = next((d for d in (gold.resolve().parent, root.parent / "shared") if (d / "tools" / "score.py").exists()),
                  root.parent / "shared")      # a set beside ../shared/devset (../sets/work) scores with ../shared's tool
    names = a.only.split(",") if a.only else list(VARIANTS)
    base = score(gold, tree, shared)
    print(f"{'untouched':12} macro F1 {base:.3f}")
    with tempfile.TemporaryDirectory() as scratch:
        tmp = a.keep or scratch
        for name in names:
            folder = Path(tmp) / name
            folder.mkdir(parents=True, exist_ok=True)
            for p in sorted(gold.glob("*.txt")):
                record = json.loads(p.with_suffix(".json").read_bytes())
                text = VARIANTS[name](p.read_text(encoding="utf-8"), record)     # may fold the gold's name
                (folder / p.name).write_text(text, encoding="utf-8", newline="")
                (folder / f"{p.stem}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
            got = score(folder, tree, shared)
            print(f"{name:12} macro F1 {got:.3f} ({got - base:+.3f})  {VARIANTS[name].__doc__}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

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


def reworded(old: str, new: str) -> Callable[[str, dict], str]:
    def variant(text: str, gold: dict) -> str:
        return re.sub(old + r"(?=[ \t]*(?:为|是|:|达)?[ \t]*\d)", new, text)
    variant.__doc__ = f"{old} before a figure written {new}."
    return variant


VARIANTS: dict[str, Callable[[str, dict], str]] = {
    "wrapped": wrapped, "cells": cells, "wide_title": wide_title, "bullets": bullets, "invisible": invisible, "page_marks": page_marks, "site": site, "year_first": year_first, "untitled": untitled, "yuan": yuan,
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
    a = ap.parse_args(argv)
    gold, tree = Path(a.gold_dir), Path(a.tree)
    shared = gold.resolve().parent
    names = a.only.split(",") if a.only else list(VARIANTS)
    base = score(gold, tree, shared)
    print(f"{'untouched':12} macro F1 {base:.3f}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            folder = Path(tmp) / name
            folder.mkdir()
            for p in sorted(gold.glob("*.txt")):
                record = p.with_suffix(".json").read_bytes()
                text = VARIANTS[name](p.read_text(encoding="utf-8"), json.loads(record))
                (folder / p.name).write_text(text, encoding="utf-8")
                (folder / f"{p.stem}.json").write_bytes(record)
            got = score(folder, tree, shared)
            print(f"{name:12} macro F1 {got:.3f} ({got - base:+.3f})  {VARIANTS[name].__doc__}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

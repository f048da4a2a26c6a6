"""Long reports, for measuring speed (benchmarks/bench.py): a generated report with the sections a
real one runs to before its signature (work done month by month, money management, each task's
progress) and a ruled 重点工作任务完成情况表 in the middle, so its text PDF is about `pages` pages,
with the 自评表 still attached at the end.

They have no gold record: the added sentences state dates, counts, shares and amounts that the gold
of the report they lengthen does not annotate. The added text draws from its own generator
(seed, id, "long"), so the short reports, and the committed fixtures, do not change.
"""
from __future__ import annotations

from decimal import Decimal

from . import lexicon as lx
from .compose import compose
from .doc import Block, Cell, Document, TableBuilder
from .spec import WAN, make_spec, plan, q, rng_for

CHARS_PER_PAGE = 1100        # about what a page of the generated PDF holds in running text
CN = "一二三四五六七八九十"


def long_pdf(seed: int, index: int, pages: int = 10) -> bytes:
    """The text PDF of the `index`-th report (0-based, kinds in turn as `jixiao synth` makes them),
    lengthened to about `pages` pages."""
    from .render_pdf import to_pdf
    doc_id, kind = plan(index + 1)[index]
    doc, _ = compose(make_spec(seed, doc_id, kind))
    return to_pdf(lengthen(doc, seed, pages))


def lengthen(doc: Document, seed: int, pages: int) -> Document:
    """The document with narrative sections and a task table added before its signature."""
    rng = rng_for(seed, doc.id, "long")
    short = sum(len(b.text) for b in doc.blocks) + 600 * len(doc.tables())
    want = max(0, pages * CHARS_PER_PAGE - short)
    added: list[Block] = []
    n = 0
    while sum(len(b.text) for b in added) + 900 * any(b.kind == "table" for b in added) < want:
        n += 1
        added += _section(rng, n)
        if n == 2:
            added.append(_task_table(rng))
    at = next((i for i, b in enumerate(doc.blocks) if b.kind == "sign"), len(doc.blocks))
    blocks = doc.blocks[:at] + added + doc.blocks[at:]
    return Document(**{**doc.__dict__, "blocks": blocks})


def _section(rng, n: int) -> list[Block]:
    """A heading and four paragraphs of work described month by month, with figures."""
    title = rng.choice(("工作开展情况", "资金管理情况", "项目实施情况", "制度建设情况", "监督检查情况",
                        "绩效管理情况"))
    out = [Block("heading", f"（{CN[(n - 1) % 10]}）{title}", level=2)]
    for _ in range(4):
        domain = rng.choice(lx.DOMAINS)
        sentences = []
        for _ in range(rng.randint(3, 5)):
            month, share = rng.randint(1, 12), rng.randint(40, 100)
            o = rng.choice(domain.outputs)
            sentences.append(rng.choice((
                f"{month}月，围绕{rng.choice(domain.projects)}工作，{rng.choice(domain.duties)}，"
                f"完成年度计划的{share}%",
                f"截至{month}月底，累计{o.subject}{rng.randint(o.lo, o.hi)}{o.unit}，{rng.choice(lx.MEASURES)}",
                f"对照年度目标，{rng.choice(domain.duties)}，相关工作按计划推进",
                f"针对{rng.choice(lx.PROBLEMS)}的情况，及时研究整改，{rng.choice(lx.MEASURES)}",
            )))
        out.append(Block("para", "；".join(sentences) + "。"))
    return out


def _task_table(rng) -> Block:
    """A ruled table of the year's key tasks: what, by when, how far, and what it cost (万元)."""
    tb = TableBuilder(5, [0.6, 2.6, 1.1, 2.2, 1.1])
    head = tb.new_row()
    for col, text in enumerate(("序号", "重点工作任务", "完成时间", "完成情况", "资金（万元）")):
        tb.put(head, col, Cell(text, bold=True))
    for i in range(1, rng.randint(10, 16)):
        domain = rng.choice(lx.DOMAINS)
        r = tb.new_row()
        tb.put(r, 0, Cell(str(i)))
        tb.put(r, 1, Cell(rng.choice(domain.duties), align="left"))
        tb.put(r, 2, Cell(f"{rng.randint(3, 12)}月"))
        progress = rng.choice(("已完成", "基本完成", "按计划推进", f"完成{rng.randint(60, 100)}%"))
        tb.put(r, 3, Cell(progress, align="left"))
        amount = q(Decimal(rng.randint(20_000, 3_000_000)) / WAN)
        tb.put(r, 4, Cell(f"{amount}", amount, "amount"))
    return Block("table", table=tb.build(caption="重点工作任务完成情况表"))

"""Text renderers: the .txt twin and the web page. Both are plain string building, byte-identical
for the same document.
"""
from __future__ import annotations

from html import escape

from .doc import Document, Table


def table_lines(t: Table, mode: str) -> list[str]:
    covered = t.covered()
    texts = [[("" if (r, c) in covered or cell is None else cell.text) for c, cell in enumerate(row)]
             for r, row in enumerate(t.rows)]
    if mode == "lines":
        return [x for row in texts for x in row if x]
    if mode == "spaces":
        return ["  ".join(x for x in row if x) for row in texts if any(row)]
    return [" | ".join(row) for row in texts if any(row)]


def to_txt(doc: Document) -> str:
    out: list[str] = []
    gap = [""] if doc.txt_blank_lines else []
    for b in doc.blocks:
        if b.kind == "pagebreak":
            continue
        if b.kind == "table":
            t = b.table
            assert t is not None         # a table block holds its table
            if t.caption:
                out.append(t.caption)
            if t.subcaption:
                out.append(t.subcaption)
            out += table_lines(t, doc.txt_table_mode)
            out += gap
        else:
            out.append(b.text)
            if b.kind in ("title", "para", "heading"):
                out += gap
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- web page

_CSS = """body{margin:0;font-family:"Microsoft YaHei","SimSun",sans-serif;background:#f4f4f4;color:#222}
.top{background:#b3130e;color:#fff;padding:14px 40px;font-size:22px}
.nav{background:#8f0f0b}.nav a{color:#fff;display:inline-block;padding:8px 18px;text-decoration:none}
.crumb{width:1000px;margin:12px auto;font-size:13px;color:#666}
.article{width:1000px;margin:0 auto 20px;background:#fff;padding:30px 50px}
.article h1{text-align:center;font-size:22px}.meta{text-align:center;color:#888;font-size:13px;border-bottom:1px solid #ddd;padding-bottom:10px}
.article p{text-indent:2em;line-height:1.9}.article p.sign{text-align:right;text-indent:0}
.article table{border-collapse:collapse;margin:10px auto;font-size:13px}.article td{padding:4px 6px}
.footer{background:#333;color:#ccc;text-align:center;font-size:12px;padding:16px}"""


def _html_table(t: Table) -> str:
    covered = t.covered()
    rows = []
    for r, row in enumerate(t.rows):
        cells = []
        for c, cell in enumerate(row):
            if (r, c) in covered or cell is None:
                continue
            span = t.span_at(r, c)
            attrs = ""
            if span and span.rows > 1:
                attrs += f' rowspan="{span.rows}"'
            if span and span.cols > 1:
                attrs += f' colspan="{span.cols}"'
            if cell.align == "center":
                attrs += ' align="center"'
            text = escape(cell.text)
            cells.append(f"<td{attrs}>{'<b>' + text + '</b>' if cell.bold and text else text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return '<table border="1" cellspacing="0" cellpadding="4" width="100%">\n' + "\n".join(rows) + "\n</table>"


def to_html(doc: Document, site: str) -> str:
    body = []
    for b in doc.blocks:
        if b.kind == "title":
            continue                                  # the page's h1
        if b.kind == "pagebreak":
            continue
        if b.kind == "table":
            t = b.table
            assert t is not None         # a table block holds its table
            if t.caption:
                body.append(f'<p style="text-align:center;text-indent:0"><b>{escape(t.caption)}</b></p>')
            if t.subcaption:
                body.append(f'<p style="text-align:center;text-indent:0">{escape(t.subcaption)}</p>')
            body.append(_html_table(t))
        elif b.kind == "heading":
            body.append(f"<p><strong>{escape(b.text)}</strong></p>")
        elif b.kind == "sign":
            body.append(f'<p class="sign">{escape(b.text)}</p>')
        else:
            body.append(f"<p>{escape(b.text)}</p>")
    icp = f"{site[0]}ICP备{abs(hash_digits(doc.id)):08d}号-1"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{escape(doc.title)}_{escape(site)}</title>
<style>{_CSS}</style>
</head>
<body>
<div class="top">{escape(site)}</div>
<div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/zwfw/">政务服务</a><a href="/hdjl/">互动交流</a><a href="/wzdt/">网站地图</a></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/czzj/">财政资金</a> &gt; 绩效评价</div>
<div class="article">
<h1>{escape(doc.title)}</h1>
<div class="meta">发布时间：{doc.published}　　来源：{escape(doc.organization)}　　字号：[大 中 小]</div>
{chr(10).join(body)}
</div>
<div class="footer">版权所有：{escape(site)}　主办单位：{escape(site)}办公室<br>{icp}　建议使用1280×1024分辨率浏览</div>
</body>
</html>
"""


def hash_digits(text: str) -> int:
    """A stable 8-digit number from a string (Python's hash() changes between runs)."""
    n = 0
    for ch in text:
        n = (n * 131 + ord(ch)) % 100_000_000
    return n

"""The web reader (.html/.htm): the article of a government page without its navigation, breadcrumbs,
share buttons and footer; its tables as grids with rowspan/colspan expanded; every charset these
sites use; pages that are not pages refused with what to do.

Every page is a literal string here, shaped like the CMS pages (TRS, Word "save as web page", old
layout tables) that publish these reports.
"""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from pipeline import extract_file
from pipeline.readers.load import LoadError, load
from pipeline.readers import web

ORG = "某某区某某街道办事处"
TITLE = f"{ORG}2022年度社区服务项目绩效自评报告"
BODY = [
    "一、项目基本情况",
    f"社区服务项目由{ORG}组织实施，资金主要用于社区养老服务、社区文化活动和社区环境整治。",
    "二、项目资金使用情况",
    "2022年项目全年预算数120.50万元，全年执行数118.20万元，预算执行率98.09%。",
    "单位：万元",
]
TABLE = """<table border="1" cellspacing="0" cellpadding="0" style="width:600px">
<tbody>
<tr><td>项目名称</td><td colspan="7">社区服务</td></tr>
<tr><td rowspan="3"><p>项目资金</p><p>（万元）</p></td><td></td><td>年初预算数</td><td>全年预算数</td><td>全年执行数</td><td>分值</td><td>执行率</td><td>得分</td></tr>
<tr><td>年度资金总额</td><td>100.00</td><td>120.50</td><td>118.20</td><td>10</td><td>98.09%</td><td>9.81</td></tr>
<tr><td>其中：财政拨款</td><td>100.00</td><td>120.50</td><td>118.20</td><td>—</td><td>98.09%</td><td>—</td></tr>
<tr><th>一级指标</th><th>二级指标</th><th>三级指标</th><th>年度指标值</th><th>实际完成值</th><th>分值</th><th>得分</th><th>偏差原因</th></tr>
<tr><td rowspan="2">产出指标</td><td>数量指标</td><td>服务老人人次</td><td>≥5000人次</td><td>5210人次</td><td>20</td><td>20</td><td>无</td></tr>
<tr><td>质量指标</td><td>活动覆盖率</td><td>≥90%</td><td>92%</td><td>20</td><td>20</td><td>无</td></tr>
<tr><td colspan="5">总分</td><td>100</td><td>98.5</td><td>优</td></tr>
</tbody></table>"""
AFTER = ["三、自评结论", "经自评，本项目绩效自评得分98.5分，评价等级为“优”。", ORG, "2023年4月1日"]


def page(charset: str = "utf-8", meta: str = '<meta charset="{c}">') -> str:
    """A TRS-style government page: header, navigation, breadcrumbs, sidebar, article, share, footer."""
    paras = "\n".join(f"<p style=\"text-indent:2em\">\u3000\u3000{t}</p>" for t in BODY)
    after = "\n".join(f"<p>{t}</p>" for t in AFTER[:2]) + f'\n<p style="text-align:right">{AFTER[2]}<br>{AFTER[3]}</p>'
    return f"""<!DOCTYPE html>
<html><head>{meta.format(c=charset)}
<title>{TITLE}_某某区人民政府门户网站</title>
<script type="text/javascript">var nav = "首页 网站地图";</script>
<style>.nav a{{color:#fff}}</style></head>
<body>
<div class="header"><h1 class="logo">某某区人民政府门户网站</h1>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zwfw/">政务服务</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/sitemap/">网站地图</a></li></ul></div>
<div class="position">您当前的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/czxx/">财政信息</a></div>
<div class="main">
<div class="left"><h3>财政信息</h3><ul><li><a>财政预算</a></li><li><a>财政决算</a></li><li><a>绩效评价</a></li></ul></div>
<div class="right">
<div class="article-title"><h2>{TITLE}</h2></div>
<div class="info">发布日期：2023-04-10　　来源：{ORG}　　浏览次数：1234　　字号：【大 中 小】</div>
<div class="TRS_Editor" id="zoom">
{paras}
<div style="display: none">隐藏的统计代码</div>
{TABLE}
{after}
</div>
<div class="share">分享到：<a>微信</a><a>微博</a><a>QQ空间</a></div>
<div class="print">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</div>
<div class="related"><h4>相关链接</h4><ul><li><a href="/a.html">关于2022年度预算绩效管理工作的通知</a></li></ul></div>
</div></div>
<div class="footer"><p>版权所有：某某区人民政府　主办：某某区人民政府办公室</p>
<p><a href="/sitemap/">网站地图</a> | <a href="/lxwm/">联系我们</a>　网站标识码：1234567890　某ICP备12345678号</p></div>
</body></html>"""


EXPECTED_LINES = [
    TITLE, *BODY,
    "项目名称 | 社区服务 |  |  |  |  |  | ",
    "项目资金 （万元） |  | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分",
    " | 年度资金总额 | 100.00 | 120.50 | 118.20 | 10 | 98.09% | 9.81",
    " | 其中：财政拨款 | 100.00 | 120.50 | 118.20 | — | 98.09% | —",
    "一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因",
    "产出指标 | 数量指标 | 服务老人人次 | ≥5000人次 | 5210人次 | 20 | 20 | 无",
    " | 质量指标 | 活动覆盖率 | ≥90% | 92% | 20 | 20 | 无",
    "总分 |  |  |  |  | 100 | 98.5 | 优",
    *AFTER,
]


def write(tmp_path: Path, html: str | bytes, name: str = "report.html") -> Path:
    path = tmp_path / name
    path.write_bytes(html.encode("utf-8") if isinstance(html, str) else html)
    return path


def cells_of(raw) -> dict[tuple[int, int, int], str]:
    text = "\f".join(raw.pages)
    return {(c.table, c.row, c.col): text[c.start:c.end] for c in raw.cells}


def test_the_article_and_its_table_without_the_page_around_them(tmp_path):
    raw = load(write(tmp_path, page()))
    assert raw.source.format == "html" and raw.source.pages == 1
    assert raw.pages[0].splitlines() == EXPECTED_LINES
    for furniture in ("首页", "网站地图", "版权所有", "您当前的位置", "政务公开", "分享到", "打印本页", "浏览次数",
                      "财政决算", "相关链接", "ICP备", "var nav", "门户网站", "隐藏的统计代码"):
        assert furniture not in raw.pages[0], furniture


def test_rowspan_and_colspan_expand_to_the_grid_with_text_once(tmp_path):
    cells = cells_of(load(write(tmp_path, page())))
    assert {k: v for k, v in cells.items() if k[1] == 1} == {(1, 1, 1): "项目名称", (1, 1, 2): "社区服务"}
    assert cells[(1, 2, 1)] == "项目资金 （万元）"
    assert (1, 3, 1) not in cells and (1, 4, 1) not in cells
    assert [cells[(1, 3, c)] for c in range(2, 9)] == ["年度资金总额", "100.00", "120.50", "118.20", "10", "98.09%",
                                                       "9.81"]
    assert cells[(1, 6, 1)] == "产出指标" and (1, 7, 1) not in cells and cells[(1, 7, 2)] == "质量指标"
    assert cells[(1, 8, 1)] == "总分" and cells[(1, 8, 6)] == "100" and cells[(1, 8, 7)] == "98.5"
    assert not any((1, 8, c) in cells for c in range(2, 6))


def test_the_heading_is_the_one_matching_the_title_not_the_site_name(tmp_path):
    html = f"""<html><head><meta charset="utf-8"><title>某某区人民政府-{TITLE}</title></head><body>
<h1 class="site-title">某某区人民政府</h1><div class="nav"><a href="/">首页</a><a href="/m">网站地图</a></div>
<div class="detail"><h2 class="title">{TITLE}</h2><div class="content">{''.join(f'<p>{t}</p>' for t in BODY)}</div></div>
</body></html>"""
    assert load(write(tmp_path, html)).pages[0].splitlines() == [TITLE, *BODY]


def test_a_gb2312_page_decodes(tmp_path):
    meta = '<meta http-equiv="Content-Type" content="text/html; charset={c}">'
    # gb2312 lacks "—" and "≥"; sites that declare it write GBK, so the bytes here are GBK
    raw = load(write(tmp_path, page("gb2312", meta).encode("gbk")))
    assert raw.source.encoding == "gb18030"
    assert raw.pages[0].splitlines() == EXPECTED_LINES


@pytest.mark.parametrize("data,encoding", [
    (page("gbk").encode("gb18030"), "gb18030"),
    (page("utf-8").encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + page("utf-8", meta="").encode("utf-8"), "utf-8-sig"),
    (codecs.BOM_UTF16_LE + page("utf-16", meta="").encode("utf-16-le"), "utf-16"),
    (page("gb2312").encode("utf-8"), "utf-8"),                      # re-encoded, declaration left behind
    (page("", meta="").encode("gbk"), "gb18030"),                    # no declaration, not UTF-8
], ids=["meta-gbk", "utf8", "utf8-bom", "utf16-bom", "utf8-declared-gb2312", "undeclared-gbk"])
def test_every_charset_these_sites_use(tmp_path, data, encoding):
    raw = load(write(tmp_path, data))
    assert raw.source.encoding == encoding
    assert raw.pages[0].splitlines() == EXPECTED_LINES


def test_a_short_article_keeps_its_table(tmp_path):
    html = f"""<html><head><meta charset="utf-8"><title>{TITLE}</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/map">网站地图</a></div>
<div class="content"><h1>{TITLE}</h1><p>全年预算数10万元，执行数9万元。</p>
<table border="1"><tr><td rowspan="2">项目资金（万元）</td><td>全年预算数</td><td>全年执行数</td></tr>
<tr><td>10</td><td>9</td></tr></table></div>
<div class="footer">版权所有 某某区人民政府</div></body></html>"""
    raw = load(write(tmp_path, html))
    assert raw.pages[0].splitlines() == [TITLE, "全年预算数10万元，执行数9万元。",
                                         "项目资金（万元） | 全年预算数 | 全年执行数", " | 10 | 9"]


def test_an_old_layout_table_site(tmp_path):
    html = f"""<html><head><meta charset="gbk"><title>绩效自评报告</title></head><body>
<table width="980"><tr><td colspan="2"><img src="logo.gif"><a href="/">首页</a> | <a href="/map">网站地图</a></td></tr>
<tr><td width="200"><a>机构概况</a><br><a>政务公开</a><br><a>办事指南</a></td>
<td><h1>{TITLE}</h1>{''.join(f'<p>{t}</p>' for t in BODY)}{TABLE}{''.join(f'<p>{t}</p>' for t in AFTER)}</td></tr>
<tr><td colspan="2">版权所有 某某区人民政府 地址：某某路1号</td></tr></table></body></html>"""
    raw = load(write(tmp_path, html.encode("gbk")))
    assert raw.pages[0].splitlines() == EXPECTED_LINES
    assert max(c.table for c in raw.cells) == 1                       # the layout table is not a table


def test_a_word_page_saved_as_html(tmp_path):
    html = f"""<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta http-equiv=Content-Type content="text/html; charset=gb2312"><meta name=Generator content="Microsoft Word 15">
<!--[if gte mso 9]><xml><w:WordDocument><w:View>Print</w:View></w:WordDocument></xml><![endif]--></head>
<body lang=ZH-CN><div class=WordSection1>
<p class=MsoNormal align=center><b><span>{ORG}<span lang=EN-US>2022</span>年度社区服务项目绩效自评报告<o:p></o:p></span></b></p>
<p class=MsoNormal><span>全年预算数<span lang=EN-US>120.50</span>万元。<o:p></o:p></span></p>
<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>
<table class=MsoNormalTable border=1><tr><td rowspan=2><p class=MsoNormal>项目资金</p><p class=MsoNormal>（万元）</p></td>
<td><p class=MsoNormal>全年预算数</p></td></tr><tr><td><p class=MsoNormal><span lang=EN-US>120.50</span></p></td></tr></table>
<p class=MsoNormal><![if !supportLists]><span lang=EN-US>1.</span><![endif]>自评得分<span lang=EN-US>98.5</span>分。</p>
</div></body></html>"""
    raw = load(write(tmp_path, html.encode("gbk"), "report.htm"))
    assert raw.source.format == "htm"
    assert raw.pages[0].splitlines() == [TITLE, "全年预算数120.50万元。", "项目资金 （万元） | 全年预算数", " | 120.50",
                                         "1.自评得分98.5分。"]


def test_text_written_between_line_breaks_is_kept(tmp_path):
    """Bare text and <br> in the article div (no <p>): trafilatura keeps the table alone; its container is read."""
    html = f"""<html><head><meta charset="utf-8"><title>{TITLE}</title></head><body>
<div class="nav"><a href="/">首页</a><a href="/map">网站地图</a></div><div class="title">{TITLE}</div>
<div id="zoom">{'<br>'.join(BODY)}<br>{TABLE}<br>{'<br/>'.join(AFTER)}</div>
<div class="footer">版权所有 某某区人民政府</div></body></html>"""
    assert load(write(tmp_path, html)).pages[0].splitlines() == EXPECTED_LINES


def test_a_preformatted_report_keeps_its_lines(tmp_path):
    html = f"<html><head><title>{TITLE}</title></head><body><pre>{TITLE}\n\n" + "\n".join(BODY) + "</pre></body></html>"
    assert load(write(tmp_path, html)).pages[0].splitlines() == [TITLE, *BODY]


def test_without_trafilatura_the_largest_text_container_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(web, "_trafilatura_text", lambda html: (set(), "", ""))
    raw = load(write(tmp_path, page()))
    assert raw.pages[0].splitlines() == EXPECTED_LINES


@pytest.mark.parametrize("content,words", [
    (b"%PDF-1.7\n" + bytes(200), ["not a web page", "rename it to .pdf"]),
    (b"PK\x03\x04" + bytes(200), ["zip package", "rename it to .docx or .xlsx"]),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), ["legacy Office", "libreoffice"]),
    (bytes(range(256)) * 8, ["does not look like a web page", "save it again"]),
    (b'<html><head><script src="app.js"></script></head><body><div id="app"></div></body></html>',
     ["no readable text", "JavaScript"]),
    (b'<html><frameset><frame src="content.html"></frameset></html>', ["no readable text", "frames"]),
], ids=["pdf", "zip", "ole", "binary", "javascript", "frames"])
def test_a_file_that_is_not_a_readable_page_fails_with_what_to_do(tmp_path, content, words):
    with pytest.raises(LoadError) as e:
        load(write(tmp_path, content))
    for word in words:
        assert word in str(e.value)
    record = extract_file(write(tmp_path, content))
    assert record.status == "failed" and words[0] in record.error


def test_end_to_end_a_web_report(tmp_path):
    record = extract_file(write(tmp_path, page("gb2312", '<meta http-equiv="Content-Type" '
                                                         'content="text/html; charset={c}">').encode("gbk")))
    assert record.status == "ok", record.error
    assert record.source.format == "html" and record.source.encoding == "gb18030"
    assert record.organization.value == ORG
    assert record.fiscal_year.value == 2022
    assert record.report_type.value == "project"

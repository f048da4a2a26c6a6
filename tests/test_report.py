"""report.html and report/doc.html (each document's page from the chunk report/docs-<k>.js holding
it): the overview's counts and charts, every finding linked to its highlighted evidence, every
highlight exactly the kept text's words, a document's own markup shown as text, a failed document's
error, pagination, and pages that need nothing from the network."""
import json
import re
from collections import Counter
from pathlib import Path

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.cli import main
from pipeline.outputs.export import Writer
from pipeline.models import Budget, Evidence, Fact, Finding, Record, Source
from pipeline.outputs.report import document_view, environment, explanations, write_report
from pipeline.outputs.labels import label
from pipeline.outputs.texts import Texts

BAD = "某某局2021年度部门整体支出绩效自评报告\n全年预算数 100 万元，执行数 96.40 万元，执行率 98.5%。\n"
CLEAN = "某某局2021年度部门整体支出绩效自评报告\n全年预算数 100 万元，执行数 100 万元，执行率 100%。\n扣分 5 分。自评得分 95 分。\n"
SCRIPT = ("某某局2021年度部门整体支出绩效自评报告\n<script>alert(1)</script>\n"
          "全年预算数 100 万元，执行数 100 万元，执行率 100%。\n扣分 5 分。自评得分 95 分。\n")
REPORTS = {"bad.txt": BAD, "clean.txt": CLEAN, "script.txt": SCRIPT}


def build_outdir(tmp: Path) -> Path:
    """A finished `jixiao extract` run over three planted reports, an empty file (failed) and an
    image (skipped), with its report written."""
    src = tmp / "src"
    src.mkdir(parents=True)
    for name, text in REPORTS.items():
        (src / name).write_text(text, encoding="utf-8")
    (src / "empty.txt").write_bytes(b"")
    (src / "image.png").write_bytes(b"\x89PNG\r\n")
    out = tmp / "out"
    assert main(["extract", str(src), "-o", str(out), "-q"]) == 0
    write_report(out)
    return out


def records(out: Path) -> list[Record]:
    return [Record.model_validate_json(line) for line in (out / "records.jsonl").open(encoding="utf-8")]


def page_of(out: Path, name: str) -> tuple[int, Record]:
    """(n, record) of the document whose file is `name`: its page is report/doc.html#n=<n>."""
    return next((n, r) for n, r in enumerate(records(out), 1) if Path(r.source.path).name == name)


def html(path: Path):
    return lxml.html.parse(str(path)).getroot()


def chunks(out: Path) -> dict[int, dict]:
    """n -> {title, html} of every document page, read from the chunks doc.html says hold them."""
    starts = json.loads(html(out / "report" / "doc.html").get_element_by_id("chunks").text)
    pages = {}
    for k, first in enumerate(starts, 1):
        call, _, args = (out / "report" / f"docs-{k}.js").read_text(encoding="utf-8").partition("(")
        assert call == "jixiao.docs"
        at, docs = json.loads("[" + args.rstrip().removesuffix(");") + "]")
        assert at == first and docs
        pages.update({first + i: d for i, d in enumerate(docs)})
    return pages


def page(out: Path, n: int):
    """Document n's page as doc.html shows it: its chunk's HTML inside <main id="doc">."""
    return lxml.html.fromstring(f'<html><body><main id="doc">{chunks(out)[n]["html"]}</main></body></html>')


def kept_text(out: Path, r: Record) -> str:
    with Texts(out) as texts:
        text = texts.get(r.source.sha256)
    assert text is not None
    return text


def by_id(doc, id_: str) -> str:
    return doc.get_element_by_id(id_).text_content().strip()


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return build_outdir(tmp_path_factory.mktemp("report"))


def test_overview_counts(out):
    doc = html(out / "report.html")
    assert by_id(doc, "n-documents") == "5"
    assert [by_id(doc, f"status-{s}") for s in ("ok", "failed", "skipped")] == ["3", "1", "1"]
    assert by_id(doc, "type-department") == "3" and by_id(doc, "type-project") == "0"
    assert by_id(doc, "rule-execution_rate-error") == "1" and by_id(doc, "rule-execution_rate-documents") == "1"
    counted = Counter((f.rule, f.severity) for r in records(out) for f in r.findings)
    assert counted == {("execution_rate", "error"): 1}        # the clean and script reports raise nothing
    for (rule, severity), n in counted.items():
        assert by_id(doc, f"rule-{rule}-{severity}") == str(n)
    assert by_id(doc, "severity-error") == "1" and by_id(doc, "severity-warning") == "0"
    assert doc.get("lang") == "zh-CN" and doc.xpath("//meta[@charset='utf-8']")


def test_charts_are_svg_histograms_of_the_stated_figures(out):
    doc = html(out / "report.html")
    rates = doc.xpath("//svg[@id='chart-rate']//rect[contains(@class, 'bar')]")
    scores = doc.xpath("//svg[@id='chart-score']//rect[contains(@class, 'bar')]")
    assert len(rates) == len(scores) == 21                 # 0-100 in 5-point bins, and one for outside
    rate_counts = {r.get("data-bin"): int(r.get("data-count")) for r in rates}
    assert sum(rate_counts.values()) == 3                  # 98.5, 100, 100
    assert rate_counts["95–100%"] == 3
    score_counts = {r.get("data-bin"): int(r.get("data-count")) for r in scores}
    assert sum(score_counts.values()) == 2 and score_counts["95–100分"] == 2
    tallest = max(rates, key=lambda r: float(r.get("height")))
    assert tallest.get("data-bin") == "95–100%" and float(tallest.get("height")) > 0
    assert all(float(r.get("height")) == 0 for r in rates if r.get("data-count") == "0")


def test_document_list_links_every_page(out):
    doc = html(out / "report.html")
    rows = doc.xpath("//table[@id='documents']/tbody/tr")
    assert len(rows) == 5
    for n, (row, r) in enumerate(zip(rows, records(out)), 1):
        link = row.xpath(".//a")[0]
        assert link.text_content() == r.source.path and link.get("href") == f"report/doc.html#n={n}"
        assert chunks(out)[n]["title"].startswith(f"{n}. ")
    bad_n, _ = page_of(out, "bad.txt")
    cells = [td.text_content().strip() for td in rows[bad_n - 1].xpath("td")]
    assert cells[3:] == ["部门整体支出", "2021", "某某局", "", "98.5%", "1", "0", label("rule", "execution_rate")]


def test_finding_links_to_its_highlighted_evidence(out):
    n, r = page_of(out, "bad.txt")
    doc = page(out, n)
    (row,) = doc.xpath("//tr[@class='finding']")
    assert row.get("data-rule") == "execution_rate" and row.xpath(".//code")[0].text == "execution_rate"
    assert "错误" in row.text_content() and "执行率不一致" in row.xpath(".//div[@class='message']")[0].text_content()
    meaning = explanations()["execution_rate"]
    assert row.xpath(".//strong[@class='rule-title']")[0].text == label("rule", "execution_rate")
    assert [e.text_content()[len(e[0].text):] for e in row.xpath(".//div[contains(@class, 'explain')]")] == \
        [meaning["compared"], meaning["check"]]
    finding = r.findings[0]
    links = row.xpath(".//a[@class='ev']")
    assert len(links) == len(finding.evidence) == 3
    for a, ev in zip(links, finding.evidence):
        target = a.get("href").removeprefix("#")
        (mark,) = doc.xpath(f"//mark[@id='{target}']")
        assert mark.text_content() == ev.text and "hit" in mark.get("class")
    values = {dd.get("data-key"): dd for dd in row.xpath(".//dd")}
    assert [values[k].text for k in ("computed", "stated", "total_yuan", "executed_yuan")] == \
        ["96.4%", "98.5%", "100.00 万元", "96.40 万元"]
    assert values["total_yuan"].get("title") == "1,000,000 元"
    assert [dt.text for dt in row.xpath(".//dt")][:2] == [meaning["values"]["computed"]["label"],
                                                         meaning["values"]["stated"]["label"]]


def test_facts_link_to_their_evidence(out):
    n, r = page_of(out, "bad.txt")
    doc = page(out, n)
    facts = {tr.get("data-key"): tr for tr in doc.xpath("//table[@id='facts']//tr[@data-key]")}
    assert set(facts) == {"report_type", "fiscal_year", "organization", "total_yuan", "executed_yuan", "rate_pct"}
    executed = facts["executed_yuan"]
    assert executed.xpath("td")[0].text == "96.40 万元" and executed.xpath("td")[0].get("title") == "964,000 元"
    assert f"「{r.budget.executed_yuan.evidence.text}」" in executed.xpath("td")[1].text_content()   # as stated, beside
    a = facts["executed_yuan"].xpath(".//a")[0]
    assert doc.xpath(f"//mark[@id='{a.get('href')[1:]}']")[0].text_content() == r.budget.executed_yuan.evidence.text


def test_every_mark_is_the_kept_texts_words(out):
    for n, r in enumerate(records(out), 1):
        doc = page(out, n)
        if r.status != "ok":
            assert not doc.xpath("//mark")
            continue
        text = kept_text(out, r)
        assert doc.get_element_by_id("text").text_content() == text
        marks = doc.xpath("//mark")
        assert marks
        for m in marks:
            assert m.text_content() == text[int(m.get("data-start")):int(m.get("data-end"))]
        ids = [m.get("id") for m in marks if m.get("id")]
        assert len(ids) == len(set(ids))
        for a in doc.xpath("//a[@class='ev']"):
            assert a.get("href")[1:] in ids


def test_a_documents_markup_is_shown_as_text(out):
    n, r = page_of(out, "script.txt")
    doc = page(out, n)
    assert not doc.xpath("//script")
    assert "<script>alert(1)</script>" in doc.get_element_by_id("text").text_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in chunks(out)[n]["html"]


def test_failed_document_shows_its_error(out):
    n, r = page_of(out, "empty.txt")
    assert r.status == "failed"
    doc = page(out, n)
    assert r.error in by_id(doc, "error") and "失败" in by_id(doc, "status")
    row = html(out / "report.html").get_element_by_id(f"doc-{n}")
    assert "empty" in row.text_content() and "status-failed" in row.get("class")
    n, r = page_of(out, "image.png")
    assert r.error in by_id(page(out, n), "error")


def test_pages_are_self_contained(out):
    """Nothing from the network: report.html's and doc.html's scripts and data are inline (doc.html
    loads only the chunks beside it), the document pages in the chunks have no script."""
    assert sorted(p.name for p in (out / "report").iterdir()) == ["doc.html", "docs-1.js"]
    for name in ("report.html", "report/doc.html"):
        raw = (out / name).read_text(encoding="utf-8")
        doc = lxml.html.fromstring(raw)
        assert not doc.xpath("//link | //img | //iframe | //@src")
        scripts = doc.xpath("//script")
        assert [s.get("type") for s in scripts] == ["application/json"] * (1 + (name == "report.html")) + [None]
        assert not re.search(r"https?://|@import|url\(", raw.replace('xmlns="http://www.w3.org/2000/svg"', ""))
        assert doc.xpath("//style") and '"WenQuanYi Zen Hei"' in raw
    for n in chunks(out):
        doc = page(out, n)
        assert not doc.xpath("//script | //link | //iframe")


def test_pagination(tmp_path):
    out = build_outdir(tmp_path)
    write_report(out, page_size=2)
    first = html(out / "report.html")
    assert [tr.get("id") for tr in first.xpath("//table[@id='documents']/tbody/tr")] == ["doc-1", "doc-2"]
    assert by_id(first, "n-documents") == "5"               # the overview counts everything
    second = html(out / "report" / "list-2.html")
    assert [tr.get("id") for tr in second.xpath("//table[@id='documents']/tbody/tr")] == ["doc-3", "doc-4"]
    assert second.xpath("//tr[@id='doc-3']//a")[0].get("href") == "doc.html#n=3"
    assert second.xpath("string(//h1)") == "文件列表 3–4（共 5 份）"      # the count, not the macro of that name
    assert (out / "report" / "list-3.html").exists()
    back = page(out, 3).xpath("//nav//a")[0].get("href")
    assert back == "list-2.html#doc-3"
    (out / "report" / "7.html").write_text("an earlier version's page of document 7", encoding="utf-8")
    write_report(out)                                          # a later run leaves no stale list pages
    assert not (out / "report" / "list-2.html").exists() and not (out / "report" / "7.html").exists()


# ---------------------------------------------------------------- overlapping evidence

def hand_outdir(tmp: Path, text: str, spans: list[tuple[int, int]]) -> tuple[Path, Record]:
    """An OUTDIR holding one record whose finding points at `spans` of `text`."""
    evs = [Evidence(start=s, end=e, text=text[s:e]) for s, e in spans]
    r = Record(source=Source(path="hand.txt", sha256="ab" * 32, format="txt"), status="ok",
               budget=Budget(rate_pct=Fact(value=100.0, evidence=evs[0])) if evs else Budget(),
               findings=[Finding(rule="made_up", severity="warning", message="重叠", values={}, evidence=evs)])
    out = tmp / "out"
    with Writer(out) as w:
        w.write(r, text)
    return out, r


def check_page(doc, text: str, spans: list[tuple[int, int]]) -> None:
    assert doc.get_element_by_id("text").text_content() == text
    marks = doc.xpath("//mark")
    for m in marks:
        assert m.text_content() == text[int(m.get("data-start")):int(m.get("data-end"))]
    for s, e in set(spans):
        if not 0 <= s < e <= len(text):
            continue
        pieces = [m for m in marks if m.get("data-ev") == f"e{s}-{e}"]
        assert "".join(m.text_content() for m in pieces) == text[s:e]
        assert [m.get("id") for m in pieces if m.get("id")] == [f"e{s}-{e}"]


def test_overlapping_nested_and_identical_evidence(tmp_path):
    text = "第一页全年预算数100万元\f执行数96.40万元，执行率98.5%。"
    spans = [(0, 13), (3, 13), (3, 13), (8, 20), (10, 16), (14, 30), (11, 12), (29, 34), (30, 99)]
    out, _ = hand_outdir(tmp_path, text, spans)
    write_report(out)
    doc = page(out, 1)
    check_page(doc, text, spans)
    assert doc.xpath("//mark[@id='e3-13']")[0].text_content() == "全年预算数100万元"    # nested: whole
    assert len(doc.xpath("//mark[@data-ev='e8-20']")) == 2                               # crosses e0-13's end
    assert [p.get("data-label") for p in doc.xpath("//span[@class='pb']")] == ["第 2 页"]
    assert doc.xpath("//span[@class='ev muted']")                # (30, 99) lies outside the text: not linked


def test_evidence_whose_words_the_text_does_not_hold_is_flagged(tmp_path):
    text = "全年预算数100万元，执行数96.40万元。"
    evs = [Evidence(start=5, end=10, text="100万元"), Evidence(start=14, end=21, text="<b>96.4</b>万元")]
    r = Record(source=Source(path="hand.txt", sha256="cd" * 32, format="txt"), status="ok",
               findings=[Finding(rule="made_up", severity="error", message="x", values={}, evidence=evs)])
    out = tmp_path / "out"
    with Writer(out) as w:
        w.write(r, text)
    write_report(out)
    links = page(out, 1).xpath("//tr[@class='finding']//a[@class='ev']")
    assert [a.get("href") for a in links] == ["#e5-10", "#e14-21"]
    assert "<b>96.4</b>万元" in links[1].text_content()                  # the evidence's markup shown as text
    assert [a.xpath("string(following-sibling::span[@class='mismatch'])") for a in links] == ["", "（与文本不符）"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="预算执行率<>&\"'\f\n 0123", min_size=1, max_size=40).flatmap(
    lambda t: st.tuples(st.just(t), st.lists(st.tuples(st.integers(0, len(t)), st.integers(0, len(t)))
                                             .map(lambda p: tuple(sorted(p))).filter(lambda p: p[0] < p[1]), max_size=8))))
def test_any_overlap_keeps_the_markup_well_formed(case):
    text, spans = case
    evs = [Evidence(start=s, end=e, text=text[s:e]) for s, e in spans]
    r = Record(source=Source(path="h.txt", sha256="0" * 64, format="txt"), status="ok",
               findings=[Finding(rule="made_up", severity="info", message="x", values={}, evidence=evs)])
    rendered = environment().get_template("document.html").render(doc=document_view(1, r, text),
                                                                  back="../report.html", total=1, outdir="out")
    check_page(lxml.html.fromstring(f"<div>{rendered}</div>"), text, spans)


def test_every_audit_rule_is_explained_in_chinese():
    """rules/explain.yaml has a name, what was compared and what to check for every finding rule,
    and a label and a known unit for every figure it describes."""
    import yaml

    from pipeline.rules import RULES_DIR
    audit = yaml.safe_load((RULES_DIR / "audit.yaml").read_text(encoding="utf-8"))["rules"]
    ids = {r["id"] for r in audit if r["kind"] == "finding"}
    assert ids and ids <= set(explanations())
    for rule, e in explanations().items():
        assert rule in ids, f"{rule}: explained but not a rule of audit.yaml"
        assert all(re.search(r"[\u4e00-\u9fff]", e[k]) for k in ("compared", "check")), rule
        assert re.search(r"[\u4e00-\u9fff]", label("rule", rule)), rule
        assert {v["unit"] for v in e["values"].values()} <= {"yuan", "pct", "points", "count", "year", "text"}


def test_index_cannot_end_its_script_element():
    from pipeline.outputs.report import index_json
    line = '{"path": "a</script><script>alert(1)</script>.txt"}\n'
    index = str(index_json([line]))
    assert "<" not in index and __import__("json").loads(index) == [{"path": "a</script><script>alert(1)</script>.txt"}]


SYNTH = Path(__file__).parent.parent / "corpus" / "synth"
PLANTED_PDF = ["青石县水利局2021年度部门整体支出绩效自评报告", "一、基本情况", "本局负责全县水利工程的建设与维护。",
               "\f", "二、预算执行情况", "全年预算数 200 万元，执行数 180 万元，执行率 95%。"]


def planted_pdf(path: Path) -> None:
    """A two-page text PDF whose second page states a rate its figures cannot give (90% is 95%):
    one execution_rate finding, its evidence on page 2. Skips without reportlab or a CJK font."""
    pytest.importorskip("reportlab")
    from reportlab.pdfgen import canvas

    from synth import render_pdf
    if render_pdf.unavailable():
        pytest.skip(render_pdf.unavailable())
    font = render_pdf._register()
    pdf = canvas.Canvas(str(path), pagesize=(595.27, 841.89))
    y = 760
    for line in PLANTED_PDF:
        if line == "\f":
            pdf.showPage()
            y = 760
            continue
        pdf.setFont(font, 13)
        pdf.drawString(72, y, line)
        y -= 26
    pdf.save()


def test_xlsx_evidence_names_its_real_cell(tmp_path):
    """An amount read from a workbook's cell is shown with that cell's name (Sheet!D5), and the cell
    there shows the amount's words."""
    import openpyxl

    from pipeline.readers.sheet import display
    book = tmp_path / "src" / "form.xlsx"
    book.parent.mkdir()
    wb = openpyxl.load_workbook(SYNTH / "syn-dept-001.xlsx")
    sheet = wb.worksheets[0]
    assert sheet["D5"].value == sheet["E5"].value and sheet["F5"].value == 316.32   # 年初 and 全年 alike
    sheet["F5"] = 300                                   # executed: the stated 85.7% no longer follows
    wb.save(book)
    assert main(["extract", str(book.parent), "-o", str(tmp_path / "out"), "-q"]) == 0
    (r,) = records(tmp_path / "out")
    assert "execution_rate" in {f.rule for f in r.findings}
    doc = page(tmp_path / "out", 1)
    names = {tr.get("data-key"): tr.xpath(".//span[@class='cell']")[0].text
             for tr in doc.xpath("//table[@id='facts']//tr[@data-key]") if tr.xpath(".//span[@class='cell']")}
    assert names["total_yuan"] == f"{sheet.title}!E5" and names["executed_yuan"] == f"{sheet.title}!F5"
    assert doc.xpath("//tr[@class='finding']//span[@class='cell']")           # the finding's evidence too
    wb = openpyxl.load_workbook(book, data_only=True)
    for key in ("total_yuan", "executed_yuan"):
        sheet, cell = names[key].rsplit("!", 1)
        assert re.fullmatch(r"[A-Z]+[0-9]+", cell)
        c = wb[sheet][cell]
        assert getattr(r.budget, key).evidence.text in display(c.value, c.number_format)


def test_pdf_page_images_need_the_unchanged_original(tmp_path):
    """A PDF's page holding evidence is shown as an image with a box per evidence; once the original
    has changed or gone, the page says so and shows no image (never a box on another file)."""
    pdf = tmp_path / "src" / "form.pdf"
    pdf.parent.mkdir()
    planted_pdf(pdf)
    out = tmp_path / "out"
    assert main(["extract", str(pdf.parent), "-o", str(out), "-q"]) == 0
    (r,) = records(out)
    assert [f.rule for f in r.findings] == ["execution_rate"] and r.budget.executed_yuan.evidence.page == 2
    doc = page(out, 1)
    assert [f.get("id") for f in doc.xpath("//figure")] == ["page-2"]      # the page the finding is on
    e = r.budget.executed_yuan.evidence
    box = doc.get_element_by_id(f"b{e.start}-{e.end}")
    figure = box.getparent().getparent()
    assert figure.get("id") == f"page-{e.page}" and box.get("href") == f"#e{e.start}-{e.end}"
    src = figure.xpath(".//img")[0].get("src")
    assert (out / "report" / src).stat().st_size > 10_000
    assert doc.xpath("//tr[@data-key='executed_yuan']//a[@class='orig']")[0].get("href") == f"#b{e.start}-{e.end}"

    pdf.write_bytes(pdf.read_bytes() + b"\n%changed\n")
    write_report(out)
    doc = page(out, 1)
    assert "sha256" in by_id(doc, "original-note") and not doc.xpath("//img")
    assert not (out / "report" / src).exists()                  # an image no page shows is removed
    pdf.unlink()
    write_report(out)
    assert str(pdf) in by_id(page(out, 1), "original-note")

"""report.html at archive scale, used the way an auditor uses it, in a real headless Chromium driven
over the DevTools protocol (its pipe: no extra package): 600 invented reports and one PDF are
extracted (and a PDF with a finding on its page 2), then the test types in the search box, clicks a rule, sorts, goes to list page 2, clicks
a figure on a document's page and looks at the PDF's page image with its box. Every screenshot is
saved under the test's tmp folder. Skipped, loudly, where Chromium is absent (see test_browser)."""
from __future__ import annotations

import base64
import io
import json
import os
import random
import select
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from pipeline.cli import main
from tests.test_browser import chromium
from tests.test_report import planted_pdf, records

WIDTH, HEIGHT = 1024, 900           # the narrowest office screen the report must fit
TIMEOUT = 60                        # seconds without a word from Chromium: it hangs
N = 600
PLACES = ["青石县", "白水县", "南岭区", "东湖镇", "云台县", "北川区"]
BODIES = ["农业农村局", "教育局", "卫生健康局", "水利局", "文化旅游局", "交通运输局", "民政局", "林业局"]


def invent(folder: Path) -> None:
    """N tiny reports (report-000.txt …: the file name never holds the organisation): every fifth
    states a rate its figures cannot give, every fifth another a score its deduction cannot."""
    rng = random.Random(20)
    for i in range(N):
        org, year = rng.choice(PLACES) + rng.choice(BODIES), rng.choice([2020, 2021, 2022, 2023])
        total = rng.randint(50, 900)
        executed = round(total * rng.uniform(0.8, 1.0), 2)
        rate = round(executed / total * 100, 1) - (7.3 if i % 5 == 1 else 0)
        score = rng.randint(80, 99)
        deduction = 100 - score + (3 if i % 5 == 2 else 0)
        (folder / f"report-{i:03d}.txt").write_text(
            f"{org}{year}年度部门整体支出绩效自评报告\n全年预算数 {total} 万元，执行数 {executed} 万元，"
            f"执行率 {rate:.1f}%。\n扣分 {deduction} 分。自评得分 {score} 分。\n", encoding="utf-8")


class Browser:
    """One headless Chromium over --remote-debugging-pipe (fd 3 in, fd 4 out, messages ending in NUL)."""

    def __init__(self, exe: str, profile: Path):
        to_chrome, self._in = os.pipe()
        self._out, from_chrome = os.pipe()

        def fds():      # in the child: its ends at 3 and 4, via copies (an end may already be 3 or 4)
            a, b = os.dup(to_chrome), os.dup(from_chrome)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--hide-scrollbars", "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=fds, close_fds=False)  # noqa: PLW1509 -- fds() makes only dup/dup2 calls
        os.close(to_chrome)
        os.close(from_chrome)
        self._buffer = b""
        self._id = 0
        self.events: list[dict] = []
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1,
                  mobile=False)

    def _message(self) -> dict:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._out], [], [], TIMEOUT)
            assert ready, f"Chromium said nothing for {TIMEOUT} s"
            chunk = os.read(self._out, 1 << 16)
            assert chunk, "Chromium closed its DevTools pipe"
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(line)

    def send(self, method: str, session: str | None = None, **params) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._in, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._message()
            if reply.get("id") == self._id:
                assert "error" not in reply, f"{method}: {reply['error']}"
                return reply["result"]
            self.events.append(reply)

    def call(self, method: str, **params) -> dict:
        return self.send(method, self.session, **params)

    def wait_for(self, event: str) -> None:
        while not any(e.get("method") == event for e in self.events):
            self.events.append(self._message())
        self.events.clear()

    def open(self, url: Path | str, fragment: str = "") -> None:
        """Load the page afresh, as a bookmark opens it (from another page: a new #fragment alone
        would only scroll the page already open)."""
        if fragment:
            self.open("about:blank")
        self.events.clear()
        self.call("Page.navigate", url=(url.as_uri() if isinstance(url, Path) else url) + fragment)
        self.wait_for("Page.loadEventFired")

    def js(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def until(self, expression: str) -> None:
        """Wait (in the page, up to TIMEOUT) until expression is true: a click on a link to a #fragment
        scrolls, and fires hashchange, in a task of its own after the click."""
        assert self.js(f"new Promise(done => {{ const t0 = Date.now(), poll = () => ({expression}) ? done(true)"
                       f" : Date.now() - t0 > {TIMEOUT * 1000} ? done(false) : setTimeout(poll, 10); poll(); }})"), \
            f"never true: {expression}"

    def click(self, selector: str) -> None:
        """A real mouse click at the middle of the element (scrolled into view first)."""
        box = self.js(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
                      "e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect(); "
                      "return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    def type(self, selector: str, words: str) -> None:
        self.js(f"document.querySelector({json.dumps(selector)}).focus()")
        self.call("Input.insertText", text=words)

    def screenshot(self, path: Path) -> Image.Image:
        png = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(png)
        print(f"\nscreenshot {path}")
        return Image.open(io.BytesIO(png)).convert("RGB")

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except AssertionError:
            pass
        self.proc.wait(timeout=30)
        os.close(self._out)
        os.close(self._in)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("scale")
    src = tmp / "src"
    src.mkdir()
    invent(src)
    try:
        planted_pdf(src / "planted.pdf")
    except pytest.skip.Exception:       # no reportlab or CJK font: only the PDF's test skips
        pass
    assert main(["extract", str(src), "-o", str(tmp / "out"), "-q"]) == 0
    return tmp / "out"


@pytest.fixture(scope="module")
def browser(out, tmp_path_factory):
    b = Browser(chromium(), tmp_path_factory.mktemp("profile"))
    yield b
    b.close()


def rows(browser: Browser) -> list[str]:
    return browser.js("[...document.querySelectorAll('#documents tbody tr')].map(tr => tr.id)")


def count(browser: Browser) -> int:
    return int(browser.js("document.getElementById('shown').dataset.count"))


def test_search_filter_and_sort_the_list(browser, out, tmp_path):
    recs = records(out)
    assert len(recs) == N + (out.parent / "src" / "planted.pdf").exists()
    with_findings = [n for n, r in enumerate(recs, 1) if r.findings]
    browser.open(out / "report.html")
    assert count(browser) == len(with_findings)              # the first view: documents with findings
    assert rows(browser) == [f"doc-{n}" for n in with_findings[:100]]
    assert browser.js("document.querySelector('#documents tbody a').getAttribute('href')") == \
        f"report/doc.html#n={with_findings[0]}"
    assert browser.js("document.documentElement.scrollWidth") <= WIDTH

    org = recs[with_findings[3] - 1].organization.value           # search by organisation: only its documents
    browser.type("#q", org)
    expected = [n for n in with_findings if recs[n - 1].organization and org in recs[n - 1].organization.value]
    assert 0 < count(browser) == len(expected) < len(with_findings)
    assert rows(browser) == [f"doc-{n}" for n in expected]
    browser.screenshot(tmp_path / "search.png")
    browser.js("document.getElementById('q').value = ''")
    browser.type("#q", "report-017")                             # by file name, in every document
    browser.js("const v = document.getElementById('f-view'); v.value = 'all'; v.dispatchEvent(new Event('change'))")
    assert rows(browser) == [f"doc-{n}" for n, r in enumerate(recs, 1) if r.source.path.endswith("report-017.txt")]

    browser.open(out / "report.html")                            # a click on a rule in the overview
    browser.click("a.rule-filter[href='#rule=score_deduction']")
    browser.until("document.getElementById('f-rule').value === 'score_deduction'")
    expected = [n for n, r in enumerate(recs, 1) if any(f.rule == "score_deduction" for f in r.findings)]
    assert count(browser) == len(expected) == N // 5
    shown = browser.js("[...document.querySelectorAll('#documents tbody tr')]"
                       ".map(tr => [tr.id, [...tr.querySelectorAll('.rule-tag')].map(t => t.dataset.rule)])")
    assert [i for i, _ in shown] == [f"doc-{n}" for n in expected[:100]]
    assert all("score_deduction" in tags for _, tags in shown)
    assert browser.js("location.hash") == "#rule=score_deduction"
    browser.screenshot(tmp_path / "rule-filter.png")

    browser.click("#next")                                       # the script's page 2 of that view
    assert rows(browser) == [f"doc-{n}" for n in expected[100:200]]
    assert "第 2 / 2 页" in browser.js("document.getElementById('page-of').textContent")

    browser.click("th[data-key='score']")                        # sort by a column, then the other way
    scores = [recs[int(i[4:]) - 1].self_score.value for i in rows(browser)]
    assert scores == sorted(scores) and len(scores) == 100
    browser.click("th[data-key='score']")
    scores = [recs[int(i[4:]) - 1].self_score.value for i in rows(browser)]
    assert scores == sorted(scores, reverse=True)

    years = Counter(r.fiscal_year.value for r in recs if r.fiscal_year)
    browser.open(out / "report.html", "#view=all&year=2021")       # a bookmarked view
    assert count(browser) == years[2021]


def test_static_list_page_2_counts(browser, out, tmp_path):
    """report.html holds the first 500 rows for a browser without script; list-2.html the rest."""
    total = len(records(out))                   # N, and the planted PDF where reportlab could make it
    browser.open(out / "report" / "list-2.html")
    assert browser.js("document.querySelector('h1').textContent") == f"文件列表 501–{total}（共 {total} 份）"
    assert len(rows(browser)) == total - 500 > 0
    browser.screenshot(tmp_path / "list-2.png")


def test_a_click_on_a_figure_scrolls_to_its_mark(browser, out, tmp_path):
    n = next(n for n, r in enumerate(records(out), 1) if any(f.rule == "execution_rate" for f in r.findings))
    browser.open(out / "report" / "doc.html", f"#n={n}")
    assert browser.js("document.documentElement.scrollWidth") <= WIDTH
    href = browser.js("document.querySelector('#findings a.ev').getAttribute('href')")
    browser.js("window.scrollTo(0, 0)")
    browser.click("#findings a.ev")
    browser.until(f"location.hash === {json.dumps(href)} && window.scrollY > 0")
    top, bottom = browser.js(f"(r => [r.top, r.bottom])(document.getElementById({json.dumps(href[1:])})"
                             ".getBoundingClientRect())")
    assert 0 <= top and bottom <= HEIGHT                     # the mark is on screen
    assert browser.js("window.scrollY") > 0
    assert browser.js(f"getComputedStyle(document.getElementById({json.dumps(href[1:])})).outlineStyle") == "solid"
    browser.screenshot(tmp_path / "figure-mark.png")
    browser.call("Page.reload")                                  # the words' address alone still shows the document
    browser.wait_for("Page.loadEventFired")
    browser.until(f"document.getElementById({json.dumps(href[1:])}) !== null")
    assert browser.js("document.getElementById('path').textContent") == records(out)[n - 1].source.path


def test_the_document_page_shows_any_document_and_links_to_its_neighbours(browser, out, tmp_path):
    """doc.html#n=<n> loads the chunk holding n (a hundred pages a chunk: 601 documents make seven);
    a click on 下一份 shows the next, the back link its row in the list."""
    recs = records(out)
    assert len(list((out / "report").glob("docs-*.js"))) == -(-len(recs) // 100)
    for n in (1, 100, 101, 350, len(recs)):
        browser.open(out / "report" / "doc.html", f"#n={n}")
        assert browser.js("document.getElementById('path').textContent") == recs[n - 1].source.path
        assert browser.js("document.title").startswith(f"{n}. ")
    browser.open(out / "report" / "doc.html", "#n=100")
    browser.click("nav.top a[href='doc.html#n=101']")
    browser.until("location.hash === '#n=101'")
    browser.until(f"document.getElementById('path').textContent === {json.dumps(recs[100].source.path)}")
    assert browser.js("document.querySelector('nav.top a').getAttribute('href')") == "../report.html#doc-101"
    browser.js("history.back()")
    browser.until(f"document.getElementById('path').textContent === {json.dumps(recs[99].source.path)}")
    for fragment in (f"#n={len(recs) + 1}", "#"):       # no such document; no document named
        browser.open(out / "report" / "doc.html", fragment)
        assert browser.js("document.getElementById('missing') !== null")


def test_a_pdf_page_shows_its_image_with_the_box(browser, out, tmp_path):
    pdfs = [(n, r) for n, r in enumerate(records(out), 1) if r.source.format == "pdf"]
    if not pdfs:
        pytest.skip("no PDF was made (reportlab or a CJK font missing)")
    (n, r), = pdfs
    browser.open(out / "report" / "doc.html", f"#n={n}")
    assert browser.js("document.documentElement.scrollWidth") <= WIDTH
    executed = r.budget.executed_yuan.evidence
    box = f"b{executed.start}-{executed.end}"
    link = browser.js("document.querySelector('#facts tr[data-key=executed_yuan] a.orig').getAttribute('href')")
    assert link == f"#{box}" and f"第 {executed.page} 页" in browser.js(
        "document.querySelector('#facts tr[data-key=executed_yuan] a.orig').textContent")
    browser.click("#facts tr[data-key=executed_yuan] a.orig")
    browser.until(f"location.hash === '#{box}'")
    image = browser.js(f"(() => {{ const b = document.getElementById('{box}'), f = b.closest('figure'), "
                       "i = f.querySelector('img'), r = b.getBoundingClientRect(), s = i.getBoundingClientRect(); "
                       "return {page: f.id, loaded: i.complete && i.naturalWidth > 0, src: i.getAttribute('src'), "
                       "box: [r.left, r.top, r.right, r.bottom], img: [s.left, s.top, s.right, s.bottom]}; })()")
    assert image["page"] == f"page-{executed.page}" and image["loaded"]
    left, top, right, bottom = image["box"]
    assert image["img"][0] <= left < right <= image["img"][2] and image["img"][1] <= top < bottom <= image["img"][3]
    assert 0 <= top and bottom <= HEIGHT and right - left > 10 and bottom - top > 5
    shot = browser.screenshot(tmp_path / "pdf-page-box.png")
    # the box is drawn (its red border) round the words' glyphs
    border = [shot.getpixel((x, int(top) + 1)) for x in range(int(left) + 2, int(right) - 2)]
    assert sum(r > 180 and g < 140 and b < 120 for r, g, b in border) > len(border) // 2
    page = Image.open(out / "report" / image["src"]).convert("L")          # the page as rendered, under the box
    x0, y0, x1, _ = image["img"]
    scale = page.size[0] / (x1 - x0)
    inside = page.crop(tuple(round(v * scale) for v in (left - x0, top - y0, right - x0, bottom - y0)))
    assert inside.getextrema()[0] < 100, "no glyph under the box"

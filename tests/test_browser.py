"""The report in a real browser: headless Chromium opens report.html and a document's page
(report/doc.html#n=<n>, which loads the chunk holding it); the test reads the DOM after load and the
screenshots it took. Skipped, loudly, where Chromium is absent
(`.ci/run` installs it: apt-get install chromium fonts-wqy-zenhei)."""
import subprocess
from pathlib import Path

import lxml.html
import pytest
from PIL import Image, ImageChops

from tests.conftest import installed
from tests.test_report import build_outdir, page_of

WIDTH, HEIGHT = 1280, 1600
TIMEOUT = 120


def chromium() -> str:
    return installed(("chromium", "chromium-browser"),
                     "Chromium is not installed, so the report was not opened in a browser: "
                     "apt-get install chromium fonts-wqy-zenhei (Debian/Ubuntu), as .ci/run does")


def run(exe: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    """One headless Chromium with a fresh profile, as the issue asks."""
    proc = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                           "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}", *args],
                          capture_output=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    return proc


def dom(exe: str, tmp: Path, page: Path, fragment: str = ""):
    """The DOM after load (and the scripts it ran), as Chromium serialises it."""
    proc = run(exe, tmp / f"profile-dom-{page.stem}", "--dump-dom", page.as_uri() + fragment)
    return lxml.html.fromstring(proc.stdout.decode("utf-8"))


def screenshot(exe: str, tmp: Path, page: Path, fragment: str = "") -> Image.Image:
    png = tmp / f"{page.stem}.png"
    run(exe, tmp / f"profile-shot-{page.stem}", f"--screenshot={png}", f"--window-size={WIDTH},{HEIGHT}",
        page.as_uri() + fragment)
    assert png.exists() and png.stat().st_size > 0
    image = Image.open(png)
    image.load()
    print(f"\nscreenshot of {page.name}: {image.size[0]}x{image.size[1]} px, {png.stat().st_size} bytes")
    return image


def distinct_colours(image: Image.Image) -> int:
    return len(image.convert("RGB").getcolors(maxcolors=WIDTH * HEIGHT))


@pytest.fixture(scope="module")
def exe() -> str:
    return chromium()


@pytest.fixture(scope="module")
def out(exe, tmp_path_factory) -> Path:
    return build_outdir(tmp_path_factory.mktemp("browser"))


def test_overview_as_rendered(exe, out, tmp_path):
    doc = dom(exe, tmp_path, out / "report.html")
    assert doc.get_element_by_id("n-documents").text_content() == "5"
    assert [doc.get_element_by_id(f"status-{s}").text_content() for s in ("ok", "failed", "skipped")] == ["3", "1", "1"]
    assert doc.get_element_by_id("rule-execution_rate-error").text_content() == "1"
    assert "绩效自评报告审核" in doc.xpath("//h1")[0].text_content()
    for chart, counted in (("chart-rate", 3), ("chart-score", 2)):
        bars = doc.xpath(f"//*[local-name()='svg'][@id='{chart}']//*[local-name()='rect'][contains(@class, 'bar')]")
        assert len(bars) == 21
        assert sum(int(b.get("data-count")) for b in bars) == counted
    shown = doc.xpath("//table[@id='documents']/tbody/tr")      # the script's first view: documents with findings
    assert [tr.get("id") for tr in shown] == [f"doc-{page_of(out, 'bad.txt')[0]}"]
    assert doc.get_element_by_id("shown").get("data-count") == "1"


def test_document_page_as_rendered(exe, out, tmp_path):
    n, r = page_of(out, "bad.txt")
    doc = dom(exe, tmp_path, out / "report" / "doc.html", f"#n={n}")
    assert doc.xpath("//title")[0].text_content() == f"{n}. 某某局"
    message = doc.xpath("//tr[@class='finding']//div[@class='message']")[0].text_content()
    assert message == r.findings[0].message and "执行率不一致" in message
    for a, ev in zip(doc.xpath("//tr[@class='finding']//a[@class='ev']"), r.findings[0].evidence, strict=True):
        assert doc.xpath(f"//mark[@id='{a.get('href')[1:]}']")[0].text_content() == ev.text
    n, r = page_of(out, "script.txt")
    doc = dom(exe, tmp_path, out / "report" / "doc.html", f"#n={n}")
    assert doc.get_element_by_id("path").text_content() == r.source.path
    assert not doc.xpath("//main//script") and "<script>alert(1)</script>" in doc.get_element_by_id("text").text_content()


def test_screenshots(exe, out, tmp_path):
    n, _ = page_of(out, "bad.txt")
    for page, fragment in ((out / "report.html", ""), (out / "report" / "doc.html", f"#n={n}")):
        image = screenshot(exe, tmp_path, page, fragment)
        assert image.size == (WIDTH, HEIGHT)
        colours, dark = distinct_colours(image), sum(image.convert("L").histogram()[:128])
        print(f"{page.name}: {colours} distinct colours, {dark} dark pixels")
        assert colours >= 16, f"{page.name} rendered (nearly) blank"
        assert dark > 2000, f"{page.name}: hardly anything drawn"      # text and bars, not just white


def test_chinese_is_drawn_in_a_font_not_as_missing_glyph_boxes(exe, out, tmp_path):
    """Two pages alike but for their Chinese words, in the report's own style: with no CJK font every
    character is the same missing-glyph box and the screenshots come out identical."""
    style = (out / "report.html").read_text(encoding="utf-8").split("<style>")[1].split("</style>")[0]
    shots = []
    for words in ("审核报告", "执行率差"):
        page = tmp_path / f"glyphs-{len(shots)}.html"
        page.write_text(f'<!doctype html><meta charset="utf-8"><style>{style}</style>'
                        f'<h1 style="font-size:64px">{words}</h1>', encoding="utf-8")
        shots.append(screenshot(exe, tmp_path, page).convert("L"))
    differing = sum(ImageChops.difference(*shots).histogram()[1:])
    print(f"pixels that differ between 审核报告 and 执行率差: {differing}")
    assert differing > 1000

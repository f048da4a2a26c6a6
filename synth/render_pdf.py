"""The text PDF (reportlab platypus, ruled tables, a CJK TrueType font embedded) and the scanned
copy (its pages rasterised with pypdfium2, skewed, speckled, JPEG-compressed, written as an
image-only PDF with Pillow).
"""
from __future__ import annotations

import io
import math
import random
import re
import time
from functools import cache
from pathlib import Path

from .doc import Document, Table

FONT_NAME = "WQYSynth"
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),
)
FONT_HELP = ("no CJK font for PDF rendering: install WenQuanYi (Debian/Ubuntu: apt-get install fonts-wqy-microhei "
             "fonts-wqy-zenhei), or set JIXIAO_SYNTH_FONT to a .ttf/.ttc with Chinese glyphs")


class FontMissing(RuntimeError):
    pass


def unavailable() -> str | None:
    """Why PDFs cannot be made here (reportlab or a CJK font missing), or None."""
    try:
        import reportlab  # noqa: F401
    except ImportError:
        return "PDF rendering needs reportlab: pip install -e '.[synth]'"
    return None if font_path() else FONT_HELP


def font_path() -> Path | None:
    import os
    env = os.environ.get("JIXIAO_SYNTH_FONT")
    if env:
        return Path(env) if Path(env).exists() else None
    return next((p for p in FONT_CANDIDATES if p.exists()), None)


@cache
def _register() -> str:
    reason = unavailable()
    if reason:
        raise FontMissing(reason)
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    path = font_path()
    if path is None:
        raise FontMissing(FONT_HELP)
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    return FONT_NAME


def _styles(font: str):
    from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    base = {"fontName": font, "wordWrap": "CJK", "leading": 19, "fontSize": 11.5}
    return {
        "title": ParagraphStyle("t", **{**base, "fontSize": 17, "leading": 26}, alignment=TA_CENTER, spaceAfter=10),
        "subtitle": ParagraphStyle("st", **base, alignment=TA_CENTER, spaceAfter=4),
        "h1": ParagraphStyle("h1", **{**base, "fontSize": 13, "leading": 22}, spaceBefore=6, spaceAfter=3),
        "h2": ParagraphStyle("h2", **base, spaceBefore=3, spaceAfter=2, firstLineIndent=23),
        "para": ParagraphStyle("p", **base, firstLineIndent=23, spaceAfter=3),
        "sign": ParagraphStyle("s", **base, alignment=TA_RIGHT),
        "note": ParagraphStyle("n", **base, alignment=TA_LEFT, spaceBefore=4),
        "caption": ParagraphStyle("c", **{**base, "fontSize": 14, "leading": 22}, alignment=TA_CENTER),
        "cell": ParagraphStyle("cell", fontName=font, wordWrap="CJK", fontSize=8.5, leading=11, alignment=TA_CENTER),
        "cell_left": ParagraphStyle("cl", fontName=font, wordWrap="CJK", fontSize=8.5, leading=11, alignment=TA_LEFT),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_FIGURE = re.compile(r"[≥≤]?[\d.,]+(?:%|万元|元)?")


def _table(t: Table, styles, width: float):
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph, TableStyle
    from reportlab.platypus import Table as RLTable
    covered = t.covered()
    total = sum(t.widths)
    widths = [width * w / total for w in t.widths]
    data = []
    for r, row in enumerate(t.rows):
        out = []
        for c, cell in enumerate(row):
            if (r, c) in covered or cell is None or not cell.text:
                out.append("")
                continue
            style = styles["cell" if cell.align == "center" else "cell_left"]
            span = t.span_at(r, c)
            room = sum(widths[c:c + (span.cols if span else 1)]) - 7
            if _FIGURE.fullmatch(cell.text) and stringWidth(cell.text, style.fontName, style.fontSize) > room:
                # a figure is never broken across lines: set it smaller until it fits, as forms do
                size = style.fontSize
                while size > 5 and stringWidth(cell.text, style.fontName, size) > room:
                    size -= 0.5
                style = ParagraphStyle("fit", parent=style, fontSize=size, leading=size + 2)
            text = _esc(cell.text)
            out.append(Paragraph(f"<b>{text}</b>" if cell.bold else text, style))
        data.append(out)
    cmds = [("GRID", (0, 0), (-1, -1), 0.6, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("FONTNAME", (0, 0), (-1, -1), styles["cell"].fontName),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    for s in t.spans:
        cmds.append(("SPAN", (s.col, s.row), (s.col + s.cols - 1, s.row + s.rows - 1)))
    return RLTable(data, colWidths=widths, style=TableStyle(cmds))


def to_pdf(doc: Document) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
    )
    font = _register()
    styles = _styles(font)
    buf = io.BytesIO()
    frame_w = A4[0] - 50 * mm

    def furniture(canvas, _doc):
        canvas.saveState()
        canvas.setFont(font, 9)
        if doc.header:
            canvas.drawCentredString(A4[0] / 2, A4[1] - 14 * mm, doc.header)
            canvas.setLineWidth(0.4)
            canvas.line(25 * mm, A4[1] - 15.5 * mm, A4[0] - 25 * mm, A4[1] - 15.5 * mm)
        canvas.drawCentredString(A4[0] / 2, 12 * mm, f"- {canvas.getPageNumber()} -")
        canvas.restoreState()

    story = []
    signature: list = []
    for b in doc.blocks:
        if b.kind == "sign":                 # the name and the date stay on one page
            signature.append(Paragraph(_esc(b.text), styles["sign"]))
            continue
        if signature:
            story.append(KeepTogether(signature))
            signature = []
        if b.kind == "pagebreak":
            story.append(PageBreak())
        elif b.kind == "table":
            t = b.table
            assert t is not None         # a table block holds its table
            if t.caption:
                story.append(Paragraph(_esc(t.caption), styles["caption"]))
            if t.subcaption:
                story.append(Paragraph(_esc(t.subcaption), styles["subtitle"]))
            story.append(_table(t, styles, frame_w))
            story.append(Spacer(1, 6))
        elif b.kind == "heading":
            story.append(Paragraph(_esc(b.text), styles["h1" if b.level == 1 else "h2"]))
        else:
            story.append(Paragraph(_esc(b.text), styles[b.kind if b.kind in styles else "para"]))
    if signature:
        story.append(KeepTogether(signature))
    pdf = SimpleDocTemplate(buf, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=22 * mm,
                            bottomMargin=22 * mm, title=doc.title, author=doc.organization, creator="jixiao synth",
                            producer="jixiao synth", subject="", invariant=1)
    pdf.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return buf.getvalue()


# ---------------------------------------------------------------- the scanned copy

SCAN_DPI = 200
JPEG_QUALITY = 45


def _seal(size: int, text: str):
    """A red round seal: ring, star, the organisation's name around the top. RGBA, transparent."""
    from PIL import Image, ImageDraw, ImageFont
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    red = (210, 30, 35, 190)
    w = max(4, size // 28)
    d.ellipse((w, w, size - w, size - w), outline=red, width=w)
    cx = cy = size / 2
    r_star, r_in = size * 0.16, size * 0.065
    pts = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        rad = r_star if i % 2 == 0 else r_in
        pts.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    d.polygon(pts, fill=red)
    path = font_path()
    if path is not None and text:
        fsize = int(size * 0.12)
        font = ImageFont.truetype(str(path), fsize, index=0)
        n = len(text)
        spread = min(math.radians(250), math.radians(24) * n)
        radius = size / 2 - w * 2 - fsize * 0.6
        for i, ch in enumerate(text):
            a = -math.pi / 2 - spread / 2 + spread * (i + 0.5) / n
            glyph = Image.new("RGBA", (fsize + 4, fsize + 4), (0, 0, 0, 0))
            ImageDraw.Draw(glyph).text((2, 2), ch, font=font, fill=red)
            glyph = glyph.rotate(-math.degrees(a + math.pi / 2), resample=Image.Resampling.BICUBIC, expand=True)
            x = cx + radius * math.cos(a) - glyph.width / 2
            y = cy + radius * math.sin(a) - glyph.height / 2
            img.alpha_composite(glyph, (int(x), int(y)))
    return img


def _signature_box(pdf, org: str):
    """(page index, left, top, right, bottom in PDF points) of the last line naming the organisation."""
    signed = re.compile(re.escape(org) + r"\s*\d{4}\s*年")      # the name, then the date below it
    for i in range(len(pdf) - 1, -1, -1):
        tp = pdf[i].get_textpage()
        found = list(signed.finditer(tp.get_text_range()))
        if found:
            return i, tp.get_charbox(found[-1].start() + len(org) - 1)
    return len(pdf) - 1, None


def to_scan(pdf_bytes: bytes, doc: Document, rng: random.Random) -> bytes:
    import pypdfium2 as pdfium
    from PIL import Image, ImageChops, ImageFilter
    pdf = pdfium.PdfDocument(pdf_bytes)
    scale = SCAN_DPI / 72
    sign_page, sign_box = _signature_box(pdf, doc.organization)
    pages = []
    for i in range(len(pdf)):
        page = pdf[i]
        img = page.render(scale=scale, grayscale=not doc.seal).to_pil()
        img = img.convert("RGB" if doc.seal else "L")
        w, h = img.size
        if doc.seal and i == sign_page:
            size = int(1.55 * SCAN_DPI)                         # a 40 mm seal
            seal = _seal(size, doc.organization[-12:])
            seal = seal.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC)
            if sign_box is not None:
                x = int(sign_box[2] * scale) - size + rng.randint(-40, 40)
                y = int(h - sign_box[3] * scale) - size // 2 + rng.randint(-30, 30)
            else:
                x, y = w - size - int(0.15 * w), h - size - int(0.2 * h)
            x, y = max(0, min(w - size, x)), max(0, min(h - size, y))
            layer = Image.new("RGB", img.size, (255, 255, 255))
            layer.paste(seal.convert("RGB"), (x, y), seal)
            img = ImageChops.multiply(img, layer)               # ink under the seal stays readable
        # paper: a faint grey tone, mottled at low resolution, and a few specks of dust
        tone = Image.frombytes("L", (w // 40, h // 40), bytes(rng.randint(245, 255) for _ in range((w // 40) * (h // 40))))
        tone = tone.resize((w, h), Image.Resampling.BILINEAR)
        img = ImageChops.multiply(img, tone.convert(img.mode))
        specks = Image.new("L", (w, h), 255)
        px = specks.load()
        assert px is not None               # a new image's pixels are loaded
        for _ in range(w * h // 9000):
            px[rng.randrange(w), rng.randrange(h)] = rng.randint(60, 170)
        specks = specks.filter(ImageFilter.MinFilter(3)) if rng.random() < 0.5 else specks
        img = ImageChops.multiply(img, specks.convert(img.mode))
        angle = rng.uniform(-0.5, 0.5)
        fill = (250, 250, 250) if img.mode == "RGB" else 250
        img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=fill)
        img = img.filter(ImageFilter.GaussianBlur(0.5))
        pages.append(img)
    out = io.BytesIO()
    fixed = time.gmtime(946684800)                              # 2000-01-01: the same bytes every run
    # Pillow encodes each page as a JPEG (DCTDecode) at this quality: the artefacts of a real scan
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=SCAN_DPI, quality=JPEG_QUALITY, optimize=True,
                  title=doc.title, author=doc.organization, creator="jixiao synth", producer="jixiao synth",
                  creationDate=fixed, modDate=fixed)
    return out.getvalue()

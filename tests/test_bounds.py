"""Small files that ask for all the memory (issue 18, item 5): each is made here, small on disk, and
read in a fresh process under a 3 GiB address-space limit (so a regression fails the test instead
of the machine), which reports its record and its peak resident memory. Each must fail saying what
is too large, or read as the bounded document it is, with the memory staying near an empty read's.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import zipfile
from functools import cache
from pathlib import Path

from pipeline.cli import main
from pipeline.limits import MAX_CHARS, MAX_TABLE_CELLS, MAX_XML_ELEMENTS
from pipeline.readers.word import number_text
from tests.conftest import ROOT, SEED

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
S = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument"
LIMIT = 3 << 30                     # bytes of address space the reading process may map

CHILD = f"""
import json, re, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, ({LIMIT}, {LIMIT}))
def peak_mb():  # this program's own peak (ru_maxrss would count the test's process it was forked from)
    return int(re.search(r"VmHWM:\\s*(\\d+)", open("/proc/self/status").read()).group(1)) >> 10
from pipeline.api import extract_document
from pipeline.readers.load import load
record, _ = extract_document(sys.argv[1])
widths, text = {{}}, ""
if record.status == "ok":
    doc = load(Path(sys.argv[1]))
    for c in doc.cells:
        widths[c.table] = max(widths.get(c.table, 0), c.col)
    text = "\\f".join(doc.pages)
print(json.dumps({{"status": record.status, "error": record.error, "widths": [widths[t] for t in sorted(widths)],
                  "chars": len(text), "text": text[:2000],
                  "peak_mb": peak_mb()}}))
"""


def read_apart(path: Path) -> dict:
    """The file read by jixiao in a process of its own: status, error, table widths, text, peak MB."""
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@cache
def baseline_mb() -> int:
    """The peak of the same process reading a one-line report: what every bound is measured from."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "baseline.txt"
        path.write_text("某某县2023年度项目支出绩效自评报告\n", encoding="utf-8")
        return read_apart(path)["peak_mb"]


def assert_bounded(result: dict, extra_mb: int) -> None:
    assert result["peak_mb"] < baseline_mb() + extra_mb, (result["peak_mb"], baseline_mb())


def package(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return out.getvalue()


def docx(body: str) -> bytes:
    return package({
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        f'+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
        f'ContentType="{CT}.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/>'
        '</Relationships>',
        "word/document.xml": f'<?xml version="1.0"?><w:document {W}><w:body>{body}</w:body></w:document>',
    })


def xlsx(rows: str, styles: str = "", after: str = "") -> bytes:
    """A one-sheet workbook from its <row> elements (and a styles part, and what follows the sheet's
    data, such as its merged ranges, when given)."""
    files = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        f'+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        f'ContentType="{CT}.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
        f'ContentType="{CT}.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" '
        f'ContentType="{CT}.spreadsheetml.styles+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook {S} xmlns:r="{REL}"><sheets><sheet name="S" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        f'package/2006/relationships"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet {S}><sheetData>{rows}</sheetData>{after}'
        '</worksheet>',
        "xl/styles.xml": styles or f'<?xml version="1.0"?><styleSheet {S}><cellXfs count="1"><xf numFmtId="0"/>'
        '</cellXfs></styleSheet>',
    }
    return package(files)


def row(tc: str, before: int | None = None) -> str:
    trpr = f'<w:trPr><w:gridBefore w:val="{before}"/></w:trPr>' if before is not None else ""
    return f"<w:tr>{trpr}{tc}</w:tr>"


def cell(text: str, span: int | None = None) -> str:
    tcpr = f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>' if span is not None else ""
    return f"<w:tc>{tcpr}<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- Word

def billion_column_span_docx() -> bytes:
    """A three-column table whose first row is shifted, and whose cells span, a billion columns."""
    grid = "<w:tblGrid>" + '<w:gridCol w:w="2000"/>' * 3 + "</w:tblGrid>"
    return docx(f"<w:tbl>{grid}"
                + row(cell("项目名称", span=10**9) + cell("青石县道路养护"), before=10**9)
                + row(cell("预算数") + cell("100.00", span=2**31 - 1) + cell("执行数"))
                + row(cell("年度资金总额") + cell("80.00") + cell("76.40"))
                + "</w:tbl>")


def test_a_docx_cell_spanning_a_billion_columns_reads_as_the_three_column_table_it_is(tmp_path):
    path = write(tmp_path, "span.docx", billion_column_span_docx())
    assert path.stat().st_size < 2000
    result = read_apart(path)
    assert result["status"] == "ok", result["error"]
    assert result["widths"] == [3]                 # every shift and span leaves room for the row's cells
    assert "年度资金总额 | 80.00 | 76.40" in result["text"]
    assert_bounded(result, 50)


def test_a_docx_table_of_more_cells_than_the_cap_fails_naming_it(tmp_path):
    rows = MAX_TABLE_CELLS // 64 + 10              # rows of 64 columns each: past the cap
    body = "<w:tbl>" + row(cell("甲", span=10**9) + cell("乙"), before=10**9) * rows + "</w:tbl>"
    path = write(tmp_path, "cells.docx", docx(body))
    assert path.stat().st_size < 100_000
    result = read_apart(path)
    assert result["status"] == "failed"
    assert f"more than the {MAX_TABLE_CELLS:,} cells jixiao lays out in one table" in result["error"]
    assert "columns" in result["error"]
    assert_bounded(result, 150)


def millions_of_elements_docx() -> bytes:
    return docx("<w:p/>" * (MAX_XML_ELEMENTS + 1000))


def test_a_docx_of_millions_of_xml_elements_fails_before_it_is_parsed(tmp_path):
    path = write(tmp_path, "elements.docx", millions_of_elements_docx())
    assert path.stat().st_size < 100_000
    result = read_apart(path)
    assert result["status"] == "failed"
    assert f"the .docx holds more than {MAX_XML_ELEMENTS:,} XML elements" in result["error"]
    assert "split it" in result["error"]
    assert_bounded(result, 50)                     # counted as unpacked, never parsed


def test_a_docx_of_more_text_than_the_character_cap_fails_while_it_is_laid_out(tmp_path):
    paragraph = "<w:p><w:r><w:t>" + "某县项目资金使用情况说明" * 1000 + "</w:t></w:r></w:p>"
    path = write(tmp_path, "chars.docx", docx(paragraph * (MAX_CHARS // 12_000 + 10)))
    assert path.stat().st_size < 100_000
    result = read_apart(path)
    assert result["status"] == "failed"
    assert f"more than the {MAX_CHARS:,} characters jixiao reads in one document" in result["error"]
    assert_bounded(result, 300)


def test_a_list_numbered_from_two_billion_is_labelled_in_digits():
    """A w:start of two billion under upperLetter would be 77 million letters, under upperRoman two
    million Ms built one at a time."""
    assert number_text(2_000_000_000, "upperLetter") == "2000000000"
    assert number_text(2_000_000_000, "upperRoman") == "2000000000"
    assert number_text(28, "upperLetter") == "BB"


# ---------------------------------------------------------------- sheets

def test_a_sheet_with_values_in_a_and_iu_on_many_rows_keeps_only_those_two_columns(tmp_path):
    rows = 20_000                                  # 255 columns × 20,000 rows: 5 million positions dense
    data = xlsx("".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="IU{r}"><v>1</v></c></row>'
                        for r in range(1, rows + 1)))
    path = write(tmp_path, "apart.xlsx", data)
    assert path.stat().st_size < 300_000
    result = read_apart(path)
    assert result["status"] == "ok", result["error"]
    assert result["widths"] == [2]
    assert "1 | 1\n2 | 1\n" in result["text"]
    assert_bounded(result, 250)


def test_a_workbook_of_millions_of_cells_fails_before_openpyxl_loads_it(tmp_path):
    data = xlsx("<row><c><v>1</v></c><c><v>2</v></c></row>" * (MAX_XML_ELEMENTS // 5 + 1000))
    path = write(tmp_path, "cells.xlsx", data)
    assert path.stat().st_size < 200_000
    result = read_apart(path)
    assert result["status"] == "failed"
    assert f"the .xlsx holds more than {MAX_XML_ELEMENTS:,} XML elements" in result["error"]
    assert_bounded(result, 50)


def merged_to_the_last_cell_xlsx() -> bytes:
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>项目名称</t></is></c><c r="B1"><v>1</v></c></row>'
            '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><v>3</v></c></row>')
    return xlsx(rows, after='<mergeCells count="1"><mergeCell ref="C3:XFD1048576"/></mergeCells>')


def test_a_sheet_merging_a_range_to_its_last_cell_fails_before_openpyxl_loads_it(tmp_path):
    path = write(tmp_path, "merged.xlsx", merged_to_the_last_cell_xlsx())
    assert path.stat().st_size < 2000
    result = read_apart(path)
    assert result["status"] == "failed"
    assert "merged cells cover 17,177,739,268 cells (the largest range is C3:XFD1048576)" in result["error"]
    assert "unmerge the ranges" in result["error"]
    assert_bounded(result, 50)                     # openpyxl would make an object for each covered cell


def test_a_number_format_longer_than_excel_allows_shows_the_number_as_general(tmp_path):
    literal = "万" * 100_000
    styles = (f'<?xml version="1.0"?><styleSheet {S}><numFmts count="1"><numFmt numFmtId="164" '
              f'formatCode="0.00&quot;{literal}&quot;"/></numFmts><cellXfs count="2"><xf numFmtId="0"/>'
              '<xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>')
    cells = "".join(f'<c r="{col}{r}" s="1"><v>{r}.5</v></c>' for r in range(1, 101) for col in "AB")
    path = write(tmp_path, "format.xlsx", xlsx(f"<row>{cells}</row>", styles))
    assert path.stat().st_size < 10_000
    result = read_apart(path)
    assert result["status"] == "ok", result["error"]
    assert "万" not in result["text"] and "1.5 | 1.5" in result["text"]
    assert result["chars"] < 10_000
    assert_bounded(result, 100)


# ---------------------------------------------------------------- web pages and text

def spans_of_200_by_200_html() -> bytes:
    tr = "<tr>" + '<td rowspan="200" colspan="200">某</td>' * 30 + "</tr>"
    return f"<!DOCTYPE html><html><body><p>某某县绩效自评</p><table>{tr * 200}</table></body></html>".encode()


def test_a_web_table_whose_cells_each_span_200_by_200_fails_naming_the_cell_cap(tmp_path):
    path = write(tmp_path, "spans.html", spans_of_200_by_200_html())
    assert path.stat().st_size < 300_000
    result = read_apart(path)
    assert result["status"] == "failed"
    assert f"more than the {MAX_TABLE_CELLS:,} cells jixiao lays out in one table" in result["error"]
    assert_bounded(result, 150)


def test_a_web_page_of_millions_of_tags_fails_before_it_is_parsed(tmp_path):
    html = "<!DOCTYPE html><html><body>" + "<b>" * (MAX_XML_ELEMENTS + 1000) + "</body></html>"
    path = write(tmp_path, "tags.html", html.encode())
    result = read_apart(path)
    assert result["status"] == "failed"
    assert f"the web page holds more than {MAX_XML_ELEMENTS:,} XML elements" in result["error"]
    assert_bounded(result, 100)


def test_a_text_file_of_more_bytes_than_four_a_character_fails_before_it_is_read(tmp_path):
    path = tmp_path / "bytes.txt"
    path.write_text("某县项目资金使用情况说明\n" * (4 * MAX_CHARS // 39 + 1000), encoding="utf-8")
    result = read_apart(path)
    assert result["status"] == "failed"
    assert f"more than the {MAX_CHARS:,} characters jixiao reads in one document" in result["error"]
    assert_bounded(result, 50)                                   # refused on its size, never read


def test_a_text_file_of_more_characters_than_the_cap_fails_saying_so(tmp_path):
    path = tmp_path / "chars.txt"
    path.write_text("budget 100.5 executed 98.2\n" * (MAX_CHARS // 27 + 1000), encoding="utf-8")
    assert path.stat().st_size < 4 * MAX_CHARS                   # past the cap only once decoded
    result = read_apart(path)
    assert result["status"] == "failed"
    assert f"more than the {MAX_CHARS:,} characters jixiao reads in one document" in result["error"]
    assert "split it" in result["error"]
    assert_bounded(result, 100)


# ---------------------------------------------------------------- a batch

def test_a_batch_of_hungry_files_and_a_report_gets_one_record_each_and_goes_on(tmp_path):
    """`jixiao extract` on a folder holding the hostile files above beside a real report, as a user
    runs it: each file has its record, the report its figures, and the run exits 0."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in (("span.docx", billion_column_span_docx()), ("elements.docx", millions_of_elements_docx()),
                       ("merged.xlsx", merged_to_the_last_cell_xlsx()), ("spans.html", spans_of_200_by_200_html()),
                       ("report.txt", SEED.read_bytes())):
        write(folder, name, data)
    (folder / "long.txt").write_text("budget 100.5 executed 98.2\n" * (MAX_CHARS // 27 + 1000), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["extract", str(folder), "-o", str(out), "-q", "--jobs", "2"]) == 0
    records = {Path(r["source"]["path"]).name: r for r in map(json.loads, (out / "records.jsonl").open())}
    assert sorted(records) == ["elements.docx", "long.txt", "merged.xlsx", "report.txt", "span.docx", "spans.html"]
    assert {name: r["status"] for name, r in records.items()} == {
        "elements.docx": "failed", "long.txt": "failed", "merged.xlsx": "failed", "report.txt": "ok",
        "span.docx": "ok", "spans.html": "failed"}
    assert "XML elements" in records["elements.docx"]["error"]
    assert "characters of text" in records["long.txt"]["error"]
    assert "unmerge" in records["merged.xlsx"]["error"]
    assert "cells jixiao lays out in one table" in records["spans.html"]["error"]
    assert records["report.txt"]["fiscal_year"] is not None

"""The outputs of `jixiao extract` written off the parent process: the workbook by a process of its
own with --jobs 2 (the same cells as --jobs 1), and left out with --no-xlsx."""
import csv
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.outputs.export import XLSX
from tests.conftest import CORPUS, SEED, installed

TABLES = ("records", "findings", "quantities", "indicators", "projects", "funds")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """The seed and a few generated reports: rows in every table."""
    src = tmp_path_factory.mktemp("in")
    shutil.copy(SEED, src)
    for name in ("syn-dept-001.txt", "syn-proj-002.txt", "syn-pol-001.txt"):
        shutil.copy(CORPUS / "synth" / name, src)
    return src


def _cells(out: Path) -> dict[str, list[tuple]]:
    book = load_workbook(out / XLSX)
    return {name: [tuple((c.value, c.number_format, c.hyperlink.target if c.hyperlink else None) for c in row)
                   for row in book[name].iter_rows()] for name in book.sheetnames}


def _run_json(out: Path) -> dict:
    return json.loads((out / "run.json").read_text(encoding="utf-8"))


def test_jobs_2_writes_the_same_tables_as_jobs_1(reports, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(["extract", str(reports), "-o", str(one), "-q", "-j", "1"]) == 0
    assert main(["extract", str(reports), "-o", str(two), "-q", "-j", "2"]) == 0
    for name in ("records.jsonl", "records.csv", "findings.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    for t in TABLES:
        assert pq.read_table(one / f"{t}.parquet").equals(pq.read_table(two / f"{t}.parquet"), check_metadata=True)
    cells = _cells(one)
    assert len(cells["records"]) == 5 and len(cells["funds"]) > 1      # a header and a row per report
    assert cells == _cells(two)


def test_no_xlsx_leaves_the_workbook_out_and_a_later_run_writes_it(reports, tmp_path):
    out = tmp_path / "out"
    assert main(["extract", str(reports), "-o", str(out), "-q", "-j", "2", "--no-xlsx"]) == 0
    assert not (out / XLSX).exists() and _run_json(out)["xlsx"] is False
    assert pq.read_metadata(out / "records.parquet").num_rows == 4 and (out / "records.csv").exists()
    assert main(["extract", str(reports), "-o", str(out), "-q", "-j", "1"]) == 0     # nothing else to do
    assert _run_json(out)["xlsx"] is True and len(_cells(out)["records"]) == 5


def test_no_xlsx_removes_the_workbook_of_an_earlier_run_that_no_longer_matches(reports, tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(reports, src)
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1"]) == 0
    assert (out / XLSX).exists()
    (src / SEED.name).unlink()
    assert main(["extract", str(src), "-o", str(out), "-q", "-j", "1", "--no-xlsx"]) == 0
    assert not (out / XLSX).exists() and pq.read_metadata(out / "records.parquet").num_rows == 3


def test_no_xlsx_keeps_an_up_to_date_workbook(reports, tmp_path):
    out = tmp_path / "out"
    assert main(["extract", str(reports), "-o", str(out), "-q", "-j", "1"]) == 0
    written = (out / XLSX).stat().st_mtime_ns
    assert main(["extract", str(reports), "-o", str(out), "-q", "-j", "1", "--no-xlsx"]) == 0
    assert (out / XLSX).stat().st_mtime_ns == written and _run_json(out)["xlsx"] is True


# ---------------------------------------------------------------- the workbook's own XML (xlsx.py)

def test_texts_that_look_like_markup_escapes_or_formulas_read_back_as_written(tmp_path):
    from pipeline.outputs import xlsx
    texts = ["=SUM(A1:A9)", "a<b & c>d", "  前后空格  ", "\"引号\" 'x'", "第一行\n第二行"]
    book = xlsx.Book(tmp_path / "t.xlsx", tmp_path, {"money": "#,##0.00"})
    sheet = book.add_sheet("某某局 (2)", [10.0, 12.0], ["文本", "金额"])
    for i, s in enumerate(texts, 2):
        sheet.row([xlsx.text(f"A{i}", s), xlsx.number(f"B{i}", 1234.5, book.style["money"])])
    sheet.row([xlsx.text(f"A{len(texts) + 2}", "_x0041_ 青石县")])
    book.close()
    with zipfile.ZipFile(tmp_path / "t.xlsx") as z:     # Excel would read _x0041_ as "A": its escape is escaped
        assert "<t xml:space=\"preserve\">_x005F_x0041_ 青石县</t>" in z.read("xl/worksheets/sheet1.xml").decode()
    ws = load_workbook(tmp_path / "t.xlsx")["某某局 (2)"]
    assert [c.value for c in ws["A"][1:len(texts) + 1]] == texts
    assert {c.data_type for c in ws["A"]} == {"s"}                  # never a formula
    assert ws["B2"].value == 1234.5 and ws["B2"].number_format == "#,##0.00"
    assert ws.auto_filter.ref == f"A1:B{len(texts) + 2}" and ws.print_title_rows == "$1:$1"


def test_a_column_past_z_gets_two_letters():
    from pipeline.outputs.xlsx import column_letter
    assert [column_letter(i) for i in (0, 25, 26, 51, 701, 702)] == ["A", "Z", "AA", "AZ", "ZZ", "AAA"]


def test_xml_escapes_are_the_standard_librarys():
    from xml.sax.saxutils import escape, quoteattr

    from pipeline.outputs import xlsx
    texts = ["青石县某某局", "a & b <c> d", 'say "年度"', "it's", "both ' and \"", "&amp;", "行一\n行二\r\t尾", ""]
    assert [xlsx.escape(t) for t in texts] == [escape(t) for t in texts]
    assert [xlsx.quoteattr(t) for t in texts] == [quoteattr(t) for t in texts]


# ---------------------------------------------------------------- in a real spreadsheet application

CALC_TIMEOUT = 180
# LibreOffice's CSV filter: comma, double quotes, UTF-8, from line 1, values as stored (not as shown),
# formulas not exported, every sheet to a file of its own
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def calc_sheets(book: Path, tmp: Path) -> dict[str, list[list[str]]]:
    """Each sheet of `book` as LibreOffice Calc (headless) reads it, written out as CSV rows.
    Skipped, loudly, where LibreOffice is absent (.ci/run installs it)."""
    exe = installed(("soffice", "libreoffice"),
                    "LibreOffice is not installed, so the workbook was not opened in a spreadsheet application: "
                    "apt-get install libreoffice-calc-nogui (Debian/Ubuntu), as .ci/run does")
    out = tmp / "calc"
    proc = subprocess.run([exe, f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless",
                           "--convert-to", CSV_FILTER, "--outdir", str(out), str(book)],
                          capture_output=True, timeout=CALC_TIMEOUT)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    return {p.stem.removeprefix(book.stem + "-"): list(csv.reader(p.open(encoding="utf-8", newline="")))
            for p in out.glob("*.csv")}


def _as_calc_writes(value) -> str:
    """A cell as Calc's CSV gives it: texts as they are, numbers as stored, a boolean as TRUE or FALSE,
    an empty cell empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_libreoffice_reads_markup_escapes_and_formulas_as_the_texts_written(tmp_path):
    from pipeline.outputs import xlsx
    texts = ["=SUM(A1:A9)", "+1+1", "a<b & c>d", "  前后空格  ", "第一行\n第二行", "_x0041_ 青石县"]
    book = xlsx.Book(tmp_path / "t.xlsx", tmp_path, {"money": "#,##0.00"})
    sheet = book.add_sheet("某某局", [10.0, 12.0], ["文本", "金额"])
    for i, s in enumerate(texts, 2):
        sheet.row([xlsx.text(f"A{i}", s), xlsx.number(f"B{i}", 1234.5 + i, book.style["money"])])
    book.close()
    rows = calc_sheets(tmp_path / "t.xlsx", tmp_path)["某某局"]
    assert rows[0] == ["文本", "金额"]
    assert [r[0] for r in rows[1:]] == texts                 # never evaluated, never unescaped twice
    assert [float(r[1]) for r in rows[1:]] == [1234.5 + i for i in range(2, len(texts) + 2)]


def test_libreoffice_reads_every_cell_of_the_workbook_as_openpyxl_does(reports, tmp_path):
    out = tmp_path / "out"
    assert main(["extract", str(reports), "-o", str(out), "-q", "-j", "1"]) == 0
    calc = calc_sheets(out / XLSX, tmp_path)
    book = load_workbook(out / XLSX)
    assert sorted(calc) == sorted(book.sheetnames) == sorted(TABLES)
    for name in book.sheetnames:
        want = [[_as_calc_writes(v) for v in row] for row in book[name].iter_rows(values_only=True)]
        width = max(map(len, want))
        got = [row + [""] * (width - len(row)) for row in calc[name]]
        assert got == want, name

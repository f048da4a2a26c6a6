"""jixiao.xlsx and the CSVs as finance staff read them: Chinese in the cells (codes beside them),
amounts in 万元 beside 元, every row naming its organisation, year and file and linking to its page
of report.html, and every sheet ready to print. The real `jixiao extract` on invented reports."""
import csv
import re
import typing
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipeline import models
from pipeline.outputs.labels import label, labels
from pipeline.rules import rules
from tests.conftest import jixiao
from tests.test_report import chunks

DOCS = Path(__file__).resolve().parents[1] / "docs" / "large-batches.md"     # the table of error codes

DEPT = """青石县农业农村局2022年度部门整体支出绩效自评报告
一、基本情况
全年预算数 1234.56 万元，执行数 1100.00 万元，执行率 95%。
二、自评结论
自评得分 92 分，自评等级为优。
"""
PROJECT = """云溪县文化馆2023年度文化惠民项目支出绩效自评报告
项目全年预算数 80 万元，执行数 85.5 万元。
项目资金(万元) | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分
年度资金总额 | 80 | 80 | 85.5 | 10 | 100% | 10
自评得分 98 分。
"""
FORMULA_NAME = "=1+2.txt"


@pytest.fixture(scope="module")
def src(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("in")
    (src / "qingshi-dept-2022.txt").write_text(DEPT, encoding="utf-8")
    (src / "yunxi-project-2023.txt").write_text(PROJECT, encoding="utf-8")
    (src / FORMULA_NAME).write_text(DEPT.replace("青石县", "白沙县"), encoding="utf-8")
    (src / "empty.txt").write_bytes(b"")
    (src / "notes.md").write_text("会议纪要", encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def out(src, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    done = jixiao("extract", str(src), "-o", str(out), "-q", "-j", "1")
    assert done.returncode == 0, done.stderr.decode()
    return out


def sheet(out: Path, name: str) -> list[dict]:
    """A sheet's rows keyed by header, each value with its cell (for links and number formats)."""
    ws = openpyxl.load_workbook(out / "jixiao.xlsx")[name]
    rows = list(ws.iter_rows())
    headers = [c.value for c in rows[0]]
    return [{h: c for h, c in zip(headers, row)} for row in rows[1:]]


def by_file(rows: list[dict]) -> dict[str, dict]:
    return {Path(r["文件"].value).name: r for r in rows}


def test_records_sheet_speaks_chinese_and_keeps_the_codes_beside(out):
    rows = by_file(sheet(out, "records"))
    got = {name: (r["状态"].value, r["状态代码"].value, r["类型"].value, r["类型代码"].value, r["原因"].value)
           for name, r in rows.items()}
    assert got == {
        "qingshi-dept-2022.txt": ("已读取", "ok", "部门整体支出", "department", None),
        "yunxi-project-2023.txt": ("已读取", "ok", "项目支出", "project", None),
        FORMULA_NAME: ("已读取", "ok", "部门整体支出", "department", None),
        "empty.txt": ("失败", "failed", None, None, "文件为空"),
        "notes.md": ("跳过", "skipped", None, None, "不是可读取的报告格式"),
    }
    assert "0 bytes" in rows["empty.txt"]["错误信息"].value          # the full reason stays beside its kind


def test_findings_sheet_names_rule_and_severity_in_chinese_with_their_codes(out):
    rows = sheet(out, "findings")
    got = {(Path(r["文件"].value).name, r["规则"].value, r["规则代码"].value, r["级别"].value, r["级别代码"].value)
           for r in rows}
    assert ("qingshi-dept-2022.txt", "执行率与金额不符", "execution_rate", "错误", "error") in got
    assert ("yunxi-project-2023.txt", "执行数超过预算数", "executed_exceeds_budget", "警告", "warning") in got
    figures = next(r["数值"].value for r in rows if r["规则代码"].value == "execution_rate")
    assert figures.startswith("计算值 89.1；报告值 95")


def test_every_findings_row_names_organisation_year_and_file(out):
    records = by_file(sheet(out, "records"))
    rows = sheet(out, "findings")
    assert len(rows) >= 3
    for r in rows:
        doc = records[Path(r["文件"].value).name]
        assert r["单位"].value and r["单位"].value == doc["单位"].value
        assert isinstance(r["年度"].value, int) and r["年度"].value == doc["年度"].value
    assert {r["单位"].value: r["年度"].value for r in rows} == \
        {"青石县农业农村局": 2022, "云溪县文化馆": 2023, "白沙县农业农村局": 2022}


def test_every_amount_in_yuan_has_its_wan_beside_it(out):
    ws = openpyxl.load_workbook(out / "jixiao.xlsx")
    pairs = 0
    for name in ("records", "projects", "funds"):
        rows = list(ws[name].iter_rows())
        headers = [c.value for c in rows[0]]
        for i, h in enumerate(headers):
            if not h.endswith("(元)"):
                continue
            assert headers[i + 1] == h.replace("(元)", "(万元)"), (name, h)
            for row in rows[1:]:
                yuan, wan = row[i], row[i + 1]
                assert (yuan.value is None) == (wan.value is None), (name, h)
                if yuan.value is not None:
                    pairs += 1
                    assert wan.value == pytest.approx(yuan.value / 10000, rel=1e-15), (name, h)
                    assert wan.number_format == "#,##0.00##" and yuan.number_format == "#,##0.00"
    assert pairs >= 6
    dept = by_file(sheet(out, "records"))["qingshi-dept-2022.txt"]
    assert dept["全年预算数(万元)"].value == pytest.approx(1234.56) and dept["全年预算数(元)"].value == 12345600
    fund = sheet(out, "funds")[0]
    assert (fund["类别"].value, fund["类别代码"].value, fund["执行数(万元)"].value) == ("年度资金总额", "total", 85.5)


def test_every_row_links_to_its_documents_page_of_the_report(out):
    pages = chunks(out)
    for name in ("records", "findings", "funds"):
        rows = sheet(out, name)
        assert rows
        for r in rows:
            link = r["报告页"].hyperlink
            assert link is not None, name
            page = out / link.target.replace("\\", "/")       # Excel writes a relative link with backslashes
            assert page == out / "report" / "doc.html" and page.is_file(), (name, link.target)
            n = int(link.location.removeprefix("n="))           # the document: the link's #n=<n>
            assert Path(r["文件"].value).name in pages[n]["html"], (name, link.location)
    with zipfile.ZipFile(out / "jixiao.xlsx") as z:     # links, not HYPERLINK formulas: no cell is a formula
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_every_sheet_prints_landscape_fitted_to_width_with_its_header_on_every_page(out):
    wb = openpyxl.load_workbook(out / "jixiao.xlsx")
    assert wb.sheetnames == ["records", "findings", "quantities", "indicators", "projects", "funds"]
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert setup.fitToWidth in (None, 1) and setup.fitToHeight == 0, ws.title       # None: Excel's 1
        assert ws.print_title_rows == "$1:$1" and ws.freeze_panes == "A2", ws.title


def _csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_csvs_are_flat_and_headed_in_chinese(out):
    for name in ("records.csv", "findings.csv"):
        rows = _csv(out / name)
        assert not [c for row in rows for c in row if c.startswith(("{", "["))], name
    head, *rows = _csv(out / "records.csv")
    assert head[:2] == ["文件", "报告页"] and {"状态", "状态代码", "全年预算数(元)", "全年预算数(万元)"} <= set(head)
    status = {Path(r[0]).name: r[head.index("状态")] for r in rows}
    assert status["empty.txt"] == "失败" and status["notes.md"] == "跳过"
    head, *rows = _csv(out / "findings.csv")
    assert {"单位", "年度", "规则", "规则代码", "级别", "级别代码"} <= set(head)
    assert all(r[head.index("单位")] and r[head.index("年度")].isdigit() for r in rows)


def test_code_headers_for_programs_and_back(src, out):
    """A rerun that only changes the headers rewrites the CSVs (and leaves the records as they are)."""
    before = (out / "records.jsonl").read_bytes()
    done = jixiao("extract", str(src), "-o", str(out), "-q", "-j", "1", "--csv-headers", "code")
    assert done.returncode == 0, done.stderr.decode()
    assert (out / "records.jsonl").read_bytes() == before
    with (out / "records.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = {Path(r["path"]).name: r for r in csv.DictReader(f)}
    dept = rows["qingshi-dept-2022.txt"]
    assert (dept["status"], dept["status_label"], dept["report_type"], dept["fiscal_year"]) == \
        ("ok", "已读取", "department", "2022")
    assert float(dept["total_wan"]) == 1234.56 and float(dept["total_yuan"]) == 12345600
    assert next(csv.reader((out / "findings.csv").open(encoding="utf-8-sig")))[:6] == \
        ["path", "page", "organization", "fiscal_year", "n", "rule_label"]
    done = jixiao("extract", str(src), "-o", str(out), "-q", "-j", "1")
    assert done.returncode == 0 and _csv(out / "records.csv")[0][0] == "文件"


def test_every_code_a_record_can_hold_has_its_chinese_name():
    names = labels().labels
    literal = lambda model, field: set(typing.get_args(model.model_fields[field].annotation))
    assert set(names.status) == literal(models.Record, "status")
    assert set(names.severity) == literal(models.Finding, "severity")
    assert set(names.fund_role) == literal(models.FundRow, "role")
    assert set(names.report_type) == set(typing.get_args(models.ReportType))
    documented = re.findall(r"^\|[^|]*\| (?:failed|skipped) \| (.*?) \|", DOCS.read_text(encoding="utf-8"), re.M)
    codes = {c for cell in documented for c in re.findall(r"`([a-z_]+)`", cell)}
    assert len(codes) > 20 and codes == set(names.error_code)      # every error_code jixiao writes, named
    finding_rules = {r.id for kind in ("finding", "panel_finding") for r in rules().of(kind)}
    assert finding_rules <= set(names.rule)
    assert all(label("rule", r) != r for r in finding_rules)

"""The organisation × fiscal-year panel (`jixiao dataset`) over a generated series of one organisation.

One department over three years (synth/series.py), each year restating the last, written as
.txt and .docx (the same report in two formats): extracted with `jixiao extract`, then `jixiao dataset`.
"""
import csv
import hashlib
import itertools
import json
import re
import shutil
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline import extract_text
from pipeline.cli import main
from pipeline.outputs.texts import Texts
from pipeline.outputs.panel import build, org_name, subject_of
from synth import generate_series
from synth.series import series_specs

SEED, YEARS = 4, 3
SERIES = "syn-series-001"          # the first series is a department's


def _gold(d: Path) -> list[dict]:
    return sorted((json.loads(p.read_text(encoding="utf-8")) for p in d.glob(f"{SERIES}-*.json")),
                  key=lambda g: g["fiscal_year"])


def _run(src: Path, tmp: Path, *extra: str) -> Path:
    out, panel = tmp / "out", tmp / "panel"
    assert main(["extract", str(src), "-o", str(out), "-q"]) == 0
    assert main(["dataset", str(out), "-o", str(panel), "-q", *extra]) == 0
    return panel


def _csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _records(out: Path) -> dict[str, dict]:
    rows = (json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines())
    return {Path(r["source"]["path"]).name: r for r in rows}


def _num(x: str) -> float | None:
    return None if x == "" else float(x)


def _pct(now: float, before: float) -> float:
    return float(((Decimal(str(now)) - Decimal(str(before))) / Decimal(str(before)) * 100).quantize(Decimal("0.01")))


@pytest.fixture(scope="module")
def series(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("series")
    generate_series(d, SEED, 1, YEARS, ("txt", "docx"))
    return d


@pytest.fixture(scope="module")
def consistent(series, tmp_path_factory) -> Path:
    return _run(series, tmp_path_factory.mktemp("consistent"))


def _texts_only(series: Path, dest: Path) -> Path:
    dest.mkdir()
    for p in series.glob("*.txt"):
        shutil.copy(p, dest / p.name)
    return dest


def _prefix_one(text: str, figure: str) -> str:
    """`figure` (as the report writes it) made 1 followed by its digits everywhere: 227.67 -> 1227.67."""
    out, n = re.subn(r"(?<![\d.,])" + re.escape(figure) + r"(?![\d])", "1" + figure, text)
    assert n, figure
    return out


def _prefix_one_at(text: str, layer: str, evidence: dict) -> str:
    """The one figure an evidence points at (offsets into the text layer `layer`) changed the same way
    in the source text: its line is the layer's line before NFKC (，-> ,, one character for one)."""
    start, end = evidence["start"], evidence["end"]
    line_start = layer.rfind("\n", 0, start) + 1
    line_end = layer.find("\n", end)
    line = layer[line_start:line_end if line_end >= 0 else len(layer)]
    lines = text.split("\n")
    (i,) = [i for i, src in enumerate(lines) if unicodedata.normalize("NFKC", src) == line]
    at = start - line_start
    assert unicodedata.normalize("NFKC", lines[i][at:at + end - start]) == evidence["text"]
    lines[i] = lines[i][:at] + "1" + lines[i][at:]
    return "\n".join(lines)


# ---------------------------------------------------------------- the series itself

def test_a_series_is_one_organisation_over_consecutive_years_restating_the_last(series):
    gold = _gold(series)
    assert [g["fiscal_year"] for g in gold] == list(range(gold[0]["fiscal_year"], gold[0]["fiscal_year"] + YEARS))
    assert len({g["organization"] for g in gold}) == 1 and {g["report_type"] for g in gold} == {"department"}
    assert "prior_year" not in gold[0]
    for before, now in itertools.pairwise(gold):
        assert now["prior_year"] == {"fiscal_year": before["fiscal_year"], **{
            k: before["budget"][k] for k in ("total_yuan", "executed_yuan", "rate_pct")}}


def test_series_are_deterministic_and_their_own():
    four = {s.year: s.total for s in series_specs(SEED, SERIES, 4)}
    assert four == {s.year: s.total for s in series_specs(SEED, SERIES, 4)}
    three = {s.year: s.total for s in series_specs(SEED, SERIES, 3)}
    assert all(four[y] == t for y, t in three.items() if y in four)      # a year's report is its own, whatever K
    assert len(set(four.values())) == 4


def test_every_restatement_is_read_as_last_years_and_never_as_the_reports_own(tmp_path):
    """Six series (department, project, policy twice) over three years, every restatement phrasing:
    each report's budget is its gold's, its prior_year the year before's, and it raises no finding."""
    generate_series(tmp_path, 9, 6, 3, ("txt",))
    for p in sorted(tmp_path.glob("*.txt")):
        g = json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))
        r = extract_text(p.read_text(encoding="utf-8"))
        for k in ("total_yuan", "executed_yuan", "rate_pct"):
            assert getattr(r.budget, k).value == pytest.approx(g["budget"][k]), (p.name, k)
            prior = getattr(r.prior_year, k)
            if "prior_year" in g:
                assert prior.value == pytest.approx(g["prior_year"][k]), (p.name, k)
            else:
                assert prior is None, p.name
        assert not r.findings, (p.name, [f.message for f in r.findings])


# ---------------------------------------------------------------- the consistent panel

def test_one_row_per_year_with_each_reports_figures(series, consistent):
    gold = _gold(series)
    rows = _csv(consistent / "panel.csv")
    assert [int(r["fiscal_year"]) for r in rows] == [g["fiscal_year"] for g in gold]
    assert {r["organization"] for r in rows} == {gold[0]["organization"]}
    for r, g in zip(rows, gold):
        assert r["report_type"] == "department"
        assert _num(r["total_yuan"]) == pytest.approx(g["budget"]["total_yuan"])
        assert _num(r["executed_yuan"]) == pytest.approx(g["budget"]["executed_yuan"])
        assert _num(r["rate_pct"]) == pytest.approx(g["budget"]["rate_pct"])
        assert _num(r["self_score"]) == pytest.approx(g["self_score"])
        assert r["errors"] == r["warnings"] == "0"
        # the .txt and the .docx are one report: counted once, both files kept
        assert (r["n_reports"], r["n_department"], r["n_files"]) == ("1", "1", "2")
        assert sorted(Path(p).suffix for p in r["source_paths"].split("; ")) == [".docx", ".txt"]


def test_year_over_year_changes(series, consistent):
    gold = _gold(series)
    rows = _csv(consistent / "panel.csv")
    assert rows[0]["budget_change_pct"] == rows[0]["executed_change_pct"] == rows[0]["score_change"] == ""
    for r, before, now in zip(rows[1:], gold, gold[1:]):
        assert _num(r["budget_change_pct"]) == _pct(now["budget"]["total_yuan"], before["budget"]["total_yuan"])
        assert _num(r["executed_change_pct"]) == _pct(now["budget"]["executed_yuan"], before["budget"]["executed_yuan"])
        assert _num(r["score_change"]) == pytest.approx(now["self_score"] - before["self_score"])
        assert _num(r["prior_total_yuan"]) == pytest.approx(before["budget"]["total_yuan"])


def test_a_consistent_series_gives_no_cross_year_finding(consistent):
    assert _csv(consistent / "panel_findings.csv") == []
    assert all(r["cross_year_errors"] == r["cross_year_warnings"] == "0" for r in _csv(consistent / "panel.csv"))


def test_the_panel_speaks_the_runs_vocabulary(consistent):
    """organization, not organisation; the lead report's sha256 as in records.parquet; each column
    described in the Parquet schema."""
    import pyarrow.parquet as pq
    schema = pq.read_schema(consistent / "panel.parquet")
    assert "organization" in schema.names and "organization_as_written" in schema.names
    assert not [n for n in schema.names if "organisation" in n]
    assert all(schema.field(n).metadata[b"description"] for n in schema.names)
    leads = {r["lead_path"]: r["sha256"] for r in _csv(consistent / "panel.csv")}
    assert len(leads) == YEARS
    for path, sha in leads.items():
        assert sha == hashlib.sha256(Path(path).read_bytes()).hexdigest()
    findings = pq.read_schema(consistent / "panel_findings.parquet")
    assert {"organization", "sha256"} <= set(findings.names) and "organisation" not in findings.names


def test_parquet_and_xlsx_keep_numbers_as_numbers(consistent):
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq
    t = pq.read_table(consistent / "panel.parquet")
    assert t.num_rows == YEARS
    assert t.schema.field("fiscal_year").type == pa.int16()        # the run's tables' year type
    assert t.schema.field("total_yuan").type == pa.float64()
    assert t.schema.field("source_paths").type == pa.list_(pa.string())
    wb = openpyxl.load_workbook(consistent / "panel.xlsx")
    assert wb.sheetnames[:2] == ["panel", "findings"]
    ws = wb["panel"]
    header = [c.value for c in ws[1]]
    for name in ("年度", "全年预算数（元）", "执行数（元）", "执行率（%）", "自评得分", "预算数同比变化（%）", "报告数"):
        col = header.index(name) + 1
        cells = [ws.cell(row=i, column=col) for i in range(2, ws.max_row + 1)]
        filled = [c for c in cells if c.value is not None]
        assert filled and all(c.data_type == "n" and isinstance(c.value, (int, float)) for c in filled), name
    money = header.index("全年预算数（元）") + 1
    assert ws.cell(row=2, column=money).number_format == "#,##0.00"


# ---------------------------------------------------------------- planted inconsistencies

def test_a_changed_restatement_gives_prior_year_mismatch_with_both_evidences(series, tmp_path):
    src = _texts_only(series, tmp_path / "src")
    gold = _gold(series)
    first, second = (src / f"{SERIES}-{g['fiscal_year']}.txt" for g in gold[:2])
    out = tmp_path / "clean"
    main(["extract", str(src), "-o", str(out), "-q"])
    recs = _records(out)
    restated = recs[second.name]["prior_year"]["executed_yuan"]["evidence"]
    last_years = recs[first.name]["budget"]["executed_yuan"]["evidence"]
    layer = Texts(out).get(recs[second.name]["source"]["sha256"])
    second.write_text(_prefix_one_at(second.read_text(encoding="utf-8"), layer, restated), encoding="utf-8")

    panel = _run(src, tmp_path)
    findings = _csv(panel / "panel_findings.csv")
    assert [(f["rule"], f["severity"]) for f in findings] == [("prior_year_mismatch", "error")]
    f = findings[0]
    assert int(f["fiscal_year"]) == gold[1]["fiscal_year"]
    assert json.loads(f["values"])["column"] == "执行数"
    assert "上年执行数" in f["message"] and "1" + restated["text"] in f["message"]
    # evidence A: the restated figure in this year's report; B: last year's own figure in last year's
    assert Path(f["path_a"]).name == second.name and f["text_a"] == "1" + restated["text"]
    assert Path(f["path_b"]).name == first.name and f["text_b"] == last_years["text"]
    assert f["sha256"] == hashlib.sha256(second.read_bytes()).hexdigest()     # the key the run's tables share
    assert (int(f["start_b"]), int(f["end_b"])) == (last_years["start"], last_years["end"])
    # both point into the text layers jixiao extract kept
    new = _records(tmp_path / "out")
    for side, name in (("a", second.name), ("b", first.name)):
        layer = Texts(tmp_path / "out").get(new[name]["source"]["sha256"])
        assert layer[int(f[f"start_{side}"]):int(f[f"end_{side}"])] == f[f"text_{side}"]
    row = next(r for r in _csv(panel / "panel.csv") if int(r["fiscal_year"]) == gold[1]["fiscal_year"])
    assert row["cross_year_errors"] == "1"


def test_a_duplicate_with_other_figures_gives_duplicate_report(series, tmp_path):
    src = _texts_only(series, tmp_path / "src")
    gold = _gold(series)
    third = src / f"{SERIES}-{gold[2]['fiscal_year']}.txt"
    out = tmp_path / "clean"
    main(["extract", str(src), "-o", str(out), "-q"])
    total = _records(out)[third.name]["budget"]["total_yuan"]["evidence"]["text"]
    (src / "again").mkdir()
    shutil.copy(third, src / "again" / third.name)                          # the same file again: no finding
    (src / "revised").mkdir()
    (src / "revised" / third.name).write_text(_prefix_one(third.read_text(encoding="utf-8"), total),
                                              encoding="utf-8")
    panel = _run(src, tmp_path)
    findings = _csv(panel / "panel_findings.csv")
    assert [(f["rule"], f["severity"]) for f in findings] == [("duplicate_report", "warning")]
    f = findings[0]
    assert "全年预算数" in json.loads(f["values"])["columns"]
    assert {f["text_a"], f["text_b"]} == {total, "1" + total}
    assert Path(f["path_b"]).parent.name == "revised"                     # the first read of the original leads
    row = next(r for r in _csv(panel / "panel.csv") if int(r["fiscal_year"]) == gold[2]["fiscal_year"])
    assert (row["n_reports"], row["n_department"], row["n_files"]) == ("2", "2", "3")
    assert _num(row["total_yuan"]) == pytest.approx(gold[2]["budget"]["total_yuan"])     # the original leads


def test_names_are_reconciled_by_normalisation_and_the_alias_table(series, tmp_path):
    src = _texts_only(series, tmp_path / "src")
    gold = _gold(series)
    org = gold[0]["organization"]
    city = re.match(r".+?市", org).group(0)
    short = org.removeprefix(city)                                          # 新安区人力资源和社会保障局
    second, third = (src / f"{SERIES}-{g['fiscal_year']}.txt" for g in gold[1:])
    # year 2 writes the name with a space and a full-width （本级）; year 3 without its city (a 简称)
    second.write_text(second.read_text(encoding="utf-8").replace(org, f"{city} {short}（本级）"), encoding="utf-8")
    third.write_text(third.read_text(encoding="utf-8").replace(org, short), encoding="utf-8")
    aliases = tmp_path / "aliases.csv"
    aliases.write_text(f"alias,canonical\n{short},{org}\n", encoding="utf-8")

    without = _run(src, tmp_path / "without")
    assert sorted({r["organization"] for r in _csv(without / "panel.csv")}) == sorted({org, short})

    panel = _run(src, tmp_path / "with", "--aliases", str(aliases))
    rows = _csv(panel / "panel.csv")
    assert [(r["organization"], int(r["fiscal_year"])) for r in rows] == [(org, g["fiscal_year"]) for g in gold]
    assert short in rows[2]["organization_as_written"]
    assert _num(rows[2]["budget_change_pct"]) is not None and _csv(panel / "panel_findings.csv") == []


def test_names_and_subjects():
    assert org_name("南屏市新安区人社局（本级）") == "南屏市新安区人力资源和社会保障局"
    assert org_name("广州市花都区 总工会机关") == "广州市花都区总工会"
    assert org_name("花都区总工会") == "广州市花都区总工会"                 # rules/panel.yaml's alias table
    assert org_name("中共某某县委组织部") == "中共某某县委组织部"             # nothing else is guessed
    assert subject_of("2021年度困难职工帮扶项目支出绩效自评报告", "长汀县工人文化宫") == "困难职工帮扶"
    assert subject_of("长汀县工人文化宫2022年度困难职工帮扶项目绩效自评报告", "长汀县工人文化宫") == "困难职工帮扶"


def test_project_reports_of_one_year_are_counted_and_the_department_report_leads():
    dept = "某某局2021年度部门整体支出绩效自评报告\n全年预算数 120 万元，执行数 110 万元，执行率 91.67%。"
    a = "某某局2021年度甲补贴项目支出绩效自评报告\n全年预算数 20 万元，执行数 20 万元，执行率 100%。"
    b = "某某局2021年度乙培训项目支出绩效自评报告\n全年预算数 10 万元，执行数 9 万元，执行率 90%。"
    panel = build(extract_text(t, path=f"{i}.txt") for i, t in enumerate((a, dept, b)))
    assert panel.findings == []
    (row,) = panel.rows
    assert (row["report_type"], row["total_yuan"], row["lead_path"]) == ("department", 1200000.0, "1.txt")
    assert (row["n_reports"], row["n_department"], row["n_project"]) == (3, 1, 2)
    # without the department report there is no one figure for the body
    (row,) = build(extract_text(t, path=f"{i}.txt") for i, t in enumerate((a, b))).rows
    assert (row["report_type"], row["total_yuan"], row["n_project"]) == (None, None, 2)


def test_reports_without_a_name_or_year_are_listed_not_dropped(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text("部门整体支出绩效自评报告\n全年预算数 120 万元，执行数 110 万元。", encoding="utf-8")
    panel = _run(tmp_path / "src", tmp_path)
    assert [Path(r["path"]).name for r in _csv(panel / "panel_unplaced.csv")] == ["a.txt"]
    assert _csv(panel / "panel.csv") == []


def test_dataset_needs_a_finished_run(tmp_path, capsys):
    assert main(["dataset", str(tmp_path), "-o", str(tmp_path / "panel")]) == 1
    assert "records.jsonl" in capsys.readouterr().err
    assert not (tmp_path / "panel").exists()


def test_a_table_alone_is_the_report_of_the_one_subject_its_type_has():
    """The .xlsx of a project report holds its 自评表 alone (title 项目支出绩效自评表, no subject): it is
    the same report as the narrative one when the body has one project that year."""
    full = ("某某中心2021年度甲补贴项目支出绩效自评报告\n全年预算数 20 万元，执行数 19 万元，执行率 95%。\n"
            "项目支出绩效自评表\n（2021年度）\n实施单位 | 某某中心\n项目资金(万元) | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分\n"
            "年度资金总额 | 20 | 20 | 19 | 10 | 95% | 9.5")
    table = full[full.index("项目支出绩效自评表"):]
    other = full.replace("甲补贴", "乙培训").replace("19", "18").replace("95", "90").replace("9.5", "9")
    records = [extract_text(t, path=f"{i}.txt") for i, t in enumerate((table, full))]
    assert records[0].organization.value == records[1].organization.value == "某某中心"
    (row,) = build(records).rows
    assert (row["subject"], row["n_reports"], row["n_files"], row["total_yuan"]) == ("甲补贴", 1, 2, 200000.0)
    # with two projects that year, a table alone cannot be told whose: it stays a report of its own
    (row,) = build(records + [extract_text(other, path="2.txt")]).rows
    assert (row["n_project"], row["report_type"]) == (3, None)


def test_a_restatement_one_of_last_years_duplicates_agrees_with_is_no_mismatch():
    a = "某某局2020年度部门整体支出绩效自评报告\n全年预算数 100 万元，执行数 96 万元，执行率 96%。"
    b = "某某局2020年度部门整体支出绩效自评报告\n全年预算数 100 万元，执行数 90 万元，执行率 90%。"
    now = ("某某局2021年度部门整体支出绩效自评报告\n全年预算数 120 万元，执行数 110 万元，执行率 91.67%。"
           "上年（2020年）全年预算数为 100 万元，执行数 {} 万元，执行率 {}%。")
    panel = build(extract_text(t, path=f"{i}.txt") for i, t in enumerate((a, b, now.format(90, 90))))
    assert [f.rule for f in panel.findings] == ["duplicate_report"]
    panel = build(extract_text(t, path=f"{i}.txt") for i, t in enumerate((a, b, now.format(80, 80))))
    assert sorted(f.rule for f in panel.findings) == ["duplicate_report", "prior_year_mismatch", "prior_year_mismatch"]


def test_the_corpus_reports_in_every_format_are_one_report_each(tmp_path):
    """Each generated corpus report, read from every format it comes in (a PDF's title wrapped over
    two lines, an .xlsx holding the 自评表 alone), is one report: one row per organisation and year,
    its files counted once, no duplicate_report."""
    synth = Path(__file__).resolve().parent.parent / "corpus" / "synth"
    src = tmp_path / "src"
    src.mkdir()
    for p in synth.iterdir():
        if not p.name.endswith((".scan.pdf", ".json")):           # OCR adds seconds, not another case
            shutil.copy(p, src / p.name)
    golds = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(synth.glob("*.json"))]
    evaluations = [g for g in golds if g["report_type"] != "other"]
    panel = _run(src, tmp_path)
    rows = _csv(panel / "panel.csv")
    assert sorted((r["organization"], int(r["fiscal_year"])) for r in rows) == \
        sorted((g["organization"], g["fiscal_year"]) for g in evaluations)
    assert _csv(panel / "panel_findings.csv") == []
    for r in rows:
        g = next(g for g in evaluations if g["organization"] == r["organization"])
        assert (r["report_type"], r["n_reports"]) == (g["report_type"], "1"), r["organization"]
        assert int(r["n_files"]) == len(list(src.glob(f"{g['id']}.*"))), r["organization"]
        assert _num(r["total_yuan"]) == pytest.approx(g["budget"]["total_yuan"])

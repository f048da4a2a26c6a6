"""The notebook API (pipeline/notebook.py) as a researcher uses it: a script with no
`if __name__ == "__main__":` guard, run as a real Python process, extracts a small folder with
extract_many (a pool started in its own process would re-run the script in every worker), builds
the panel, and reads everything back with read_outputs.

The folder: the seed report; the seed restated for 2022 with an execution rate its figures contradict
(a finding); a project report; a damaged PDF (a failed record, so a missing fiscal_year).
"""
from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pyarrow.parquet as pq
import pytest

import pipeline
from pipeline.models import Record
from tests.conftest import CORPUS, SEED, jixiao

SCRIPT = '''
import json, sys
from pathlib import Path
import pandas as pd
import pipeline
from pipeline.outputs.export import record_json
from pipeline.outputs.panel import build, records_of, write

folder, out, panel = sys.argv[1:4]
records = pipeline.extract_many([folder], jobs=2, outdir=out)
in_memory = pipeline.extract_many([folder], jobs=2)
write(build(records_of([Path(out)])), Path(panel))
tables = pipeline.read_outputs(out) | pipeline.read_outputs(panel)
frame = pipeline.to_frame(in_memory)
pd.testing.assert_frame_equal(frame, tables["records"])
print(json.dumps({
    "dtypes": {name: {c: str(t) for c, t in df.dtypes.items()} for name, df in tables.items()},
    "read_parquet": {name: {c: str(t) for c, t in pd.read_parquet(Path(d) / f"{name}.parquet").dtypes.items()}
                     for d in (out, panel) for name in pipeline.read_outputs(d)},
    "sha256": {name: sorted(df["sha256"].dropna().unique()) for name, df in tables.items()},
    "columns": {name: list(df.columns) for name, df in tables.items()},
    "rows": {name: len(df) for name, df in tables.items()},
    "years": [None if pd.isna(y) else int(y) for y in tables["records"]["fiscal_year"]],
    "lines_as_written": [record_json(r) for r in in_memory] ==
                        (Path(out) / "records.jsonl").read_text("utf-8").splitlines(),
    "returned": [r.source.sha256 for r in records] == list(tables["records"]["sha256"]),
}))
'''


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("notebook")
    folder = base / "reports"
    folder.mkdir()
    seed = SEED.read_text(encoding="utf-8")
    (folder / "union-2021.txt").write_text(seed, encoding="utf-8")
    (folder / "union-2022.txt").write_text(
        seed.replace("2021", "2022").replace("执行数 1150.49 万元", "执行数 1109.08 万元"), encoding="utf-8")
    (folder / "project.txt").write_bytes((CORPUS / "synth" / "syn-proj-002.txt").read_bytes())
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 cut off here")
    script = base / "analysis.py"
    script.write_text(SCRIPT, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script), str(folder), str(base / "out"), str(base / "panel")],
                          capture_output=True, cwd=base)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-3000:]
    return json.loads(proc.stdout) | {"out": base / "out", "panel": base / "panel"}


def test_the_script_without_a_main_guard_reads_every_table(run):
    assert set(run["dtypes"]) == {"records", "findings", "quantities", "indicators", "projects", "funds", "panel",
                                  "panel_findings"}
    assert run["rows"]["records"] == 4 and run["rows"]["findings"] == 1 and run["rows"]["panel"] == 3
    assert run["returned"] and run["lines_as_written"]     # the CLI's records, byte for byte, either way


def test_fiscal_year_is_a_nullable_integer_in_every_table_that_has_one(run):
    assert sorted(run["years"], key=lambda y: y or 0) == [None, 2021, 2022, 2024]
    years = {name: d["fiscal_year"] for name, d in run["dtypes"].items() if "fiscal_year" in d}
    assert years == {"records": "Int16", "panel": "Int16", "panel_findings": "Int16"}
    records = run["dtypes"]["records"]
    assert records["total_yuan"] == "float64" and records["pages"] == "Int64" and records["ocr"] == "boolean"
    assert records["organization"] == records["sha256"] == "string"


def test_every_table_has_the_sha256_of_its_records(run):
    documents = set(run["sha256"]["records"])
    assert len(documents) == 4
    for name, shas in run["sha256"].items():
        assert "sha256" in run["columns"][name], name
        assert set(shas) <= documents, name
    assert run["sha256"]["findings"] and run["sha256"]["panel"] and run["sha256"]["quantities"]


def test_pd_read_parquet_gives_the_same_dtypes(run):
    assert run["read_parquet"] == run["dtypes"]


def test_the_panel_says_organization(run):
    assert "organization" in run["columns"]["panel"] and "organization" in run["columns"]["panel_findings"]
    assert not [c for cols in run["columns"].values() for c in cols if "organisation" in c]


def test_the_record_models_descriptions_are_in_parquet_and_duckdb(run):
    described = Record.model_fields["fiscal_year"].description
    field = pq.read_schema(run["out"] / "records.parquet").field("fiscal_year")
    assert field.metadata[b"description"].decode() == described
    con = duckdb.connect(str(run["out"] / "jixiao.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = 'records' "
                           "AND column_name = 'fiscal_year'").fetchone() == (described,)
        assert con.execute("SELECT organization, fiscal_year, rule FROM findings_with_organization").fetchall() == \
            [("广州市花都区总工会", 2022, "execution_rate")]
    finally:
        con.close()


def _undescribed(schema: dict) -> list[str]:
    models = {"Record": schema, **schema["$defs"]}
    return [f"{m}.{p}" for m, s in models.items() for p, prop in s["properties"].items() if not prop.get("description")]


def test_jixiao_schema_describes_every_field_of_the_record():
    proc = jixiao("schema")
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    assert len(schema["$defs"]) >= 10 and _undescribed(schema) == []
    assert "SHA-256" in schema["$defs"]["Source"]["properties"]["sha256"]["description"]


def test_a_missing_path_is_refused_before_any_work(tmp_path):
    with pytest.raises(FileNotFoundError, match="no/such/folder"):
        pipeline.extract_many([tmp_path, "no/such/folder"])


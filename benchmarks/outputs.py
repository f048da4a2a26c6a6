"""What the parent spends writing the per-document outputs: the text layers and the HTML report.

    .venv/bin/python benchmarks/outputs.py INPUT_FOLDER [OUTDIR]

Runs `jixiao extract --jobs 1` in this process (so the report is written here too, after the
records) and prints its wall time and this process's CPU (the workers are the forkserver's children,
not counted), the files it left in OUTDIR, then, on the finished OUTDIR and best of three rounds,
`write_report` alone and a Writer given every record with its text (records.jsonl and texts.jsonl
into a fresh folder). INPUT_FOLDER: short reports, e.g. `jixiao synth -o IN -n 3000 --formats txt`.
"""
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def best(fn, rounds: int = 3) -> tuple[float, float]:
    """The fastest of `rounds` calls: (wall seconds, CPU seconds of this process)."""
    runs = []
    for _ in range(rounds):
        t, c = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - t, time.process_time() - c))
    return min(runs)


def main() -> None:
    from pipeline.cli import main as jixiao
    from pipeline.outputs.export import Writer
    from pipeline.outputs.report import write_report
    from pipeline.outputs.texts import Texts

    src = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp()) / "out"
    shutil.rmtree(out, ignore_errors=True)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    t0, c0 = time.perf_counter(), usage.ru_utime + usage.ru_stime
    jixiao(["extract", str(src), "-o", str(out), "-q", "--jobs", "1"])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    phases = json.loads((out / "run.json").read_text())["phases_s"]
    print(f"extract --jobs 1: wall {time.perf_counter() - t0:.2f} s, parent CPU "
          f"{usage.ru_utime + usage.ru_stime - c0:.2f} s; phases {phases}")
    print("files in OUTDIR:", sum(len(files) for _, _, files in os.walk(out)))
    wall, cpu = best(lambda: write_report(out))
    print(f"write_report: wall {wall:.2f} s, CPU {cpu:.2f} s")
    lines = (out / "records.jsonl").read_text(encoding="utf-8").splitlines()
    shas = [json.loads(line)["source"]["sha256"] for line in lines]
    with Texts(out) as texts:
        kept = [texts.get(sha) for sha in shas]

    def write() -> None:
        folder = Path(tempfile.mkdtemp(dir=out.parent))
        with Writer(folder) as w:
            for line, sha, text in zip(lines, shas, kept):
                w.write_line(line, sha, text)
        shutil.rmtree(folder)
    wall, cpu = best(write)
    print(f"Writer, {len(lines)} records with their texts: wall {wall:.3f} s, CPU {cpu:.3f} s")


if __name__ == "__main__":
    main()

"""Throughput of `jixiao extract` against bare text extraction, on generated text PDFs (issue 7).

    python benchmarks/bench.py [--docs 50] [--pages 10] [--seed 1] [--rounds 3] [--ocr-pages 5] [--rss 200,2000]

In one run, over the same files: pdfplumber `page.extract_text()`, pypdfium2
`textpage.get_text_bounded()`, and `jixiao extract --jobs 1 -o TMP`, each in its own process, timed
from start to exit (so each pays its own interpreter start and imports; jixiao also writes all its
outputs). The three run in turn, --rounds times; each one's fastest round counts (as timeit does: a
shared machine only ever slows a run down), and each round's own jixiao/pdfplumber ratio is printed
too, to show the spread. Prints pages/s, the ratios, and each process tree's peak RSS. Then OCR pages/s on scanned
pages, and with --rss the peak RSS of `jixiao extract --jobs 1` over 200 and over 2,000 small
documents. Not a test: nothing in tests/ runs it.

The corpus is generated once into benchmarks/.corpus/ (gitignored), one folder per (kind, count,
pages, seed); a folder is reused when complete. This process itself imports nothing heavy and does
all its work in children: Linux carries a process's peak RSS across exec, so a child forked from a
big parent would report the parent's peak as its own.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from benchmarks import corpora  # noqa: E402   (the checkout is put on the path just above)


def child(name: str, *args):
    """Call corpora.CHILD[name](*args) in a child process; its JSON result."""
    r = run(name, corpora.command(name, *args))
    said, result = corpora.result(r.stdout)
    for line in said:
        print(line, flush=True)
    return result, r


# ---------------------------------------------------------------- timing a child process and its peak memory

class Run:
    def __init__(self, label: str, seconds: float, peak_rss: int, tree_rss: int | None, stdout: str):
        self.label, self.seconds, self.peak_rss, self.tree_rss, self.stdout = label, seconds, peak_rss, tree_rss, stdout


def _tree_rss(pid: int) -> int | None:
    """The summed RSS of a process and its descendants now (psutil, when installed), else None."""
    try:
        import psutil
    except ImportError:
        return None
    try:
        proc = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
    except psutil.Error:
        return None


def run(label: str, cmd: list[str]) -> Run:
    """Run cmd to its end: wall seconds; its peak RSS (wait4's ru_maxrss: the highest of the child's
    and of the descendants it reaped, which a forkserver's workers are not); and, with psutil, the
    peak of the whole tree's summed RSS, sampled every 50 ms."""
    out = tempfile.TemporaryFile()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT.parent)
    peak_tree: list[int | None] = [None]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            rss = _tree_rss(proc.pid)
            if rss is not None:
                peak_tree[0] = max(peak_tree[0] or 0, rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    text = out.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        sys.exit(f"{label} failed ({proc.returncode}):\n{text}")
    return Run(label, seconds, usage.ru_maxrss * 1024, peak_tree[0], text)


def _jobs_flag() -> list[str]:
    """`--jobs 1` when this jixiao has it."""
    help_text = subprocess.run([*_jixiao(), "extract", "--help"], capture_output=True, text=True).stdout
    return ["--jobs", "1"] if "--jobs" in help_text else []


def _jixiao() -> list[str]:
    """This checkout's jixiao (the venv's `jixiao` script may run another tree's)."""
    return corpora.jixiao_command(ROOT.parent)


def extract(label: str, folder: str) -> Run:
    with tempfile.TemporaryDirectory() as outdir:
        return run(label, [*_jixiao(), "extract", folder, "-o", outdir, "-q", *_jobs_flag()])


# ---------------------------------------------------------------- report

def mb(n: int | None) -> str:
    return "-" if n is None else f"{n / 2**20:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=50, help="text PDFs in the corpus (default 50)")
    ap.add_argument("--pages", type=int, default=10, help="about how many pages each (default 10)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3, help="times each is run, the fastest counting (default 3)")
    ap.add_argument("--ocr-pages", type=int, default=5, help="scanned pages to OCR (default 5; 0: none)")
    ap.add_argument("--rss", default=None, metavar="SMALL,LARGE",
                    help="also compare jixiao's peak RSS over SMALL and LARGE short .txt reports (e.g. 200,2000)")
    args = ap.parse_args(argv)

    print(f"jixiao benchmark: {args.docs} text PDFs of ~{args.pages} pages (seed {args.seed}), "
          f"{os.cpu_count()} cores, Python {sys.version.split()[0]}", flush=True)
    folder, _ = child("long_pdfs", args.docs, args.pages, args.seed)
    (files, pages), _ = child("count_pages", folder)
    jobs = _jobs_flag()
    print(f"  {pages} pages in {files} files; jixiao extract {' '.join(jobs) or '(no --jobs flag here)'}", flush=True)
    rounds = []
    for _ in range(max(1, args.rounds)):
        runs = []
        for engine, label in (("pdfplumber", "pdfplumber extract_text"), ("pdfium", "pypdfium2 get_text_bounded")):
            read, r = child("bare", engine, folder)
            assert read == pages
            r.label = label
            runs.append(r)
        runs.append(extract(f"jixiao extract {' '.join(jobs)}".strip(), folder))
        rounds.append(runs)
        print(f"  round {len(rounds)}: " + ", ".join(f"{r.label.split()[0]} {r.seconds:.1f} s" for r in runs)
              + f"; jixiao {runs[0].seconds / runs[2].seconds:.2f}x pdfplumber", flush=True)
    runs = [min(column, key=lambda r: r.seconds) for column in zip(*rounds)]
    plumber, pdfium_run = runs[0], runs[1]
    print(f"\n  {'':30} {'seconds':>8} {'pages/s':>8} {'vs pdfplumber':>14} {'vs pdfium':>10} "
          f"{'peak RSS':>9} {'tree RSS':>9}")
    for r in runs:
        rate = pages / r.seconds
        print(f"  {r.label:30} {r.seconds:8.1f} {rate:8.1f} {plumber.seconds / r.seconds:13.2f}x "
              f"{pdfium_run.seconds / r.seconds:9.3f}x {mb(r.peak_rss):>9} {mb(r.tree_rss):>9}")
    print(f"  (the fastest of {len(rounds)} rounds each; each timed from process start to exit; peak RSS: ru_maxrss of the process started and the "
          "descendants it reaped; tree RSS: the peak of the summed RSS of it and all its children, "
          "sampled every 50 ms)")

    if args.ocr_pages:
        scanned, _ = child("scans", args.ocr_pages, args.seed)
        (files, n), _ = child("count_pages", scanned)
        r = extract("jixiao extract (scans)", scanned)
        print(f"\n  OCR: {n} scanned pages in {files} files: {r.seconds:.1f} s, "
              f"{n / r.seconds:.2f} pages/s end to end (start-up included), peak RSS {mb(r.peak_rss)}, "
              f"tree {mb(r.tree_rss)}")

    if args.rss:
        small, large = (int(x) for x in args.rss.split(","))
        print(f"\n  RSS: jixiao extract {' '.join(jobs)} over {small} and {large} short .txt reports", flush=True)
        got = []
        for n in (small, large):
            r = extract(f"{n} documents", child("small_txts", n, args.seed)[0])
            got.append(r)
            print(f"  {n:6d} documents: {r.seconds:6.1f} s, {n / r.seconds:6.1f} docs/s, peak RSS "
                  f"{mb(r.peak_rss)}, tree {mb(r.tree_rss)}", flush=True)
        ratio = got[1].peak_rss / got[0].peak_rss
        tree = (f", tree {got[1].tree_rss / got[0].tree_rss:.2f}x" if got[0].tree_rss and got[1].tree_rss else "")
        print(f"  peak RSS {large} / {small}: {ratio:.2f}x{tree}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

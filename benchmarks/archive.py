"""`jixiao extract` on batches that stand for a real archive, against bare pdfplumber (issue 21).

    python benchmarks/archive.py [--tree DIR] [--batches 20,500,5000] [--rounds 5] [--large-rounds 1]
                                 [--large-all] [--text 500] [--synthetic] [--seed 1]
    python benchmarks/archive.py --check-identical REF_TREE [--tree DIR]
    python benchmarks/archive.py --verify-meter

Report-sized PDFs (synth/archive.py: 1–4 pages, narrative and ruled 自评表 pages, 2% of about 20
pages) in batches of the first N of one generated pool, and a batch of .txt/.docx/.html. Each side
runs in its own process: bare pdfplumber (`page.extract_text()` on every page, one process for the
batch), `jixiao extract --jobs 1 -o TMP` and `--jobs 2` (over 500 documents, --jobs 1 alone unless
--large-all), the jixiao of the source tree --tree (by
default this checkout). Measured for each: wall time until the command exits, and the CPU and peak
summed RSS of its whole process tree (forkserver and workers included: benchmarks/meter.py). Rounds
are paired: each round runs every side back to back on the same batch, in an order that alternates,
and each ratio is taken within a round; printed are the min and the median of those per-round ratios.
The last lines are `BAR name: value (bar X) PASS/FAIL`, one per bar of issue 21.

--check-identical REF_TREE extracts the corpus/, the dev-set texts, the archive batch of 500 and
the synthetic 10-page PDFs with REF_TREE's jixiao and with --tree's, and compares records.jsonl byte
for byte. Not a test: nothing in tests/ runs it.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT))

from benchmarks import corpora  # noqa: E402   (the checkout is put on the path just above)
from benchmarks.meter import Measured, become_subreaper, measure  # noqa: E402

DEVSET = Path("/work/shared/devset")
SYNTHETIC = (50, 10)         # bench.py's corpus: 50 PDFs of about 10 pages


# ---------------------------------------------------------------- running the sides

def prepared(name: str, *args):
    """CHILD[name](*args) of benchmarks/corpora.py, run (and reaped) in a child; its result."""
    m = measure(name, corpora.command(name, *args), cwd=str(CHECKOUT))
    if m.code != 0:
        sys.exit(f"{name}{args} failed ({m.code}):\n{m.output}")
    said, value = corpora.result(m.output)
    for line in said:
        print(line, flush=True)
    return value


def jixiao(tree: Path, label: str, paths: list[str], *flags: str, keep: Path | None = None) -> Measured:
    """`jixiao extract PATHS -o TMP -q FLAGS` of the source tree `tree`, measured; with `keep`, its
    records.jsonl copied there."""
    with tempfile.TemporaryDirectory(prefix="jx-bench-") as out:
        cmd = [*corpora.jixiao_command(tree), "extract", *paths, "-o", out, "-q", *flags]
        m = measure(label, cmd, cwd=tempfile.gettempdir())
        if m.code != 0:
            sys.exit(f"{label} failed ({m.code}):\n{m.output}")
        if keep is not None:
            shutil.copyfile(Path(out) / "records.jsonl", keep)
    return m


def bare(engine: str, folder: str) -> Measured:
    m = measure(f"bare {engine}", corpora.command("bare", engine, folder), cwd=str(CHECKOUT))
    if m.code != 0:
        sys.exit(f"bare {engine} failed ({m.code}):\n{m.output}")
    return m


def paired(sides: dict, rounds: int) -> list[dict[str, Measured]]:
    """`rounds` rounds, each running every side once back to back, the order reversed every other
    round; each round printed as it ends."""
    out = []
    for k in range(rounds):
        order = list(sides) if k % 2 == 0 else list(reversed(sides))
        got = {name: sides[name]() for name in order}
        out.append({name: got[name] for name in sides})
        print(f"    round {k + 1} ({', '.join(order)}): "
              + "; ".join(f"{n} {m.wall:.2f} s wall, {m.cpu:.2f} s CPU, {mb(m.rss)}, {m.processes} reaped"
                         for n, m in out[-1].items()),
              flush=True)
    return out


def ratios(rounds: list[dict[str, Measured]], fast: str, slow: str, what: str) -> list[float]:
    """Per round: how many times faster `fast` is than `slow`, by "wall" or "cpu"."""
    return [getattr(r[slow], what) / getattr(r[fast], what) for r in rounds]


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


# ---------------------------------------------------------------- bars

class Bars:
    """The BAR lines, printed together at the end."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, name: str, value: str, bar: str, ok: bool) -> None:
        line = f"BAR {name}: {value} (bar {bar}) {'PASS' if ok else 'FAIL'}"
        self.lines.append(line)
        print(f"  {line}", flush=True)

    def speedup(self, name: str, xs: list[float], at_least: float) -> None:
        """A bar on the median of per-round ratios."""
        self.add(name, f"{median(xs):.2f}x median, {min(xs):.2f}x min of {len(xs)} paired rounds",
                 f">= {at_least:g}x", median(xs) >= at_least)


def pdf_batch(args, bars: Bars, n: int, rounds: int) -> list[dict[str, Measured]]:
    folder = prepared("archive_pdfs", n, args.seed)
    files, pages = prepared("count_pages", folder)
    print(f"\n  archive batch of {n}: {files} PDFs, {pages} pages ({pages / files:.2f} a document), "
          f"{rounds} paired rounds", flush=True)
    sides = {"pdfplumber": lambda: bare("pdfplumber", folder),
             "jobs1": lambda: jixiao(args.tree, "jobs1", [folder], "--jobs", "1"),
             "jobs2": lambda: jixiao(args.tree, "jobs2", [folder], "--jobs", "2")}
    if n > 500 and not args.large_all:       # the RSS bar needs only --jobs 1 there
        sides = {"jobs1": sides["jobs1"]}
    got = paired(sides, rounds)
    for side in ("jobs1", "jobs2") if len(sides) == 3 else ():
        for what in ("cpu", "wall"):
            xs = ratios(got, side, "pdfplumber", what)
            print(f"    {side} vs pdfplumber by {what}: median {median(xs):.2f}x, min {min(xs):.2f}x "
                  f"({', '.join(f'{x:.2f}' for x in xs)})")
    j = ratios(got, "jobs2", "jobs1", "wall") if "jobs2" in sides else []
    print(f"    jixiao --jobs 1: {pages / median([r['jobs1'].wall for r in got]):.0f} pages/s by median wall, "
          f"{pages / median([r['jobs1'].cpu for r in got]):.0f} pages per CPU-second of the tree"
          + (f"; jobs2 vs jobs1 by wall: median {median(j):.2f}x, min {min(j):.2f}x" if j else ""))
    bar = 10.0 if n >= 500 else 3.0
    if n in (20, 500):
        for what in ("cpu", "wall"):
            bars.speedup(f"archive{n}-jobs1-vs-pdfplumber-{what}", ratios(got, "jobs1", "pdfplumber", what), bar)
    if n == 500:
        bars.speedup("archive500-jobs2-vs-jobs1-wall", j, 1.8)
    return got


def text_batch(args, bars: Bars) -> None:
    folder = prepared("text_docs", args.text, args.seed)
    print(f"\n  text batch: {args.text} documents (.txt, .docx, .html in turn), {args.rounds} paired rounds",
          flush=True)
    got = paired({"bare": lambda: bare("text", folder),
                  "jobs1": lambda: jixiao(args.tree, "jobs1", [folder], "--jobs", "1"),
                  "jobs2": lambda: jixiao(args.tree, "jobs2", [folder], "--jobs", "2")}, args.rounds)
    for side in ("jobs1", "jobs2"):
        for what in ("cpu", "wall"):
            xs = ratios(got, "bare", side, what)
            print(f"    {side} takes {median(xs):.2f}x the bare read's {what} (median; min {min(xs):.2f}x)")
    j = ratios(got, "jobs2", "jobs1", "wall")
    print(f"    jobs2 vs jobs1 by wall: median {median(j):.2f}x, min {min(j):.2f}x; documents/s (jobs1, median "
          f"wall): {args.text / median([r['jobs1'].wall for r in got]):.0f}")


def short_report(args, bars: Bars) -> None:
    """One report of two or three pages, the whole command as a user types it (default --jobs)."""
    one = prepared("short_report", args.seed)
    files, pages = prepared("count_pages", one)
    got = [jixiao(args.tree, "one", [one]) for _ in range(args.rounds)]
    cpu = [m.cpu for m in got]
    print(f"\n  one short report ({Path(one).name}, {pages} pages), `jixiao extract FILE -o TMP`, {args.rounds} runs: CPU "
          + ", ".join(f"{x:.2f}" for x in cpu) + " s; wall " + ", ".join(f"{m.wall:.2f}" for m in got)
          + f" s; {got[0].processes} processes reaped (the command and those it left behind)")
    bars.add("short-report-tree-cpu", f"{median(cpu):.2f} s median, {min(cpu):.2f} s min of {len(cpu)} runs",
             "<= 0.5 s", median(cpu) <= 0.5)


def synthetic(args, bars: Bars) -> None:
    folder = prepared("long_pdfs", *SYNTHETIC, args.seed)
    print(f"\n  synthetic corpus (bench.py's): {SYNTHETIC[0]} PDFs of ~{SYNTHETIC[1]} pages, {args.rounds} "
          "paired rounds", flush=True)
    got = paired({"pdfplumber": lambda: bare("pdfplumber", folder),
                  "jobs1": lambda: jixiao(args.tree, "jobs1", [folder], "--jobs", "1")}, args.rounds)
    for what in ("cpu", "wall"):
        bars.speedup(f"synthetic10p-jobs1-vs-pdfplumber-{what}", ratios(got, "jobs1", "pdfplumber", what), 10.0)


def speed(args) -> int:
    bars = Bars()
    batches = [int(x) for x in args.batches.split(",") if x]
    runs = {n: pdf_batch(args, bars, n, args.rounds if n <= 500 else args.large_rounds) for n in batches}
    if 500 in runs and 5000 in runs:
        rss = [median([r["jobs1"].rss for r in runs[n]]) for n in (500, 5000)]
        own = [median([r["jobs1"].command_rss for r in runs[n]]) for n in (500, 5000)]
        ratio = rss[1] / rss[0]
        bars.add("rss-5000-vs-500-jobs1", f"{ratio:.2f}x ({mb(int(rss[1]))} against {mb(int(rss[0]))}, peak summed "
                 f"RSS of the tree; the command's own {mb(int(own[1]))} against {mb(int(own[0]))})", "<= 1.2x",
                 ratio <= 1.2)
    if args.text:
        text_batch(args, bars)
    if args.rounds:
        short_report(args, bars)
    if args.synthetic:
        synthetic(args, bars)
    print(f"\n  load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n" + "\n".join(bars.lines))
    return 0


# ---------------------------------------------------------------- byte-identical records

def check_identical(args) -> int:
    """Extract each set with REF_TREE's and --tree's jixiao; compare records.jsonl byte for byte."""
    sets = {"corpus": [str(args.tree / "corpus")]}
    if DEVSET.is_dir():
        sets["devset"] = [str(p) for p in sorted(DEVSET.glob("*.txt"))]
    sets["archive500"] = [prepared("archive_pdfs", 500, args.seed)]
    sets["synthetic10p"] = [prepared("long_pdfs", *SYNTHETIC, args.seed)]
    bars = Bars()
    with tempfile.TemporaryDirectory(prefix="jx-identical-") as tmp:
        for name, paths in sets.items():
            ref, new = Path(tmp) / "ref.jsonl", Path(tmp) / "new.jsonl"
            jixiao(args.check_identical, "ref", paths, "--jobs", "2", keep=ref)
            jixiao(args.tree, "new", paths, "--jobs", "2", keep=new)
            a, b = ref.read_bytes().splitlines(), new.read_bytes().splitlines()
            same = a == b
            bars.add(f"identical-{name}", f"{len(a)} records, " + ("identical" if same else _difference(a, b)),
                     "cmp records.jsonl", same)
    print(f"\n  {args.check_identical} (ref) against {args.tree} (new)")
    print("\n" + "\n".join(bars.lines))
    return 0 if all(line.endswith("PASS") for line in bars.lines) else 1


def _difference(a: list[bytes], b: list[bytes]) -> str:
    """How two records.jsonl differ: how many lines, and the first differing record's file and fields
    (nothing of the records' text: the dev set's is not to be copied out)."""
    pairs = [(x, y) for x, y in zip(a, b) if x != y]
    if not pairs:
        return f"{len(b)} records against {len(a)}"
    x, y = (json.loads(line) for line in pairs[0])
    fields = sorted(k for k in x.keys() | y.keys() if x.get(k) != y.get(k))
    return (f"{len(pairs) + abs(len(a) - len(b))} records differ, the first "
            f"{Path(x['source']['path']).name} in {', '.join(fields)}")


# ---------------------------------------------------------------- the meter, checked

BURN = ("import subprocess, sys, time\n"
        "def burn(s):\n"
        "    end = time.process_time() + s\n"
        "    while time.process_time() < end: pass\n"
        "if sys.argv[1] == 'parent':\n"
        "    subprocess.Popen([sys.executable, '-c', sys.argv[2], 'orphan', sys.argv[2]])\n"
        "    burn(0.5)\n"
        "else:\n"
        "    time.sleep(0.2); burn(1.0)\n")


def verify_meter() -> int:
    """A command whose tree's CPU is known: it burns 0.5 s and leaves behind an orphan that burns 1.0 s
    more after it exits. The tree must show about 1.5 s (plus two interpreters' start); the command's
    own rusage alone would show 0.5."""
    m = measure("burn", [sys.executable, "-c", BURN, "parent", BURN])
    ok = 1.5 <= m.cpu <= 1.8 and m.processes == 2
    print(f"  tree CPU {m.cpu:.2f} s over {m.processes} processes (expected 1.5 s and a little, 2 processes), "
          f"wall {m.wall:.2f} s (the command alone: about 0.5 s): {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def autogroup() -> str:
    """The scheduler's group this process is in: with autogroup on, each session shares one group's
    CPU, so a benchmark sharing its session with other busy jobs gets less than its due (run it with setsid)."""
    try:
        enabled = Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
        return Path("/proc/self/autogroup").read_text().split()[0] if enabled else "autogroup off"
    except OSError:
        return "autogroup unknown"


def tree_name(tree: Path) -> str:
    """The tree's commit (+ "dirty" when it has uncommitted changes)."""
    head = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return f"{tree} at {head.stdout.strip() or '?'}{' (dirty)' if dirty else ''}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tree", type=Path, default=CHECKOUT, help="the source tree whose jixiao runs (default: this one)")
    ap.add_argument("--batches", default="20,500,5000", help="sizes of the archive batches (default 20,500,5000)")
    ap.add_argument("--rounds", type=int, default=5, help="paired rounds for batches up to 500 (default 5)")
    ap.add_argument("--large-rounds", type=int, default=1, help="paired rounds for larger batches (default 1)")
    ap.add_argument("--large-all", action="store_true",
                    help="run pdfplumber and --jobs 2 on batches over 500 too (no bar needs them; default: --jobs 1 only)")
    ap.add_argument("--text", type=int, default=500, help="documents in the text-only batch (default 500; 0: none)")
    ap.add_argument("--synthetic", action="store_true", help="also bench.py's 50 ten-page PDFs, paired")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check-identical", type=Path, metavar="REF_TREE",
                    help="only compare records.jsonl of REF_TREE's jixiao and --tree's on the corpus, the dev "
                         "set texts and the benchmark PDFs")
    ap.add_argument("--verify-meter", action="store_true", help="only check the tree CPU meter on a known command")
    args = ap.parse_args(argv)
    args.tree = args.tree.resolve()
    become_subreaper()
    if args.verify_meter:
        return verify_meter()
    print(f"jixiao archive benchmark: {tree_name(args.tree)}; {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, {autogroup()}, Python {sys.version.split()[0]}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)
    before = tree_name(args.tree)
    if args.check_identical:
        args.check_identical = args.check_identical.resolve()
        code = check_identical(args)
    else:
        code = speed(args)
    if tree_name(args.tree) != before:      # a checkout others commit to moved under the run
        print(f"WARNING: the tree changed during the run: now {tree_name(args.tree)}; measure a fixed commit "
              "(git worktree add DIR COMMIT) and run again")
    return code


if __name__ == "__main__":
    sys.exit(main())

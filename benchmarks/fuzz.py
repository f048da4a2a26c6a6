"""A structure-aware fuzzer over all five formats, through `jixiao extract` as a user runs it (issue 18).

Not a test: nothing in `tests/` runs it. Each round writes ROUND mutants of corpus/synth's reports to a
folder and runs the batch runner on it (its isolated workers, the per-file time limit, the per-worker
memory limit), then checks every record:

- crash: a failed record whose error_code is `bug`, or whose error names an exception class ("(KeyError: …");
- hang: stopped by the time limit (`timeout`); dead: a worker that died or passed the memory limit
  (`worker_died`, `out_of_memory`);
- evidence mismatch: an evidence whose text is not the slice of its text in texts.jsonl its offsets name;
- missing: a mutant without exactly one record.

.docx and .xlsx are mutated in their XML: attribute values that size things (gridSpan, gridBefore,
w:val, r, s, numFmtId, formatCode, ref, count …) set to hostile ones (0, -1, 10⁹, 2³¹, 10⁴⁰, junk, 10,000
characters), elements repeated (up to 1,000 times) or removed. .pdf, .txt and .html get byte flips,
inserted and repeated stretches, and cuts.

    .venv/bin/python benchmarks/fuzz.py --cpu-minutes 30 --jobs 2 [--seed 1] [--round 40] [--keep DIR]

CPU-minutes are counted as wall time × --jobs (the workers are the forkserver's children, whose CPU time
this process cannot see while they run): run it on a machine with at least --jobs idle cores. Prints one
line per round and the summary, with the largest resident memory any worker reached (sampled by
benchmarks/hostile_run.py's tree watcher: the bar is none above 2 GiB); exit 1 when anything but 0 was
counted.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEEDS = ROOT / "corpus" / "synth"
PDF_FIXTURES = ROOT / "tests" / "fixtures" / "pdf"     # scanned and pasted pages: OCR stays in
BAD = {"timeout": "hang", "worker_died": "dead", "out_of_memory": "dead", "bug": "crash"}   # by error_code
EXCEPTION = re.compile(r"\((?:[A-Z]\w*(?:Error|Exception)|KeyError|StopIteration|AssertionError)\b|bug in jixiao")
SIZE_ATTRS = re.compile(rb'\b(gridSpan|gridBefore|gridAfter|w:val|val|r|s|t|numFmtId|formatCode|ref|count|'
                        rb'min|max|width|ht|customWidth|ilvl|numId|abstractNumId|start|w:w|w:h|span|cols|rows|'
                        rb'xfId|fontId|fillId|borderId|sheetId|r:id|Id)="([^"]*)"')
ELEMENT = re.compile(rb"<(w:tr|w:tc|w:p|w:r|w:t|w:gridCol|row|c|v|xf|numFmt|si|mergeCell|col|sheet)\b[^>]*?"
                     rb"(?:/>|>.*?</\1>)", re.S)
HOSTILE = [b"0", b"-1", b"1000000000", b"2147483648", b"1" + b"0" * 40, b"", b"x", b"1e9", b"NaN", b"A1048577",
           b"XFD1048576", b"IU1000000", b"A1:XFD1048576", b"9" * 10000, b'"' + b"x" * 10000 + b'"0',
           b"0" * 300 + b".00", b"%" * 200, b"@;@;@;@", b"[Red][<0]0;0"]


def mutate_xml(data: bytes, rnd: random.Random) -> tuple[bytes, str]:
    """One structural change to an XML part: an attribute set to a hostile value, an element repeated,
    or an element removed."""
    kind = rnd.choice(("attr", "attr", "attr", "repeat", "remove"))
    if kind == "attr":
        found = list(SIZE_ATTRS.finditer(data))
        if found:
            m = rnd.choice(found)
            value = rnd.choice(HOSTILE)
            return data[:m.start(2)] + value + data[m.end(2):], f"{m.group(1).decode()}={value[:12]!r}"
    found = list(ELEMENT.finditer(data[:2_000_000]))
    if not found:
        return data, "none"
    m = rnd.choice(found)
    if kind == "repeat":
        n = rnd.choice((2, 10, 1000))
        return data[:m.end()] + m.group(0) * n + data[m.end():], f"<{m.group(1).decode()}>×{n}"
    return data[:m.start()] + data[m.end():], f"-<{m.group(1).decode()}>"


def mutate_zip(data: bytes, rnd: random.Random) -> tuple[bytes, str]:
    """A .docx/.xlsx with 1-3 structural changes to its XML parts (the document, sheets, styles, numbering)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    parts = {i.filename: src.read(i) for i in src.infolist()}
    xml = [n for n in parts if n.endswith(".xml") and not n.startswith("[")]
    done = []
    for _ in range(rnd.randint(1, 3)):
        name = rnd.choice(xml)
        parts[name], how = mutate_xml(parts[name], rnd)
        done.append(f"{name.rsplit('/', 1)[-1]}:{how}")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return out.getvalue(), " ".join(done)


def mutate_bytes(data: bytes, rnd: random.Random) -> tuple[bytes, str]:
    """Byte-level changes for .pdf, .txt and .html: flips, an inserted or repeated stretch, a cut."""
    b = bytearray(data)
    kind = rnd.choice(("flip", "insert", "repeat", "cut"))
    at = rnd.randrange(len(b))
    if kind == "flip":
        for _ in range(rnd.randint(1, 32)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
    elif kind == "insert":
        b[at:at] = rnd.choice([b"\xff\xfe", b"\x00" * 64, b"\xed\xa0\x80", b"%%EOF", b"<table>" * 50,
                               rnd.randbytes(rnd.randint(1, 256)), b"\x1b[2J"])
    elif kind == "repeat":
        n = rnd.randint(1, 4096)
        b[at:at] = bytes(b[at:at + n]) * rnd.choice((2, 100))
    else:
        del b[at:at + rnd.randint(1, max(1, len(b) // 4))]
    return bytes(b), f"{kind}@{at}"


def mutant(src: Path, rnd: random.Random) -> tuple[bytes, str]:
    data = src.read_bytes()
    if src.suffix in (".docx", ".xlsx"):
        try:
            return mutate_zip(data, rnd)
        except (zipfile.BadZipFile, IndexError):
            pass
    return mutate_bytes(data, rnd)


def check(out: Path, written: dict[str, str], counts: Counter, log: list[str]) -> set[str]:
    """Each mutant's record, against the kinds of failure above; the names of those that failed one."""
    from pipeline.outputs.texts import Texts
    failing, texts = set(), Texts(out)
    records = [json.loads(x) for x in (out / "records.jsonl").read_bytes().decode("utf-8").splitlines()]
    by_name = Counter(Path(r["source"]["path"]).name for r in records)
    for name in written:
        if by_name[name] != 1:
            counts["missing"] += 1
            failing.add(name)
            log.append(f"missing {name} ({by_name[name]} records): {written[name]}")
    for r in records:
        name, error = Path(r["source"]["path"]).name, r["error"] or ""
        counts[r["status"]] += 1
        bad = BAD.get(r.get("error_code")) or ("crash" if EXCEPTION.search(error) else None)
        if bad:
            counts[bad] += 1
            failing.add(name)
            log.append(f"{bad} {name}: {error[:200]} <- {written.get(name)}")
        if r["status"] != "ok":
            continue
        text = texts.get(r["source"]["sha256"]) or ""
        for e in evidences(r):
            if text[e["start"]:e["end"]] != e["text"]:
                counts["evidence mismatch"] += 1
                failing.add(name)
                log.append(f"evidence mismatch {name}: {e} <- {written.get(name)}")
    return failing


def evidences(obj) -> list[dict]:
    if isinstance(obj, dict):
        if {"start", "end", "text"} <= obj.keys():
            return [obj]
        return [e for v in obj.values() for e in evidences(v)]
    if isinstance(obj, list):
        return [e for v in obj for e in evidences(v)]
    return []


def seed_files() -> list[Path]:
    """corpus/synth's reports in every format, and the PDF fixtures; not the corpus's whole-report scans,
    whose OCR (a minute a mutant with two busy cores) would spend the budget, as in tests/test_fuzz.py."""
    synth = [s for s in SEEDS.iterdir() if s.suffix in (".txt", ".docx", ".xlsx", ".html", ".pdf")
             and not s.name.endswith(".scan.pdf")]
    return sorted(synth) + sorted(PDF_FIXTURES.glob("*.pdf"))


def rounds(args, seeds: list[Path], counts: Counter, log: list[str]) -> int:
    """Batches of mutants through the runner until the CPU-minutes are spent; how many were written."""
    from pipeline.batch import runner
    from pipeline.cli import iter_files
    rnd = random.Random(args.seed)
    t0, n = time.monotonic(), 0
    while (time.monotonic() - t0) * args.jobs < args.cpu_minutes * 60:
        with tempfile.TemporaryDirectory(prefix="jixiao-fuzz-") as tmp:
            inbox, written = Path(tmp) / "in", {}
            inbox.mkdir()
            for _ in range(args.round):
                src = rnd.choice(seeds)
                data, how = mutant(src, rnd)
                name = f"m{n:06d}{src.suffix}"
                (inbox / name).write_bytes(data)
                written[name] = f"{src.name}: {how}"
                n += 1
            runner.run(iter_files([str(inbox)]), Path(tmp) / "out", jobs=args.jobs, timeout=args.timeout,
                       memory=args.memory << 20)
            failing = check(Path(tmp) / "out", written, counts, log)
            if args.keep and failing:
                args.keep.mkdir(parents=True, exist_ok=True)
                for name in failing:
                    shutil.copy(inbox / name, args.keep)
        print(f"{n} mutants, {(time.monotonic() - t0) * args.jobs / 60:.1f} CPU-min, {time.monotonic() - t0:.0f} s: "
              + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), flush=True)
    return n


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cpu-minutes", type=float, default=30)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--round", type=int, default=40, help="mutants per batch")
    p.add_argument("--timeout", type=float, default=120, help="per-file seconds (generous: two busy cores)")
    p.add_argument("--memory", type=int, default=2048, help="MB a worker may hold (the bar: none above 2 GiB)")
    p.add_argument("--keep", type=Path, default=None, help="copy the mutants that failed a check here")
    args = p.parse_args()
    from benchmarks.hostile_run import TreeMemory, rss
    seeds = seed_files()
    counts, log = Counter(), []
    t0 = time.monotonic()
    with TreeMemory(os.getpid(), measure=rss) as memory:      # the workers are this process's descendants
        n = rounds(args, seeds, counts, log)
    for line in log:
        print(line)
    bad = {k: counts[k] for k in ("crash", "hang", "dead", "evidence mismatch", "missing")}
    cpu = (time.monotonic() - t0) * args.jobs
    print(f"SUMMARY {n} mutants of {len(seeds)} seeds (.txt .docx .xlsx .html .pdf), {cpu / 60:.1f} CPU-minutes "
          "(wall × jobs), "
          f"--jobs {args.jobs}, workers held under {args.memory} MB, the largest {memory.peak_one >> 20} MB RSS "
          f"(sampled every {memory.every_ms():.0f} ms): "
          + ", ".join(f"{v} {k}" for k, v in bad.items())
          + "; records " + ", ".join(f"{k} {counts[k]}" for k in ("ok", "failed", "skipped")))
    return 1 if any(bad.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

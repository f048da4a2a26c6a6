"""The benchmarks' corpora, the bare engines' reads and the jixiao command, shared by bench.py and archive.py.

Each corpus is generated once into benchmarks/.corpus/ (gitignored), one folder per (kind, count,
pages, seed), and reused when complete. Everything here runs in a child process
(`python benchmarks/corpora.py NAME JSON_ARGS`, see `command`): the benchmark's own process imports
nothing heavy, because Linux carries a process's peak RSS across exec, and a child forked from a big
parent would report the parent's peak as its own.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent          # benchmarks/
CHECKOUT = ROOT.parent                          # the source tree holding synth/ and pipeline/
CORPUS = ROOT / ".corpus"
DONE = ".complete"
TEXT_FORMATS = ("txt", "docx", "html")


def _cached(name: str, make) -> Path:
    """The folder `name`, made by make(folder) unless complete. Its mark of completeness lies beside
    it, not in it: jixiao would read it as one more file."""
    folder, done = CORPUS / name, CORPUS / f"{name}{DONE}"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    make(folder)
    done.write_text("")
    print(f"  generated {folder.relative_to(CHECKOUT)} in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


def long_pdfs(docs: int, pages: int, seed: int) -> str:
    """`docs` text PDFs of about `pages` pages: narrative, a ruled task table, the 自评表 (synth/long.py)."""
    def make(folder: Path) -> None:
        from synth.long import long_pdf
        for i in range(docs):
            (folder / f"long-{i + 1:04d}.pdf").write_bytes(long_pdf(seed, i, pages))
    return str(_cached(f"pdf-n{docs}-p{pages}-s{seed}", make))


def scans(pages: int, seed: int) -> str:
    """Scanned PDFs (synth's rasterised, skewed, speckled copies) holding at least `pages` pages."""
    def make(folder: Path) -> None:
        import pypdfium2 as pdfium

        from synth import generate
        got, count = 0, 0
        with tempfile.TemporaryDirectory() as tmp:
            while got < pages:
                count += 1
                made = generate(Path(tmp), seed, count, formats=("scan",))[-1]
                scan = next(f for f in made.files if f.name.endswith(".scan.pdf"))
                got += len(pdfium.PdfDocument(scan))
                shutil.move(scan, folder / scan.name)
    return str(_cached(f"scan-p{pages}-s{seed}", make))


def small_txts(docs: int, seed: int) -> str:
    """`docs` short generated reports as .txt (their gold .json left out)."""
    def make(folder: Path) -> None:
        from synth.compose import compose
        from synth.render_text import to_txt
        from synth.spec import make_spec, plan
        for doc_id, kind in plan(docs):
            doc, _ = compose(make_spec(seed, doc_id, kind))
            (folder / f"{doc_id}.txt").write_text(to_txt(doc), encoding="utf-8")
    return str(_cached(f"txt-n{docs}-s{seed}", make))


# ---------------------------------------------------------------- the archive: one pool, batches of its first N

def _pool_name(i: int, doc_id: str) -> str:
    return f"{i + 1:05d}-{doc_id}.pdf"


def _pool_write(pool: str, seed: int, i: int, doc_id: str, kind) -> None:
    """Write pool document i, atomically: a file in the pool is always whole."""
    from synth.archive import archive_pdf
    path = Path(pool) / _pool_name(i, doc_id)
    part = path.with_suffix(".part")
    part.write_bytes(archive_pdf(seed, doc_id, kind))
    part.rename(path)


def archive_pdfs(docs: int, seed: int) -> str:
    """The first `docs` report-sized PDFs of one pool (synth/archive.py: 1–4 pages, 2% of ~20), as a
    folder of hard links (a symbolic link out of the folder would get a skipped record). The pool grows
    as larger batches are asked for; what is missing is rendered on every core."""
    from concurrent.futures import ProcessPoolExecutor

    from synth.spec import plan
    pool = CORPUS / f"archive-pool-s{seed}"
    pool.mkdir(parents=True, exist_ok=True)
    wanted = [(i, doc_id, kind) for i, (doc_id, kind) in enumerate(plan(docs))]
    missing = [w for w in wanted if not (pool / _pool_name(w[0], w[1])).exists()]
    if missing:
        started = time.perf_counter()
        with ProcessPoolExecutor(os.cpu_count()) as ex:
            list(ex.map(_pool_write, *zip(*[(str(pool), seed, *w) for w in missing]), chunksize=16))
        print(f"  rendered {len(missing)} documents into {pool.relative_to(CHECKOUT)} in "
              f"{time.perf_counter() - started:.0f} s", flush=True)

    def make(folder: Path) -> None:
        for i, doc_id, _ in wanted:
            os.link(pool / _pool_name(i, doc_id), folder / _pool_name(i, doc_id))
    return str(_cached(f"archive-n{docs}-s{seed}", make))


def short_report(seed: int) -> str:
    """The first self-evaluation report of the archive pool laid out as synth composes them (narrative
    and 自评表, two or three pages; not the 决算 explanation synth makes as its negative)."""
    from synth.archive import layout_of
    folder = Path(archive_pdfs(20, seed))
    ids = {p: p.stem.split("-", 1)[1] for p in pdf_files(folder)}
    return str(next(p for p, i in ids.items() if layout_of(seed, i) == "composed" and not i.startswith("syn-other")))


def text_docs(docs: int, seed: int) -> str:
    """`docs` generated reports as .txt, .docx and .html in turn (as composed, no PDF)."""
    def make(folder: Path) -> None:
        from synth.compose import compose
        from synth.render_office import to_docx
        from synth.render_text import to_html, to_txt
        from synth.spec import make_spec, plan
        for i, (doc_id, kind) in enumerate(plan(docs)):
            spec = make_spec(seed, doc_id, kind)
            doc, _ = compose(spec)
            fmt = TEXT_FORMATS[i % len(TEXT_FORMATS)]
            data = (to_txt(doc).encode("utf-8") if fmt == "txt" else to_docx(doc) if fmt == "docx"
                    else to_html(doc, spec.place.name + "人民政府").encode("utf-8"))
            (folder / f"{i + 1:05d}-{doc_id}.{fmt}").write_bytes(data)
    return str(_cached(f"text-n{docs}-s{seed}", make))


# ---------------------------------------------------------------- the bare baselines

def pdf_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pdf"))


def bare(engine: str, folder: str) -> int:
    """Read every page's (or text file's) text with the bare engine; how many pages (files for "text")."""
    pages = 0
    if engine == "pdfplumber":
        import pdfplumber
        for path in pdf_files(Path(folder)):
            with pdfplumber.open(path) as pdf:
                for page in pdf.pages:
                    page.extract_text()
                    page.close()
                    pages += 1
    elif engine == "pdfium":
        import pypdfium2 as pdfium
        for path in pdf_files(Path(folder)):
            pdf = pdfium.PdfDocument(path)
            for page in pdf:
                textpage = page.get_textpage()
                textpage.get_text_bounded()
                textpage.close()
                page.close()
                pages += 1
            pdf.close()
    else:
        pages = _bare_text(Path(folder))
    return pages


def _bare_text(folder: Path) -> int:
    """The text of each .txt (decoded), .docx (python-docx: paragraphs and table cells) and .html
    (lxml: the whole tree's text); how many files."""
    import docx
    import lxml.html
    files = sorted(p for p in folder.iterdir() if p.suffix[1:] in TEXT_FORMATS)
    for path in files:
        if path.suffix == ".txt":
            path.read_bytes().decode("utf-8")
        elif path.suffix == ".docx":
            d = docx.Document(str(path))
            "\n".join(p.text for p in d.paragraphs)
            "\n".join(c.text for t in d.tables for row in t.rows for c in row.cells)
        else:
            lxml.html.fromstring(path.read_bytes()).text_content()
    return len(files)


def count_pages(where: str) -> list[int]:
    """(files, pages) of the PDFs in a folder, or of one PDF."""
    import pypdfium2 as pdfium
    files = [Path(where)] if where.endswith(".pdf") else pdf_files(Path(where))
    total = 0
    for path in files:
        pdf = pdfium.PdfDocument(path)
        total += len(pdf)
        pdf.close()
    return [len(files), total]


CHILD = {f.__name__: f for f in (long_pdfs, scans, small_txts, archive_pdfs, short_report, text_docs, bare,
                                  count_pages)}


PYCACHE = Path(tempfile.gettempdir()) / "jixiao-bench-pycache"     # the measured trees' bytecode


def jixiao_command(tree: Path) -> list[str]:
    """`jixiao` of the source tree `tree` (its arguments to follow): the venv's `jixiao` script runs
    whichever tree the venv was installed from. The tree goes in PYTHONPATH too (`env` execs Python,
    no process more): a forkserver ignores the path its parent was given and would import the
    installed tree for the workers of a batch past forkserver.SMALL. The tree's bytecode is cached,
    in PYCACHE (not in the tree), as an installed jixiao's is, even where PYTHONDONTWRITEBYTECODE is
    set: else every run compiles its 60 modules again (0.08 s of CPU), while the libraries it is
    compared with read their installed bytecode."""
    code = f"import sys; sys.path.insert(0, {str(tree)!r}); from pipeline.cli import main; sys.exit(main(sys.argv[1:]))"
    return ["env", "-u", "PYTHONDONTWRITEBYTECODE", f"PYTHONPYCACHEPREFIX={PYCACHE}", f"PYTHONPATH={tree}",
            sys.executable, "-P", "-c", code]


def command(name: str, *args) -> list[str]:
    """The command that calls CHILD[name](*args) in a child process and prints its JSON result last."""
    return [sys.executable, str(Path(__file__).resolve()), name, json.dumps(args)]


def result(stdout: str):
    """(the lines a child printed before its result, the result)."""
    *said, last = stdout.rstrip().splitlines()
    return said, json.loads(last)


if __name__ == "__main__":
    sys.path.insert(0, str(CHECKOUT))       # synth/ is not installed: it is imported from this checkout
    print(json.dumps(CHILD[sys.argv[1]](*json.loads(sys.argv[2]))))

"""The limits `jixiao extract` puts on each file, in a module that imports nothing: the CLI needs
them to parse its arguments before it imports the rest of jixiao (see cli.main)."""

MAX_PAGES = 1000     # the default page cap: a self-evaluation report has tens of pages, rarely hundreds
TIMEOUT = 600.0      # seconds: the default per-file time limit
MAX_MEMORY = 4096    # MB a worker may hold resident: OCR of a scanned page takes about 1,200 MB

"""The limits `jixiao extract` puts on each file, in a module that imports nothing: the CLI needs
them to parse its arguments before it imports the rest of jixiao (see cli.main). The readers' caps
bound the work a small file can ask for (a 40 KB .docx whose cell spans a billion columns): each
is far above what a report needs, and a file past one fails saying which (readers.bounds)."""

MAX_PAGES = 1000     # the default page cap: a self-evaluation report has tens of pages, rarely hundreds
TIMEOUT = 600.0      # seconds: the default per-file time limit
MAX_MEMORY = 4096    # MB a worker may hold resident: OCR of a scanned page takes about 1,200 MB
MAX_CHARS = 5_000_000            # characters of text in one document: 1,000 dense pages hold about 3 million;
#                                  the stages take about 70 MB and 4 s a million
MAX_XML_ELEMENTS = 5_000_000     # XML elements a .docx/.xlsx/.html may hold: parsed, each takes 150-180 bytes
MAX_TABLE_CELLS = 1_000_000      # grid positions of one table (rows × columns, spans expanded)
MAX_SPAN = 64                    # columns a Word cell may span or a row skip (Word's tables have at most 63)

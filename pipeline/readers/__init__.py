"""One reader per file format: bytes -> RawDoc (pages of text, table cells, OCR confidences).

Each reader puts what it reads through `DocBuilder`, so every format gives the same text layout:
paragraphs as lines, a table row as one line of cells joined by " | ", pages split by form feeds.
"""

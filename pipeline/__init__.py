"""jixiao: Chinese budget-performance self-evaluation reports -> evidence-linked records.

The stages, in order (each a plain function from one frozen model to the next):

    load -> normalize -> classify -> extract -> validate

The library API (extract_file, extract_document, extract_text, text_of, text_layer, STAGES, Record)
lives in pipeline.api and is loaded on first use, so that `import pipeline.cli` stays light: the
`jixiao extract` command loads the stages only when it reads files (see pipeline.batch.forkserver).
The notebook API (read_outputs, to_frame, extract_many: pandas DataFrames) lives in pipeline.notebook.
"""
from __future__ import annotations

import importlib

__all__ = ["Extraction", "extract_document", "extract_file", "extract_text", "text_of", "text_layer", "STAGES", "Record",
           "read_outputs", "to_frame", "extract_many"]
_NOTEBOOK = {"read_outputs", "to_frame", "extract_many"}     # from .notebook; the rest from .api


def __getattr__(name: str):
    if name in __all__:
        return getattr(importlib.import_module(".notebook" if name in _NOTEBOOK else ".api", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

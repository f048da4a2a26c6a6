"""A PDF page's objects, in one walk through pdfium (into form XObjects, as pypdfium2's get_objects()
does): its paths and images, for the table and scan checks, and whether all of its text reads
upright, which spares asking pdfium the angle of every glyph.

The walk and the per-glyph calls of readers.pdf go through `bare` prototypes: a page holds hundreds
of objects and a thousand glyphs, and pypdfium2's bindings check each pointer argument's type at a
cost greater than the call's own.
"""
from __future__ import annotations

import ctypes
import math
import struct
from dataclasses import dataclass, field

import pypdfium2.raw as pdfium_c

Matrix = tuple[float, float, float, float, float, float]      # a b c d e f, as pdfium's FS_MATRIX
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
MAX_DEPTH = 15            # form XObjects nested deeper than pypdfium2's get_objects() goes are not read


def bare(function, restype, *argtypes):
    """A pdfium function without pypdfium2's type checks, called with the GIL held (each call is short,
    and a worker runs one thread: releasing and taking it back cost more than the call). With
    `argtypes`, handles go in and out as plain ints; without, ctypes converts nothing, the cheapest
    call: pass a handle as a c_void_p, an index as an int, a struct by byref()."""
    address = ctypes.cast(function, ctypes.c_void_p).value
    return ctypes.PYFUNCTYPE(restype, *argtypes)(address)  # type: ignore[arg-type]  # a function's address: never NULL


class _Handle(ctypes.c_void_p):
    """A handle as pdfium returns it, passed on to the next call as it is (ctypes turns a c_void_p
    result into an int, but not a subclass's)."""


_count = bare(pdfium_c.FPDFPage_CountObjects, ctypes.c_int)
_object = bare(pdfium_c.FPDFPage_GetObject, _Handle)
_form_count = bare(pdfium_c.FPDFFormObj_CountObjects, ctypes.c_int)
_form_object = bare(pdfium_c.FPDFFormObj_GetObject, _Handle, ctypes.c_void_p, ctypes.c_ulong)
_type = bare(pdfium_c.FPDFPageObj_GetType, ctypes.c_int)
_matrix = bare(pdfium_c.FPDFPageObj_GetMatrix, ctypes.c_int)
_MATRIX = struct.Struct("6f").unpack_from       # an FS_MATRIX's a b c d e f at once
_TEXT, _PATH, _IMAGE, _FORM = (pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_IMAGE,
                               pdfium_c.FPDF_PAGEOBJ_FORM)


@dataclass
class PageObjects:
    paths: list[tuple[object, Matrix]] = field(default_factory=list)   # each with its matrix to page space
    images: list[object] = field(default_factory=list)
    tilt: float = 0.0     # radians: the largest turn of a text object's glyphs from upright, in page space


def survey(page) -> PageObjects:
    """The page's paths and images (pypdfium2 handles), and how far its text turns from upright. A
    glyph's angle, as pdfium's FPDFText_GetCharAngle gives it, is that of its text object's matrix times
    the matrices of the forms it sits in; that product is what is measured here, once per object."""
    out = PageObjects()
    fs = pdfium_c.FS_MATRIX()
    at = ctypes.byref(fs)

    def walk(count, get, parent, outer: Matrix, depth: int) -> None:
        for i in range(count(parent)):
            handle = get(parent, i)
            kind = _type(handle)
            if kind == _TEXT:
                _matrix(handle, at)
                a, b, c, d, _, _ = _MATRIX(fs)
                if outer is not IDENTITY:
                    a, _, c, _, _, _ = _times((a, b, c, d, 0.0, 0.0), outer)
                if c or a < 0:                 # else upright: most text, spared the arithmetic
                    out.tilt = max(out.tilt, abs(math.atan2(c, a)))
            elif kind == _PATH:
                _matrix(handle, at)
                out.paths.append((_pointer(handle), _times(_MATRIX(fs), outer)))
            elif kind == _IMAGE:
                out.images.append(_pointer(handle))
            elif kind == _FORM and depth < MAX_DEPTH - 1:
                _matrix(handle, at)
                walk(_form_count, _form_object, handle, _times(_MATRIX(fs), outer), depth + 1)

    walk(_count, _object, ctypes.cast(page.raw, ctypes.c_void_p), IDENTITY, 0)
    return out


def _times(m: Matrix, n: Matrix) -> Matrix:
    """m then n (pdfium's and PdfMatrix's m * n)."""
    if n is IDENTITY:
        return m
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _pointer(handle: _Handle):
    return ctypes.cast(handle, pdfium_c.FPDF_PAGEOBJECT)


def bounds(raw) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of a page object, as pdfium gives it."""
    box = [ctypes.c_float() for _ in range(4)]
    pdfium_c.FPDFPageObj_GetBounds(raw, *box)
    return box[0].value, box[1].value, box[2].value, box[3].value


def own_matrix(raw) -> Matrix:
    """The object's own matrix, without the forms it sits in."""
    fs = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFPageObj_GetMatrix(raw, fs)
    return fs.a, fs.b, fs.c, fs.d, fs.e, fs.f

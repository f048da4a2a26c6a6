"""arrow_ipc: an Arrow schema as the IPC message Parquet files carry under `ARROW:schema`, without pyarrow.

DuckDB writes the run's Parquet files (store.py); pyarrow reads back a file's column types, field
metadata (each column's description) and schema metadata (pandas' dtypes) from the serialised Arrow
schema in the file's key-value metadata, base64 text as pyarrow itself writes it. Importing pyarrow
(and numpy with it) only to serialise six small schemas took a quarter of a second of every run's
start, so this module writes the message itself: Message{version V5, header Schema} in the
FlatBuffers layout of Arrow's format/Schema.fbs and Message.fbs, framed as Schema.serialize() frames it
(continuation marker, length, body padded to 8 bytes). tests/test_store.py checks that pyarrow reads
each table's message back as `store.arrow_schema` builds it.

A type is plain data: "utf8", "bool", "double", ("int", bits), ("list", Field), ("struct", [Field]);
a Field is (name, type, metadata) and always nullable, as every column of the run's tables is.
"""
from __future__ import annotations

import base64
import struct
from typing import Union

Type = Union[str, tuple]
Field = tuple[str, Type, dict[str, str]]

_TYPE_IDS = {"int": 2, "double": 3, "utf8": 5, "bool": 6, "list": 12, "struct": 13}    # union Type
_V5, _SCHEMA, _DOUBLE = 4, 1, 2          # MetadataVersion.V5, MessageHeader.Schema, Precision.DOUBLE


class _Table(list):
    """A FlatBuffers table: its fields in vtable order, each None (absent), ("u32", int), ("u8", int),
    or an object (string, vector or table) it points to."""


class _Vector(list):
    """A vector of objects (tables or strings)."""


def _key_values(metadata: dict[str, str]) -> _Vector:
    return _Vector(_Table([k, v]) for k, v in metadata.items())


def _type(t: Type) -> tuple[int, _Table, _Vector]:
    """A type's union id, its type table, and its children fields."""
    if isinstance(t, str):
        return _TYPE_IDS[t], _Table([("u16", _DOUBLE)] if t == "double" else []), _Vector()
    name, arg = t
    if name == "int":
        return _TYPE_IDS[name], _Table([("u32", arg), ("u8", 1)]), _Vector()
    return _TYPE_IDS[name], _Table(), _Vector([_field(arg)] if name == "list" else [_field(f) for f in arg])


def _field(f: Field) -> _Table:
    name, t, metadata = f
    type_id, table, children = _type(t)
    # name, nullable, type_type, type, dictionary, children, custom_metadata
    return _Table([name, ("u8", 1), ("u8", type_id), table, None, children,
                   _key_values(metadata) if metadata else None])


class _Writer:
    """Lays objects out front to back: a table's vtable just before it, then its inline fields (a
    4-byte slot each), then what its fields point to, so every offset points forward as FlatBuffers'
    unsigned offsets must."""

    def __init__(self) -> None:
        self.buf = bytearray(4)         # the root offset, patched once the root is placed

    def _align(self, n: int) -> None:
        self.buf += bytes(-len(self.buf) % n)

    def _point(self, slot: int, obj) -> None:
        struct.pack_into("<I", self.buf, slot, self.place(obj) - slot)

    def place(self, obj) -> int:
        if isinstance(obj, str):
            data = obj.encode("utf-8")
            self._align(4)
            at = len(self.buf)
            self.buf += struct.pack("<I", len(data)) + data + b"\0"
            return at
        if isinstance(obj, _Vector):
            self._align(4)
            at = len(self.buf)
            self.buf += struct.pack("<I", len(obj)) + bytes(4 * len(obj))
            for i, item in enumerate(obj):
                self._point(at + 4 + 4 * i, item)
            return at
        present = [i for i, v in enumerate(obj) if v is not None]
        vtable = struct.pack(f"<HH{len(obj)}H", 4 + 2 * len(obj), 4 + 4 * len(present),
                             *(4 + 4 * present.index(i) if v is not None else 0 for i, v in enumerate(obj)))
        self._align(4)
        self.buf += bytes(-(len(self.buf) + len(vtable)) % 4)
        vt = len(self.buf)
        self.buf += vtable
        at = len(self.buf)
        self.buf += struct.pack("<i", at - vt) + bytes(4 * len(present))
        for k, i in enumerate(present):
            v, slot = obj[i], at + 4 + 4 * k
            if isinstance(v, tuple):
                struct.pack_into({"u8": "<B", "u16": "<H", "u32": "<I"}[v[0]], self.buf, slot, v[1])
            else:
                self._point(slot, v)
        return at

    def finish(self, root: _Table) -> bytes:
        self._point(0, root)
        self._align(8)
        return bytes(self.buf)


def schema_message(fields: list[Field], metadata: dict[str, str]) -> bytes:
    """The IPC message of a schema (pa.Schema.serialize()'s bytes, in effect)."""
    schema = _Table([None, _Vector(_field(f) for f in fields), _key_values(metadata) if metadata else None])
    body = _Writer().finish(_Table([("u16", _V5), ("u8", _SCHEMA), schema]))
    return struct.pack("<Ii", 0xFFFFFFFF, len(body)) + body


def arrow_schema_text(fields: list[Field], metadata: dict[str, str]) -> str:
    """What a Parquet file's `ARROW:schema` key holds: the message in base64."""
    return base64.b64encode(schema_message(fields, metadata)).decode("ascii")

"""CouchDB key collation as bytes that sort with a plain byte comparison.

Views are ordered by key the CouchDB way: ``null < false < true < numbers < strings <
arrays < objects``, arrays and objects element by element, shorter first. The embedded
backend stores ``sort_key(key)`` beside every view row, so SQLite's own B-tree (memcmp
order on BLOBs) does the ordering and the range scans for ``startkey``/``endkey``: no key
is ever compared in Python on the read path.

Strings compare by Unicode code point, as PouchDB does. CouchDB itself uses ICU collation,
which differs only in how it orders letters of different case and accents (``"B" < "a"``
here, ``"a" < "B"`` under ICU); gasp's views never depend on that order, only on equality
and on prefix ranges closed with ``"\\ufff0"``, which agree under both.
"""

from __future__ import annotations

import math
import struct
from typing import Any

_NULL = b"\x01"
_FALSE = b"\x02"
_TRUE = b"\x03"
_NUMBER = b"\x04"
_STRING = b"\x05"
_ARRAY = b"\x06"
_OBJECT = b"\x07"
_END = b"\x00"  # closes an array or object: lower than every type tag, so shorter sorts first

# Inside a string, NUL is escaped as 00 02 and the string ends with 00 01, so a string sorts
# before every string it is a proper prefix of.
_STRING_END = b"\x00\x01"
_NUL_ESCAPED = b"\x00\x02"


def sort_key(value: Any) -> bytes:
    """The byte string whose memcmp order is the CouchDB collation order of ``value``."""
    out = bytearray()
    _encode(value, out)
    return bytes(out)


def collate(a: Any, b: Any) -> int:
    """-1, 0 or 1 as ``a`` sorts before, with, or after ``b``."""
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


def _encode(value: Any, out: bytearray) -> None:
    # The common cases first, checked by exact type: this runs for every emitted row.
    kind = type(value)
    if kind is str:
        out += _STRING
        out += value.encode("utf-8", "surrogatepass").replace(b"\x00", _NUL_ESCAPED)
        out += _STRING_END
    elif kind is int and abs(value) < 2**53:
        out += _NUMBER
        out += _encode_number(float(value))
    elif kind is list:
        out += _ARRAY
        for item in value:
            _encode(item, out)
        out += _END
    else:
        _encode_other(value, out)


def _encode_other(value: Any, out: bytearray) -> None:
    if value is None:
        out += _NULL
    elif value is False:
        out += _FALSE
    elif value is True:
        out += _TRUE
    elif isinstance(value, int | float):
        out += _NUMBER
        out += _encode_number(float(value) if abs(value) < 1e308 else math.copysign(1e308, value))
    elif isinstance(value, str):
        out += _STRING
        out += value.encode("utf-8", "surrogatepass").replace(b"\x00", _NUL_ESCAPED)
        out += _STRING_END
    elif isinstance(value, list | tuple):
        out += _ARRAY
        for item in value:
            _encode(item, out)
        out += _END
    elif isinstance(value, dict):
        out += _OBJECT
        for name, item in value.items():
            _encode(name, out)
            _encode(item, out)
        out += _END
    else:
        raise TypeError(f"not a JSON value: {type(value).__name__}")


_DOUBLE = struct.Struct(">d")
_UINT64 = struct.Struct(">Q")


def _encode_number(number: float) -> bytes:
    """IEEE-754 bits made to sort as the numbers do: flip the sign bit, or all bits if negative."""
    if number == 0.0:
        number = 0.0  # -0.0 and 0.0 are the same key
    (bits,) = _UINT64.unpack(_DOUBLE.pack(number))
    bits = bits ^ 0xFFFFFFFFFFFFFFFF if bits >> 63 else bits | 0x8000000000000000
    return _UINT64.pack(bits)

"""adler32: the canonical text form, and streaming equal to one-shot zlib."""

from __future__ import annotations

import io
import os
import zlib

from gasp.storage.adler32 import (
    Adler32,
    adler32_of,
    copy_with_adler32,
    format_adler32,
    stream_adler32,
)
from gasp.storage.xrootd import parse_checksum_reply


def test_known_values_from_outside_zlib() -> None:
    # The worked example of the Adler-32 article: "Wikipedia" -> 0x11E60398.
    assert adler32_of(b"Wikipedia") == "11e60398"
    assert adler32_of(b"") == "00000001"


def test_text_form_is_eight_lower_case_digits_zero_padded() -> None:
    assert adler32_of(b"a") == "00620062"
    assert format_adler32(0xABCDEF) == "00abcdef"
    assert format_adler32(0xFFFFFFFF) == "ffffffff"


def test_streaming_in_odd_chunks_equals_zlib_on_the_whole() -> None:
    data = os.urandom(1_000_003)
    expected = f"{zlib.adler32(data):08x}"
    size, value = stream_adler32(io.BytesIO(data), chunk_size=4093)
    assert (size, value) == (len(data), expected)
    running = Adler32()
    for start in range(0, len(data), 77_777):
        running.update(data[start : start + 77_777])
    assert running.hexdigest() == expected
    assert running.size == len(data)


def test_copy_passes_the_bytes_through_and_hashes_them() -> None:
    data = os.urandom(100_001)
    target = io.BytesIO()
    running = copy_with_adler32(io.BytesIO(data), target, chunk_size=1000)
    assert target.getvalue() == data
    assert running.hexdigest() == f"{zlib.adler32(data):08x}"


def test_copy_continues_a_running_checksum() -> None:
    """How a download resumes: hash the prefix already on disk, then the rest."""
    data = os.urandom(50_000)
    running = Adler32()
    running.update(data[:12_345])
    copy_with_adler32(io.BytesIO(data[12_345:]), io.BytesIO(), running)
    assert running.hexdigest() == adler32_of(data)
    assert running.size == len(data)


def test_xrootd_checksum_replies() -> None:
    assert parse_checksum_reply(b"adler32 0a1b2c3d\x00") == "0a1b2c3d"
    assert parse_checksum_reply("ADLER32 1e60398") == "01e60398"
    assert parse_checksum_reply(b"md5 d41d8cd98f00b204e9800998ecf8427e\x00") is None
    assert parse_checksum_reply(b"") is None
    assert parse_checksum_reply(b"adler32 nothex") is None

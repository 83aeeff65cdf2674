"""Budgets checked before decoding: how far PDF streams inflate, how many pixels a picture has."""

import re
import zlib
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path

from hduce.plugins.documents.services.extraction._unreadable import Unreadable

MIB = 1024 * 1024
_INPUT = 64 * 1024
_OUTPUT = MIB
# `stream` then an end of line opens a PDF stream's bytes; `endstream` does not.
_STREAM_START = re.compile(rb"(?<!end)stream\r?\n")
# Deflate with a 32 KiB window, as zlib writes it: a stream deflated twice starts so again.
_ZLIB_HEADER = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")
_NESTING = 3
"""Deflate layers followed inside one stream (a filter chain may repeat FlateDecode)."""


class OverBudget(Unreadable):
    """A file would need more memory to decode than extraction allows; the message says why."""


def check_pdf_streams(path: Path, most: int) -> None:
    """Raise `OverBudget` if a deflated stream of the PDF inflates to more than `most` bytes."""
    data = path.read_bytes()
    for start in _STREAM_START.finditer(data):
        if _inflated_size(memoryview(data)[start.end() :], most) > most:
            raise OverBudget(
                f"the PDF holds a stream that inflates to more than {most / MIB:.0f} MiB "
                "(a decompression bomb, or far larger than a clinical document)"
            )


def check_pixels(width: int, height: int, most: int) -> None:
    """Raise `OverBudget` if a `width` x `height` picture has more than `most` pixels."""
    if width * height > most:
        raise OverBudget(
            f"the picture has {width} x {height} pixels ({width * height / 1e6:.1f} million); "
            f"at most {most / 1e6:.1f} million are read"
        )


def _inflated_size(data: memoryview, most: int) -> int:
    """How far the deflated bytes at the start of `data` inflate, counted up to just over `most`."""
    pieces: Iterator[bytes] = _inflate(data[i : i + _INPUT] for i in range(0, len(data), _INPUT))
    for _ in range(_NESTING - 1):
        first = next(pieces, b"")
        pieces = chain([first], pieces)
        if not first.startswith(_ZLIB_HEADER):
            break
        pieces = _inflate(pieces)
    total = 0
    for piece in pieces:
        total += len(piece)
        if total > most:
            break
    return total


def _inflate(chunks: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    """Inflate a zlib stream piece by piece (at most 1 MiB at a time), stopping at its end.

    Bytes that are not deflated (another filter, or no stream at all) yield nothing.
    """
    inflater = zlib.decompressobj()
    try:
        for chunk in chunks:
            pending = bytes(chunk)
            while pending and not inflater.eof:
                yield inflater.decompress(pending, _OUTPUT)
                pending = inflater.unconsumed_tail
            if inflater.eof:
                return
    except zlib.error:
        return

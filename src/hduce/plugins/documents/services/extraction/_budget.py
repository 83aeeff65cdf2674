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
# `stream` then an end of line (CR LF, LF, or the lone CR PDFium takes too) opens a PDF
# stream's bytes; `endstream` does not.
_STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\r|\n)")
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
        if not _is_zlib_header(first[:2]):
            break
        pieces = _inflate(pieces)
    total = 0
    for piece in pieces:
        total += len(piece)
        if total > most:
            break
    return total


def _is_zlib_header(header: bytes) -> bool:
    """Whether `header` opens a zlib stream (RFC 1950): deflate, any window, a valid check."""
    return (
        len(header) == 2
        and header[0] & 0x0F == 8
        and header[0] >> 4 <= 7
        and int.from_bytes(header, "big") % 31 == 0
    )


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

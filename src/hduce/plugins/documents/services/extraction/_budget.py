"""Budgets checked before decoding: how far PDF streams inflate, how many pixels a picture has."""

import base64
import contextlib
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from pathlib import Path

from hduce.plugins.documents.services.extraction._lzw import Lzw
from hduce.plugins.documents.services.extraction._unreadable import Unreadable

MIB = 1024 * 1024
_INPUT = 64 * 1024
_OUTPUT = MIB
_HEAD = 256
"""Bytes of a layer looked at to tell how it is encoded."""
_LAYERS = 16
"""Encodings followed inside one stream (a filter chain may repeat FlateDecode)."""
_KEYWORD = re.compile(rb"(?<!end)stream")
_LINE_END = re.compile(rb"\r\n|\r|\n")
_BLANKS = b" \t\r\n\f\0"
Decoder = Callable[[Iterable[bytes]], Iterator[bytes]]


class OverBudget(Unreadable):
    """A file would need more memory to decode than extraction allows; the message says why."""


def check_pdf_streams(path: Path, most: int) -> None:
    """Raise `OverBudget` if a deflated stream of the PDF inflates to more than `most` bytes."""
    data = path.read_bytes()
    for start in _stream_starts(data):
        if _decoded_size(memoryview(data)[start:], most) > most:
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


def _stream_starts(data: bytes) -> Iterator[int]:
    """Where streams' bytes begin: after the line end that follows a `stream` keyword.

    PDFium skips whatever else is on the keyword's line (blanks, say). One search per line end,
    so a file of keywords without line ends is read once.
    """
    line_end: re.Match[bytes] | None = None
    for keyword in _KEYWORD.finditer(data):
        if line_end is None or line_end.start() < keyword.end():
            line_end = _LINE_END.search(data, keyword.end())
            if line_end is None:
                return
            yield line_end.end()


def _decoded_size(data: memoryview, most: int) -> int:
    """How far the encoded bytes at the start of `data` decode, counted up to just over `most`.

    Each layer (deflated, ASCII hex, ASCII85 or LZW, in any order) is recognised by its first
    bytes; bytes of no known encoding count nothing. LZW codes that turn invalid part-way may
    have been written with `/EarlyChange 0`: they are counted again so.
    """
    lzw = Lzw(early=1)
    size = _layers_size(data, most, lzw)
    if lzw.broken:
        size = max(size, _layers_size(data, most, Lzw(early=0)))
    return size


def _layers_size(data: memoryview, most: int, lzw: Lzw) -> int:
    pieces: Iterator[bytes] = (bytes(data[i : i + _INPUT]) for i in range(0, len(data), _INPUT))
    decoded = False
    for _ in range(_LAYERS):
        head, pieces = _head(pieces)
        decoder = _decoder(head, lzw)
        if decoder is None:
            break
        pieces, decoded = decoder(pieces), True
    else:
        raise OverBudget(f"the PDF holds a stream encoded more than {_LAYERS} times over")
    total = 0
    for piece in pieces if decoded else ():
        total += len(piece)
        if total > most:
            break
    return total


def _head(pieces: Iterator[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """The first `_HEAD` bytes of `pieces` (fewer if they end), and all of them again."""
    taken: list[bytes] = []
    size = 0
    while size < _HEAD and (piece := next(pieces, None)) is not None:
        taken.append(piece)
        size += len(piece)
    return b"".join(taken)[:_HEAD], chain(taken, pieces)


def _decoder(head: bytes, lzw: Lzw) -> Decoder | None:
    """The decoder of a layer opening with `head`: deflated, text encoding a known layer, LZW."""
    if _is_zlib_header(head[:2]):
        return _inflate
    for decoder in (_unhex, _un85):
        inner = b"".join(decoder([head]))
        if len(inner) >= 2 and _decoder(inner, lzw) is not None:
            return decoder
    return lzw.decode if lzw.opens(head) else None


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


def _unhex(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Decode ASCII hex text piece by piece up to its `>`; blanks are skipped."""
    odd = b""
    for chunk in chunks:
        text, end, _ = chunk.partition(b">")
        digits = odd + text.translate(None, _BLANKS)
        cut = len(digits) - len(digits) % 2
        try:
            yield bytes.fromhex(digits[:cut].decode("ascii"))
        except ValueError:
            return
        odd = digits[cut:]
        if end:
            break
    if odd:
        with contextlib.suppress(ValueError):
            yield bytes.fromhex((odd + b"0").decode("ascii"))


def _un85(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Decode ASCII85 text piece by piece up to its `~>`; blanks are skipped."""
    rest = b""
    for chunk in chunks:
        end = chunk.find(b"~")
        text = chunk if end < 0 else chunk[:end]
        groups = rest + text.translate(None, _BLANKS).replace(b"z", b"!!!!!")
        cut = len(groups) - len(groups) % 5
        try:
            yield base64.a85decode(groups[:cut])
        except ValueError:
            return
        rest = groups[cut:]
        if len(text) < len(chunk):
            break
    if rest:
        with contextlib.suppress(ValueError):
            yield base64.a85decode(rest)

"""PDF's LZW (`/LZWDecode`) decoded piece by piece, for the stream budget (`_budget`).

LZW has no header: a layer is taken for LZW when its first codes open with a clear-table code
(as writers start) or refer to the table (as compression does; bytes that are all literal
codes, like a run of zeros, are not taken), and its first bytes decode without an invalid code.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_CLEAR, _END = 256, 257
_FULL = 4096
_OUTPUT = 1024 * 1024
_OPENING = 200
"""First codes looked at: all 9 bits wide (the table holds fewer than 511 entries by then)."""
_FRESH = [bytes([byte]) for byte in range(256)] + [b"", b""]


class _Invalid(Exception):
    """A code the table does not hold yet: not LZW, damaged, or read at the wrong width."""


@dataclass
class Lzw:
    """The LZW layers of one stream, read with one `early` change (1, PDF's default, or 0).

    `broken` once a layer met an invalid code: codes written with the other early change widen
    one code earlier or later, so they are read wrong from there on.
    """

    early: int
    broken: bool = False

    def opens(self, head: bytes) -> bool:
        """Whether a layer opening with `head` is LZW."""
        if not _opens_like_lzw(head):
            return False
        try:
            for _ in _decoded([head], self.early):
                pass
        except _Invalid:
            return False
        return True

    def decode(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Decode piece by piece (about 1 MiB at a time) up to the end or an invalid code."""
        try:
            yield from _decoded(chunks, self.early)
        except _Invalid:
            self.broken = True


def _opens_like_lzw(head: bytes) -> bool:
    count = min(len(head) * 8 // 9, _OPENING)
    value = int.from_bytes(head, "big") >> (len(head) * 8 - 9 * count)
    codes = [(value >> (9 * (count - 1 - i))) & 0x1FF for i in range(count)]
    return bool(codes) and (codes[0] == _CLEAR or any(code > _END for code in codes))


def _decoded(chunks: Iterable[bytes], early: int) -> Iterator[bytes]:
    table = _FRESH.copy()
    previous = b""
    width, value, bits = 9, 0, 0
    out = bytearray()
    for chunk in chunks:
        for byte in chunk:
            value, bits = (value << 8) | byte, bits + 8
            if bits < width:
                continue
            bits -= width
            code, value = value >> bits, value & ((1 << bits) - 1)
            if code == _CLEAR:
                table, previous, width = _FRESH.copy(), b"", 9
                continue
            if code == _END:
                yield bytes(out)
                return
            if code < len(table):
                entry = table[code]
            elif code == len(table) and previous:
                entry = previous + previous[:1]
            else:
                raise _Invalid
            if previous and len(table) < _FULL:
                table.append(previous + entry[:1])
                size = len(table) + early
                width = 9 + (size >= 512) + (size >= 1024) + (size >= 2048)
            previous = entry
            out += entry
            if len(out) >= _OUTPUT:
                yield bytes(out)
                out.clear()
    yield bytes(out)

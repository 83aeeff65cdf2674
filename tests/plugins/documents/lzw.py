"""PDF's LZW encoding (`/LZWDecode`, 9 to 12 bit codes, early change), for test files."""

from collections.abc import Iterable

CLEAR, END = 256, 257
FIRST_FREE, FULL = 258, 4096


def lzw_encode(data: bytes) -> bytes:
    """`data` LZW-encoded as PDF writers do (a clear code first, and whenever the table fills)."""
    codes = [CLEAR]
    table = {bytes([byte]): byte for byte in range(256)}
    word = b""
    for byte in data:
        longer = word + bytes([byte])
        if longer in table:
            word = longer
            continue
        codes.append(table[word])
        table[longer] = FIRST_FREE + len(table) - 256
        word = bytes([byte])
        if FIRST_FREE + len(table) - 256 == FULL:
            codes.append(CLEAR)
            table = {bytes([byte]): byte for byte in range(256)}
    if word:
        codes.append(table[word])
    return _packed([*codes, END])


def lzw_repeat(byte: int, count: int, early: int = 1) -> bytes:
    """`count` times `byte`, LZW-encoded: each code one byte longer than the one before (the
    ratio of a decompression bomb, about 1,300 to 1); `early`: 0 for `/EarlyChange 0`."""
    codes: list[int] = []
    while count:
        codes += [CLEAR, byte]
        count -= 1
        code, length = FIRST_FREE, 2
        while count >= length and code < FULL:
            codes.append(code)
            count -= length
            code, length = code + 1, length + 1
        if 0 < count < length:  # what is left is as long as a code already in the table
            codes.append(byte if count == 1 else FIRST_FREE + count - 2)
            count = 0
    return _packed([*codes, END], early)


def _packed(codes: Iterable[int], early: int = 1) -> bytes:
    """Codes packed most significant bit first, each as wide as the decoder's table asks."""
    bits = width = 0
    value = 0
    size, first = FIRST_FREE, True
    out = bytearray()
    for code in codes:
        width = 9 + (size + early >= 512) + (size + early >= 1024) + (size + early >= 2048)
        value, bits = (value << width) | code, bits + width
        while bits >= 8:
            bits -= 8
            out.append((value >> bits) & 0xFF)
        value &= (1 << bits) - 1
        if code == CLEAR:
            size, first = FIRST_FREE, True
        elif not first and size < FULL:
            size += 1
        else:
            first = False
    if bits:
        out.append((value << (8 - bits)) & 0xFF)
    return bytes(out)

"""The start of an HTTP answer's body for an error message, read and inflated only so far."""

import asyncio
import re
import zlib
from collections.abc import Callable

import httpx

DECODED = "gzip, deflate"
"""The `Accept-Encoding` of a client whose answers `body_start` decodes (it decodes no other)."""
_UNPRINTABLE = re.compile(r"[\x00-\x20\x7f-\x9f]+")

Inflate = Callable[[bytes, int], bytes]
"""Decode the next raw bytes, giving at most the second argument's count of decoded ones."""


def _inflater(encoding: str, *, decode: bool) -> Inflate | None:
    """How to decode a body sent with `encoding` (None: not at all)."""
    if encoding in ("", "identity"):
        return lambda data, room: data[:room]
    wbits = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
    if not decode or encoding not in wbits:
        return None
    inflater = zlib.decompressobj(wbits[encoding])
    return inflater.decompress  # its `max_length` keeps the rest in `unconsumed_tail`, unread


async def body_start(
    response: httpx.Response, limit: int, *, decode: bool = True, within: float | None = None
) -> bytes | None:
    """The body's first `limit` bytes, decoded (gzip, deflate) only as far as that.

    A small compressed body inflating to gigabytes is never inflated past `limit`; the rest of
    the body is left unread (the connection is then closed, not reused). None when the body is
    encoded otherwise, or at all if not `decode`: it is not read. With `within` (seconds), a
    body slower than that, or breaking off, gives what came of it instead of an error.
    """
    inflate = _inflater(response.headers.get("Content-Encoding", "").strip().lower(), decode=decode)
    if inflate is None:
        return None
    start = bytearray()
    try:
        async with asyncio.timeout(within):
            async for chunk in response.aiter_raw():
                start += inflate(chunk, limit - len(start))
                if len(start) >= limit:
                    break
    except zlib.error:
        pass  # a broken encoding: what was decoded before it
    except (TimeoutError, httpx.HTTPError):
        if within is None:
            raise
    return bytes(start)


def one_line(start: bytes, charset: str = "utf-8") -> str:
    """`start` as text on one line: control characters (NUL too) and runs of spaces as a space."""
    text = start.decode(charset, errors="replace")
    return " ".join(_UNPRINTABLE.sub(" ", text).split())


def encoded_note(response: httpx.Response) -> str:
    """` (a <encoding>-encoded body, not read)`, for an answer `body_start` did not read."""
    return f" (a {response.headers.get('Content-Encoding', '').strip()}-encoded body, not read)"

"""A minimal HTTP/1.1 keep-alive client on asyncio streams: cheap enough not to be the limit.

httpx spends more CPU per request than a bare uvicorn app does, so on a small machine it would cap
both servers at the same rate and hide their difference; throughput phases use this instead.
Races build their requests first (`encode`), then `write` them all at once and read the answers.
"""

import asyncio


class KeepAliveClient:
    """One persistent connection sending requests one after another."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, headers: dict[str, str]) -> int:
        """Send one GET, read the whole response, return its status code."""
        await self.connect()
        self.write(self.encode("GET", path, headers))
        return await self.response()

    async def post(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        """Send one POST with `body`, read the whole response; its status code and body."""
        await self.connect()
        self.write(self.encode("POST", path, headers, body))
        return await self.answer()

    async def connect(self) -> None:
        """Open the connection unless it is open."""
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)

    def encode(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
        """The bytes of one request."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host}:{self._port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def write(self, request: bytes) -> None:
        """Send an encoded request on the open connection (buffered; no await)."""
        assert self._writer is not None
        self._writer.write(request)

    async def response(self) -> int:
        """Read one whole response; its status code."""
        return (await self.answer())[0]

    async def answer(self) -> tuple[int, bytes]:
        """Read one whole response; its status code and body."""
        assert self._reader is not None
        status = int((await self._reader.readline()).split()[1])
        length, chunked, close = 0, False, False
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value
            elif name == "connection":
                close = value == "close"
        body = await self._read_chunks() if chunked else await self._reader.readexactly(length)
        if close:
            await self.close()
        return status, body

    async def _read_chunks(self) -> bytes:
        assert self._reader is not None
        body = b""
        while size := int((await self._reader.readline()).split(b";")[0], 16):
            body += (await self._reader.readexactly(size + 2))[:-2]
        await self._reader.readline()
        return body

    async def close(self) -> None:
        """Close the connection (a later `get` reconnects)."""
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()
            self._writer = None

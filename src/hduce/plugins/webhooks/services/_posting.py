"""One delivery attempt over HTTP: resolve, POST to a checked address, look at the status only."""

import asyncio
import time

import asyncpg
import httpx

from hduce import __version__
from hduce.core.http_replies import body_start, encoded_note, one_line
from hduce.plugins.webhooks.config import WebhooksConfig
from hduce.plugins.webhooks.services._addresses import IPAddress, NotPublic, checked_addresses
from hduce.plugins.webhooks.services._signing import SIGNATURE_HEADER, signature

ERROR_BODY_BYTES = 2048
"""How much of a non-2xx answer's body is read, for `last_error`; the rest is never read."""
ERROR_TEXT_LIMIT = ERROR_BODY_BYTES + 64
"""The longest `last_error`: room for the status before those 2 KB of the body."""
EXCERPT_SECONDS = 1.0
"""How long that read may take."""


class AttemptFailed(Exception):
    """The receiver did not answer 2xx (or could not be reached)."""

    def __init__(self, message: str, response_code: int | None = None) -> None:
        super().__init__(message[:ERROR_TEXT_LIMIT])
        self.response_code = response_code


class Poster:
    """POSTs signed deliveries, each attempt bounded by `timeout` from resolving to the status."""

    def __init__(self, config: WebhooksConfig, *, public_only: bool) -> None:
        """`public_only` (production): connect only to globally routable addresses."""
        self._config = config
        self._public_only = public_only
        # Redirects are not followed: the registered URL is the only one an admin approved.
        # Each POST goes to the address just resolved and checked, so a connection is not kept:
        # one to a shared address (a CDN's) would otherwise carry another host's deliveries.
        self._client = httpx.AsyncClient(
            timeout=float(config.timeout),
            follow_redirects=False,
            headers={"User-Agent": f"HDuce-Webhooks/{__version__}", "Accept-Encoding": "identity"},
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    async def attempt(self, row: asyncpg.Record) -> int:
        """POST the delivery of `row`; its 2xx status, else `AttemptFailed`.

        `timeout` bounds it all (httpx's own timeout is per read: a receiver trickling its
        answer would hold the attempt for as long as it liked).
        """
        try:
            url = httpx.URL(row["url"])
        except httpx.InvalidURL as exc:
            raise AttemptFailed(f"invalid URL: {exc}") from exc
        addresses: list[IPAddress] = []
        try:
            async with asyncio.timeout(float(self._config.timeout)):
                addresses = await self._addresses(url)
                return await self._post_to_any(url, addresses, row)
        except (TimeoutError, httpx.TimeoutException):
            what = "no answer" if addresses else f"cannot resolve {_ascii_host(url)}:"
            raise AttemptFailed(f"{what} within {self._config.timeout}") from None
        except httpx.HTTPError as exc:
            raise AttemptFailed(f"{type(exc).__name__}: {exc}") from exc

    async def _post_to_any(
        self, url: httpx.URL, addresses: list[IPAddress], row: asyncpg.Record
    ) -> int:
        """POST to the first of `addresses` that takes the connection.

        TLS names and checks `url`'s host (SNI, certificate), as the Host header does.
        """
        body = row["body"].encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(row["secrets"], int(time.time()), body),
            "HDuce-Event": row["event_name"],
            "HDuce-Event-Id": str(row["event_id"]),
            "HDuce-Delivery": str(row["id"]),
            "Host": url.netloc.decode("ascii"),
        }
        sni = {"sni_hostname": _ascii_host(url)} if url.scheme == "https" else {}

        async def post(address: IPAddress) -> int:
            target = url.copy_with(host=str(address))
            request = self._client.build_request(
                "POST", target, content=body, headers=headers, extensions=sni
            )
            response = await self._client.send(request, stream=True)
            try:
                if response.is_success:
                    return response.status_code
                excerpt = await _excerpt(response)
            finally:
                await response.aclose()
            raise AttemptFailed(f"HTTP {response.status_code}{excerpt}", response.status_code)

        for address in addresses[:-1]:
            try:
                return await post(address)
            except httpx.ConnectError:
                continue  # nothing was sent: the next address may answer
        return await post(addresses[-1])

    async def _addresses(self, url: httpx.URL) -> list[IPAddress]:
        """The addresses to try for `url`'s host, checked when only public ones may be used."""
        host, port = _ascii_host(url), url.port or (443 if url.scheme == "https" else 80)
        try:
            return await checked_addresses(host, port, public_only=self._public_only)
        except NotPublic as exc:
            raise AttemptFailed(f"refused: {exc}") from exc
        except (OSError, ValueError) as exc:  # a UnicodeError: a label IDNA refuses
            raise AttemptFailed(f"cannot resolve {host}: {exc}") from exc


async def _excerpt(response: httpx.Response) -> str:
    """`: <the start of the body>`, at most `ERROR_BODY_BYTES` of it, or "" if it is empty.

    A slow or broken body gives what came of it; a compressed one (sent although the request
    asked for `identity`) is not read at all.
    """
    taken = await body_start(response, ERROR_BODY_BYTES, decode=False, within=EXCERPT_SECONDS)
    if taken is None:
        return encoded_note(response)
    text = one_line(taken)
    return f": {text}" if text else ""


def _ascii_host(url: httpx.URL) -> str:
    """The URL's host as DNS and TLS see it (an international name in its IDNA form)."""
    return url.raw_host.decode("ascii")

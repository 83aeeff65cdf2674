"""Where a webhook may be sent: in production, only to globally routable addresses.

The check runs on the addresses a name resolves to, not on the URL's text: `2130706433`,
`127.1` or a name in the sender's DNS all reach loopback or the clinic's network. At delivery
the sender connects to the very address it checked, so a name that resolves differently a
moment later (DNS rebinding) gains nothing.
"""

import asyncio
import ipaddress
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class NotPublic(Exception):
    """The host is, or resolves to, an address that is not globally routable."""


def is_local_name(host: str) -> bool:
    """`localhost` and names under it (RFC 6761), with or without the root's trailing dot."""
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


async def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses `host` resolves to for TCP, in the resolver's order, each once."""
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = (ipaddress.ip_address(entry[4][0].split("%", 1)[0]) for entry in found)
    return list(dict.fromkeys(addresses))


def check_public(host: str, addresses: list[IPAddress]) -> None:
    """Raise `NotPublic` unless every address of `host` is globally routable."""
    inside = [str(address) for address in addresses if not address.is_global]
    if is_local_name(host) or inside:
        shown = f" resolves to {', '.join(inside)}," if inside else ""
        raise NotPublic(f"{host}{shown} not a public address")


async def checked_addresses(
    host: str, port: int, *, public_only: bool, seconds: float
) -> list[IPAddress]:
    """`host`'s addresses, resolved within `seconds`.

    With `public_only`, `NotPublic` when any of them is inside; a failed resolution raises
    `OSError` or `TimeoutError`.
    """
    async with asyncio.timeout(seconds):
        addresses = await resolve(host, port)
    if public_only:
        check_public(host, addresses)
    return addresses

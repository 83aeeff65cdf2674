"""Where a webhook may be sent: in production, only to globally routable addresses.

The check runs on the addresses a name resolves to, not on the URL's text: `2130706433`,
`127.1` or a name in the sender's DNS all reach loopback or the clinic's network. At delivery
the sender connects to the very address it checked, so a name that resolves differently a
moment later (DNS rebinding) gains nothing. An IPv6 address that carries an IPv4 one (NAT64's
`64:ff9b::/96`, 6to4's `2002::/16`) is judged by the IPv4 address it reaches.
"""

import asyncio
import ipaddress
import re
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
"""The well-known NAT64 prefix (RFC 6052): its last 32 bits are the IPv4 address reached."""
NOT_GLOBAL_V6 = (ipaddress.IPv6Network("fec0::/10"), ipaddress.IPv6Network("3fff::/20"))
"""Site-local (RFC 3879) and documentation (RFC 9637) space, which `is_global` lets pass."""
MAX_LABEL = 63
NOT_IN_NAMES = re.compile(r"[^A-Za-z0-9_-]")
"""Characters no label of a name that resolves holds (`_` does occur, in some internal names)."""
PUNYCODE_PREFIX = "xn--"


class NotPublic(Exception):
    """The host is, or resolves to, an address that is not globally routable."""


def is_local_name(host: str) -> bool:
    """`localhost` and names under it (RFC 6761), with or without the root's trailing dot."""
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def host_problem(host: str) -> str | None:
    """Why `host` (a URL's host in its ASCII form) can never resolve or be named in TLS, or None.

    An empty or long label, a character no host name holds (a space or other escape: `%20`),
    or an `xn--` label that is not punycode.
    """
    if ":" in host:
        return None  # an IPv6 address
    labels = host.removesuffix(".").split(".")
    if "" in labels:
        return f"{host} has an empty label"
    if any(len(label) > MAX_LABEL for label in labels):
        return f"{host} has a label longer than {MAX_LABEL} characters"
    odd = NOT_IN_NAMES.search(host.replace(".", ""))
    if odd is not None:
        return f"{odd.group()!r} cannot be in a host name ({host}): letters, digits, - and _ only"
    for label in labels:
        if label.lower().startswith(PUNYCODE_PREFIX) and not _punycode(label):
            return f"{label} is not valid punycode ({host})"
    return None


def _punycode(label: str) -> bool:
    """Whether an `xn--` label decodes."""
    try:
        label[len(PUNYCODE_PREFIX) :].encode("ascii").decode("punycode")
    except UnicodeError:
        return False
    return True


async def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses `host` resolves to for TCP, in the resolver's order, each once."""
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = (ipaddress.ip_address(entry[4][0].split("%", 1)[0]) for entry in found)
    return list(dict.fromkeys(addresses))


def check_public(host: str, addresses: list[IPAddress]) -> None:
    """Raise `NotPublic` unless every address of `host` is globally routable."""
    inside = [shown for address in addresses if (shown := _inside(address))]
    if is_local_name(host) or inside:
        shown = f" resolves to {', '.join(inside)}," if inside else ""
        raise NotPublic(f"{host}{shown} not a public address")


def _inside(address: IPAddress) -> str | None:
    """How `address` reaches inside (itself, or the IPv4 address it carries); None if public."""
    carried = _carried_ipv4(address)
    if carried is not None:
        return None if _routable(carried) else f"{address} ({carried})"
    return None if _routable(address) else str(address)


def _carried_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return address.sixtofour


def _routable(address: IPAddress) -> bool:
    """Globally routable unicast (`is_global` alone takes multicast and 240.0.0.0/4 in)."""
    odd = address.is_multicast or address.is_reserved or address.is_unspecified
    return address.is_global and not odd and not any(address in net for net in NOT_GLOBAL_V6)


async def checked_addresses(host: str, port: int, *, public_only: bool) -> list[IPAddress]:
    """`host`'s addresses; with `public_only`, `NotPublic` when any of them is inside.

    A failed resolution raises `OSError` (or `UnicodeError` for a name IDNA refuses); the
    caller bounds the wait.
    """
    addresses = await resolve(host, port)
    if public_only:
        check_public(host, addresses)
    return addresses

"""Where the server listens and where people reach it: `server.public_url` and loopback checks."""

import ipaddress

WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})


def is_local(host: str | None) -> bool:
    """Whether `host` is this machine (a name or a loopback address)."""
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listening_url(host: str, port: int) -> str:
    """The URL of a server on `host:port`; a wildcard host is reached here through loopback."""
    host = "127.0.0.1" if host in WILDCARD_HOSTS else host
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"

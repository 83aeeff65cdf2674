"""Render settings for display with every secret masked."""

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import msgspec

from hduce.core.config.durations import Duration
from hduce.core.config.settings import Settings

MASK = "********"
_SECRET_NAME = re.compile(
    r"(secret|password|passwd|api_?key|credentials?|auth_header|(^|_)token)$", re.I
)


def mask_url(url: str) -> str:
    """Hide the password of a URL such as `postgresql://user:pw@host/db`."""
    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", f":{MASK}@", 1))
    query = parse_qsl(parts.query)
    if any(_SECRET_NAME.search(k) for k, _ in query):
        masked = [(k, MASK if _SECRET_NAME.search(k) else v) for k, v in query]
        parts = parts._replace(query=urlencode(masked, safe="*/"))
    return urlunsplit(parts)


def masked_settings(settings: Settings) -> dict[str, Any]:
    """Return the settings as plain data with secrets and URL passwords masked."""
    return _mask(msgspec.to_builtins(settings, enc_hook=_encode))


def _mask(node: Any, key: str = "") -> Any:
    if isinstance(node, dict):
        return {k: _mask(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_mask(v, key) for v in node]
    if isinstance(node, str) and node:
        if _SECRET_NAME.search(key):
            return MASK
        if "://" in node:
            return mask_url(node)
    return node


def _encode(value: Any) -> Any:
    if isinstance(value, Duration):
        return str(value)
    # msgspec's hook protocol: NotImplementedError means "not a type this hook converts",
    # which msgspec reports as an unsupported type.
    raise NotImplementedError(type(value))

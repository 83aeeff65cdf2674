"""Render settings for display with every secret masked."""

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import msgspec

from hduce.core.config.durations import Duration
from hduce.core.config.settings import Settings
from hduce.core.config.sources import SECRET_KEYS

MASK = "********"
_SECRET_NAME = re.compile(
    r"(secrets?|passwords?|passwd|api_?keys?|credentials?|auth_headers?|(^|_)tokens?)$", re.I
)
"""Keys named as secrets (plural: lists of them), e.g. in an extra plugin's section."""
_SECRET_PARAMETER = re.compile(r"^(key|sig|signature|code|pass|pwd|auth)$", re.I)
"""Query parameters that carry a secret though not named like one (`?key=` of an SMS API)."""


def mask_url(url: str) -> str:
    """Hide the password of a URL such as `postgresql://user:pw@host/db`."""
    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", f":{MASK}@", 1))
    query = parse_qsl(parts.query)
    if any(_secret_parameter(k) for k, _ in query):
        masked = [(k, MASK if _secret_parameter(k) else v) for k, v in query]
        parts = parts._replace(query=urlencode(masked, safe="*/"))
    return urlunsplit(parts)


def _secret_parameter(name: str) -> bool:
    return bool(_SECRET_NAME.search(name) or _SECRET_PARAMETER.match(name))


def masked_settings(settings: Settings) -> dict[str, Any]:
    """Return the settings as plain data with secrets and URL passwords masked.

    A secret is a key `SECRET_KEYS` declares or one named like a secret; in a list, each item.
    """
    return _mask(msgspec.to_builtins(settings, enc_hook=_encode))


def _mask(node: Any, path: tuple[str, ...] = ()) -> Any:
    if isinstance(node, dict):
        return {k: _mask(v, (*path, k)) for k, v in node.items()}
    if isinstance(node, list | tuple):  # to_builtins keeps tuples (jwt_previous_secrets)
        return [_mask(v, path) for v in node]
    if isinstance(node, str) and node:
        if "://" in node and not _named_secret(path):
            return mask_url(node)  # a declared secret URL (SMTP_URL) keeps its host readable
        if _named_secret(path) or _declared_secret(path):
            return MASK
    return node


def _named_secret(path: tuple[str, ...]) -> bool:
    return bool(path) and _SECRET_NAME.search(path[-1]) is not None


def _declared_secret(path: tuple[str, ...]) -> bool:
    """Whether `path` is in `SECRET_KEYS` (which names plugin keys without `sections`)."""
    if path[:2] == ("plugins", "sections"):
        path = ("plugins", *path[2:])
    return path in SECRET_KEYS


def _encode(value: Any) -> Any:
    if isinstance(value, Duration):
        return str(value)
    # msgspec's hook protocol: NotImplementedError means "not a type this hook converts",
    # which msgspec reports as an unsupported type.
    raise NotImplementedError(type(value))

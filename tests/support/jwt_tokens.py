"""Hand-made access tokens, for the forgery cases of the token tests."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from hduce.core.security import key_id


def signed_token(
    claims: dict[str, Any],
    *,
    key: str,
    secret: str | None = None,
    algorithm: str = "HS256",
    headers: dict[str, Any] | None = None,
) -> str:
    """A token valid for `key` (its `kid`, and its signature unless `secret` says otherwise).

    `claims` and `headers` go on top of valid defaults; a claim set to None stays None.
    """
    now = datetime.now(UTC)
    body = {
        "sub": str(uuid.uuid4()),
        "roles": ["admin"],
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": uuid.uuid4().hex,
        "iss": "hduce",
        "aud": "hduce-api",
        **claims,
    }
    header = {"kid": key_id(key), **(headers or {})}
    return jwt.encode(body, secret or key, algorithm=algorithm, headers=header)

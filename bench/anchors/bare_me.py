"""The bare anchor of `/users/me`: an ASGI app doing what `GET /users/me` does, no framework.

Verifies the bearer JWT with PyJWT (same secret, algorithm, issuer and audience) once and then
answers it from a bounded cache until its `exp`, as HDuce does (the matched anchor), and reads the
caller's account and profile in one query by primary key through an asyncpg pool of the same size.
Configured from `BENCH_*` environment variables; run with `uvicorn bare_me:app --app-dir
bench/anchors`.
"""

import time
import uuid
from typing import Any

import msgspec
from _reads import ME_QUERY, bearer_claims, pool_lifespan

CACHE_SIZE = 4096
state: dict[str, Any] = {}
# token -> (account id, exp): a verified token is trusted until it expires.
verified: dict[str, tuple[uuid.UUID, float]] = {}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """One route, `GET /me`; lifespan opens and closes the pool."""
    if scope["type"] == "lifespan":
        await pool_lifespan(state, receive, send)
    elif scope["type"] == "http":
        status, body = await me(scope)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def me(scope: dict[str, Any]) -> tuple[int, bytes]:
    """401 without a valid token, 404 for an unknown account, else the account as JSON."""
    if scope["path"] != "/me":
        return 404, b'{"detail":"not found"}'
    account_id = cached_account(dict(scope["headers"]).get(b"authorization", b"").decode())
    if account_id is None:
        return 401, b'{"detail":"invalid token"}'
    row = await state["pool"].fetchrow(ME_QUERY, account_id)
    if row is None:
        return 404, b'{"detail":"not found"}'
    return 200, msgspec.json.encode(dict(row))


def cached_account(authorization: str) -> uuid.UUID | None:
    """The account of a valid bearer token: from the cache until `exp`, else verified."""
    hit = verified.get(authorization)
    if hit is not None and hit[1] > time.time():
        return hit[0]
    claims = bearer_claims(authorization)
    if claims is None:
        return None
    if len(verified) >= CACHE_SIZE:
        verified.clear()
    verified[authorization] = (claims.account_id, claims.expires)
    return claims.account_id

"""The baseline for `bench/auth.py`: a bare ASGI app doing what `GET /users/me` does, no framework.

Verifies the bearer JWT with PyJWT (same secret, algorithm, issuer and audience) once and then
answers it from a bounded cache until its `exp`, as HDuce does (the matched anchor), and reads the
caller's account and profile in one query by primary key through an asyncpg pool of the same size.
Configured from `BENCH_*` environment variables; run with `uvicorn _raw_me:app --app-dir bench`.
"""

import os
import time
import uuid
from typing import Any

import asyncpg
import jwt
import msgspec

ME_QUERY = """
SELECT a.id, a.email, a.username, a.roles, a.status, p.first_name, p.last_name, p.phone,
       p.date_of_birth, p.address, p.emergency_contact_name, p.emergency_contact_phone,
       p.specialty, p.institution, p.licence_number, p.timezone
FROM account a LEFT JOIN profile p ON p.account = a.id
WHERE a.id = $1
"""

CACHE_SIZE = 4096
state: dict[str, Any] = {}
# token -> (account id, exp): a verified token is trusted until it expires.
verified: dict[str, tuple[uuid.UUID, float]] = {}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """One route, `GET /me`; lifespan opens and closes the pool."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
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


async def lifespan(receive: Any, send: Any) -> None:
    """Open the pool at start-up, close it at shutdown."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            state["pool"] = await asyncpg.create_pool(
                os.environ["BENCH_DSN"],
                min_size=int(os.environ.get("BENCH_POOL_MIN", "2")),
                max_size=int(os.environ.get("BENCH_POOL_MAX", "10")),
            )
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await state["pool"].close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def me(scope: dict[str, Any]) -> tuple[int, bytes]:
    """401 without a valid token, 404 for an unknown account, else the account as JSON."""
    headers = dict(scope["headers"])
    scheme, _, token = headers.get(b"authorization", b"").decode().partition(" ")
    if scope["path"] != "/me" or scheme.lower() != "bearer":
        return 401, b'{"detail":"unauthorized"}'
    account_id = cached_account(token)
    if account_id is None:
        return 401, b'{"detail":"invalid token"}'
    row = await state["pool"].fetchrow(ME_QUERY, account_id)
    if row is None:
        return 404, b'{"detail":"not found"}'
    return 200, msgspec.json.encode(dict(row))


def cached_account(token: str) -> uuid.UUID | None:
    """The account of a valid token: from the cache until `exp`, else verified with PyJWT."""
    hit = verified.get(token)
    if hit is not None and hit[1] > time.time():
        return hit[0]
    try:
        claims = jwt.decode(
            token,
            os.environ["BENCH_JWT_SECRET"],
            algorithms=[os.environ.get("BENCH_JWT_ALGORITHM", "HS256")],
            audience=os.environ["BENCH_JWT_AUDIENCE"],
            issuer=os.environ["BENCH_JWT_ISSUER"],
        )
        account_id = uuid.UUID(claims["sub"])
    except (jwt.PyJWTError, KeyError, ValueError):
        return None
    if len(verified) >= CACHE_SIZE:
        verified.clear()
    verified[token] = (account_id, float(claims.get("exp", 0)))
    return account_id

"""What the anchors share: the bearer check and the two reads HDuce serves.

The JWT is verified with PyJWT on every request (same secret, algorithm, issuer and audience as
HDuce); `/users/me` reads account and profile by primary key, the page reads the caller's
appointments (20 by default) with their total in one statement, like HDuce. Configured from the
`BENCH_*` variables the benches set (`raw_env` in `bench/auth.py`).
"""

import os
import uuid
from typing import Any, NamedTuple

import asyncpg
import jwt

ME_QUERY = """
SELECT a.id, a.email, a.username, a.roles, a.status, p.first_name, p.last_name, p.phone,
       p.date_of_birth, p.address, p.emergency_contact_name, p.emergency_contact_phone,
       p.specialty, p.institution, p.licence_number, p.timezone
FROM account a LEFT JOIN profile p ON p.account = a.id
WHERE a.id = $1
"""
PAGE_QUERY = """
SELECT a.id, a.patient AS patient_id, a.practitioner AS practitioner_id,
       a.appointment_type AS type_id, t.name AS type_name, a.status, a.starts_at, a.ends_at,
       a.mode, a.reason, a.cancellation_reason, a.hold_until, a.created_at, a.updated_at,
       count(*) OVER () AS total
FROM appointment a JOIN appointment_type t ON t.id = a.appointment_type
WHERE (a.patient = $1 OR a.practitioner = $1)
ORDER BY a.starts_at, a.id LIMIT $2 OFFSET $3
"""


class Claims(NamedTuple):
    """What a verified token says: whose it is and until when (epoch seconds)."""

    account_id: uuid.UUID
    expires: float


def bearer_claims(authorization: str) -> Claims | None:
    """The claims of a valid `Bearer` token (PyJWT, HDuce's settings), else None."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        claims = jwt.decode(
            token,
            os.environ["BENCH_JWT_SECRET"],
            algorithms=[os.environ.get("BENCH_JWT_ALGORITHM", "HS256")],
            audience=os.environ["BENCH_JWT_AUDIENCE"],
            issuer=os.environ["BENCH_JWT_ISSUER"],
        )
        return Claims(uuid.UUID(claims["sub"]), float(claims.get("exp", 0)))
    except (jwt.PyJWTError, KeyError, ValueError):
        return None


def caller(authorization: str) -> uuid.UUID | None:
    """The account id of a valid `Bearer` token, else None."""
    claims = bearer_claims(authorization)
    return claims.account_id if claims else None


async def open_pool() -> asyncpg.Pool:
    """An asyncpg pool of HDuce's size on the bench database."""
    return await asyncpg.create_pool(
        os.environ["BENCH_DSN"],
        min_size=int(os.environ.get("BENCH_POOL_MIN", "2")),
        max_size=int(os.environ.get("BENCH_POOL_MAX", "10")),
    )


async def pool_lifespan(state: dict[str, Any], receive: Any, send: Any) -> None:
    """A bare app's ASGI lifespan: `state["pool"]` open from start-up to shutdown."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            state["pool"] = await open_pool()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await state["pool"].close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def page(pool: asyncpg.Pool, account_id: uuid.UUID, limit: int, offset: int) -> dict:
    """HDuce's page body: items, total, limit, offset."""
    records = await pool.fetch(PAGE_QUERY, account_id, limit, offset)
    items = [dict(record) for record in records]
    total = items[0].pop("total") if items else 0
    for item in items[1:]:
        del item["total"]
    return {"items": items, "total": total, "limit": limit, "offset": offset}

"""The Starlette+asyncpg anchor: `GET /api/v1/users/me` and `GET /api/v1/appointments`.

Run with `uvicorn starlette_app:app --app-dir bench/anchors` (see `_reads.py` for settings).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
from _reads import ME_QUERY, caller, open_pool, page
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

state: dict[str, Any] = {}
UNAUTHORIZED = Response(b'{"detail":"unauthorized"}', 401, media_type="application/json")


def answer(body: object) -> Response:
    """A JSON answer encoded by msgspec (as HDuce does)."""
    return Response(msgspec.json.encode(body), media_type="application/json")


async def me(request: Request) -> Response:
    """The caller's account and profile."""
    account_id = caller(request.headers.get("authorization", ""))
    if account_id is None:
        return UNAUTHORIZED
    row = await state["pool"].fetchrow(ME_QUERY, account_id)
    return answer(dict(row)) if row else Response(status_code=404)


async def appointments(request: Request) -> Response:
    """A page of the caller's appointments."""
    account_id = caller(request.headers.get("authorization", ""))
    if account_id is None:
        return UNAUTHORIZED
    limit = int(request.query_params.get("limit", "50"))
    offset = int(request.query_params.get("offset", "0"))
    return answer(await page(state["pool"], account_id, limit, offset))


@asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    """Open the pool for the app's life."""
    state["pool"] = await open_pool()
    try:
        yield
    finally:
        await state["pool"].close()


app = Starlette(
    routes=[Route("/api/v1/users/me", me), Route("/api/v1/appointments", appointments)],
    lifespan=lifespan,
)

"""The FastAPI+asyncpg anchor: `GET /api/v1/users/me` and `GET /api/v1/appointments`.

Written the usual FastAPI way (header and query parameters, a dependency for the caller).
Run with `uvicorn fastapi_app:app --app-dir bench/anchors` (see `_reads.py` for settings).
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from _reads import ME_QUERY, caller, open_pool, page
from fastapi import Depends, FastAPI, Header, HTTPException, Query

state: dict[str, Any] = {}


def account(authorization: Annotated[str, Header()] = "") -> uuid.UUID:
    """The caller, or 401."""
    account_id = caller(authorization)
    if account_id is None:
        raise HTTPException(401, "unauthorized")
    return account_id


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    """Open the pool for the app's life."""
    state["pool"] = await open_pool()
    try:
        yield
    finally:
        await state["pool"].close()


app = FastAPI(lifespan=lifespan, openapi_url=None)


@app.get("/api/v1/users/me")
async def me(account_id: Annotated[uuid.UUID, Depends(account)]) -> dict[str, Any]:
    """The caller's account and profile."""
    row = await state["pool"].fetchrow(ME_QUERY, account_id)
    if row is None:
        raise HTTPException(404, "not found")
    return dict(row)


@app.get("/api/v1/appointments")
async def appointments(
    account_id: Annotated[uuid.UUID, Depends(account)],
    limit: Annotated[int, Query(le=100)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """A page of the caller's appointments."""
    return await page(state["pool"], account_id, limit, offset)

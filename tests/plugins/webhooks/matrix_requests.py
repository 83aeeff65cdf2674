"""Requests of the authorization matrix for the webhook routes (administrators only)."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from httpx import Response

API = "/api/v1/webhooks"
ITEM = f"{API}/{{webhook_id}}"
BODY = {"url": "http://127.0.0.1:9/hook", "events": ["appointment.*"]}

Sender = Callable[[Any], Awaitable[Response]]


async def _webhook(cell: Any) -> uuid.UUID:
    """A webhook made directly in the database, so refusals cannot hide behind a 404."""
    webhook_id = uuid.uuid4()
    await cell.clinic.execute(
        "INSERT INTO webhook (id, url, events, secret, created_by) VALUES ($1, $2, $3, $4, $1)",
        webhook_id,
        BODY["url"],
        BODY["events"],
        "whsec_matrix",
    )
    return webhook_id


def on_webhook(method: str, suffix: str = "", body: object = None) -> Sender:
    """`method` on a fresh webhook's URL (plus `suffix`)."""

    async def send(cell: Any) -> Response:
        return await cell.call(method, f"{API}/{await _webhook(cell)}{suffix}", body)

    return send


async def create(cell: Any) -> Response:
    """Register a webhook."""
    return await cell.call("POST", API, BODY)


WEBHOOK_REQUESTS: dict[tuple[str, str], Sender] = {
    ("POST", API): create,
    ("GET", ITEM): on_webhook("GET"),
    ("PATCH", ITEM): on_webhook("PATCH", body={"description": "matrix"}),
    ("DELETE", ITEM): on_webhook("DELETE"),
    ("POST", f"{ITEM}/rotate-secret"): on_webhook("POST", "/rotate-secret"),
    ("GET", f"{ITEM}/deliveries"): on_webhook("GET", "/deliveries"),
}

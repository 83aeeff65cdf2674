"""Admin management of webhooks: register, list, change, remove, and read the delivery log."""

import asyncio
import uuid
from typing import Any

import httpx

from hduce.contracts.audit import AuditLog
from hduce.core.db import Database
from hduce.core.schemas import Page
from hduce.plugins.webhooks.errors import InvalidWebhook, WebhookNotFound
from hduce.plugins.webhooks.schemas import (
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryRead,
    WebhookList,
    WebhookRead,
    WebhookRotated,
    WebhookUpdate,
)
from hduce.plugins.webhooks.services._addresses import (
    NotPublic,
    checked_addresses,
    host_problem,
    is_local_name,
)
from hduce.plugins.webhooks.services._catalogue import EVENT_NAMES, unknown_patterns
from hduce.plugins.webhooks.services._signing import new_secret
from hduce.plugins.webhooks.store import WebhookStore

RESOLVE_SECONDS = 3.0
"""How long registering a webhook waits for its host's name to resolve."""
MAX_PORT = 65535


class WebhookService:
    """The `webhooks` service bundle behind the admin routes; every change is audited."""

    def __init__(
        self,
        db: Database,
        store: WebhookStore,
        audit: AuditLog,
        *,
        https_only: bool,
        rotation_grace: float,
    ) -> None:
        """`rotation_grace`: seconds the secret a rotation replaces still signs beside the new."""
        self._db = db
        self._store = store
        self._audit_log = audit
        self._https_only = https_only
        self._rotation_grace = rotation_grace

    async def create(
        self, data: WebhookCreate, *, by: uuid.UUID, ip: str | None = None
    ) -> WebhookCreated:
        """Register a webhook with a new signing secret (returned this once)."""
        await self._check_url(data.url)
        events = _checked_patterns(data.events)
        secret = new_secret()
        async with self._db.transaction():
            row = await self._store.insert(
                url=data.url, events=events, description=data.description, secret=secret, by=by
            )
            await self._audit("webhook.created", row["id"], by, ip, url=data.url, events=events)
        return WebhookCreated.from_row(row, secret=secret)

    async def list(self) -> WebhookList:
        """Every webhook and the event names one may subscribe to."""
        items = WebhookRead.from_rows(await self._store.all())
        return WebhookList(items=items, event_names=list(EVENT_NAMES))

    async def get(self, webhook_id: uuid.UUID) -> WebhookRead:
        """One webhook; 404 if unknown."""
        row = await self._store.get(webhook_id)
        if row is None:
            raise WebhookNotFound("no webhook with this id")
        return WebhookRead.from_row(row)

    async def update(
        self, webhook_id: uuid.UUID, data: WebhookUpdate, *, by: uuid.UUID, ip: str | None = None
    ) -> WebhookRead:
        """Change a webhook; re-enabling it clears its failure streak."""
        changes: dict[str, Any] = {}
        if data.url is not None:
            await self._check_url(data.url)
            changes["url"] = data.url
        if data.events is not None:
            changes["events"] = _checked_patterns(data.events)
        if data.description is not None:
            changes["description"] = data.description
        if data.active is not None:
            changes["active"] = data.active
            if data.active:
                changes.update(consecutive_failures=0, disabled_reason=None)
        if not changes:
            return await self.get(webhook_id)
        async with self._db.transaction():
            row = await self._store.update(webhook_id, changes)
            if row is None:
                raise WebhookNotFound("no webhook with this id")
            await self._audit("webhook.updated", webhook_id, by, ip, changed=sorted(changes))
        return WebhookRead.from_row(row)

    async def rotate_secret(
        self, webhook_id: uuid.UUID, *, by: uuid.UUID, ip: str | None = None
    ) -> WebhookRotated:
        """A new signing secret (returned this once); the old one signs beside it for the grace."""
        secret = new_secret()
        async with self._db.transaction():
            row = await self._store.rotate(webhook_id, secret, grace=self._rotation_grace)
            if row is None:
                raise WebhookNotFound("no webhook with this id")
            until = row["previous_secret_until"].isoformat()
            await self._audit("webhook.secret_rotated", webhook_id, by, ip, old_secret_until=until)
        return WebhookRotated.from_row(row, secret=secret)

    async def delete(self, webhook_id: uuid.UUID, *, by: uuid.UUID, ip: str | None = None) -> None:
        """Remove a webhook and its delivery log."""
        async with self._db.transaction():
            if not await self._store.delete(webhook_id):
                raise WebhookNotFound("no webhook with this id")
            await self._audit("webhook.deleted", webhook_id, by, ip)

    async def deliveries(
        self, webhook_id: uuid.UUID, *, status: str | None, limit: int, offset: int
    ) -> Page[WebhookDeliveryRead]:
        """A webhook's delivery log, newest first."""
        await self.get(webhook_id)
        return await self._store.deliveries(webhook_id, status=status, limit=limit, offset=offset)

    async def _audit(
        self, action: str, webhook_id: uuid.UUID, by: uuid.UUID, ip: str | None, **detail: Any
    ) -> None:
        await self._audit_log.record(
            action, actor_id=by, ip=ip, detail={"webhook_id": str(webhook_id), **detail}
        )

    async def _check_url(self, url: str) -> None:
        """422 unless `url` is one the sender can deliver to (in production, a public host).

        It is parsed as the sender parses it (httpx), and its host checked in the ASCII form
        the sender resolves and connects to.
        """
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise InvalidWebhook(f"`url` is not a valid URL ({exc}), got {url!r}") from None
        allowed = ("https",) if self._https_only else ("https", "http")
        if parsed.scheme not in allowed or not parsed.raw_host:
            need = "an https URL" if self._https_only else "an http(s) URL"
            raise InvalidWebhook(f"`url` must be {need} with a host, got {url!r}")
        if parsed.userinfo:
            raise InvalidWebhook("`url` must not carry credentials; verify the signature instead")
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        if not 0 < port <= MAX_PORT:
            raise InvalidWebhook(f"`url` has an invalid port, got {url!r}")
        host = parsed.raw_host.decode("ascii")
        problem = host_problem(host)
        if problem is not None:
            raise InvalidWebhook(f"`url` has an invalid host: {problem}")
        if self._https_only:
            # In production a webhook must not reach the clinic's own network or cloud metadata.
            await _check_public(host, port)


async def _check_public(host: str, port: int) -> None:
    """Refuse a host that is, or now resolves to, an address inside.

    One that does not resolve now is accepted: each delivery resolves and checks again.
    """
    try:
        async with asyncio.timeout(RESOLVE_SECONDS):
            await checked_addresses(host, port, public_only=True)
    except (OSError, TimeoutError):
        if is_local_name(host):
            raise InvalidWebhook(f"`url` must name a public host: {host} is local") from None
    except NotPublic as exc:
        raise InvalidWebhook(f"`url` must name a public host: {exc}") from None


def _checked_patterns(patterns: list[str]) -> list[str]:
    unknown = unknown_patterns(patterns)
    if unknown:
        raise InvalidWebhook(
            f"`events`: {', '.join(map(repr, unknown))} "
            f"{'matches' if len(unknown) == 1 else 'match'} no event; "
            f"known events: {', '.join(EVENT_NAMES)}"
        )
    return sorted(set(patterns))

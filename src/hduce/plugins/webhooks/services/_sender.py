"""The `webhooks.deliver` task body: POST one signed delivery, or schedule its retry."""

import logging
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from hduce import __version__
from hduce.contracts.audit import AuditLog
from hduce.core.events import EventMeta
from hduce.core.plugin_env import PluginEnv
from hduce.plugins.webhooks.config import WebhooksConfig
from hduce.plugins.webhooks.services._addresses import IPAddress, NotPublic, checked_addresses
from hduce.plugins.webhooks.services._signing import SIGNATURE_HEADER, signature
from hduce.plugins.webhooks.store import WebhookStore
from hduce.plugins.webhooks.tasks import WebhookDeliveryDue

logger = logging.getLogger("hduce.webhooks")

ERROR_TEXT_LIMIT = 500


class AttemptFailed(Exception):
    """The receiver did not answer 2xx (or could not be reached)."""

    def __init__(self, message: str, response_code: int | None = None) -> None:
        super().__init__(message)
        self.response_code = response_code


class WebhookSender:
    """Sends due deliveries; the delivery row stays locked while sending, so each is sent once."""

    def __init__(
        self,
        env: PluginEnv[WebhooksConfig],
        store: WebhookStore,
        audit: AuditLog,
        *,
        public_only: bool,
    ) -> None:
        """`public_only` (production): connect only to globally routable addresses."""
        self._db = env.db
        self._events = env.events
        self._store = store
        self._audit = audit
        self._config = config = env.config
        self._public_only = public_only
        # Redirects are not followed: the registered URL is the only one an admin approved.
        # Each POST goes to the address just resolved and checked, so a connection is not kept:
        # one to a shared address (a CDN's) would otherwise carry another host's deliveries.
        self._client = httpx.AsyncClient(
            timeout=float(config.timeout),
            follow_redirects=False,
            headers={"User-Agent": f"HDuce-Webhooks/{__version__}"},
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    async def handle(self, event: WebhookDeliveryDue, meta: EventMeta) -> None:
        """Task entry point for `webhook.delivery_due`."""
        await self.deliver(event.delivery_id)

    async def deliver(self, delivery_id: uuid.UUID) -> None:
        """Send the delivery if it is still pending; record the outcome in the same transaction."""
        async with self._db.transaction():
            row = await self._store.lock_due(delivery_id)
            if row is None:
                return
            attempts = row["attempts"] + 1
            if not row["active"]:
                await self._store.settle(
                    delivery_id,
                    status="skipped",
                    attempts=row["attempts"],
                    response_code=None,
                    error="the webhook is disabled",
                )
                return
            try:
                code = await self._post(row)
            except AttemptFailed as exc:
                await self._record_failure(row, attempts, exc)
                return
            await self._store.settle(
                delivery_id, status="delivered", attempts=attempts, response_code=code, error=None
            )
            await self._store.reset_failures(row["webhook"])

    async def _post(self, row: asyncpg.Record) -> int:
        body = row["body"].encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(row["secret"], int(time.time()), body),
            "HDuce-Event": row["event_name"],
            "HDuce-Event-Id": str(row["event_id"]),
            "HDuce-Delivery": str(row["id"]),
        }
        url = httpx.URL(row["url"])
        headers["Host"] = url.netloc.decode("ascii")
        addresses = await self._addresses(url)
        try:
            response = await self._post_to_any(url, addresses, body, headers)
        except httpx.HTTPError as exc:
            raise AttemptFailed(f"{type(exc).__name__}: {exc}"[:ERROR_TEXT_LIMIT]) from exc
        if not response.is_success:
            raise AttemptFailed(f"HTTP {response.status_code}", response.status_code)
        return response.status_code

    async def _post_to_any(
        self, url: httpx.URL, addresses: list[IPAddress], body: bytes, headers: dict[str, str]
    ) -> httpx.Response:
        """POST to the first of `addresses` that takes the connection.

        TLS names and checks `url`'s host (SNI, certificate), as the Host header does.
        """
        sni = {"sni_hostname": _ascii_host(url)} if url.scheme == "https" else {}

        async def post(address: IPAddress) -> httpx.Response:
            target = url.copy_with(host=str(address))
            return await self._client.post(target, content=body, headers=headers, extensions=sni)

        for address in addresses[:-1]:
            try:
                return await post(address)
            except httpx.ConnectError:
                continue  # nothing was sent: the next address may answer
        return await post(addresses[-1])

    async def _addresses(self, url: httpx.URL) -> list[IPAddress]:
        """The addresses to try for `url`'s host, checked when only public ones may be used."""
        host, port = _ascii_host(url), url.port or (443 if url.scheme == "https" else 80)
        seconds = float(self._config.timeout)
        try:
            return await checked_addresses(
                host, port, public_only=self._public_only, seconds=seconds
            )
        except NotPublic as exc:
            raise AttemptFailed(f"refused: {exc}") from exc
        except (OSError, TimeoutError, ValueError) as exc:  # a UnicodeError: a label IDNA refuses
            raise AttemptFailed(f"cannot resolve {host}: {exc or 'timed out'}") from exc

    async def _record_failure(
        self, row: asyncpg.Record, attempts: int, error: AttemptFailed
    ) -> None:
        webhook = await self._store.count_failure(
            row["webhook"], self._config.disable_after_failures
        )
        still_active = webhook is not None and webhook["active"]
        if not still_active:
            await self._audit.record(
                "webhook.disabled",
                actor_id=None,
                detail={"webhook_id": str(row["webhook"]), "last_error": str(error)},
            )
        retry_at = None
        if not still_active or attempts >= self._config.max_attempts:
            logger.warning("webhook delivery %s failed for good: %s", row["id"], error)
        else:
            delay = min(
                float(self._config.retry_max), float(self._config.retry_base) * 2 ** (attempts - 1)
            )
            retry_at = datetime.now(UTC) + timedelta(seconds=delay)
        await self._store.settle(
            row["id"],
            status="failed" if retry_at is None else "pending",
            attempts=attempts,
            response_code=error.response_code,
            error=str(error),
            retry_at=retry_at,
        )
        if retry_at is not None:
            await self._events.publish(WebhookDeliveryDue(delivery_id=row["id"]), at=retry_at)


def _ascii_host(url: httpx.URL) -> str:
    """The URL's host as DNS and TLS see it (an international name in its IDNA form)."""
    return url.raw_host.decode("ascii")

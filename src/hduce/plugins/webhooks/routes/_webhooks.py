"""Admin routes under `/webhooks`: register, list, change, remove, and the delivery log."""

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from hduce.contracts.auth import Role
from hduce.core.http import PageOffset, client_ip, problems
from hduce.core.schemas import Page
from hduce.core.security import Principal, requires_roles
from hduce.plugins.webhooks import schemas
from hduce.plugins.webhooks.services import WebhookService

Limit = Annotated[int, QueryParameter(ge=1, le=200)]


class WebhookController(Controller):
    """Webhooks are managed by administrators only."""

    path = "/webhooks"
    tags = ["webhooks"]
    guards = [requires_roles(Role.ADMIN)]

    @post(status_code=HTTP_201_CREATED, responses=problems(403, 422))
    async def create_webhook(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.WebhookCreate],
        webhooks: NamedDependency[WebhookService],
    ) -> schemas.WebhookCreated:
        """Register an endpoint for the events it names; the signing secret is shown only here."""
        return await webhooks.create(data, by=principal.id, ip=client_ip(request))

    @get(responses=problems(403))
    async def list_webhooks(self, webhooks: NamedDependency[WebhookService]) -> schemas.WebhookList:
        """Every webhook and the event names one may subscribe to."""
        return await webhooks.list()

    @get("/{webhook_id:uuid}", responses=problems(403, 404))
    async def get_webhook(
        self, webhook_id: FromPath[uuid.UUID], webhooks: NamedDependency[WebhookService]
    ) -> schemas.WebhookRead:
        """One webhook, with its failure streak and why it was disabled."""
        return await webhooks.get(webhook_id)

    @patch("/{webhook_id:uuid}", responses=problems(403, 404, 422))
    async def update_webhook(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.WebhookUpdate],
        webhooks: NamedDependency[WebhookService],
    ) -> schemas.WebhookRead:
        """Change the URL, events or description; `active: true` re-enables a disabled webhook."""
        by, ip = principal.id, client_ip(request)
        return await webhooks.update(webhook_id, data, by=by, ip=ip)

    @post("/{webhook_id:uuid}/rotate-secret", status_code=HTTP_200_OK, responses=problems(403, 404))
    async def rotate_webhook_secret(
        self,
        webhook_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        webhooks: NamedDependency[WebhookService],
    ) -> schemas.WebhookRotated:
        """A new signing secret, shown only here; the old one signs too for `rotation_grace`."""
        return await webhooks.rotate_secret(webhook_id, by=principal.id, ip=client_ip(request))

    @delete("/{webhook_id:uuid}", status_code=HTTP_204_NO_CONTENT, responses=problems(403, 404))
    async def delete_webhook(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[uuid.UUID],
        webhooks: NamedDependency[WebhookService],
    ) -> None:
        """Remove a webhook and its delivery log."""
        by, ip = principal.id, client_ip(request)
        await webhooks.delete(webhook_id, by=by, ip=ip)

    @get("/{webhook_id:uuid}/deliveries", responses=problems(403, 404, 422))
    async def list_deliveries(
        self,
        webhook_id: FromPath[uuid.UUID],
        webhooks: NamedDependency[WebhookService],
        status: FromQuery[schemas.DeliveryStatus | None] = None,
        limit: Limit = 50,
        offset: PageOffset = 0,
    ) -> Page[schemas.WebhookDeliveryRead]:
        """The webhook's deliveries (status, response code, attempts, last error), newest first."""
        return await webhooks.deliveries(webhook_id, status=status, limit=limit, offset=offset)

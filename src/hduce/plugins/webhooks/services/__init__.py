"""The webhooks services: admin management (DI key `webhooks`), delivery, the event catalogue."""

from hduce.plugins.webhooks.services._catalogue import (
    EVENT_NAMES,
    OFFERED,
    SENT,
    WITHHELD,
    matches,
    public_fields,
    wanted,
)
from hduce.plugins.webhooks.services._sender import WebhookSender
from hduce.plugins.webhooks.services._signing import SIGNATURE_HEADER, signature
from hduce.plugins.webhooks.services._webhooks import WebhookService

__all__ = [
    "EVENT_NAMES",
    "OFFERED",
    "SENT",
    "SIGNATURE_HEADER",
    "WITHHELD",
    "WebhookSender",
    "WebhookService",
    "matches",
    "public_fields",
    "signature",
    "wanted",
]

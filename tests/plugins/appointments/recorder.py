"""A stand-in `Notifier` until the notifications plugin lands: it records each message in a table,
inside the caller's transaction, so a rolled-back change records nothing."""

import uuid
from collections.abc import Mapping
from typing import Any

import msgspec

from hduce.contracts.notifications import Category, Notifier
from hduce.core.context import AppContext
from hduce.core.plugin import HducePlugin

RECORDER_TABLE = """
CREATE TABLE IF NOT EXISTS notification_record (
    id uuid PRIMARY KEY, recipient text NOT NULL, template text NOT NULL, data jsonb NOT NULL,
    category text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())
"""
RECORDER_SPEC = "tests.plugins.appointments.recorder:RecorderPlugin"


class RecordingNotifier:
    """Writes one `notification_record` row per message."""

    def __init__(self, context: AppContext) -> None:
        self._context = context

    async def notify(
        self,
        recipient: uuid.UUID | str,
        template: str,
        data: Mapping[str, Any],
        category: Category,
        *,
        critical: bool = False,
    ) -> uuid.UUID:
        """Record the message in the caller's transaction."""
        notification_id = uuid.uuid4()
        await self._context.db.fetchrow(
            "INSERT INTO notification_record (id, recipient, template, data, category) "
            "VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING id",
            notification_id,
            str(recipient),
            template,
            msgspec.json.encode(dict(data)).decode(),
            str(category),
        )
        return notification_id


class RecorderPlugin(HducePlugin):
    """Provides the recording `Notifier`."""

    name = "notification_recorder"

    def setup(self, context: AppContext) -> None:
        """Register the recorder as the `Notifier`."""
        super().setup(context)
        context.registry.provide(Notifier, RecordingNotifier(context))

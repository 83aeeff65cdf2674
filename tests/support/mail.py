"""One-time tokens as the e-mail carries them, read from the queued delivery like a mailbox."""

import re
import uuid
from typing import Any, Protocol

TOKEN = re.compile(r"token=([A-Za-z0-9_\-]+)")


class Fetches(Protocol):
    """An asyncpg pool, or anything with its `fetch`."""

    async def fetch(self, query: str, *args: Any) -> list[Any]:
        """Rows of `query`."""


def token_in(text: str) -> str:
    """The one-time token of a link in a message."""
    found = TOKEN.search(text)
    assert found, text
    return found[1]


async def mailed_token(db: Fetches, user_id: uuid.UUID | str, template: str) -> str:
    """The token of the newest `template` e-mail (`verify_email`, `password_reset`) to a user."""
    rows = await db.fetch(
        "SELECT d.body_text FROM delivery d JOIN notification n ON n.id = d.notification "
        "WHERE n.recipient = $1 AND n.template = $2 AND d.channel = 'email' "
        "ORDER BY d.created_at DESC LIMIT 1",
        uuid.UUID(str(user_id)),
        template,
    )
    assert rows, f"no {template} e-mail for {user_id}"
    return token_in(rows[0]["body_text"])

"""One-time tokens as the e-mail carries them, read from the queued delivery like a mailbox."""

import asyncio
import re
import uuid
from typing import Any, Protocol

from tests.support.context import EVENTUALLY

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


MAILS = (
    "SELECT d.body_text FROM delivery d JOIN notification n ON n.id = d.notification "
    "WHERE n.recipient = $1 AND n.template = $2 AND d.channel = 'email' "
    "ORDER BY d.created_at DESC"
)


async def mail_count(db: Fetches, user_id: uuid.UUID | str, template: str) -> int:
    """How many `template` e-mails a user has been sent so far."""
    return len(await db.fetch(MAILS, uuid.UUID(str(user_id)), template))


async def mailed_token(
    db: Fetches, user_id: uuid.UUID | str, template: str, *, nth: int = 1
) -> str:
    """The token of the newest `template` e-mail (`verify_email`, `password_reset`) to a user.

    Waits, like a mailbox, until the user has had at least `nth` of them: links asked for by
    address (forgot password, resend) are mailed by a task after the answer.
    """
    deadline = asyncio.get_running_loop().time() + EVENTUALLY
    while len(rows := await db.fetch(MAILS, uuid.UUID(str(user_id)), template)) < nth:
        assert asyncio.get_running_loop().time() < deadline, f"no {template} e-mail #{nth}"
        await asyncio.sleep(0.05)
    return token_in(rows[0]["body_text"])

"""Who a notification goes to: a user (from the directory) or a bare e-mail address."""

import uuid

import msgspec

from hduce.contracts.notifications import Notice
from hduce.contracts.users import UserDirectory
from hduce.core.errors import NotFound


class Recipient(msgspec.Struct, frozen=True, kw_only=True):
    """Addresses of one recipient; `user_id` is None for a bare e-mail address."""

    user_id: uuid.UUID | None
    email: str
    phone: str | None = None
    first_name: str = ""
    timezone: str = "UTC"

    def address(self, channel: str) -> str | None:
        """Where `channel` reaches the recipient, or None if it cannot."""
        if channel == "email":
            return self.email
        if channel == "sms":
            return self.phone
        return str(self.user_id) if self.user_id is not None else None


async def resolve_recipient(directory: UserDirectory, notice: Notice) -> Recipient:
    """Who the notice goes to: a string is an e-mail address, a user id is looked up.

    A `contact` sent along for that user id is taken as it is, without a directory read.
    """
    recipient = notice.recipient
    if isinstance(recipient, str):
        if "@" not in recipient:
            raise ValueError(f"not an e-mail address: {recipient!r}")
        return Recipient(user_id=None, email=recipient.strip())
    contact = notice.contact
    if contact is None or contact.user_id != recipient:
        contact = await directory.contact(recipient)
    if contact is None:
        raise NotFound(f"no user {recipient}")
    return msgspec.convert(contact, Recipient, from_attributes=True)

"""The plugin's task trigger: someone asked for a link by address (forgot password, resend)."""

from typing import Literal

from hduce.core.events import Event

RESET_LINK = "password_reset"
VERIFICATION_LINK = "verification"


class LinkAsked(Event, frozen=True):
    """Someone asked for a `link` to be mailed to `email`, which may belong to no account.

    The request only writes this, the same one row for any address; the task looks the
    address up and mails the link, so how long the answer took tells nothing about whether
    an account uses it.
    """

    name = "auth.link_asked"
    email: str
    link: Literal["password_reset", "verification"]
    ip: str | None = None
    """The address the request came from, for the audit log."""

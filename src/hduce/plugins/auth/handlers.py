"""Event subscriptions: the links asked for by address are looked up and mailed in a task."""

from hduce.core.events import EventBus
from hduce.plugins.auth.services import PasswordService
from hduce.plugins.auth.tasks import LinkAsked


def subscribe(events: EventBus, passwords: PasswordService) -> None:
    """Subscribe `auth.mail_asked_link`."""
    events.subscribe(LinkAsked, passwords.mail_asked_link, task_name="auth.mail_asked_link")

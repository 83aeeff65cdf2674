"""The notifications plugin: e-mail, SMS, push and in-app messages with delivery records."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from hduce.contracts.notifications import (
    InboxReader,
    Notifier,
    OneTimeLinks,
    OwnNotifications,
    PushPublisher,
)
from hduce.core.context import AppContext
from hduce.core.personal_data import RowQueries
from hduce.core.plugin import HducePlugin
from hduce.plugins.notifications.analytics import DeliveryAnalytics
from hduce.plugins.notifications.channels.base import Channel
from hduce.plugins.notifications.channels.email import EmailChannel
from hduce.plugins.notifications.channels.email_log import LoggedEmailChannel
from hduce.plugins.notifications.channels.in_app import InAppChannel
from hduce.plugins.notifications.channels.push import PushChannel
from hduce.plugins.notifications.channels.sms import SmsChannel
from hduce.plugins.notifications.config import NotificationsConfig
from hduce.plugins.notifications.deliveries import DeliveryLog
from hduce.plugins.notifications.events import DeliveryDue
from hduce.plugins.notifications.identity import IdentityMessages
from hduce.plugins.notifications.inbox import Inbox
from hduce.plugins.notifications.live import InboxFeed
from hduce.plugins.notifications.notifier import NotificationService
from hduce.plugins.notifications.own import OwnSettings
from hduce.plugins.notifications.personal_data import JSON_COLUMNS, NOTIFICATION_DATA
from hduce.plugins.notifications.preferences import PreferenceStore
from hduce.plugins.notifications.routes import (
    DeliveryController,
    InboxController,
    PreferencesController,
)
from hduce.plugins.notifications.sender import DeliverySender
from hduce.plugins.notifications.settings import PreferenceService
from hduce.plugins.notifications.templates import TemplateRenderer, builtin_template_dir


class NotificationsPlugin(HducePlugin):
    """Templated notifications on every channel, preferences, retries and an in-app inbox."""

    name = "notifications"
    description = "E-mail, SMS, push and in-app notifications; preferences; delivery records"
    requires = ("users",)
    config_type = NotificationsConfig

    def setup(self, context: AppContext) -> None:
        """Build channels and services, provide `Notifier` and `OneTimeLinks`, subscribe tasks."""
        super().setup(context)
        assert isinstance(self.config, NotificationsConfig)
        config = self.config
        channels = self._channels(context, config)
        renderer = TemplateRenderer(
            [*(Path(folder) for folder in config.template_dirs), builtin_template_dir()]
        )
        store = PreferenceStore(context.db)
        self.notifier = NotificationService(context, config, renderer, channels, store)
        self.sender = DeliverySender(context, config, channels)
        self.inbox = Inbox(context.db)
        self.feed = InboxFeed(context.db, context.tokens)
        self.deliveries = DeliveryLog(context.db)
        self.preferences = PreferenceService(store, context.registry)
        context.registry.provide(Notifier, self.notifier)
        context.registry.provide(InboxReader, self.inbox)
        own = OwnSettings(self.preferences, self.inbox, self.feed, config)
        context.registry.provide(OwnNotifications, own)
        context.registry.add_analytics_source(
            "notifications", DeliveryAnalytics(context.db).figures
        )
        notification_data = RowQueries(context.db, NOTIFICATION_DATA, JSON_COLUMNS)
        context.registry.add_personal_data_source("notifications", notification_data)
        context.events.subscribe(DeliveryDue, self.sender.handle, task_name="notifications.deliver")
        identity = IdentityMessages(self.notifier, config, context.settings.server.public_url)
        identity.subscribe(context.events)
        context.registry.provide(OneTimeLinks, identity)

    def _channels(self, context: AppContext, config: NotificationsConfig) -> dict[str, Channel]:
        smtp = EmailChannel(config.email)
        email: Channel = smtp
        if smtp.configured or not config.email.log_when_unconfigured:
            context.registry.add_closer(smtp.aclose)
        else:
            email = LoggedEmailChannel()
        sms = SmsChannel(config.sms)
        context.registry.add_closer(sms.aclose)
        push = PushChannel(lambda: _optional_publisher(context))
        return {"email": email, "sms": sms, "push": push, "in_app": InAppChannel(context.db)}

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """Inbox, stream, preferences and the admin delivery log."""
        return (InboxController, PreferencesController, DeliveryController)

    def dependencies(self) -> dict[str, Provide]:
        """Provide `notifications_inbox`, `_feed`, `_preferences` and `_deliveries`."""
        return {
            "notifications_inbox": self._provider(lambda: self.inbox),
            "notifications_feed": self._provider(lambda: self.feed),
            "notifications_preferences": self._provider(lambda: self.preferences),
            "notifications_deliveries": self._provider(lambda: self.deliveries),
            "notifications_config": self._provider(lambda: self.config),
        }

    @staticmethod
    def _provider(get: Any) -> Provide:
        return Provide(get, sync_to_thread=False, use_cache=True)

    def lifespans(self) -> Sequence[Any]:
        """Listen for new inbox items while the web app runs."""
        return (self._live_inbox,)

    @asynccontextmanager
    async def _live_inbox(self, _app: Any) -> AsyncIterator[None]:
        async with self.feed.running():
            yield


def _optional_publisher(context: AppContext) -> PushPublisher | None:
    try:
        return context.registry.get(PushPublisher)
    except LookupError:
        return None

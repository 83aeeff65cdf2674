"""The notifications plugin: e-mail, SMS, push and in-app messages with delivery records."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hduce.core.config import ConfigError, Finding, Section
from hduce.core.plugin import HducePlugin, running_lifespan
from hduce.plugins.notifications.config import (
    NotificationsConfig,
    incomplete_channels,
    logged_email,
    unsafe_email,
)

if TYPE_CHECKING:
    from litestar.di import Provide
    from litestar.types import ControllerRouterHandler

    from hduce.core.context import AppContext
    from hduce.core.plugin_env import PluginEnv
    from hduce.plugins.notifications.services.channels import Channel
    from hduce.plugins.notifications.store import Inbox

TEMPLATE_DIRS = "plugins.notifications.template_dirs"


class NotificationsPlugin(HducePlugin):
    """Templated notifications on every channel, preferences, retries and an in-app inbox."""

    name = "notifications"
    description = "E-mail, SMS, push and in-app notifications; preferences; delivery records"
    requires = ("users",)
    config_type = NotificationsConfig
    config: NotificationsConfig

    def __init__(self, config: Section | None = None) -> None:
        """Read the templates; a clinic's must use only what their template is given.

        A bad folder or file is a `ConfigError`, so start-up and `hduce config check` stop on it.
        """
        from hduce.plugins.notifications.templates import (
            TemplateError,
            TemplateRenderer,
            builtin_template_dir,
        )

        super().__init__(config)
        try:
            self.renderer = TemplateRenderer(
                [*(Path(folder) for folder in self.config.template_dirs), builtin_template_dir()]
            )
            if self.config.template_dirs:
                self.renderer.check()
        except TemplateError as exc:
            raise ConfigError(f"`{TEMPLATE_DIRS}`: {exc}", key=TEMPLATE_DIRS) from None

    def setup(self, context: AppContext) -> None:
        """Build channels and services, provide `Notifier`, `InboxReader` and `OneTimeLinks`."""
        from hduce.contracts.notifications import (
            DeliveryRecords,
            InboxReader,
            Notifier,
            OneTimeLinks,
            OwnNotifications,
        )
        from hduce.contracts.users import CareTeams, UserDirectory
        from hduce.core.personal_data import RowQueries
        from hduce.plugins.notifications import handlers
        from hduce.plugins.notifications.analytics import DeliveryAnalytics
        from hduce.plugins.notifications.personal_data import JSON_COLUMNS, NOTIFICATION_DATA
        from hduce.plugins.notifications.services import (
            DeliveryRecordsDesk,
            DeliverySender,
            DeviceAlertNotices,
            HeldDeliveries,
            InboxFeed,
            LinkMessages,
            NotificationService,
            NotificationsServices,
            OwnSettings,
            PreferenceService,
        )
        from hduce.plugins.notifications.store import (
            ClinicianDirectory,
            DeliveryCounts,
            DeliveryStore,
            Inbox,
            PreferenceStore,
        )

        super().setup(context)
        env: PluginEnv[NotificationsConfig] = self.env
        directory = env.require(UserDirectory)
        renderer = self.renderer
        inbox = Inbox(env.db)
        channels = self._channels(env, inbox)
        store = PreferenceStore(env.db)
        self.notifier = NotificationService(env, directory, renderer, channels, store)
        self.sender = DeliverySender(env, channels, directory)
        deliveries = DeliveryStore(env.db)
        held = HeldDeliveries(deliveries, env.events)
        self.services = NotificationsServices(
            config=env.config,
            inbox=inbox,
            feed=InboxFeed(inbox, env.tokens),
            preferences=PreferenceService(store, directory, held),
            deliveries=deliveries,
        )
        env.registry.provide(Notifier, self.notifier)
        env.registry.provide(InboxReader, inbox)
        env.registry.provide(DeliveryRecords, DeliveryRecordsDesk(self.services.deliveries))
        own = OwnSettings(self.services.preferences, self.services.live)
        env.registry.provide(OwnNotifications, own)
        analytics = DeliveryAnalytics(DeliveryCounts(env.db))
        env.registry.add_analytics_source("notifications", analytics.figures)
        notification_data = RowQueries(env.db, NOTIFICATION_DATA, JSON_COLUMNS)
        env.registry.add_personal_data_source("notifications", notification_data)
        device_alerts = DeviceAlertNotices(
            notifier=self.notifier,
            directory=directory,
            care_teams=env.require(CareTeams),
            clinicians=ClinicianDirectory(env.db),
            public_url=env.settings.server.public_url,
            alert_url=env.config.device_alert_url,
        )
        public_url = env.settings.server.public_url
        handlers.subscribe(env.events, self.sender, self.notifier, device_alerts, public_url)
        links = LinkMessages(self.notifier, env.config, public_url)
        env.registry.provide(OneTimeLinks, links)

    def _channels(self, env: PluginEnv[NotificationsConfig], inbox: Inbox) -> dict[str, Channel]:
        from hduce.contracts.notifications import PushPublisher
        from hduce.plugins.notifications.services.channels import (
            EmailChannel,
            InAppChannel,
            LoggedEmailChannel,
            PushChannel,
            SmsChannel,
        )

        config = env.config
        smtp = EmailChannel(config.email)
        email: Channel = smtp
        if smtp.configured or not config.email.log_when_unconfigured:
            env.registry.add_closer(smtp.aclose)
        else:
            email = LoggedEmailChannel()
        sms = SmsChannel(config.sms)
        env.registry.add_closer(sms.aclose)
        push = PushChannel(env.optional(PushPublisher).get)
        return {"email": email, "sms": sms, "push": push, "in_app": InAppChannel(inbox)}

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """Inbox, stream, preferences and the admin delivery log."""
        from hduce.plugins.notifications.routes import (
            DeliveryController,
            InboxController,
            PreferencesController,
        )

        return (InboxController, PreferencesController, DeliveryController)

    def dependencies(self) -> dict[str, Provide]:
        """Provide the services bundle under `notifications`."""
        return self.provide_as_name(self.services)

    def lifespans(self) -> Sequence[Any]:
        """Listen for new inbox items while the web app runs."""
        return (running_lifespan(self.services.feed),)

    def unsafe_settings(self) -> list[Finding]:
        """A remote SMTP relay without TLS, an SMTP URL that does not parse, e-mail to the log."""
        return unsafe_email(self.config.email)

    def production_refusals(self) -> list[Finding]:
        """E-mail (one-time links, patients' names) written to the log."""
        return logged_email(self.config.email)

    def startup_warnings(self) -> list[str]:
        """Channels set up only partly, stray template folders.

        A channel set up partly sends nothing; a clinic's template folder that is no built-in
        template overrides nothing (a misspelt override?).
        """
        return [
            *incomplete_channels(self.config),
            *self.renderer.strays(),
        ]

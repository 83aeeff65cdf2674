"""The devices plugin: embedded MQTT broker, device registry, telemetry, threshold alerts."""

import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from litestar.di import Provide
from litestar.types import ControllerRouterHandler
from nats.errors import Error as NatsError

from hduce.contracts.devices import DeviceAlertRaised, DeviceAlerts, DeviceDirectory, ReadingReader
from hduce.contracts.notifications import PushPublisher
from hduce.core.context import AppContext
from hduce.core.personal_data import RowQueries
from hduce.core.plugin import HducePlugin
from hduce.plugins.devices.alerting import AlertService
from hduce.plugins.devices.alerts import AlertRules
from hduce.plugins.devices.analytics import DeviceAnalytics
from hduce.plugins.devices.broker import DeviceBroker
from hduce.plugins.devices.config import DevicesConfig
from hduce.plugins.devices.credentials import MqttSignIn
from hduce.plugins.devices.ingest import TelemetryIngest, spool_dir
from hduce.plugins.devices.notices import AlertNotices
from hduce.plugins.devices.personal_data import DEVICE_DATA
from hduce.plugins.devices.presence import DevicePresence
from hduce.plugins.devices.push import NatsPush
from hduce.plugins.devices.readers import Alerts, Devices, Readings
from hduce.plugins.devices.readings import ReadingQueries
from hduce.plugins.devices.routes import CONTROLLERS
from hduce.plugins.devices.service import DeviceService
from hduce.plugins.devices.services import DeviceServices
from hduce.plugins.devices.silence import SilenceRule
from hduce.plugins.devices.spool import Spool


class DevicesPlugin(HducePlugin):
    """Medical devices over MQTT: registry, sign-in, topic ACL, readings and alerts.

    The broker runs only in the web process (`hduce serve`); it also carries push notifications
    to users' apps on `users/<user id>/notifications`, sent from any process over NATS.
    """

    name = "devices"
    description = "Medical devices over MQTT: registry, readings, threshold alerts"
    requires = ("audit", "auth", "users", "notifications")
    config_type = DevicesConfig

    def setup(self, context: AppContext) -> None:
        """Build the services; in the web process also the broker and `PushPublisher`."""
        super().setup(context)
        assert isinstance(self.config, DevicesConfig)
        config = self.config
        self.services = DeviceServices(
            registry=DeviceService(context),
            readings=ReadingQueries(context),
            alerts=AlertService(context, config.thresholds),
            max_page_size=config.max_page_size,
        )
        readings = Readings(self.services.readings, config.max_page_size)
        context.registry.provide(ReadingReader, readings)
        context.registry.provide(DeviceDirectory, Devices(self.services.registry))
        alerts = Alerts(self.services.alerts, config.max_page_size)
        context.registry.provide(DeviceAlerts, alerts)
        notices = AlertNotices(context, config.alert_url)
        context.events.subscribe(
            DeviceAlertRaised, notices.notify, task_name="devices.notify_alert"
        )
        self.push = NatsPush(context.broker)
        context.registry.provide(PushPublisher, self.push)
        context.registry.add_analytics_source("devices", DeviceAnalytics(context.db).figures)
        context.registry.add_personal_data_source("devices", RowQueries(context.db, DEVICE_DATA))
        self.broker: DeviceBroker | None = None
        self.silence: SilenceRule | None = None
        if context.role == "web":
            rules = AlertRules(context.db, context.events, config.thresholds)
            spool = Spool(
                spool_dir(config, context.settings.data_dir),
                max_bytes=config.spool_max_bytes,
                segment_bytes=config.spool_segment_bytes,
                window=float(config.spool_flush_window),
            )
            ingest = TelemetryIngest(context.db, config, rules, spool)
            supervisor = context.supervisor
            presence = DevicePresence(context.db, context.events, supervisor)
            sign_in = MqttSignIn(context.db, context.tokens)
            self.broker = DeviceBroker(config, sign_in, ingest, presence, supervisor)
            context.registry.add_health_check("mqtt", self.broker.health)
            self.silence = SilenceRule(
                context.db,
                context.events,
                supervisor,
                silent_after=config.silent_after,
                every=config.silent_check_every,
            )

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """The `/devices` routes."""
        return CONTROLLERS

    def dependencies(self) -> dict[str, Provide]:
        """Provide the services as `devices`."""
        return {"devices": Provide(self._provide, sync_to_thread=False, use_cache=True)}

    def _provide(self) -> DeviceServices:
        return self.services

    def lifespans(self) -> Sequence[Any]:
        """Run the MQTT broker, the telemetry and presence writers and the silence rule."""
        return (self._running_broker,)

    @asynccontextmanager
    async def _running_broker(self, _app: Any) -> AsyncIterator[None]:
        if self.broker is None or self.silence is None:
            yield
            return
        presence = self.broker.presence
        async with self.silence.running(), presence.running(), self.broker.running() as broker:
            pushes = await self.push.listen(broker.publish)
            self.services.registry.disconnect = broker.disconnect
            try:
                yield
            finally:
                presence.server_stopping()
                self.services.registry.disconnect = None
                with contextlib.suppress(NatsError):  # NATS may be gone already
                    await pushes.unsubscribe()

"""The devices plugin: embedded MQTT broker, device registry, telemetry, threshold alerts."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rich_click as click

from hduce.core.config import Finding
from hduce.core.config.addresses import is_local
from hduce.core.plugin import HducePlugin, Listener
from hduce.plugins.devices.config import DevicesConfig

if TYPE_CHECKING:
    from litestar.di import Provide
    from litestar.types import ControllerRouterHandler

    from hduce.core.context import AppContext
    from hduce.plugins.devices.services import DeviceBroker, SilenceRule


class DevicesPlugin(HducePlugin):
    """Medical devices over MQTT: registry, sign-in, topic ACL, readings and alerts.

    The broker runs only in the web process (`hduce serve`); it also carries push notifications
    to users' apps on `users/<user id>/notifications`, sent from any process over NATS.
    """

    name = "devices"
    description = "Medical devices over MQTT: registry, readings, threshold alerts"
    requires = ("audit", "auth", "users")
    config_type = DevicesConfig

    def setup(self, context: AppContext) -> None:
        """Build the services; in the web process also the broker and `PushPublisher`."""
        from hduce.contracts.devices import DeviceAlerts, DeviceDirectory, ReadingReader
        from hduce.contracts.notifications import PushPublisher
        from hduce.core.personal_data import RowQueries
        from hduce.plugins.devices.analytics import device_figures
        from hduce.plugins.devices.personal_data import DEVICE_DATA
        from hduce.plugins.devices.services import (
            Alerts,
            Devices,
            DeviceServices,
            NatsPush,
            Readings,
            WebServices,
        )
        from hduce.plugins.devices.store import Stores

        super().setup(context)
        env = self.env
        config = self._devices_config()
        stores = Stores.over(env.db)
        self.services = DeviceServices.build(env, stores)
        env.registry.provide(ReadingReader, Readings(self.services.readings, config.max_page_size))
        env.registry.provide(DeviceDirectory, Devices(self.services.inventory))
        env.registry.provide(DeviceAlerts, Alerts(self.services.alerts, config.max_page_size))
        self.push = NatsPush(env.tasks)
        env.registry.provide(PushPublisher, self.push)
        env.registry.add_analytics_source("devices", partial(device_figures, stores.reports))
        env.registry.add_personal_data_source("devices", RowQueries(env.db, DEVICE_DATA))
        self.broker: DeviceBroker | None = None
        self.silence: SilenceRule | None = None
        if env.is_web:
            web = WebServices.build(env, stores, self.services.rules)
            self.broker, self.silence = web.broker, web.silence
            env.registry.add_health_check("mqtt", self.broker.health)

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """The `/devices` routes."""
        from hduce.plugins.devices.routes import CONTROLLERS

        return CONTROLLERS

    def dependencies(self) -> dict[str, Provide]:
        """Provide the services as `devices`."""
        return self.provide_as_name(self.services)

    @classmethod
    def on_cli_init(cls, cli: click.Group) -> None:
        """Add `hduce device add/list/rotate-secret`."""
        from hduce.plugins.devices.cli import device  # the commands import this module

        cli.add_command(device)

    def unsafe_settings(self) -> list[Finding]:
        """A listener on a public address: MQTT is plain TCP here."""
        config = self._devices_config()
        if is_local(config.host):
            return []
        message = (
            f"`plugins.devices.host` is {config.host}: the MQTT listener is plain TCP; put TLS "
            "termination or a VPN in front (HDUCE_PLUGINS__DEVICES__HOST)"
        )
        return [Finding("plugins.devices.host", message)]

    def listening_ports(self) -> list[Listener]:
        """The plain MQTT port (0: any free port, nothing to check)."""
        config = self._devices_config()
        setting = "plugins.devices.port / HDUCE_PLUGINS__DEVICES__PORT"
        return [Listener(config.host, config.port, "MQTT", setting)] if config.port else []

    def held_elsewhere(self, data_dir: Path) -> str | None:
        """The telemetry spool, when another process (another `hduce serve`) holds it."""
        from hduce.plugins.devices.services import spool_held_elsewhere

        return spool_held_elsewhere(self._devices_config(), str(data_dir))

    def _devices_config(self) -> DevicesConfig:
        assert isinstance(self.config, DevicesConfig)
        return self.config

    def lifespans(self) -> Sequence[Any]:
        """Run the MQTT broker, the telemetry and presence writers and the silence rule."""
        return (self._running_broker,)

    @asynccontextmanager
    async def _running_broker(self, _app: Any) -> AsyncIterator[None]:
        from nats.errors import Error as NatsError

        from hduce.plugins.devices.store import KICK_CHANNEL

        if self.broker is None or self.silence is None:
            yield
            return
        presence, kicks = self.broker.presence, self.env.db.listening
        async with (
            self.silence.running(),
            presence.running(),
            self.broker.running() as broker,
            # A new secret or a deactivation, in any process; after a lost connection the
            # connected devices are checked again (a notice may have gone unheard).
            kicks(KICK_CHANNEL, broker.kick, on_connected=lambda _: broker.recheck()),
        ):
            pushes = await self.push.listen(broker.publish)
            try:
                yield
            finally:
                presence.server_stopping()
                with contextlib.suppress(NatsError):  # NATS may be gone already
                    await pushes.unsubscribe()

"""The devices services, built once per process; `DeviceServices` is injected as `devices`.

Layout:
- what staff use: `_registry` (the device inventory), `_readings`, `_alerts`; `_readers` gives
  other plugins the `ReadingReader`, `DeviceDirectory` and `DeviceAlerts` contracts;
- the telemetry path: `_telemetry` (the message format), `_spool` (fsynced before the
  acknowledgement), `_ingest`, `_batches` and `_writer` (batches into PostgreSQL), `_alert_rules`
  (thresholds; notifications tells the care team), `_presence` and `_silence`;
- MQTT identity: `_credentials` (sign-in) and `_acl` (who may use which topic); `_push` carries
  pushes to apps over NATS;
- `broker/`: the embedded amqtt broker and its documented overrides, web process only.
"""

from dataclasses import dataclass

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import Accounts
from hduce.core.plugin_env import PluginEnv
from hduce.plugins.devices.config import DevicesConfig
from hduce.plugins.devices.services._alert_rules import AlertRules
from hduce.plugins.devices.services._alerts import AlertService
from hduce.plugins.devices.services._credentials import MqttSignIn
from hduce.plugins.devices.services._ingest import TelemetryIngest, spool_dir
from hduce.plugins.devices.services._presence import DevicePresence
from hduce.plugins.devices.services._push import NatsPush
from hduce.plugins.devices.services._readers import Alerts, Devices, Readings
from hduce.plugins.devices.services._readings import ReadingQueries
from hduce.plugins.devices.services._registry import DeviceRegistry
from hduce.plugins.devices.services._silence import SilenceRule
from hduce.plugins.devices.services._spool import Spool, SpoolLocked, spool_in_use
from hduce.plugins.devices.services.broker import DeviceBroker
from hduce.plugins.devices.store import Stores


def spool_held_elsewhere(config: DevicesConfig, data_dir: str) -> str | None:
    """Why the broker cannot start here: another process holds the telemetry spool."""
    directory = spool_dir(config, data_dir)
    return str(SpoolLocked(directory)) if spool_in_use(directory) else None


@dataclass(frozen=True)
class DeviceServices:
    """Registry, readings, alerts with thresholds and the threshold rules."""

    inventory: DeviceRegistry
    readings: ReadingQueries
    alerts: AlertService
    rules: AlertRules
    max_page_size: int

    @classmethod
    def build(cls, env: PluginEnv[DevicesConfig], stores: Stores) -> "DeviceServices":
        """Wire the services around the plugin's env and stores (called by `setup()`).

        The contracts of other plugins are resolved here, once.
        """
        db, config = env.db, env.config
        accounts, audit = env.require(Accounts), env.require(AuditLog)
        return cls(
            inventory=DeviceRegistry(db, stores.devices, env.events, accounts, audit),
            readings=ReadingQueries(db, stores.readings, audit),
            alerts=AlertService(
                db, stores.alerts, accounts, audit, config.thresholds, config.ranges
            ),
            rules=AlertRules(stores.alerts, env.events, config.thresholds),
            max_page_size=config.max_page_size,
        )


@dataclass(frozen=True)
class WebServices:
    """What only the web process runs: the MQTT broker and the silent-device rule."""

    broker: DeviceBroker
    silence: SilenceRule

    @classmethod
    def build(
        cls, env: PluginEnv[DevicesConfig], stores: Stores, rules: AlertRules
    ) -> "WebServices":
        """The broker with its spool, telemetry writer, presence and sign-in; the silence rule."""
        config, db, supervisor = env.config, env.db, env.supervisor
        spool = Spool(
            spool_dir(config, env.settings.data_dir),
            max_bytes=config.spool_max_bytes,
            segment_bytes=config.spool_segment_bytes,
            window=float(config.spool_flush_window),
        )
        beat = float(config.presence_beat)
        presence = DevicePresence(db, stores.presence, env.events, supervisor, beat)
        ingest = TelemetryIngest(db, stores.telemetry, config, rules, spool, presence.seen)
        sign_in = MqttSignIn(stores.devices, env.tokens)
        silence = SilenceRule(
            db,
            stores.alerts,
            env.events,
            supervisor,
            silent_after=config.silent_after,
            every=config.silent_check_every,
        )
        return cls(DeviceBroker(config, sign_in, ingest, presence, supervisor), silence)


__all__ = [
    "Alerts",
    "DeviceBroker",
    "DeviceServices",
    "Devices",
    "NatsPush",
    "Readings",
    "SilenceRule",
    "WebServices",
]

"""Settings of the devices plugin (`[plugins.devices]`)."""

import math

import msgspec
from msgspec.structs import force_setattr

from hduce.core.config import (
    Duration,
    NonNegative,
    OptionalPort,
    Port,
    Positive,
    PositiveDuration,
    Section,
)
from hduce.core.numbers import shown_value

OFF = -1
"""An optional listener's port when it is switched off."""


class Threshold(Section):
    """Bounds of one metric: a reading above `above` or below `below` raises an alert."""

    above: float | None = None
    below: float | None = None

    def __post_init__(self) -> None:
        """Refuse `nan`/`inf` (TOML has them: NaN never alerts) and `below` not under `above`."""
        for side, value in (("above", self.above), ("below", self.below)):
            if value is not None and not math.isfinite(value):
                raise ValueError(f"`{side}` must be a finite number, not {value}")
        if self.above is not None and self.below is not None and self.below >= self.above:
            raise ValueError(f"`below` ({self.below:g}) must be less than `above` ({self.above:g})")


class Range(Section):
    """The plausible values of one metric; a reading outside `min`..`max` is refused."""

    min: float
    max: float

    def __post_init__(self) -> None:
        """Refuse an empty range (a typo would refuse every reading of the metric)."""
        if self.min > self.max:
            raise ValueError(f"`min` ({self.min:g}) is above `max` ({self.max:g})")


def default_ranges() -> dict[str, Range]:
    """What a working sensor can report, in each metric's telemetry unit."""
    return {
        "spo2": Range(min=0, max=100),
        "heart_rate": Range(min=10, max=350),
        "temperature": Range(min=25, max=45),
        "systolic": Range(min=40, max=300),
        "diastolic": Range(min=20, max=200),
        "weight": Range(min=0.2, max=500),
        "glucose": Range(min=0.5, max=50),
        "respiratory_rate": Range(min=1, max=120),
    }


def default_thresholds() -> dict[str, Threshold]:
    """Clinic-wide defaults (a doctor overrides them per patient)."""
    return {
        "spo2": Threshold(below=92),
        "heart_rate": Threshold(above=120, below=45),
        "systolic": Threshold(above=180, below=90),
        "diastolic": Threshold(above=110),
        "temperature": Threshold(above=39.0, below=35.0),
        "glucose": Threshold(above=13.9, below=3.9),
    }


class DevicesConfig(Section):
    """The embedded MQTT broker, telemetry ingestion and alert thresholds."""

    host: str = "127.0.0.1"
    """Address the MQTT listener binds; `0.0.0.0` to reach devices on the network."""
    port: Port = 1883
    """MQTT TCP port; 0 picks a free port (tests)."""
    max_connections: Positive = 1000
    """Most signed-in MQTT connections at once; a socket takes a slot once it has signed in."""
    connect_timeout: PositiveDuration = PositiveDuration(10)
    """A socket that has not sent a valid CONNECT (and signed in) by then is closed."""
    max_unauthenticated_per_address: Positive = 200
    """Sockets from one address still waiting to sign in (a TLS or WebSocket handshake too);
    more are closed at once, on every listener."""
    max_packet_size: Positive = 65_536
    """Largest MQTT packet (remaining length, bytes); a bigger one closes the connection unread."""
    max_packet_rate: float = 200
    """Packets a second one connection is read at, on average (bursts of twice that); a faster
    sender waits (TCP pushes back, nothing is lost); 0: no limit."""
    max_subscriptions: NonNegative = 100
    """Topic filters one client may hold; a SUBSCRIBE beyond is refused filter by filter (0x80),
    one carrying more filters than this closes the connection."""
    receive_maximum: Positive = 20
    """QoS 2 messages one client may have sent and not yet released (PUBREC answered, no PUBREL
    yet; each kept whole, with a persistent session while offline too), as MQTT 5's Receive
    Maximum; one more closes the connection as a protocol violation."""
    max_queued_messages: NonNegative = 1000
    """QoS 1/2 messages kept for one offline persistent session; beyond, the oldest is dropped."""
    session_expiry: PositiveDuration = PositiveDuration(7 * 86_400)
    """An offline persistent session (clean_session=0) is forgotten after this long, with its
    subscriptions and queued messages."""
    max_sessions_per_identity: Positive = 10
    """Sessions one device or user keeps (its app installs); a new one beyond makes the broker
    forget the identity's longest-offline persistent session. Also the most live connections of
    one identity: one more is refused ("server unavailable")."""
    tls_port: OptionalPort = OFF
    """MQTT over TLS on this port (0: a free one; -1: off). Needs `tls_cert` and `tls_key`."""
    tls_cert: str = ""
    """PEM certificate (with its chain) of the TLS listener."""
    tls_key: str = ""
    """PEM private key of the TLS listener."""
    ws_port: OptionalPort = OFF
    """MQTT over WebSocket for browser apps on this port (0: a free one; -1: off)."""
    spool_dir: str = ""
    """Where telemetry waits for the database, fsynced; empty: `<data_dir>/devices/spool`."""
    spool_max_bytes: Positive = 64 * 1024 * 1024
    """Most telemetry bytes waiting for the database; beyond it messages are not acknowledged."""
    spool_segment_bytes: Positive = 4 * 1024 * 1024
    """Size at which the spool starts a new file (stored files are deleted whole)."""
    spool_flush_window: Duration = Duration(0)
    """Extra wait for more messages to share a spool fsync; 0: those arriving during one fsync
    share the next (best when devices wait for each acknowledgement)."""
    batch_size: Positive = 500
    """Most messages written in one transaction."""
    writer_stuck_after: PositiveDuration = PositiveDuration(30)
    """`/health/detailed` reports the telemetry writer stuck when messages wait and it has
    stored none for this long (a statement blocked without failing)."""
    max_future_skew: PositiveDuration = PositiveDuration(300)
    """How far a reading's `ts` may be ahead of the server clock (pre-2000 is invalid too)."""
    ranges: dict[str, Range] = msgspec.field(default_factory=default_ranges)
    """Plausible values per metric, e.g. `spo2 = { min = 0, max = 100 }`; a message with a
    reading outside its metric's range is refused whole. A metric given replaces its default
    range; the others keep theirs."""
    max_page_size: Positive = 500
    """Largest page of readings or alerts; a larger `limit` is a 422."""
    presence_beat: PositiveDuration = PositiveDuration(10)
    """How often each `hduce serve` tells the database its broker is alive; the devices of one
    not heard from for 3 beats (killed) are set offline (`server_lost`) by another, or by itself
    once restarted."""
    silent_after: Duration = Duration(0)
    """An assigned device not heard from for this long opens an alert; 0: no such alerts."""
    silent_check_every: PositiveDuration = PositiveDuration(60)
    """How often the web process looks for silent devices."""
    thresholds: dict[str, Threshold] = msgspec.field(default_factory=default_thresholds)
    """Default alert bounds per metric, e.g. `spo2 = { below = 92 }`. A metric given replaces
    its default bounds (`glucose = {}`: no glucose alerts); the others keep theirs."""

    def __post_init__(self) -> None:
        """Lay the configured ranges and thresholds over the defaults, metric by metric.

        A metric no device may send (a typo) and a bound outside its metric's range (it could
        never alert) are refused.
        """
        known = default_ranges()
        for name in ("ranges", "thresholds"):
            unknown = sorted(set(getattr(self, name)) - set(known))
            if unknown:
                raise ValueError(
                    f"`{name}`: unknown metric {unknown[0]!r} (known: {', '.join(sorted(known))})"
                )
        force_setattr(self, "ranges", {**known, **self.ranges})
        force_setattr(self, "thresholds", {**default_thresholds(), **self.thresholds})
        for metric, threshold in self.thresholds.items():
            plausible = self.ranges[metric]
            for side in ("above", "below"):
                bound = getattr(threshold, side)
                if bound is not None and not plausible.min <= bound <= plausible.max:
                    raise ValueError(
                        f"`thresholds.{metric}.{side}` ({shown_value(bound)}) is outside "
                        f"{metric}'s range {shown_value(plausible.min)}.."
                        f"{shown_value(plausible.max)}: it could never alert"
                    )
        if self.tls_port != OFF and not (self.tls_cert and self.tls_key):
            raise ValueError("tls_port needs tls_cert and tls_key (PEM files)")

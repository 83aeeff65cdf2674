"""The settings tree: frozen msgspec structs, every key with its default."""

import ipaddress
import re
from typing import Annotated, Any, Literal

import msgspec

from hduce.core.config.durations import PositiveDuration

Port = Annotated[int, msgspec.Meta(ge=0, le=65535)]
"""A TCP port; 0 lets the system pick a free one."""
OptionalPort = Annotated[int, msgspec.Meta(ge=-1, le=65535)]
"""The TCP port of a listener that may be off (-1)."""
Positive = Annotated[int, msgspec.Meta(ge=1)]
"""A count or size of at least 1."""
NonNegative = Annotated[int, msgspec.Meta(ge=0)]
"""A count or size where 0 means none (or no limit, as the key says)."""
DUPLICATE_WINDOW = PositiveDuration(120)
"""How long JetStream remembers a message id to drop a second publish of it (its default)."""


class Section(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base for every config section: immutable, rejects unknown keys."""


class ServerSettings(Section):
    """HTTP server."""

    host: str = "127.0.0.1"
    port: Port = 8000
    request_max_body_size: Positive = 10_000_000
    request_max_header_size: Positive = 65_536
    """Bytes a request's line and headers may take; a bigger head is answered 431."""
    rate_limit_per_minute: Positive = 1000
    public_url: str = ""
    """Where patients and staff reach the clinic; links in messages start here.

    Empty: `http://<host>:<port>` of this server (a wildcard host is reached through 127.0.0.1).
    """
    trusted_proxies: tuple[str, ...] = ()
    """Addresses (or networks) whose `X-Forwarded-For` / `-Proto` are believed; none by default."""
    body_timeout: PositiveDuration = PositiveDuration(15)
    """Longest wait for the next part of a request body before answering 408."""
    header_timeout: PositiveDuration = PositiveDuration(10)
    """Longest wait for a request's headers, from the connection's opening or its previous
    answer's end; then the connection is closed (with a 408 if part of a request came)."""
    shutdown_timeout: PositiveDuration = PositiveDuration(5)
    """Longest wait for open requests when stopping; then they are cut (containers get ~10 s)."""
    cors_allowed_origins: tuple[str, ...] = ()
    """Browser origins (`https://portal.example`) allowed to call the API; none by default."""
    cors_allow_credentials: bool = False
    """Whether those origins may send cookies; never together with the `*` origin."""

    def __post_init__(self) -> None:
        # Browsers refuse `*` with credentials anyway; echoing any origin instead would hand
        # every site the clinic's cookies, so the combination is a configuration error.
        if self.cors_allow_credentials and "*" in self.cors_allowed_origins:
            raise ValueError(
                "`cors_allow_credentials` cannot be true while `cors_allowed_origins` holds `*`"
            )
        for proxy in self.trusted_proxies:
            if proxy != "*" and not _is_network(proxy):
                raise ValueError(
                    f"`trusted_proxies`: {proxy!r} is no IP address or network (nor `*`)"
                )


def _is_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


_PG_SIZE = re.compile(r"[1-9][0-9]*(kB|MB|GB)")
"""A size in PostgreSQL's units."""


class DatabaseSettings(Section):
    """PostgreSQL; an empty `url` starts the embedded server under `data_dir/pg`."""

    url: str = ""
    pool_min_size: NonNegative = 2
    pool_max_size: Positive = 10
    connect_timeout: PositiveDuration = PositiveDuration(10)
    acquire_timeout: PositiveDuration = PositiveDuration(5)
    """How long a request waits for a pooled connection before answering 503."""
    statement_timeout: PositiveDuration = PositiveDuration(10)
    """How long one statement may run in `hduce serve` before it is abandoned (503)."""
    shared_buffers: str = "auto"
    """The embedded server's page cache (PostgreSQL's `shared_buffers`, e.g. `512MB`); `auto`,
    at each start: twice the data on disk, at least 128MB, at most an eighth of the memory this
    process may use and 1GB."""

    def __post_init__(self) -> None:
        if self.pool_min_size > self.pool_max_size:
            raise ValueError(
                f"`pool_min_size` ({self.pool_min_size}) is above "
                f"`pool_max_size` ({self.pool_max_size})"
            )
        if self.shared_buffers != "auto" and not _PG_SIZE.fullmatch(self.shared_buffers):
            raise ValueError(
                f"`shared_buffers` must be `auto` or a size such as `512MB` or `2GB`, "
                f"got {self.shared_buffers!r}"
            )


class NatsSettings(Section):
    """NATS JetStream; an empty `url` starts the embedded nats-server under `data_dir/nats`."""

    url: str = ""
    port: Port = 0
    tasks_stream: str = "HDUCE_TASKS"
    tasks_subject: str = "hduce.tasks"
    durable: str = "hduce_workers"
    tasks_max_age: PositiveDuration = PositiveDuration(7 * 86400)
    """How long the task stream keeps a task, acknowledged or not (far above `max_attempts` x
    `ack_wait`: a task still waiting for a worker after that long is dropped)."""
    events_stream: str = "HDUCE_EVENTS"
    events_max_age: PositiveDuration = PositiveDuration(7 * 86400)
    ack_wait: PositiveDuration = PositiveDuration(300)
    max_attempts: Positive = 5
    retry_backoff: PositiveDuration = PositiveDuration(2)
    unknown_task_wait: PositiveDuration = PositiveDuration(60)
    """First wait before a task no process here knows is offered again (doubling each time)."""
    connect_timeout: PositiveDuration = PositiveDuration(10)

    def __post_init__(self) -> None:
        # A stream keeps message ids no longer than its messages: a shorter one would let a
        # task or event the relay publishes again (after a lost reply) in twice.
        for key in ("tasks_max_age", "events_max_age"):
            if getattr(self, key) < DUPLICATE_WINDOW:
                raise ValueError(
                    f"`{key}` must be at least {DUPLICATE_WINDOW}, JetStream's duplicate window "
                    f"(env HDUCE_NATS__{key.upper()}), got {getattr(self, key)}"
                )


class WorkerSettings(Section):
    """TaskIQ receivers; `embedded` runs one inside `hduce serve`."""

    embedded: bool = True
    concurrency: Positive = 8
    heartbeat_interval: PositiveDuration = PositiveDuration(5)
    """How often a task-consuming process reports itself alive (`/health/detailed` workers)."""


class OutboxSettings(Section):
    """The transactional outbox relay."""

    poll_interval: PositiveDuration = PositiveDuration(5)
    batch_size: Positive = 100
    retention: PositiveDuration = PositiveDuration(7 * 86400)
    stall_after: PositiveDuration = PositiveDuration(20)
    """`/health/detailed` reports the relay stalled after this long without a clean cycle."""


class AuthSettings(Section):
    """Token signing; `jwt_secret` comes only from the environment (`JWT_SECRET`)."""

    jwt_secret: str = ""
    jwt_previous_secrets: tuple[str, ...] = ()
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str = "hduce"
    jwt_audience: str = "hduce-api"
    token_expiry: PositiveDuration = PositiveDuration(1800)


class LoggingSettings(Section):
    """Log level and format (`auto`: JSON lines in production, readable in development)."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    format: Literal["auto", "json", "console"] = "auto"


class PluginsSettings(Section):
    """Which plugins run; `extra` names more plugins as `module:Class`."""

    enabled: tuple[str, ...] | None = None
    """The built-in plugins to run (default: all of them)."""
    extra: tuple[str, ...] = ()
    sections: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)


class Settings(Section):
    """Everything HDuce reads from `hduce.toml` and the environment."""

    environment: Literal["development", "production"] = "production"
    debug: bool = False
    data_dir: str = "./var"
    server: ServerSettings = msgspec.field(default_factory=ServerSettings)
    database: DatabaseSettings = msgspec.field(default_factory=DatabaseSettings)
    nats: NatsSettings = msgspec.field(default_factory=NatsSettings)
    worker: WorkerSettings = msgspec.field(default_factory=WorkerSettings)
    outbox: OutboxSettings = msgspec.field(default_factory=OutboxSettings)
    auth: AuthSettings = msgspec.field(default_factory=AuthSettings)
    logging: LoggingSettings = msgspec.field(default_factory=LoggingSettings)
    plugins: PluginsSettings = msgspec.field(default_factory=PluginsSettings)

    @property
    def is_production(self) -> bool:
        """Whether production safety rules (required secrets, JSON logs) apply."""
        return self.environment == "production"

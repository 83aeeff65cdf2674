"""Supervisors for the embedded PostgreSQL and NATS servers (no dependency on the app)."""

from hduce.runtime.errors import EmbeddedServiceError
from hduce.runtime.nats import EmbeddedNats, NatsStatus
from hduce.runtime.ports import free_port, port_is_free
from hduce.runtime.postgres import PG_BIN_DIR, EmbeddedPostgres, PostgresStatus
from hduce.runtime.watchdog import Watchdog

__all__ = [
    "PG_BIN_DIR",
    "EmbeddedNats",
    "EmbeddedPostgres",
    "EmbeddedServiceError",
    "NatsStatus",
    "PostgresStatus",
    "Watchdog",
    "free_port",
    "port_is_free",
]

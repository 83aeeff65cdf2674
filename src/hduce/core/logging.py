"""Logging: JSON lines in production, readable lines in development, a request id on every line."""

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from hduce.core.config import LoggingSettings

if TYPE_CHECKING:
    from litestar.types import Scope

request_id_var: ContextVar[str | None] = ContextVar("hduce_request_id", default=None)

QUIET_LOGGERS = ("amqtt", "transitions", "taskiq", "nats", "asyncio", "uvicorn.access")
_NOT_EXTRAS = {"message", "request_id", "color_message"}
"""Kept out of a JSON line's extras: `color_message` is uvicorn's copy with terminal colours."""
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | _NOT_EXTRAS
SECRET_PATH_OPT_KEY = "secret_path"
"""Route `opt` key: the path itself is a secret (a capability URL); logs show the template."""


def loggable_path(scope: "Scope") -> str:
    """The request path for logs: the route template when the route says its path is secret."""
    handler = scope.get("route_handler")
    if handler is not None and handler.opt.get(SECRET_PATH_OPT_KEY):
        return scope.get("path_template", "(secret path)")
    return scope["path"]


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request being served, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Attach `request_id`; never drops a record."""
        record.request_id = request_id_var.get()
        return True


class PoolRefillLine(logging.Filter):
    """asyncpg's pool-refill traceback, at each retry while the database is down, as one line.

    asyncpg logs "Failed to restore the pool connection floor" with the whole traceback; ours
    names the error on one line, like the other outage messages.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """False for that record, logged again as one `hduce.db` line; True for any other."""
        if record.exc_info is None or "connection floor" not in record.getMessage():
            return True
        # asyncpg's refilling task copied the context of the request that started it.
        token = request_id_var.set(None)
        try:
            logging.getLogger("hduce.db").warning(
                "database pool: cannot reopen its idle connections, retrying: %r",
                record.exc_info[1],
            )
        finally:
            request_id_var.reset(token)
        return False


POOL_REFILL_LINE = PoolRefillLine()


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with extras passed through `extra=`."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as a JSON line."""
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "request_id", None):
            entry["request_id"] = record.request_id
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class ConsoleFormatter(logging.Formatter):
    """Readable single lines for a developer's terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s%(rid)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        """Render the record with a short request id tag."""
        rid = getattr(record, "request_id", None)
        record.rid = f" [{rid[:8]}]" if rid else ""
        return super().format(record)


def configure_logging(settings: LoggingSettings, *, production: bool) -> None:
    """Install HDuce's handler on the root logger (idempotent)."""
    use_json = settings.format == "json" or (settings.format == "auto" and production)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if use_json else ConsoleFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(settings.level)
    quiet_level = max(logging.WARNING, logging.getLevelName(settings.level))
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(quiet_level)
    logging.getLogger("asyncpg.pool").addFilter(POOL_REFILL_LINE)  # added once: the same filter
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
        logging.getLogger(name).setLevel(logging.NOTSET)  # follow `settings.level`

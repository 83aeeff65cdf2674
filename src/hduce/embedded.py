"""Start the embedded PostgreSQL and NATS where no URL is configured, and stop them after."""

import contextlib
import errno
import hashlib
import logging
import os
import secrets
import stat
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from hduce.core.config import ConfigError, Settings
from hduce.runtime import EmbeddedNats, EmbeddedPostgres, Watchdog
from hduce.runtime.watchdog import Restartable

logger = logging.getLogger("hduce.embedded")

ROOT_HOME = Path("/root")
ROOT_FALLBACK = Path("/var/lib/hduce")
OTHERS_READ_WRITE = 0o066
"""Listing or writing by group and others; passing through (`x`) the embedded PostgreSQL's
own user needs when HDuce runs as root."""


@dataclass(frozen=True)
class ServiceUrls:
    """Where the database and NATS are, embedded or not."""

    database: str
    nats: str


def resolve_data_dir(settings: Settings) -> Path:
    """The absolute data directory, kept out of `/root` (pgserver opens its ancestors to all)."""
    data_dir = Path(settings.data_dir).expanduser().resolve()
    if not (os.geteuid() == 0 and data_dir.is_relative_to(ROOT_HOME)):
        return data_dir
    if settings.data_dir != "./var":
        raise ConfigError(
            f"`data_dir` {data_dir} is under /root: the embedded PostgreSQL would open /root to "
            "other users; choose a path outside /root"
        )
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:10]
    fallback = ROOT_FALLBACK / f"{data_dir.parent.name}-{digest}"
    logger.warning("data_dir %s is under /root; using %s instead", data_dir, fallback)
    return fallback


def writable_data_dir(settings: Settings) -> Path:
    """The data directory, created if need be (0700), once a file could be written in it.

    A `ConfigError` naming `data_dir` and the system's reason otherwise (a file by that name,
    a read-only or missing file system, no permission).
    """
    data_dir = resolve_data_dir(settings)
    try:
        if not data_dir.is_dir():
            data_dir.mkdir(0o700, parents=True)
        tempfile.TemporaryFile(dir=data_dir).close()
    except FileExistsError:  # a file, not a folder, has that name
        reason = os.strerror(errno.ENOTDIR)
    except OSError as exc:
        reason = exc.strerror or str(exc)
    else:
        return data_dir
    error = ConfigError(f"`data_dir` {data_dir} cannot hold HDuce's data: {reason}", key="data_dir")
    raise error.located_here()


def warn_if_open(data_dir: Path) -> None:
    """Log one line when other users may list or write `data_dir`, with the command to close it."""
    current = stat.S_IMODE(data_dir.stat().st_mode)
    if current & OTHERS_READ_WRITE:
        logger.warning(
            "data_dir %s is open to other users (mode %o) while it holds the clinic's database, "
            "documents and secrets: run `chmod 700 %s`",
            data_dir,
            current,
            data_dir,
        )


def embedded_postgres(settings: Settings) -> EmbeddedPostgres:
    """The embedded PostgreSQL supervisor for this data directory."""
    pgdata = resolve_data_dir(settings) / "pg"
    return EmbeddedPostgres(pgdata, shared_buffers=settings.database.shared_buffers)


@contextmanager
def services(settings: Settings) -> Iterator[ServiceUrls]:
    """Yield service URLs, starting embedded servers where no URL is configured; stop them after."""
    if not (settings.database.url and settings.nats.url):
        writable_data_dir(settings)
    with ExitStack() as stack:
        watched: dict[str, Restartable] = {}
        database = settings.database.url
        if not database:
            postgres = embedded_postgres(settings)
            database = postgres.start()
            stack.callback(postgres.release)
            watched["PostgreSQL"] = postgres
        nats = settings.nats.url
        if not nats:
            store = resolve_data_dir(settings) / "nats"
            server = EmbeddedNats(store, port=settings.nats.port or None)
            nats = server.start()
            stack.callback(server.release)
            watched["nats-server"] = server
        if watched:
            watchdog = Watchdog(watched)
            watchdog.start()
            stack.callback(watchdog.stop)  # first: a server stopped on purpose stays stopped
        yield ServiceUrls(database=database, nats=nats)


def development_secret(settings: Settings) -> str:
    """A JWT secret kept under `data_dir` so development tokens survive restarts and reloads.

    The file appears whole or not at all: written aside, then linked into place (of two starts
    at once, the first wins). An empty one, left by an older start killed before it wrote, is
    replaced.
    """
    path = writable_data_dir(settings) / "dev-jwt-secret"
    kept = _read_secret(path)
    if kept:
        return kept
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=".dev-jwt-secret.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.replace(partial, path)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""

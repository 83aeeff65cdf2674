"""A real `hduce serve` subprocess on the session's PostgreSQL and NATS, for tests."""

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hduce.core.config import Settings
from hduce.runtime import free_port
from tests.conftest import TEST_JWT_SECRET
from tests.support.context import isolated, isolated_env
from tests.support.processes import get, hduce_env, hduce_process, wait_until


@dataclass(frozen=True)
class Server:
    """A running `hduce serve`: its base URL, port, log file and process."""

    base: str
    port: int
    log: Path
    process: subprocess.Popen[bytes]


@contextmanager
def serving(folder: Path, settings: Settings, **env: str) -> Iterator[Server]:
    """`hduce serve` on the session's PostgreSQL and NATS, logging every request."""
    folder.mkdir()
    port, log = free_port(), folder / "serve.log"
    environ = hduce_env(
        DATABASE_URL=settings.database.url,
        HDUCE_NATS__URL=settings.nats.url,
        JWT_SECRET=TEST_JWT_SECRET,
        HDUCE_DATA_DIR=str(folder / "data"),
        HDUCE_SERVER__PORT=str(port),
        HDUCE_LOGGING__LEVEL="INFO",
        **isolated_env(isolated(settings)),
        **env,
    )
    with hduce_process(["serve", "--no-migrate"], environ, log) as process:
        base = f"http://127.0.0.1:{port}"
        up = wait_until(lambda: get(f"{base}/health")[0] == 200, timeout=90, interval=0.2)
        assert up, log.read_text()[-3000:]
        yield Server(base, port, log, process)

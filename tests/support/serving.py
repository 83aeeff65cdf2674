"""Real `hduce serve` and `hduce worker` subprocesses on the session's PostgreSQL and NATS."""

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


@dataclass(frozen=True)
class Worker:
    """A running `hduce worker`: its log file and process."""

    log: Path
    process: subprocess.Popen[bytes]


def environ(folder: Path, settings: Settings, **env: str) -> dict[str, str]:
    """An `hduce` process's environment: `settings`' servers and task stream, data in `folder`."""
    return hduce_env(
        DATABASE_URL=settings.database.url,
        HDUCE_NATS__URL=settings.nats.url,
        JWT_SECRET=TEST_JWT_SECRET,
        HDUCE_DATA_DIR=str(folder / "data"),
        HDUCE_LOGGING__LEVEL="INFO",
        **isolated_env(settings),
        **env,
    )


@contextmanager
def serving(folder: Path, settings: Settings, **env: str) -> Iterator[Server]:
    """`hduce serve` on the session's PostgreSQL and NATS, logging every request."""
    folder.mkdir()
    port, log = free_port(), folder / "serve.log"
    variables = environ(folder, isolated(settings), HDUCE_SERVER__PORT=str(port), **env)
    with hduce_process(["serve", "--no-migrate"], variables, log) as process:
        base = f"http://127.0.0.1:{port}"
        up = wait_until(lambda: get(f"{base}/health")[0] == 200, timeout=90, interval=0.2)
        assert up, log.read_text()[-3000:]
        yield Server(base, port, log, process)


@contextmanager
def working(folder: Path, settings: Settings, **env: str) -> Iterator[Worker]:
    """`hduce worker` on `settings`' servers and task stream, once it is ready."""
    folder.mkdir()
    log = folder / "worker.log"
    with hduce_process(["worker"], environ(folder, settings, **env), log) as process:
        up = wait_until(lambda: "worker ready" in log.read_text() or process.poll() is not None, 90)
        assert up and process.poll() is None, log.read_text()[-3000:]
        yield Worker(log, process)

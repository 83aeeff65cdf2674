"""A hang-up (the terminal closed, an SSH session dropped) stops a process as SIGTERM does."""

import signal
from pathlib import Path

from hduce.core.config import Settings
from tests.support.context import isolated
from tests.support.serving import working


def test_a_hang_up_stops_the_worker_cleanly(tmp_path: Path, settings: Settings) -> None:
    # Seen: SIGHUP ended `hduce worker` (and `serve`) at once, without stopping anything it
    # had started; the embedded PostgreSQL and nats-server ran on with no user.
    with working(tmp_path / "worker", isolated(settings)) as worker:
        worker.process.send_signal(signal.SIGHUP)
        code = worker.process.wait(timeout=60)
    log = worker.log.read_text()
    assert code == 0, log[-3000:]
    assert "worker stopping" in log, log[-3000:]

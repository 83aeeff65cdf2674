"""EmbeddedNats against a real nats-server."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import nats
import psutil
import pytest

from hduce.runtime import EmbeddedNats, EmbeddedServiceError, free_port

CHILD_SCRIPT = """
import sys, time
from pathlib import Path
from hduce.runtime import EmbeddedNats
server = EmbeddedNats(Path(sys.argv[1]))
url = server.start()
print(url, server.status().pid, flush=True)
time.sleep(60)
"""


async def test_start_serves_jetstream(store_dir: Path) -> None:
    server = EmbeddedNats(store_dir)
    url = server.start()
    assert url.startswith("nats://hduce:") and "@127.0.0.1:" in url and server.sole_user
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        await js.add_stream(name="RUNTIME_TEST", subjects=["runtime.test.>"])
        ack = await js.publish("runtime.test.one", b"hello")
        assert ack.stream == "RUNTIME_TEST" and ack.seq == 1
    finally:
        await client.close()
        server.stop()
    assert (store_dir / "nats.log").stat().st_size > 0


async def test_clients_need_the_generated_password(store_dir: Path) -> None:
    server = EmbeddedNats(store_dir)
    url = server.start()
    try:
        password = url.split("@")[0].rsplit(":", 1)[1]
        assert len(password) >= 32
        for secret in (store_dir / "password", store_dir / "nats.conf"):
            assert secret.stat().st_mode & 0o777 == 0o600, secret
        assert password not in " ".join(psutil.Process(server.status().pid).cmdline())
        anonymous = "nats://" + url.split("@")[1]
        with pytest.raises(nats.errors.Error, match="Authorization"):
            await nats.connect(anonymous, allow_reconnect=False, max_reconnect_attempts=1)
        wrong = url.replace(password, "guess")
        with pytest.raises(nats.errors.Error, match="Authorization"):
            await nats.connect(wrong, allow_reconnect=False, max_reconnect_attempts=1)
        client = await nats.connect(url)
        await client.close()
        assert EmbeddedNats(store_dir).start() == url, "a joining process reads the same password"
    finally:
        server.stop()


def test_restart_reuses_persisted_port(store_dir: Path) -> None:
    server = EmbeddedNats(store_dir)
    url = server.start()
    server.stop()
    assert EmbeddedNats(store_dir).start() == url
    assert (store_dir / "port").read_text().strip() == url.rsplit(":", 1)[1]
    EmbeddedNats(store_dir).stop()


def test_second_instance_joins_and_the_last_user_out_stops_it(store_dir: Path) -> None:
    first = EmbeddedNats(store_dir)
    url = first.start()
    second = EmbeddedNats(store_dir)
    assert second.start() == url
    assert not second.sole_user and not first.sole_user
    assert second.status().pid == first.status().pid
    second.release()
    assert first.status().running
    first.release()
    assert not first.status().running


def test_stop_leaves_no_process(store_dir: Path, nats_pids, wait_gone) -> None:
    server = EmbeddedNats(store_dir)
    server.start()
    pid = server.status().pid
    assert pid is not None and nats_pids(store_dir) == [pid]
    server.stop()
    assert wait_gone(pid, 1.0) and nats_pids(store_dir) == []
    assert not (store_dir / "nats.pid").exists()
    server.stop()  # no-op once stopped


def test_a_server_whose_starter_was_killed_is_stopped_by_its_last_user(
    store_dir: Path, wait_gone
) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD_SCRIPT, str(store_dir)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        url, pid = child.stdout.readline().split()
        assert url.startswith("nats://")
        child.send_signal(signal.SIGKILL)
        child.wait()
        server = EmbeddedNats(store_dir)
        assert server.start() == url and server.status().pid == int(pid)
        assert server.sole_user
        server.release()
        assert wait_gone(int(pid), 5.0)
        # The stale pid file is ignored and the next start comes back on the same URL.
        assert server.start() == url and server.sole_user
        server.stop()
    finally:
        child.kill()
        child.wait()


async def test_client_reconnects_after_restart(store_dir: Path) -> None:
    server = EmbeddedNats(store_dir)
    url = server.start()
    reconnected = asyncio.Event()

    async def on_reconnect() -> None:
        reconnected.set()

    client = await nats.connect(
        url, reconnect_time_wait=0.1, max_reconnect_attempts=-1, reconnected_cb=on_reconnect
    )
    try:
        server.stop()
        assert server.start() == url
        await asyncio.wait_for(reconnected.wait(), timeout=5)
        await client.flush(timeout=2)
    finally:
        await client.close()
        server.stop()


def test_busy_port_fails_with_log_tail(store_dir: Path) -> None:
    port = free_port()
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        with pytest.raises(EmbeddedServiceError, match="log tail") as caught:
            EmbeddedNats(store_dir, port=port).start()
    assert "\n" not in str(caught.value)
    assert not (store_dir / "nats.pid").exists()
    assert os.path.exists(store_dir / "nats.log")


def test_a_server_runs_while_any_process_uses_it_whoever_started_it(store_dir: Path, crash) -> None:
    """A worker's watchdog restarting a killed server must not make stopping that worker stop it,
    and serve stopping must not stop the server a worker still uses."""
    serve, worker = EmbeddedNats(store_dir), EmbeddedNats(store_dir)
    url = serve.start()
    assert worker.start() == url
    crash(serve)
    assert worker.start() == url, "the worker's watchdog restarts the server"
    worker.release()  # the worker stops (scale-down)
    assert serve.status().running, "the server serve uses must survive"
    assert worker.start() == url
    serve.release()  # serve stops, the worker goes on
    assert worker.status().running, "the server the worker uses must survive"
    worker.release()
    assert not worker.status().running


def test_a_deleted_users_lock_file_leaves_the_server_to_its_other_users(store_dir: Path) -> None:
    """A user that joined before the lock file was deleted, asking after another user locked it
    again (its watchdog tick), must see that user; and the one that locked it again stays one."""
    first, second = EmbeddedNats(store_dir), EmbeddedNats(store_dir)
    first.start()
    second.start()
    pid = first.status().pid
    try:
        (store_dir / "hduce-users.lock").unlink()
        first.renew_use()
        assert (store_dir / "hduce-users.lock").exists()
        second.release()
        assert first.status().pid == pid, "the other user's server was stopped"
        assert first.sole_user
    finally:
        first.release()
        second.release()
    assert not first.status().running

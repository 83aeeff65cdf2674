"""Fault injection with real processes: PostgreSQL stopped or frozen, nats-server killed, no worker.

Every server here is the test's own (under /tmp), never the session's. Recovery times are
printed (`pytest -s`) for the closing figures; nothing asserts on them.
"""

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import asyncpg
import msgspec
import psutil
import pytest
from tests.support.context import isolated, isolated_env, running_context
from tests.support.faults import (
    DbProbePlugin,
    FaultApp,
    fault_app,
)
from tests.support.probe import PROBE_TABLES, ProbePlugin, ProbeRequested, encode
from tests.support.processes import (
    hduce_env,
    hduce_process,
    kill_tree,
    processes_using,
    wait_until,
)

from hduce.core.config import Settings
from hduce.core.context import AppContext
from hduce.runtime import EmbeddedNats, EmbeddedPostgres, Watchdog, free_port

pytestmark = pytest.mark.faults


async def connect(dsn: str) -> asyncpg.Connection:
    """A connection of the test's own, waiting out a server that is still starting."""
    deadline = time.monotonic() + 15
    while True:
        try:
            return await asyncpg.connect(dsn, timeout=5)
        except (OSError, asyncpg.CannotConnectNowError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def publish(dsn: str, *labels: str) -> None:
    """Write probe events to the outbox as a service would (the app's pool is on its own loop)."""
    connection = await connect(dsn)
    try:
        await connection.executemany(
            "INSERT INTO outbox (id, name, payload) VALUES (gen_random_uuid(), $1, $2::jsonb)",
            [(ProbeRequested.name, encode(ProbeRequested(label=label))) for label in labels],
        )
    finally:
        await connection.close()


async def count(dsn: str, query: str, *args: object) -> int:
    """One count from a fresh connection (the app's pool is what is under test)."""
    connection = await connect(dsn)
    try:
        return int(await connection.fetchval(query, *args))
    finally:
        await connection.close()


async def wait_for_effects(dsn: str, labels: list[str], timeout: float) -> float:
    """Wait until every label has its probe effect; return how long that took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        done = await count(dsn, "SELECT count(*) FROM probe_effect WHERE label = ANY($1)", labels)
        if done == len(labels):
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise AssertionError(f"{len(labels) - done} of {len(labels)} effects missing after {timeout}s")


async def background_ok(app: FaultApp, within: float) -> bool:
    """Poll `/health/detailed` until its background check passes."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        report = (await app.health()).json()
        if report["checks"]["background"]["ok"]:
            return True
        await asyncio.sleep(0.2)
    return False


async def test_database_restart_relay_resumes_and_requests_get_503(
    fault_settings: Settings, fault_pg: EmbeddedPostgres, fault_dsn: str
) -> None:
    async with fault_app(fault_settings, [DbProbePlugin()]) as app:
        before = uuid.uuid4().hex
        await publish(fault_dsn, before)
        await wait_for_effects(fault_dsn, [before], timeout=10)
        assert (await app.client.get("/api/v1/db-probe")).json() == {"value": 1}

        await asyncio.to_thread(fault_pg.stop)
        refused = await app.client.get("/api/v1/db-probe")
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert int(refused.headers["retry-after"]) > 0
        assert refused.json()["type"].endswith("/service-unavailable")
        credentials = {"email": "nobody@example.org", "password": "long enough password"}
        login = await app.client.post("/api/v1/auth/login", json=credentials)
        assert login.status_code == 503, login.text  # a real route, its rate limit in the database
        account = {
            "email": "new@example.org",
            "username": "newpatient",
            "password": "correct horse battery staple",
            "first_name": "New",
            "last_name": "Patient",
        }
        register = await app.client.post("/api/v1/auth/register", json=account)
        assert register.status_code == 503, register.text  # a write in a transaction
        await asyncio.sleep(3)  # longer than the stall clock: the relay has met the outage
        health = await app.health()
        assert health.status_code == 503
        relay = health.json()["checks"]["background"]["detail"]["outbox-relay"]
        assert relay["problem"] is not None, relay

        await asyncio.to_thread(fault_pg.start)
        restarted = time.monotonic()
        after = uuid.uuid4().hex
        await publish(fault_dsn, after)
        await wait_for_effects(fault_dsn, [after], timeout=10)
        print(
            f"\nPostgreSQL restart: relay drained {time.monotonic() - restarted:.2f}s after start"
        )
        assert (await app.client.get("/api/v1/db-probe")).status_code == 200
        assert await background_ok(app, within=10)


async def test_a_database_out_of_disk_answers_507_and_out_of_connections_503(
    fault_settings: Settings,
) -> None:
    # A full data disk made every write answer 500 "An unexpected error occurred".
    async with fault_app(fault_settings, [DbProbePlugin()]) as app:
        full = await app.client.get("/api/v1/db-probe/out-of/disk")
        busy = await app.client.get("/api/v1/db-probe/out-of/connections")
        assert (await app.client.get("/api/v1/db-probe")).status_code == 200
    assert full.status_code == 507, full.text
    assert full.headers["content-type"].startswith("application/problem+json")
    problem = full.json()
    assert problem["type"].endswith("/insufficient-storage")
    assert "no space left" in problem["detail"] and "was not saved" in problem["detail"]
    assert busy.status_code == 503, busy.text
    assert "retry-after" in busy.headers


@pytest.fixture
def own_nats() -> Iterator[EmbeddedNats]:
    """A nats-server of the test's own on a fixed free port, so it can be killed and restarted."""
    folder = Path(tempfile.mkdtemp(prefix="hduce-faults-nats-", dir="/tmp"))
    server = EmbeddedNats(folder / "nats", port=free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
        for leftover in processes_using(folder):
            kill_tree(leftover.pid)
        shutil.rmtree(folder, ignore_errors=True)


def with_nats(settings: Settings, server: EmbeddedNats) -> Settings:
    """`settings` pointing at `server`."""
    url = server.status().url
    assert url is not None
    return msgspec.structs.replace(settings, nats=msgspec.structs.replace(settings.nats, url=url))


def kill_nats(server: EmbeddedNats) -> int:
    """kill -9 the server, as the OOM killer would; return its pid."""
    pid = server.status().pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: server.status().pid != pid, timeout=5)
    return pid


async def tasks_published_and_run(
    context: AppContext, raw_pool: asyncpg.Pool, labels: list[str]
) -> tuple[int, int]:
    """Messages in the test's task stream, and probe executions of `labels`."""
    await asyncio.sleep(1)  # let any late duplicate arrive
    stream = await context.broker.js.stream_info(context.settings.nats.tasks_stream)
    attempts = await raw_pool.fetchval(
        "SELECT count(*) FROM probe_attempt WHERE label = ANY($1)", labels
    )
    return stream.state.messages, attempts


async def test_nats_outage_publishes_each_task_once(
    settings: Settings, raw_pool: asyncpg.Pool, own_nats: EmbeddedNats, database_url: str
) -> None:
    await raw_pool.execute(PROBE_TABLES)
    test_settings = isolated(with_nats(settings, own_nats))
    async with running_context(test_settings, [ProbePlugin()]) as context:
        before = uuid.uuid4().hex
        await publish(database_url, before)
        await wait_for_effects(database_url, [before], timeout=10)

        kill_nats(own_nats)
        during = [uuid.uuid4().hex for _ in range(10)]
        await publish(database_url, *during)
        await asyncio.sleep(8)  # the relay retries the rows several times meanwhile
        await asyncio.to_thread(own_nats.start)
        restarted = time.monotonic()
        await wait_for_effects(database_url, during, timeout=30)
        print(f"\nNATS outage 8s: drained {time.monotonic() - restarted:.2f}s after restart")
        published, executed = await tasks_published_and_run(context, raw_pool, [before, *during])
    assert published == 1 + len(during), "each task is published once"
    assert executed == 1 + len(during), "each task is executed once"


async def test_killed_nats_server_is_restarted_and_nothing_runs_twice(
    settings: Settings, raw_pool: asyncpg.Pool, own_nats: EmbeddedNats, database_url: str
) -> None:
    await raw_pool.execute(PROBE_TABLES)
    test_settings = isolated(with_nats(settings, own_nats))
    watchdog = Watchdog({"nats-server": own_nats}, interval=0.2)
    watchdog.start()
    try:
        async with running_context(test_settings, [ProbePlugin()]) as context:
            before = uuid.uuid4().hex
            await publish(database_url, before)
            await wait_for_effects(database_url, [before], timeout=10)

            killed = time.monotonic()
            kill_nats(own_nats)
            during = [uuid.uuid4().hex for _ in range(10)]
            await publish(database_url, *during)
            await wait_for_effects(database_url, during, timeout=30)
            print(f"\nkill -9 nats-server: all drained {time.monotonic() - killed:.2f}s after")
            published, executed = await tasks_published_and_run(
                context, raw_pool, [before, *during]
            )
    finally:
        watchdog.stop()
    assert watchdog.restarts["nats-server"] >= 1
    assert published == executed == 1 + len(during)


async def test_killed_postgres_is_restarted_and_the_relay_drains(
    fault_settings: Settings, fault_pg: EmbeddedPostgres, fault_dsn: str
) -> None:
    watchdog = Watchdog({"PostgreSQL": fault_pg}, interval=0.2)
    watchdog.start()
    try:
        async with fault_app(fault_settings, [DbProbePlugin()]) as app:
            postmaster = fault_pg.status().pid
            assert postmaster is not None
            killed = time.monotonic()
            os.kill(postmaster, signal.SIGKILL)
            assert wait_until(lambda: fault_pg.status().pid not in (None, postmaster), timeout=30)
            label = uuid.uuid4().hex
            await publish(fault_dsn, label)
            await wait_for_effects(fault_dsn, [label], timeout=10)
            print(f"\nkill -9 postmaster: relay drained {time.monotonic() - killed:.2f}s after")
            assert await background_ok(app, within=10)
    finally:
        watchdog.stop()


async def test_shutdown_while_nats_is_down_is_clean(
    settings: Settings, own_nats: EmbeddedNats
) -> None:
    test_settings = isolated(with_nats(settings, own_nats))
    async with fault_app(test_settings, []) as app:
        assert (await app.client.get("/health")).status_code == 200
        own_nats.stop()
        await asyncio.sleep(1.5)  # the broker notices and starts reconnecting
    # Leaving the block ran the lifespan's shutdown: it raised nothing and did not hang.


async def health_of_workers(app: FaultApp) -> tuple[int, list[dict[str, object]] | None]:
    """The `/health/detailed` status and the live workers it lists.

    None when the workers check itself failed (e.g. timed out under load): that says nothing
    about which workers live.
    """
    response = await app.health()
    return response.status_code, response.json()["checks"]["workers"]["detail"].get("live")


async def wait_for_workers(
    app: FaultApp, alive: bool, within: float
) -> tuple[int, list[dict[str, object]]]:
    """Poll until some worker is (or none is) listed; return that health status and list."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        status, live = await health_of_workers(app)
        if live is not None and bool(live) is alive:
            return status, live
        await asyncio.sleep(0.2)
    raise AssertionError(f"workers alive={not alive} still after {within}s")


async def test_health_is_503_while_no_worker_consumes_tasks(
    settings: Settings, tmp_path: Path
) -> None:
    base = isolated(settings)
    worker = msgspec.structs.replace(base.worker, embedded=False, heartbeat_interval=0.5)
    test_settings = msgspec.structs.replace(base, worker=worker)
    env = hduce_env(
        DATABASE_URL=settings.database.url,
        HDUCE_NATS__URL=settings.nats.url,
        HDUCE_WORKER__HEARTBEAT_INTERVAL="0.5s",
        **isolated_env(test_settings),
    )
    async with fault_app(test_settings, []) as app:
        status, _ = await wait_for_workers(app, alive=False, within=10)
        assert status == 503, "no worker runs yet"

        with hduce_process(["worker"], env, tmp_path / "worker.log") as process:
            _, live = await wait_for_workers(app, alive=True, within=60)
            assert [entry["pid"] for entry in live] == [process.pid]

            killed = time.monotonic()
            kill_tree(process.pid)
            process.wait(timeout=10)
            status, _ = await wait_for_workers(app, alive=False, within=10)
            print(f"\nkill -9 worker: health 503 after {time.monotonic() - killed:.2f}s")
            assert status == 503


def http_status(url: str) -> int:
    """The status `url` answers with, 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def _dead(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def embedded(data_dir: Path, name: str) -> psutil.Process:
    """The one live `name` process (postgres: the postmaster) serving `data_dir`."""
    found = [p for p in processes_using(data_dir) if p.name() == name]
    if name == "postgres":
        found = [p for p in found if p.parent() is None or p.parent().name() != "postgres"]
    assert len(found) == 1, found
    return found[0]


def test_serve_restarts_its_killed_embedded_servers(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    health = f"http://127.0.0.1:{port}/health/detailed"
    env = hduce_env(HDUCE_DATA_DIR=str(data_dir), HDUCE_SERVER__PORT=str(port))
    log = tmp_path / "serve.log"
    with hduce_process(["serve"], env, log) as server:
        assert wait_until(lambda: http_status(health) == 200, timeout=90), log.read_text()[-3000:]
        for name in ("nats-server", "postgres"):
            victim = embedded(data_dir, name)
            killed = time.monotonic()
            victim.kill()
            assert wait_until(partial(_dead, victim), timeout=10)
            healthy = wait_until(lambda: http_status(health) == 200, timeout=60)
            assert healthy, log.read_text()[-3000:]
            assert embedded(data_dir, name).pid != victim.pid
            print(f"\nserve, kill -9 {name}: healthy again {time.monotonic() - killed:.1f}s later")
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert "shutdown failed" not in log.read_text()
    assert wait_until(lambda: not processes_using(data_dir), timeout=10), processes_using(data_dir)


def test_serve_and_worker_on_one_data_dir_each_leave_the_servers_to_the_other(
    tmp_path: Path,
) -> None:
    """Regression (soak): the worker's watchdog restarted a killed PostgreSQL, and the worker's
    clean stop then shut it down under serve (503 until serve's watchdog restarted it); serve
    stopping stopped the servers a worker on its data dir still used."""
    data_dir = tmp_path / "data"
    port = free_port()
    health = f"http://127.0.0.1:{port}/health/detailed"
    env = hduce_env(
        HDUCE_DATA_DIR=str(data_dir), HDUCE_SERVER__PORT=str(port), HDUCE_LOGGING__LEVEL="INFO"
    )

    def servers() -> dict[str, int]:
        return {name: embedded(data_dir, name).pid for name in ("postgres", "nats-server")}

    def ready(log: Path) -> bool:
        return "worker ready" in log.read_text()

    try:
        with contextlib.ExitStack() as stack:
            serve = stack.enter_context(hduce_process(["serve"], env, tmp_path / "serve.log"))
            assert wait_until(lambda: http_status(health) == 200, timeout=90)
            first_log = tmp_path / "worker-1.log"
            worker = stack.enter_context(hduce_process(["worker"], env, first_log))
            assert wait_until(partial(ready, first_log), timeout=60), first_log.read_text()
            victim = embedded(data_dir, "postgres")
            victim.kill()
            assert wait_until(partial(_dead, victim), timeout=10)
            assert wait_until(lambda: http_status(health) == 200, timeout=60)
            running = servers()
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0, first_log.read_text()[-3000:]
            time.sleep(3)  # a server stopped meanwhile would be back by now, with another pid
            assert servers() == running, "the worker stopped a server serve uses"
            assert http_status(health) == 200

            second_log = tmp_path / "worker-2.log"
            worker = stack.enter_context(hduce_process(["worker"], env, second_log))
            assert wait_until(partial(ready, second_log), timeout=60), second_log.read_text()
            serve.send_signal(signal.SIGTERM)
            serve.wait(timeout=60)
            time.sleep(3)
            assert servers() == running, "serve stopped a server the worker uses"
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0, second_log.read_text()[-3000:]
        left = wait_until(lambda: not processes_using(data_dir), timeout=10)
        assert left, processes_using(data_dir)
    finally:  # what a failed run left behind (PostgreSQL is no child of ours)
        for process in processes_using(data_dir):
            process.kill()

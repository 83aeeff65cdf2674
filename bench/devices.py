"""Devices benchmark: readings/s from real MQTT connections into PostgreSQL, CONNECT latency,
side by side with a bare amqtt broker, and the memory of 1,000 connected devices.

Runs the devices plugin in-process (its amqtt broker, the telemetry spool and batch writer, the
outbox relay and the TaskIQ receiver, as `hduce serve` does) against an embedded PostgreSQL and
nats-server under a scratch dir in /tmp, with the broker on a free loopback port. The devices are
aiomqtt clients in a separate process (so they do not share the broker's event loop): each signs
in with its own id and secret, then all publish `--messages` QoS 1 telemetry messages at once.
Values stay within the alert bounds, so no alerts are raised. The same clients then publish the
same load to a bare amqtt 0.12.1 broker (anonymous, no plugins) in this same process.
Run from the repository root: `.venv/bin/python bench/devices.py [--devices 20 --messages 1000]`.
"""

import argparse
import asyncio
import multiprocessing
import os
import secrets
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, NamedTuple

import aiomqtt
import msgspec
import psutil
from amqtt.broker import Broker

from _common import (
    REPO_ROOT,
    at_least_one,
    free_port,
    median,
    percentile,
    print_table,
    run_with_servers,
    servers_under,
)
from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.core import lifecycle
from hduce.core.config import Settings, load_settings
from hduce.core.context import AppContext
from hduce.core.db import open_database
from hduce.core.migrations import apply_migrations
from hduce.core.plugin import HducePlugin
from hduce.piccolo_conf import DB
from hduce.plugins.devices.services._credentials import hash_secret

PLUGINS = '["metrics", "audit", "auth", "users", "notifications", "devices"]'


def parse_args() -> argparse.Namespace:
    """Size flags."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--devices", type=at_least_one, default=20, help="MQTT devices (default 20)"
    )
    parser.add_argument(
        "--messages", type=at_least_one, default=1000, help="messages per device (default 1000)"
    )
    parser.add_argument("--readings", type=at_least_one, default=1, help="readings per message")
    parser.add_argument("--timeout", type=float, default=120.0, help="max seconds")
    parser.add_argument(
        "--idle-devices",
        type=at_least_one,
        default=1000,
        help="connections held for the RSS figure",
    )
    parser.add_argument(
        "--rounds", type=at_least_one, default=3, help="HDuce / bare amqtt alternations"
    )
    parser.add_argument(
        "--inflight",
        type=at_least_one,
        default=1,
        help="messages a device has unacknowledged at once",
    )
    parser.add_argument(
        "--flush-window",
        default=None,
        help="the devices plugin's spool_flush_window (e.g. 0, 1ms; default: the product's)",
    )
    return parser.parse_args()


def bench_settings(
    dsn: str, nats_url: str, mqtt_port: int, flush_window: str | None = None
) -> Settings:
    """The test config with the devices plugin listening on `mqtt_port`."""
    environ = {
        "DATABASE_URL": dsn,
        "HDUCE_NATS__URL": nats_url,
        "JWT_SECRET": secrets.token_urlsafe(32),
        "HDUCE_PLUGINS__ENABLED": PLUGINS,
        "HDUCE_PLUGINS__DEVICES__PORT": str(mqtt_port),
        # Every bench device connects at once from one address, beyond the default cap.
        "HDUCE_PLUGINS__DEVICES__MAX_UNAUTHENTICATED_PER_ADDRESS": "100000",
        "HDUCE_PLUGINS__DEVICES__MAX_CONNECTIONS": "5000",
        # Each bench device publishes as fast as it is acknowledged, beyond the default pace:
        # the bench measures the broker's capacity, not the per-connection limit.
        "HDUCE_PLUGINS__DEVICES__MAX_PACKET_RATE": "0",
        # Beside the embedded PostgreSQL (the scratch dir's `pg`), so it is removed with it.
        "HDUCE_PLUGINS__DEVICES__SPOOL_DIR": str(Path(dsn.split("host=")[-1]).parent / "spool"),
    }
    if flush_window is not None:
        environ["HDUCE_PLUGINS__DEVICES__SPOOL_FLUSH_WINDOW"] = flush_window
    return load_settings(config_file=str(REPO_ROOT / "config" / "test.toml"), environ=environ)


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[tuple[AppContext, Any]]:
    """Migrate, then pool, task broker, relay, receiver and the MQTT broker (as `hduce serve`)."""
    DB.configure(settings.database.url)
    async with open_database(DB, settings.database):
        await apply_migrations(quiet=True)
    plugins = load_plugins(settings)
    context = build_context(settings, "web", settings.database.url, settings.nats.url)
    setup_plugins(context, plugins)
    devices: HducePlugin = next(p for p in plugins if p.name == "devices")
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(open_database(context.db, settings.database))
        await stack.enter_async_context(lifecycle.running_broker(context))
        await stack.enter_async_context(
            lifecycle.background_services(context, relay=True, receiver=True)
        )
        for lifespan in devices.lifespans():
            await stack.enter_async_context(lifespan(None))
        try:
            yield context, devices.broker  # type: ignore[attr-defined]
        finally:
            await context.registry.close()


async def seed(context: AppContext, count: int) -> list[tuple[str, str]]:
    """An admin, `count` patients and one device assigned to each; (device id, secret) pairs."""
    admin = uuid.uuid4()
    insert = (
        "INSERT INTO account (id, email, username, password_hash, roles, status) "
        "VALUES ($1, $2, $3, 'x', $4, 'active')"
    )
    pool = context.db.shared_pool
    await pool.execute(insert, admin, f"{admin}@bench.test", f"a{admin.hex}", ["admin"])
    devices = []
    for _ in range(count):
        patient, device, secret = uuid.uuid4(), uuid.uuid4(), secrets.token_urlsafe(32)
        await pool.execute(insert, patient, f"{patient}@bench.test", f"p{patient.hex}", ["patient"])
        await pool.execute(
            "INSERT INTO device (id, kind, name, serial, patient, secret_hash, active, "
            "created_by, created_at, invalid_messages) "
            "VALUES ($1, 'pulse_oximeter', 'bench', $2, $3, $4, true, $5, now(), 0)",
            device,
            device.hex,
            patient,
            hash_secret(secret),
            admin,
        )
        devices.append((str(device), secret))
    return devices


def run_devices(
    port: int,
    devices: list[tuple[str, str]],
    messages: int,
    readings: int,
    inflight: int,
    results: Any,
) -> None:
    """In a child process: connect every device, then publish from all of them at once."""
    results.put(asyncio.run(_devices(port, devices, messages, readings, inflight)))


def hold_devices(port: int, devices: list[tuple[str, str]], release: Any, results: Any) -> None:
    """In a child process: connect every device, report, stay connected until `release`."""
    asyncio.run(_hold(port, devices, release, results))


async def _hold(port: int, devices: list[tuple[str, str]], release: Any, results: Any) -> None:
    async with AsyncExitStack() as stack:
        for device_id, secret in devices:
            client = aiomqtt.Client(
                "127.0.0.1", port, username=device_id, password=secret, identifier=device_id
            )
            await stack.enter_async_context(client)
        results.put(len(devices))
        await asyncio.to_thread(release.wait)


async def _devices(
    port: int, devices: list[tuple[str, str]], messages: int, readings: int, inflight: int
) -> dict[str, Any]:
    connect_ms: list[float] = []
    go = asyncio.Event()
    connected = asyncio.Barrier(len(devices) + 1)
    timings: dict[str, float] = {}

    async def device(device_id: str, secret: str) -> None:
        started = time.perf_counter()
        async with aiomqtt.Client(
            "127.0.0.1", port, username=device_id, password=secret, identifier=device_id
        ) as client:
            connect_ms.append((time.perf_counter() - started) * 1000)
            await connected.wait()
            await go.wait()
            topic = f"devices/{device_id}/telemetry"
            window = asyncio.Semaphore(inflight)  # messages waiting for their PUBACK at once

            async def publish(n: int) -> None:
                body = {
                    "readings": [
                        {"metric": "heart_rate", "value": 60 + (n + r) % 40, "unit": "bpm"}
                        for r in range(readings)
                    ]
                }
                async with window:
                    await client.publish(topic, msgspec.json.encode(body), qos=1)

            await asyncio.gather(*(publish(n) for n in range(messages)))

    alone_ms = []
    for device_id, secret in devices:  # one at a time: the cost of a sign-in on an idle broker
        started = time.perf_counter()
        async with aiomqtt.Client(
            "127.0.0.1", port, username=device_id, password=secret, identifier=device_id
        ):
            alone_ms.append((time.perf_counter() - started) * 1000)
    tasks = [asyncio.create_task(device(d, s)) for d, s in devices]
    await connected.wait()
    timings["publish_started"] = time.time()
    cpu = time.process_time()
    go.set()
    await asyncio.gather(*tasks)
    timings["publish_acked"] = time.time()
    timings["client_cpu"] = time.process_time() - cpu
    return {"connect_ms": connect_ms, "alone_ms": alone_ms, **timings}


async def wait_for_readings(
    context: AppContext, ingest: Any, messages: int, seconds: float
) -> tuple[int, float]:
    """Wait until the writer has committed `messages` in all; (readings in the table, wall time).

    The writer counts a message `stored` once the statement or transaction holding it has
    returned from PostgreSQL, so its count is the committed figure without a query per poll
    competing with the broker for the loop and the database.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ingest.counts["stored"] >= messages:
            break
        await asyncio.sleep(0.002)
    reached = time.time()
    return await context.db.shared_pool.fetchval("SELECT count(*) FROM reading"), reached


@asynccontextmanager
async def child(target: Any, *args: Any) -> AsyncIterator[Any]:
    """A spawned child running `target(*args, results)`; yields its results queue."""
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    process = spawn.Process(target=target, args=(*args, results))
    process.start()
    try:
        yield results
    finally:
        # In a thread: the broker and its writer go on while the clients exit.
        await asyncio.to_thread(process.join, 10)
        if process.is_alive():
            process.kill()
            await asyncio.to_thread(process.join)


async def publish_load(port: int, devices: list[tuple[str, str]], args: Any) -> dict[str, Any]:
    """Run the publishing clients against the broker on `port`; their timings."""
    load = (port, devices, args.messages, args.readings, args.inflight)
    async with child(run_devices, *load) as results:
        return await asyncio.to_thread(results.get, True, args.timeout)


async def rss_per_connection(port: int, devices: list[tuple[str, str]], args: Any) -> float:
    """Growth of this process's RSS (bytes) while `devices` stay connected to the broker."""
    before = psutil.Process().memory_info().rss
    release = multiprocessing.get_context("spawn").Event()
    async with child(hold_devices, port, devices, release) as results:
        try:
            await asyncio.to_thread(results.get, True, args.timeout)
            await asyncio.sleep(1)  # let the broker settle its per-connection tasks
            return (psutil.Process().memory_info().rss - before) / len(devices)
        finally:
            release.set()


@asynccontextmanager
async def bare_amqtt() -> AsyncIterator[int]:
    """A bare amqtt broker (anonymous, no plugins) on this loop; yields its port."""
    port = free_port()
    listener = {"type": "tcp", "bind": f"127.0.0.1:{port}", "max_connections": 5000}
    broker = Broker(
        {
            "listeners": {"default": listener},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {}},
        }
    )
    await broker.start()
    try:
        yield port
    finally:
        await broker.shutdown()


class Round(NamedTuple):
    """Seconds from the go signal of one round (HDuce acked, HDuce stored, bare amqtt acked) and
    CPU seconds spent meanwhile by the broker process, PostgreSQL and the clients."""

    acked: float
    stored: float
    bare: float
    cpu: "Cpu"
    bare_cpu: "Cpu"
    load: float
    """The 1-minute load average at the end of the round."""


class Cpu(NamedTuple):
    """CPU seconds of one load: the broker process, PostgreSQL's processes, the clients."""

    broker: float
    postgres: float
    clients: float


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User + system CPU seconds of `processes` so far (those that exited count 0)."""
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


async def measured(
    load: Any, postgres: list[psutil.Process]
) -> tuple[dict[str, Any], float, float]:
    """Await `load`; its result and the CPU seconds of this process and of `postgres` meanwhile."""
    me = [psutil.Process()]
    before, pg_before = cpu_seconds(me), cpu_seconds(postgres)
    outcome = await load
    return outcome, cpu_seconds(me) - before, cpu_seconds(postgres) - pg_before


async def bench(args: argparse.Namespace, dsn: str, nats_url: str) -> None:
    """Run the app with its broker and a bare amqtt, alternate the same load on both, report."""
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    settings = bench_settings(dsn, nats_url, free_port(), args.flush_window)
    per_round = args.devices * args.messages * args.readings
    rounds: list[Round] = []
    async with running(settings) as (context, broker), bare_amqtt() as bare_port:
        postgres = postgres_processes(dsn)
        for n in range(1, args.rounds + 1):
            devices = await seed(context, args.devices)
            # Counted from before the load, so the figure is when the last row is there, not
            # when the publishing process has exited.
            expected = n * args.devices * args.messages
            counting = asyncio.create_task(
                wait_for_readings(context, broker.ingest, expected, args.timeout)
            )
            outcome, cpu, pg_cpu = await measured(
                _until_stored(publish_load(broker.port, devices, args), counting), postgres
            )
            outcome, (stored, stored_at) = outcome
            bare, bare_cpu, bare_pg = await measured(
                publish_load(bare_port, devices, args), postgres
            )
            started = outcome["publish_started"]
            rounds.append(
                Round(
                    outcome["publish_acked"] - started,
                    stored_at - started,
                    bare["publish_acked"] - bare["publish_started"],
                    Cpu(cpu, pg_cpu, outcome["client_cpu"]),
                    Cpu(bare_cpu, bare_pg, bare["client_cpu"]),
                    os.getloadavg()[0],
                )
            )
            if n == 1:
                first = (outcome, stored, stored_at)
        counts = dict(broker.ingest.counts)
        idle = await seed(context, args.idle_devices)
        per_connection = await rss_per_connection(broker.port, idle, args)
    outcome, stored, stored_at = first
    report(args, outcome, per_round, stored, stored_at, counts)
    report_side_by_side(args, rounds, per_connection)


async def _until_stored(load: Any, counting: Any) -> tuple[dict[str, Any], Any]:
    """The clients' timings once the writer has also stored everything."""
    outcome = await load
    return outcome, await counting


def postgres_processes(dsn: str) -> list[psutil.Process]:
    """The embedded PostgreSQL's processes (postmaster and the backends running now)."""
    return servers_under(Path(dsn.split("host=")[-1]).parent)


def report(
    args: argparse.Namespace,
    outcome: dict[str, Any],
    expected: int,
    stored: int,
    stored_at: float,
    counts: dict[str, int],
) -> None:
    """Print throughput, CONNECT latency and drops."""
    started = outcome["publish_started"]
    acked = outcome["publish_acked"] - started
    end_to_end = stored_at - started
    connect, alone = outcome["connect_ms"], outcome["alone_ms"]
    messages = args.devices * args.messages
    print()
    print(
        f"{args.devices} devices x {args.messages} QoS 1 messages x {args.readings} reading(s), "
        "one MQTT connection each, clients in a separate process:"
    )
    print_table(
        ["stage", "seconds", "messages/s", "readings/s"],
        [
            [
                "all publishes acknowledged",
                acked,
                messages / acked,
                messages * args.readings / acked,
            ],
            ["all readings in PostgreSQL", end_to_end, messages / end_to_end, stored / end_to_end],
        ],
    )
    print_table(
        ["CONNECT -> CONNACK (ms)", "p50", "p99", "max"],
        [
            [f"one at a time, n={len(alone)}", *_spread(alone)],
            [f"all at once, n={len(connect)}", *_spread(connect)],
        ],
    )
    print(f"stored {stored}/{expected} readings; writer counts: {counts}")
    print(f"refused (spool full, not acknowledged): {counts.get('refused', 0)}")


def report_side_by_side(
    args: argparse.Namespace, rounds: list[Round], per_connection: float
) -> None:
    """HDuce (ack after fsync, rows committed) next to bare amqtt (ack from memory), per round."""
    messages = args.devices * args.messages
    rows = []
    for n, r in enumerate(rounds, 1):
        rows.append(
            [
                n,
                messages / r.bare,
                messages / r.acked,
                messages / r.stored,
                r.bare / r.acked,
                r.bare / r.stored,
                r.load,
            ]
        )
    ratios = [r.bare / r.stored for r in rounds]
    print("\nThe same load, alternately on HDuce and on a bare amqtt 0.12.1 broker (messages/s):")
    print_table(
        [
            "round",
            "bare amqtt acked",
            "HDuce acked (fsynced)",
            "HDuce committed",
            "acked x bare",
            "committed x bare",
            "load",
        ],
        rows,
    )
    print(f"median committed x bare amqtt: {median(ratios):.2f} (target >= 0.8)")
    cpu_ratios = [r.cpu.broker / r.bare_cpu.broker for r in rounds]
    print(f"median broker CPU per message, HDuce / bare amqtt: {median(cpu_ratios):.2f}")
    print("\nCPU per message (µs) during each load, HDuce / bare amqtt:")
    print_table(
        ["round", "broker process", "PostgreSQL", "clients"],
        [
            [
                n,
                *(
                    f"{h * 1e6 / messages:.0f} / {b * 1e6 / messages:.0f}"
                    for h, b in zip(r.cpu, r.bare_cpu, strict=True)
                ),
            ]
            for n, r in enumerate(rounds, 1)
        ],
    )
    print(
        f"RSS of the broker process per {args.idle_devices} connected devices: "
        f"{per_connection * 1000 / 2**20:.1f} MiB ({per_connection / 1024:.1f} KiB each)"
    )


def _spread(values: list[float]) -> list[float]:
    return [percentile(values, 50), percentile(values, 99), max(values)]


def main() -> None:
    """Start the servers under a scratch dir, run the bench, always stop them."""
    args = parse_args()
    run_with_servers("hduce-bench-devices-", lambda dsn, nats_url: bench(args, dsn, nats_url))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")

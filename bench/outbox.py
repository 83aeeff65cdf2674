"""Outbox benchmark: latency from commit to task start, and sustained events/s, in-process.

Runs the real relay (LISTEN/NOTIFY + FOR UPDATE SKIP LOCKED) and an in-process TaskIQ receiver
against an embedded PostgreSQL and nats-server started under a scratch dir in /tmp.
Run from the repository root: `.venv/bin/python bench/outbox.py [--events 200] [--burst 2000]`.
"""

import argparse
import asyncio
import contextlib
import secrets
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from _common import (
    REPO_ROOT,
    percentile,
    print_table,
    run_with_servers,
    verdict,
)
from hduce.bootstrap import build_context, setup_plugins
from hduce.core import lifecycle
from hduce.core.config import Settings, load_settings
from hduce.core.context import AppContext
from hduce.core.db import open_database
from hduce.core.dispatch import TaskDispatcher
from hduce.core.events import Event, EventMeta
from hduce.core.migrations import apply_migrations
from hduce.core.outbox import OutboxRow
from hduce.core.plugin import HducePlugin
from hduce.piccolo_conf import DB

P95_TARGET_MS = 50.0


class BenchPinged(Event, frozen=True):
    """One benchmark event; `published_at` is the wall clock when it was written."""

    name = "bench.pinged"
    phase: str
    seq: int
    published_at: float


@dataclass
class Recorder:
    """Notes, in the handler, when each event's task started; wakes whoever waits for it."""

    started: dict[tuple[str, int], float] = field(default_factory=dict)
    started_wall: dict[tuple[str, int], float] = field(default_factory=dict)
    published_wall: dict[tuple[str, int], float] = field(default_factory=dict)
    dispatch_start: dict[str, float] = field(default_factory=dict)
    dispatch_end: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    _waiters: dict[tuple[str, int], asyncio.Event] = field(default_factory=dict)

    async def on_pinged(self, event: BenchPinged, meta: EventMeta) -> None:
        """The task body: record the first start of every event (delivery is at-least-once)."""
        now, wall = time.perf_counter(), time.time()
        key = (event.phase, event.seq)
        if key in self.started:
            self.duplicates += 1
            return
        self.started[key] = now
        self.started_wall[key] = wall
        self.published_wall[key] = event.published_at
        self.counts[event.phase] = self.counts.get(event.phase, 0) + 1
        for waiting in (key, (event.phase, -self.counts[event.phase])):
            if waiting in self._waiters:
                self._waiters[waiting].set()

    def waiter(self, key: tuple[str, int]) -> asyncio.Event:
        """The event set when `key` = (phase, seq) has started, or (phase, -n) when n have."""
        return self._waiters.setdefault(key, asyncio.Event())

    async def started_one(self, phase: str, seq: int) -> None:
        """Wait until the task of one event has started."""
        if (phase, seq) not in self.started:
            await self.waiter((phase, seq)).wait()
        self._waiters.pop((phase, seq), None)

    async def started_all(self, phase: str, count: int) -> None:
        """Wait until `count` distinct events of a phase have started."""
        if self.counts.get(phase, 0) < count:
            await self.waiter((phase, -count)).wait()


class BenchPlugin(HducePlugin):
    """Subscribes the recorder to `BenchPinged` as the task `bench.record`."""

    name = "bench"

    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    def setup(self, context: AppContext) -> None:
        """Subscribe the recording handler."""
        super().setup(context)
        context.events.subscribe(BenchPinged, self.recorder.on_pinged, task_name="bench.record")


def timed_dispatcher(recorder: Recorder) -> type[TaskDispatcher]:
    """A `TaskDispatcher` that notes when the relay starts and finishes each row."""

    class TimedDispatcher(TaskDispatcher):
        async def dispatch(self, row: OutboxRow) -> None:
            """Dispatch as usual, noting start and end."""
            recorder.dispatch_start.setdefault(str(row.id), time.perf_counter())
            await super().dispatch(row)
            recorder.dispatch_end.setdefault(str(row.id), time.perf_counter())

    return TimedDispatcher


def parse_args() -> argparse.Namespace:
    """Size and tuning flags (small defaults)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200, help="latency events (default 200)")
    parser.add_argument("--gap", type=float, default=0.01, help="seconds between them")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured events first")
    parser.add_argument("--burst", type=int, default=2000, help="throughput events (default 2000)")
    parser.add_argument("--batch", type=int, default=50, help="events per transaction in the burst")
    parser.add_argument("--concurrency", type=int, help="worker.concurrency (default: config)")
    parser.add_argument("--relay-batch", type=int, help="outbox.batch_size (default: config)")
    parser.add_argument("--timeout", type=float, default=120.0, help="max seconds for the burst")
    parser.add_argument("--keep", action="store_true", help="keep the scratch dir")
    return parser.parse_args()


def bench_settings(args: argparse.Namespace, dsn: str, nats_url: str) -> Settings:
    """The test config pointed at this run's servers, with the size flags applied."""
    environ = {
        "DATABASE_URL": dsn,
        "HDUCE_NATS__URL": nats_url,
        "JWT_SECRET": secrets.token_urlsafe(32),
    }
    if args.concurrency:
        environ["HDUCE_WORKER__CONCURRENCY"] = str(args.concurrency)
    if args.relay_batch:
        environ["HDUCE_OUTBOX__BATCH_SIZE"] = str(args.relay_batch)
    return load_settings(config_file=str(REPO_ROOT / "config" / "test.toml"), environ=environ)


@asynccontextmanager
async def running(settings: Settings, recorder: Recorder) -> AsyncIterator[AppContext]:
    """Migrate, then run a context with pool, broker, relay and receiver (as `hduce serve` does)."""
    DB.configure(settings.database.url)
    async with open_database(DB, settings.database):
        await apply_migrations(quiet=True)
    context = build_context(settings, "web", settings.database.url, settings.nats.url)
    setup_plugins(context, [BenchPlugin(recorder)])
    # Instrumentation only: background_services builds its dispatcher from this name.
    lifecycle.TaskDispatcher = timed_dispatcher(recorder)  # type: ignore[misc]
    try:
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(open_database(context.db, settings.database))
            await stack.enter_async_context(lifecycle.running_broker(context))
            await stack.enter_async_context(
                lifecycle.background_services(context, relay=True, receiver=True)
            )
            yield context
    finally:
        lifecycle.TaskDispatcher = TaskDispatcher  # type: ignore[misc]


@dataclass(frozen=True)
class Commit:
    """One published transaction: its event ids, and when COMMIT was sent and returned."""

    ids: list[str]
    sent: float
    done: float


async def publish(context: AppContext, phase: str, seqs: range) -> Commit:
    """Publish one event per seq in one transaction."""
    ids = []
    async with context.db.transaction():
        for seq in seqs:
            event = BenchPinged(phase=phase, seq=seq, published_at=time.time())
            ids.append(str(await context.events.publish(event)))
        sent = time.perf_counter()
    return Commit(ids, sent, time.perf_counter())


@dataclass
class Latency:
    """Per-event timings of the latency phase, in ms."""

    sent: list[float] = field(default_factory=list)
    done: list[float] = field(default_factory=list)
    from_publish: list[float] = field(default_factory=list)
    pickup: list[float] = field(default_factory=list)
    dispatch: list[float] = field(default_factory=list)
    delivery: list[float] = field(default_factory=list)


async def measure_latency(
    context: AppContext, recorder: Recorder, args: argparse.Namespace
) -> Latency:
    """Publish events one at a time, each after the previous one's task started."""
    commits: list[Commit] = []
    for phase, count in (("warmup", args.warmup), ("latency", args.events)):
        for seq in range(count):
            commit = await publish(context, phase, range(seq, seq + 1))
            async with asyncio.timeout(30):
                await recorder.started_one(phase, seq)
            if phase == "latency":
                commits.append(commit)
            await asyncio.sleep(args.gap)
    await asyncio.sleep(0.5)  # the relay may still be publishing the last event on NATS
    result = Latency()
    ms = 1000.0
    for seq, commit in enumerate(commits):
        key, event_id = ("latency", seq), commit.ids[0]
        started = recorder.started[key]
        result.sent.append((started - commit.sent) * ms)
        result.done.append((started - commit.done) * ms)
        result.from_publish.append((recorder.started_wall[key] - recorder.published_wall[key]) * ms)
        picked = recorder.dispatch_start[event_id]
        result.pickup.append((picked - commit.sent) * ms)
        result.delivery.append((started - picked) * ms)
        result.dispatch.append((recorder.dispatch_end[event_id] - picked) * ms)
    return result


@dataclass
class Burst:
    """Timings of the throughput phase, in seconds from the first publish."""

    events: int
    batch: int
    published: float = float("nan")
    dispatched: float = float("nan")
    handled: float = float("nan")
    handled_count: int = 0


async def measure_burst(context: AppContext, recorder: Recorder, args: argparse.Namespace) -> Burst:
    """Publish `--burst` events in transactions of `--batch`, as fast as possible."""
    burst = Burst(events=args.burst, batch=args.batch)
    ids: list[str] = []
    started = time.perf_counter()
    for first in range(0, args.burst, args.batch):
        commit = await publish(context, "burst", range(first, min(first + args.batch, args.burst)))
        ids.extend(commit.ids)
    burst.published = time.perf_counter() - started
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(args.timeout):
            await recorder.started_all("burst", args.burst)
    burst.handled_count = recorder.counts.get("burst", 0)
    if burst.handled_count == args.burst:
        burst.handled = max(t for (p, _), t in recorder.started.items() if p == "burst") - started
    await asyncio.sleep(0.5)
    ends = [recorder.dispatch_end[i] for i in ids if i in recorder.dispatch_end]
    if len(ends) == len(ids):
        burst.dispatched = max(ends) - started
    return burst


def stats_row(label: str, values: list[float]) -> list[Any]:
    """A table row: label, count, p50, p95, p99, max, mean."""
    return [
        label,
        len(values),
        percentile(values, 50),
        percentile(values, 95),
        percentile(values, 99),
        max(values, default=float("nan")),
        sum(values) / len(values) if values else float("nan"),
    ]


def report(latency: Latency, burst: Burst, recorder: Recorder, settings: Settings) -> None:
    """Print the latency table, the throughput figures and the target."""
    print()
    print("latency (ms), one event per transaction, each after the previous task started:")
    print_table(
        ["stage", "n", "p50", "p95", "p99", "max", "mean"],
        [
            stats_row("COMMIT sent -> task started", latency.sent),
            stats_row("COMMIT returned -> started", latency.done),
            stats_row("publish -> started (wall)", latency.from_publish),
            stats_row("  COMMIT sent -> relay picks", latency.pickup),
            stats_row("  relay dispatch (kiq+event)", latency.dispatch),
            stats_row("  relay picks -> task start", latency.delivery),
        ],
    )
    p95 = percentile(latency.sent, 95)
    print(f"  target p95 <= {P95_TARGET_MS:.0f} ms: {verdict(p95 <= P95_TARGET_MS)} ({p95:.1f} ms)")
    print()
    print(
        f"throughput: {burst.events} events, {burst.batch} per transaction, "
        "published as fast as possible:"
    )

    def rate(seconds: float) -> float:
        return burst.events / seconds if seconds > 0 else float("nan")

    print_table(
        ["stage", "seconds", "events/s"],
        [
            ["all published (committed)", burst.published, rate(burst.published)],
            ["all dispatched by relay", burst.dispatched, rate(burst.dispatched)],
            ["all tasks started", burst.handled, rate(burst.handled)],
        ],
    )
    if burst.handled_count < burst.events:
        print(f"  only {burst.handled_count}/{burst.events} handled before the timeout")
    print(f"duplicate deliveries seen: {recorder.duplicates}")
    print(
        f"settings: worker.concurrency={settings.worker.concurrency} "
        f"outbox.batch_size={settings.outbox.batch_size} "
        f"outbox.poll_interval={float(settings.outbox.poll_interval)} s"
    )


async def bench(args: argparse.Namespace, dsn: str, nats_url: str) -> None:
    """Run the context, both measurements, then print the report."""
    # SIGTERM cancels the run like Ctrl-C does, so every async exit runs (no exception mid-I/O).
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    settings = bench_settings(args, dsn, nats_url)
    recorder = Recorder()
    async with running(settings, recorder) as context:
        latency = await measure_latency(context, recorder, args)
        burst = await measure_burst(context, recorder, args)
    report(latency, burst, recorder, settings)


def main() -> None:
    """Start the servers under a scratch dir, run the bench, always stop them."""
    args = parse_args()
    run_with_servers(
        "hduce-bench-outbox-", lambda dsn, nats_url: bench(args, dsn, nats_url), keep=args.keep
    )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")

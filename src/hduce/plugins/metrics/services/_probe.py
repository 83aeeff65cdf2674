"""Health checks of the shared services plus every plugin's registered checks."""

import asyncio
import time
from collections.abc import Awaitable, Callable

import msgspec

from hduce.core.heartbeat import MISSED_BEATS, live_workers
from hduce.core.plugin_env import PluginEnv
from hduce.core.registry import CORE_HEALTH_CHECKS, HealthStatus
from hduce.plugins.metrics.config import MetricsConfig
from hduce.plugins.metrics.schemas import HealthReport
from hduce.plugins.metrics.services._gauges import (
    record_asyncio_tasks,
    record_backlog,
    record_pool,
    record_task_lag,
)
from hduce.plugins.metrics.store import HealthStore


class HealthProbe:
    """Runs the checks concurrently, each bounded by a timeout; one run serves `health_cache`."""

    def __init__(self, env: PluginEnv[MetricsConfig], store: HealthStore) -> None:
        self._env = env
        self._config = env.config
        self._store = store
        self._lock = asyncio.Lock()
        self._last: tuple[float, HealthReport] | None = None
        self._cleaning: set[asyncio.Future[HealthStatus]] = set()

    async def report(self) -> HealthReport:
        """The latest report, run afresh once it is older than `health_cache`.

        Callers arriving during a run wait for it instead of starting their own, so a flood of
        probes costs one set of database and NATS queries per `health_cache`.
        """
        async with self._lock:
            if self._last and time.monotonic() - self._last[0] < float(self._config.health_cache):
                return self._last[1]
            report = await self._run()
            self._last = (time.monotonic(), report)
            return report

    async def _run(self) -> HealthReport:
        checks: dict[str, Callable[[], Awaitable[HealthStatus]]] = {
            **{name: getattr(self, name) for name in CORE_HEALTH_CHECKS},
            # Read at each run, not in setup: plugins set up after this one add checks too (the
            # registry refuses them core's names).
            **self._env.registry.health_checks,
        }
        results = await asyncio.gather(*(self._bounded(check) for check in checks.values()))
        named = dict(zip(checks, results, strict=True))
        status = "ok" if all(r.ok for r in results) else "unavailable"
        return HealthReport(status=status, checks=named)

    async def database(self) -> HealthStatus:
        """The database answers a query; reports pool usage."""
        started = time.perf_counter()
        await self._store.round_trip()
        pool = self._store.pool_status()
        record_pool(pool)
        return HealthStatus(
            ok=True,
            detail={
                "latency_ms": round((time.perf_counter() - started) * 1000, 2),
                "pool_size": pool.size,
                "pool_idle": pool.idle,
                "pool_max": pool.max,
            },
        )

    async def nats(self) -> HealthStatus:
        """NATS is connected and JetStream answers."""
        broker = self._env.tasks
        if not broker.client.is_connected:
            return HealthStatus(ok=False, detail={"error": "not connected"})
        info = await broker.js.account_info()
        return HealthStatus(ok=True, detail={"streams": info.streams, "consumers": info.consumers})

    async def outbox(self) -> HealthStatus:
        """Due events are being dispatched; reports backlog and the oldest one's age."""
        backlog = await self._store.outbox_backlog()
        record_backlog(backlog)
        return HealthStatus(
            ok=backlog.oldest_age_seconds <= float(self._config.max_outbox_age),
            detail=msgspec.structs.asdict(backlog),
        )

    async def tasks(self) -> HealthStatus:
        """The durable task consumer's lag (waiting + unacknowledged messages)."""
        self._env.tasks.ensure_connected()  # fail at once rather than at the check timeout
        lag = await self._env.tasks.consumer_lag()
        record_task_lag(lag)
        return HealthStatus(ok=lag <= self._config.max_task_lag, detail={"consumer_lag": lag})

    async def background(self) -> HealthStatus:
        """Every supervised background task of this process runs and makes progress."""
        report = self._env.supervisor.report()
        ok = all(task["problem"] is None for task in report.values())
        return HealthStatus(ok=ok, detail=report)

    async def workers(self) -> HealthStatus:
        """At least one process consumes tasks: it reported itself alive recently."""
        self._env.tasks.ensure_connected()
        stale_after = MISSED_BEATS * float(self._env.settings.worker.heartbeat_interval)
        live = await live_workers(self._env.tasks, stale_after)
        now = time.time()
        detail = [
            {
                "name": worker.name,
                "host": worker.host,
                "pid": worker.pid,
                "concurrency": worker.concurrency,
                "seen_seconds_ago": round(now - worker.at, 1),
            }
            for worker in live
        ]
        return HealthStatus(ok=bool(live), detail={"live": detail})

    async def process(self) -> HealthStatus:
        """This process's asyncio tasks: a count that keeps growing under a steady load leaks."""
        count = len(asyncio.all_tasks())
        record_asyncio_tasks(count)
        return HealthStatus(ok=True, detail={"asyncio_tasks": count})

    async def _bounded(self, check: Callable[[], Awaitable[HealthStatus]]) -> HealthStatus:
        """The check's status, or "timed out" once `check_timeout` has passed.

        A check past its deadline is cancelled and left to clean up in the background (tracked
        in `_cleaning`): giving a connection back to a frozen database would otherwise hold the
        whole report for as long again.
        """
        task = asyncio.ensure_future(check())
        try:
            await asyncio.wait((task,), timeout=float(self._config.check_timeout))
        finally:
            if not task.done():  # late, or the report itself was cancelled
                task.cancel()
                self._cleaning.add(task)
                task.add_done_callback(self._cleaned)
        if task in self._cleaning or task.cancelled():
            return HealthStatus(ok=False, detail={"error": "timed out"})
        try:
            return task.result()
        except Exception as exc:
            return HealthStatus(ok=False, detail={"error": f"{type(exc).__name__}: {exc}"})

    def _cleaned(self, task: asyncio.Future[HealthStatus]) -> None:
        """Forget a check that finished cleaning up; its outcome no longer matters."""
        self._cleaning.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: asyncio would log it as never retrieved

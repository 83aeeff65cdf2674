"""Run background tasks for the life of a process: log, count and restart each one that fails."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter

logger = logging.getLogger("hduce.supervision")

Beat = Callable[[], None]
"""Called by a supervised task each time it made progress (resets its stall clock)."""
TaskBody = Callable[[Beat], Awaitable[None]]

RESTARTS = Counter("hduce_task_restarts", "Background task restarts after a failure", ["task"])
# A task without a stall clock counts as failing this long after a crash.
RECENT_FAILURE_SECONDS = 60.0


@dataclass
class _TaskState:
    name: str
    stall_after: float | None
    last_beat: float
    restarts: int = 0
    last_error: str | None = None
    failed_at: float | None = None
    stopping: bool = False
    task: "asyncio.Task[None] | None" = field(default=None, repr=False)

    def beat(self) -> None:
        self.last_beat = _now()

    def problem(self, now: float) -> str | None:
        """Why this task is unhealthy right now, or None."""
        if self.task is None or self.task.done():
            return "not running"
        if self.stall_after is not None:
            if self.failed_at is not None and self.failed_at >= self.last_beat:
                return f"failing: {self.last_error}"
            if now - self.last_beat > self.stall_after:
                return f"no progress for {now - self.last_beat:.0f}s"
        elif self.failed_at is not None and now - self.failed_at < RECENT_FAILURE_SECONDS:
            return f"failed recently: {self.last_error}"
        return None


def _now() -> float:
    return asyncio.get_running_loop().time()


class Supervisor:
    """Starts named background tasks and restarts them with exponential backoff until stopped."""

    def __init__(self, initial_backoff: float = 0.5, max_backoff: float = 30.0) -> None:
        self._initial_backoff = initial_backoff
        self._max_backoff = max_backoff
        self._tasks: dict[str, _TaskState] = {}

    def start(self, name: str, body: TaskBody, *, stall_after: float | None = None) -> None:
        """Run `body(beat)` as `name`; `stall_after` seconds without a beat is unhealthy."""
        if name in self._tasks and not self._tasks[name].stopping:
            raise ValueError(f"background task {name!r} is already running")
        state = _TaskState(name=name, stall_after=stall_after, last_beat=_now())
        state.task = asyncio.create_task(self._supervise(state, body), name=f"hduce-{name}")
        self._tasks[name] = state

    async def stop(
        self, name: str, grace: float = 0.0, drain: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        """Stop task `name`, not to be restarted; with a `grace`, finish it first.

        `drain()` asks the task to finish (a sentinel, an event); the task then has the rest of
        `grace` seconds to return before it is cancelled.
        """
        state = self._tasks.pop(name, None)
        if state is None or state.task is None:
            return
        state.stopping = True
        if grace > 0:
            try:
                async with asyncio.timeout(grace):
                    if drain is not None:
                        await drain()
                    await asyncio.wait({state.task})
            except TimeoutError:
                logger.warning("%s still running after %.0fs; cancelling it", name, grace)
        await cancel_until_done(state.task)

    @asynccontextmanager
    async def repeating(
        self,
        name: str,
        check: Callable[[], Awaitable[Any]],
        every: float,
        *,
        failure: str,
        log: logging.Logger,
    ) -> AsyncIterator[None]:
        """Run `check()` as `name` at once, then every `every` seconds, while the block runs.

        A failing check is logged on `log` with the line `failure` and run again next time.
        """

        async def loop(_beat: Beat) -> None:
            while True:
                try:
                    await check()
                except Exception:
                    log.exception(failure)
                await asyncio.sleep(every)

        self.start(name, loop)
        try:
            yield
        finally:
            await self.stop(name)

    def report(self) -> dict[str, dict[str, Any]]:
        """Every task's problem (None when healthy), restarts and last error."""
        now = _now()
        return {
            name: {
                "problem": state.problem(now),
                "restarts": state.restarts,
                "last_error": state.last_error,
            }
            for name, state in self._tasks.items()
        }

    async def _supervise(self, state: _TaskState, body: TaskBody) -> None:
        loop = asyncio.get_running_loop()
        delay = self._initial_backoff
        while True:
            started = loop.time()
            failure: Exception | None = None
            try:
                await body(state.beat)
            except Exception as exc:
                failure = exc
            if state.stopping:
                return  # ended (or failed) while asked to finish: nothing to restart for
            ran_well = loop.time() - started > self._max_backoff
            error = _logged_failure(state, failure, again=not ran_well)
            state.restarts += 1
            state.last_error = error
            state.failed_at = loop.time()
            RESTARTS.labels(state.name).inc()
            if ran_well:
                delay = self._initial_backoff  # it ran well for a while: this is a new incident
            logger.warning("restarting %s in %.1fs", state.name, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_backoff)


def _logged_failure(state: _TaskState, failure: Exception | None, *, again: bool) -> str:
    """Log why the task ended and return it; a failure repeating in one incident is one line."""
    if failure is None:
        logger.error("background task %s returned unexpectedly", state.name)
        return "returned unexpectedly"
    error = f"{type(failure).__name__}: {failure}"[:500]
    if again and error == state.last_error:
        # The same failure again (a dependency still down): its traceback was logged already.
        logger.error("background task %s failed again: %s", state.name, error)
    else:
        logger.error("background task %s failed", state.name, exc_info=failure)
    return error


async def cancel_until_done(task: "asyncio.Task[Any]") -> None:
    """Cancel `task` and wait for it, cancelling again if a library swallowed the first one."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=1)
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()

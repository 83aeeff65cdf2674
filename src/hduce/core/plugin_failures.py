"""One line naming the plugin for whatever a plugin's own code raises while HDuce starts.

A plugin's `setup()`, routes, dependencies, lifespans or commands raising would otherwise end
start-up in a long traceback that never names the plugin. Each of those calls runs inside
`failing_as`, which turns the exception into a `PluginFailed` (a `ConfigError`: the command line
prints it as one line and exits 2); the traceback goes to the DEBUG log.

Cheap to import: the command line uses it on every run.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import (
    AbstractAsyncContextManager,
    AsyncExitStack,
    asynccontextmanager,
    contextmanager,
)
from typing import Any

from hduce.core.config import ConfigError

logger = logging.getLogger("hduce.plugins")

Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]] | AbstractAsyncContextManager[Any]
"""What Litestar takes as a lifespan: a context manager, or a callable making one from the app."""


class PluginFailed(ConfigError):
    """A plugin's own code raised, or it took a name it may not, while HDuce started."""


def one_line(exc: BaseException) -> str:
    """`ExceptionType: first line of its message`."""
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__


@contextmanager
def failing_as(plugin: str, stage: str) -> Iterator[None]:
    """Raise what the block raises as one `PluginFailed` line naming `plugin` and `stage`.

    A `ConfigError` (e.g. a missing contract) already names what is wrong and passes through.
    """
    try:
        yield
    except ConfigError:
        raise
    except Exception as exc:
        logger.debug("plugin %r failed in %s", plugin, stage, exc_info=True)
        raise PluginFailed(f"plugin {plugin!r} failed in {stage}: {one_line(exc)}") from None


def guarded_lifespan(
    plugin: str, lifespan: Lifespan
) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """`lifespan`, whose failure to start is one ERROR line naming `plugin` (then re-raised).

    Only entering is guarded: what the app raises while it runs, and the shutdown, pass as is.
    """

    @asynccontextmanager
    async def guarded(app: Any) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            try:
                with failing_as(plugin, "its lifespan"):
                    manager = lifespan(app) if callable(lifespan) else lifespan
                    await stack.enter_async_context(manager)
            except ConfigError as exc:
                logger.error("%s", exc)
                raise
            yield

    return guarded


class PluginFailureTraceback(logging.Filter):
    """Drops the server's traceback of a start-up a `PluginFailed` stopped: its line is logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a record whose text or exception is a `PluginFailed` traceback."""
        exc = record.exc_info[1] if record.exc_info else None
        return not (
            isinstance(exc, PluginFailed) or f"{PluginFailed.__name__}: " in record.getMessage()
        )

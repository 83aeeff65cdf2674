"""Shutdown has begun: responses that would run on (live streams) end now, not at their limit.

The web server waits for open responses before it shuts the application down, so a stream
that runs for minutes would hold a restart up for as long. `hduce serve` calls
`begin_draining()` as soon as it stops accepting connections; each stream source holds a
`drain_signal()` for its lifespan and ends its streams once the signal is set.
"""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

_signals: set[asyncio.Event] = set()


@contextmanager
def drain_signal() -> Iterator[asyncio.Event]:
    """An event that `begin_draining()` sets, for the duration of the block."""
    event = asyncio.Event()
    _signals.add(event)
    try:
        yield event
    finally:
        _signals.discard(event)


def begin_draining() -> None:
    """Tell every open `drain_signal()` that the server is shutting down."""
    for event in list(_signals):
        event.set()

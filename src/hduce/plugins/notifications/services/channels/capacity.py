"""How many sends of one channel may run at once: its own limit, and its share of a process's."""

from typing import Protocol, runtime_checkable

from hduce.core.capacity import Capacity


@runtime_checkable
class Limited(Protocol):
    """A channel that sends at most so many messages at once."""

    @property
    def capacity(self) -> Capacity:
        """Its places (for e-mail, the SMTP connections)."""


def channel_share(places: int) -> int:
    """The most of a process's `places` (`send_concurrency`) one channel may hold at once.

    Half (at least one): a stalled channel (a tarpit relay) leaves the other half to the others.
    """
    return max(1, places // 2)

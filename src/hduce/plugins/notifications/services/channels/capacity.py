"""A channel whose sends are limited (its places are a `hduce.core.capacity.Capacity`)."""

from typing import Protocol, runtime_checkable

from hduce.core.capacity import Capacity


@runtime_checkable
class Limited(Protocol):
    """A channel that sends at most so many messages at once."""

    @property
    def capacity(self) -> Capacity:
        """Its places (for e-mail, the SMTP connections)."""

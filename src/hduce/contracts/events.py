"""Past-tense facts that plugins publish and subscribe to (subclasses of `Event`)."""

from hduce.core.events import Event, EventMeta

__all__ = ["Event", "EventMeta"]

"""Past-tense facts that plugins publish and subscribe to; each subclasses `hduce.core.events.Event`."""

from hduce.core.events import Event, EventMeta

__all__ = ["Event", "EventMeta"]

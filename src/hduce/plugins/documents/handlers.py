"""The documents plugin's event subscriptions: extract each uploaded document."""

from hduce.contracts.documents import DocumentUploaded
from hduce.core.events import EventBus
from hduce.plugins.documents.services import DocumentServices


def subscribe(events: EventBus, services: DocumentServices) -> None:
    """Extract text and entities of each upload (a task in the worker)."""
    events.subscribe(DocumentUploaded, services.extraction.handle, task_name="documents.extract")

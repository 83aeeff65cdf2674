"""The documents plugin's event subscriptions: extract each uploaded (or requeued) document."""

from hduce.contracts.documents import DocumentUploaded
from hduce.core.events import EventBus
from hduce.plugins.documents.services import DocumentServices
from hduce.plugins.documents.services.extraction import EXTRACTION_TASKS
from hduce.plugins.documents.tasks import ExtractionRequeued


def subscribe(events: EventBus, services: DocumentServices) -> None:
    """Extract text and entities of each upload, and again of each requeued document."""
    upload_task, requeue_task = EXTRACTION_TASKS
    events.subscribe(DocumentUploaded, services.extraction.handle, task_name=upload_task)
    events.subscribe(ExtractionRequeued, services.extraction.handle, task_name=requeue_task)

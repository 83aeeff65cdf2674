"""The search plugin's event subscriptions: each indexing task re-reads what an event names."""

from hduce.contracts.appointments import VISIT_FACTS, AppointmentFact, AppointmentTypeRenamed
from hduce.contracts.auth import (
    UserApproved,
    UserProfileUpdated,
    UserRegistered,
    UserRolesChanged,
    UserStatusChanged,
)
from hduce.contracts.documents import (
    DocumentDeleted,
    DocumentFact,
    DocumentProcessed,
    DocumentUpdated,
    DocumentUploaded,
)
from hduce.core.events import EventBus, EventMeta
from hduce.plugins.search.services import Indexer
from hduce.plugins.search.services.sources import appointments, documents, patients

# `document.processed`, not its alias `document.extracted`: one refresh per extraction.
DOCUMENT_FACTS: tuple[type[DocumentFact], ...] = (
    DocumentUploaded,
    DocumentProcessed,
    DocumentUpdated,
    DocumentDeleted,
)
PersonChanged = UserRegistered | UserApproved | UserRolesChanged | UserStatusChanged


def subscribe(events: EventBus, indexer: Indexer) -> None:
    """Subscribe the `search.index_*` tasks of every kind the indexer has a source for."""
    kinds = indexer.sources
    if patients.KIND in kinds:
        _patients(events, indexer)
    if appointments.KIND in kinds:
        _appointments(events, indexer)
    if documents.KIND in kinds:
        _documents(events, indexer)


def _patients(events: EventBus, indexer: Indexer) -> None:
    """Registration, approval, role, status and profile changes re-read the person."""

    async def changed(event: PersonChanged, _meta: EventMeta) -> None:
        await indexer.refresh(patients.KIND, [event.user_id])

    async def updated(event: UserProfileUpdated, _meta: EventMeta) -> None:
        await indexer.refresh(patients.KIND, [event.user_id])
        await indexer.refresh_mentions(event.user_id)

    events.subscribe(UserRegistered, changed, task_name="search.index_registered_user")
    events.subscribe(UserApproved, changed, task_name="search.index_approved_user")
    events.subscribe(UserRolesChanged, changed, task_name="search.index_user_roles")
    events.subscribe(UserStatusChanged, changed, task_name="search.index_user_status")
    events.subscribe(UserProfileUpdated, updated, task_name="search.index_profile")


def _appointments(events: EventBus, indexer: Indexer) -> None:
    """One task per appointment event, each re-reading the appointment; renamed types too."""

    async def changed(event: AppointmentFact, _meta: EventMeta) -> None:
        await indexer.refresh(appointments.KIND, [event.appointment_id])

    async def renamed(event: AppointmentTypeRenamed, _meta: EventMeta) -> None:
        await indexer.refresh_matching(appointments.KIND, "type_id", str(event.type_id))

    for fact in VISIT_FACTS:
        verb = fact.name.removeprefix("appointment.")
        events.subscribe(fact, changed, task_name=f"search.index_appointment_{verb}")
    events.subscribe(AppointmentTypeRenamed, renamed, task_name="search.index_type_renamed")


def _documents(events: EventBus, indexer: Indexer) -> None:
    """One task per document event, each re-reading the document."""

    async def changed(event: DocumentFact, _meta: EventMeta) -> None:
        await indexer.refresh(documents.KIND, [event.document_id])

    for fact in DOCUMENT_FACTS:
        verb = fact.name.removeprefix("document.")
        events.subscribe(fact, changed, task_name=f"search.index_document_{verb}")

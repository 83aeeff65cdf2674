"""What one booking costs in SQL: each kind of row in one statement, nothing read twice."""

import uuid
from collections import Counter

from hduce.contracts.appointments import AppointmentFilter
from hduce.core.security import Principal
from hduce.plugins.appointments import AppointmentsPlugin
from hduce.plugins.appointments.schemas import AppointmentCreate, RescheduleRequest
from hduce.plugins.appointments.services import AppointmentServices
from tests.plugins.appointments.helpers import Practice, open_practice, two_days_ahead_at
from tests.plugins.appointments.helpers import book as book_over_http
from tests.plugins.appointments.statements import statements_of
from tests.plugins.users.clinic import Clinic, Member

# One read of the type and the schedule (time zone, hours, exceptions), then one transaction:
# the appointment with its pending event ids (calendar locks in the same statement), the
# message (both people from the directory in one read, the patient's preferences, the
# notification with its deliveries), every event of both (one statement). No pool reset after
# COMMIT. 25 before the statements were merged, 16 before the reads, the event ids and the
# outbox rows were, 11 before the directory read, the notification and the reset were.
BUDGET = 8
POOL_RESET = "SELECT pg_advisory_unlock_all()"


async def a_patient_of(clinic: Clinic) -> tuple[Practice, Member, AppointmentServices, Principal]:
    """A practice, a patient, the app's appointment services and the patient as principal."""
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    services = clinic.client.app.plugins.get(AppointmentsPlugin).services
    return practice, patient, services, Principal(id=patient.id, roles=frozenset(patient.roles))


async def test_a_booking_writes_each_kind_of_row_in_one_statement(clinic: Clinic) -> None:
    practice, _, services, principal = await a_patient_of(clinic)
    data = AppointmentCreate(
        practitioner_id=practice.doctor.id,
        type_id=practice.type_id,
        starts_at=two_days_ahead_at(9),
    )

    async def book() -> None:
        await services.booking.book(principal, data)

    queries = await clinic.in_app(statements_of, clinic.context.db.shared_pool, book)
    reads = Counter(
        (query, repr(args))
        for query, args in queries
        if query.startswith("SELECT") and not query.startswith(POOL_RESET)
    )
    assert [read for read, n in reads.items() if n > 1] == []
    inserts = Counter(query.split("(")[0] for query, _ in queries if query.startswith("INSERT"))
    # The outbox once: the booking's events and the notification's deliveries due together.
    assert inserts == dict.fromkeys(inserts, 1), inserts
    print(f"{len(queries)} statements per booking")
    assert len(queries) <= BUDGET, [query for query, _ in queries]


async def test_a_page_of_appointments_is_one_statement_without_a_pool_reset(
    clinic: Clinic,
) -> None:
    practice, patient, services, principal = await a_patient_of(clinic)
    await book_over_http(clinic, practice, patient, two_days_ahead_at(9))
    pages = []

    async def page() -> None:
        pages.append(await services.queries.page(principal, AppointmentFilter(limit=20)))

    queries = await clinic.in_app(statements_of, clinic.context.db.shared_pool, page)
    assert [query for query, _ in queries if query.startswith(POOL_RESET)] == []
    assert len(queries) == 1, queries
    assert pages[0].total == 1
    assert [item.patient_id for item in pages[0].items] == [patient.id]


async def test_a_reschedule_withdraws_and_writes_its_events_in_one_statement_each(
    clinic: Clinic,
) -> None:
    practice, patient, services, principal = await a_patient_of(clinic)
    booked = await book_over_http(clinic, practice, patient, two_days_ahead_at(9))
    target = RescheduleRequest(starts_at=two_days_ahead_at(13))

    async def reschedule() -> None:
        await services.booking.reschedule(principal, uuid.UUID(booked.json()["id"]), target)

    queries = await clinic.in_app(statements_of, clinic.context.db.shared_pool, reschedule)
    outbox = Counter(query.split(" WHERE")[0] for query, _ in queries if "outbox" in query)
    assert outbox == {
        "DELETE FROM outbox": 1,
        "INSERT INTO outbox (id, name, payload, available_at) SELECT id, name, payload::jsonb, "
        "coalesce(at, now()) FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) "
        "AS e(id, name, payload, at)": 1,
    }, outbox
    assert not [query for query, _ in queries if query.startswith("UPDATE appointment SET sched")]
    # The calendars are locked in the statement that locks the appointment.
    assert not [query for query, _ in queries if query.startswith("SELECT pg_advisory_xact_lock")]

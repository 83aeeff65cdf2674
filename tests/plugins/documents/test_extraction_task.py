"""The `documents.extract` task: failures are recorded, not retried forever; redelivery: no-op."""

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from hduce.core.outbox import NOTIFY_CHANNEL
from hduce.core.registry import HealthStatus
from tests.plugins.documents.files import (
    corrupt_pdf,
    encrypted_pdf,
    long_pdf,
    scanned_letters_pdf,
)
from tests.plugins.documents.helpers import API, extracted, processing, uploaded
from tests.plugins.users.clinic import Clinic, Member
from tests.support.analytics import analytics_sections
from tests.support.context import wait_for_row

GAVE_UP = (
    "its extraction started 3 times and never finished (the worker was killed or crashed, "
    "or lost the database, before storing the result)"
)
DELETED = "deleted before its extraction finished"


async def redeliver(clinic: Clinic, document: dict[str, Any]) -> None:
    """Run the task's handler again for the document's upload event, as a redelivery would."""
    (event,) = await clinic.fetch(
        "SELECT id, payload::text AS payload FROM outbox WHERE name = 'document.uploaded' "
        "AND payload->>'document_id' = $1",
        document["id"],
    )
    (subscription,) = clinic.context.events.subscribers("document.uploaded")
    assert subscription.task_name == "documents.extract"
    payload = json.loads(event["payload"])
    now = datetime.now(UTC).isoformat()
    await clinic.in_app(subscription.deliver, str(event["id"]), payload, now)


async def extracted_events(
    clinic: Clinic, document_id: str, name: str = "document.extracted"
) -> list[dict[str, Any]]:
    """Payloads of the `name` events (by default `document.extracted`) of one document."""
    rows = await clinic.fetch(
        "SELECT payload::text AS payload FROM outbox WHERE name = $2 "
        "AND payload->>'document_id' = $1",
        document_id,
        name,
    )
    return [json.loads(row["payload"]) for row in rows]


async def test_a_corrupt_pdf_fails_with_a_reason(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    created = await uploaded(clinic, doctor, corrupt_pdf(), patient=patient)
    row = await extracted(clinic, created["id"])
    assert row["status"] == "failed"
    assert row["error"].startswith("the PDF is damaged or not a PDF")
    assert row["attempts"] == 1
    document = (await clinic.client.get(f"{API}/{created['id']}", headers=doctor.headers)).json()
    assert (document["status"], document["entities"]) == ("failed", [])
    events = await extracted_events(clinic, created["id"])
    assert [e["status"] for e in events] == ["failed"]


async def test_extraction_publishes_document_processed_and_its_alias(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    created = await uploaded(clinic, doctor, long_pdf(2) + patient.id.bytes, patient=patient)
    assert (await extracted(clinic, created["id"]))["status"] == "done"
    (processed,) = await extracted_events(clinic, created["id"], "document.processed")
    (alias,) = await extracted_events(clinic, created["id"])
    assert processed == alias
    assert (processed["status"], processed["page_count"]) == ("done", 2)


async def test_an_encrypted_pdf_fails_with_a_reason(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    created = await uploaded(clinic, doctor, encrypted_pdf(), patient=patient)
    row = await extracted(clinic, created["id"])
    assert row["status"] == "failed"
    assert "encrypted (password protected)" in row["error"]


async def test_a_redelivered_task_for_a_finished_document_does_nothing(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    created = await uploaded(clinic, doctor, long_pdf(2), patient=patient)
    before = await extracted(clinic, created["id"])
    await redeliver(clinic, created)
    (after,) = await clinic.fetch("SELECT * FROM document WHERE id = $1", before["id"])
    assert dict(after) == before
    assert len(await extracted_events(clinic, created["id"])) == 1


async def test_a_duplicate_delivery_through_nats_does_nothing(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    created = await uploaded(clinic, doctor, long_pdf(2) + doctor.id.bytes, patient=patient)
    before = await extracted(clinic, created["id"])
    # The relay sends the same event again, as after a crash between kick and mark-dispatched.
    await clinic.execute(
        "UPDATE outbox SET dispatched_at = NULL WHERE name = 'document.uploaded' "
        "AND payload->>'document_id' = $1",
        created["id"],
    )
    await clinic.execute(f"NOTIFY {NOTIFY_CHANNEL}")
    await clinic.in_app(
        wait_for_row,
        clinic.context.db.shared_pool,
        "SELECT 1 FROM outbox WHERE name = 'document.uploaded' AND payload->>'document_id' = $1 "
        "AND dispatched_at IS NOT NULL",
        created["id"],
    )
    for _ in range(200):
        if await clinic.in_app(clinic.context.broker.consumer_lag) == 0:
            break
        await asyncio.sleep(0.05)
    assert await clinic.in_app(clinic.context.broker.consumer_lag) == 0
    (after,) = await clinic.fetch("SELECT * FROM document WHERE id = $1", before["id"])
    assert dict(after) == before
    assert len(await extracted_events(clinic, created["id"])) == 1


async def test_a_document_left_processing_by_a_dead_worker_is_extracted_again(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    created = await uploaded(clinic, doctor, long_pdf(1), patient=patient)
    await extracted(clinic, created["id"])
    await clinic.execute(
        "UPDATE document SET status = 'processing', text = NULL WHERE id = $1",
        uuid.UUID(created["id"]),
    )
    await redeliver(clinic, created)
    row = await extracted(clinic, created["id"])
    assert (row["status"], row["attempts"], row["page_count"]) == ("done", 2, 1)
    assert "fièvre" in row["text"]

    await clinic.execute(
        "UPDATE document SET status = 'processing', attempts = 3 WHERE id = $1",
        uuid.UUID(created["id"]),
    )
    await redeliver(clinic, created)
    row = await extracted(clinic, created["id"])
    assert (row["status"], row["error"]) == ("failed", GAVE_UP)


async def test_a_deleted_document_is_not_extracted(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    created = await uploaded(clinic, doctor, long_pdf(1) + b"%" + doctor.id.bytes, patient=patient)
    await extracted(clinic, created["id"])
    await clinic.client.delete(f"{API}/{created['id']}", headers=doctor.headers)
    await clinic.execute(
        "UPDATE document SET status = 'pending' WHERE id = $1", uuid.UUID(created["id"])
    )
    await redeliver(clinic, created)
    (row,) = await clinic.fetch(
        "SELECT status, text FROM document WHERE id = $1", uuid.UUID(created["id"])
    )
    assert (row["status"], row["text"]) == ("pending", None)


async def test_a_document_deleted_before_its_extraction_finished_ends_failed(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    scan = await uploaded(clinic, doctor, scanned_letters_pdf(8), patient=patient)
    await processing(clinic, scan["id"])
    response = await clinic.client.delete(f"{API}/{scan['id']}", headers=doctor.headers)
    assert response.status_code == 204, response.text
    (row,) = await clinic.fetch(
        "SELECT status, error, text, deleted_at FROM document WHERE id = $1",
        uuid.UUID(scan["id"]),
    )
    assert row["deleted_at"] is not None
    assert (row["status"], row["error"], row["text"]) == ("failed", DELETED, None)


async def test_health_reports_the_store_and_the_backlog(clinic: Clinic) -> None:
    check = clinic.context.registry.health_checks["documents"]
    status: HealthStatus = await clinic.in_app(check)
    assert status.ok
    assert status.detail["writable"] is True
    assert status.detail["failed"] >= 0
    assert set(status.detail) == {
        *("writable", "free", "min_free", "ocr"),
        *("pending", "processing", "failed"),
    }
    assert status.detail["ocr"] == "eng"


async def test_analytics_count_uploads_pages_and_failures(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    admin = await clinic.member("admin")
    start = datetime.now(UTC)
    done = await uploaded(clinic, doctor, long_pdf(3) + b"%" + doctor.id.bytes, patient=patient)
    broken = await uploaded(clinic, doctor, corrupt_pdf() + doctor.id.bytes, patient=patient)
    for document in (done, broken):
        await extracted(clinic, document["id"])
    sections = await analytics_sections(clinic, admin, start, datetime.now(UTC))
    figures = sections["documents"]
    assert figures["uploaded"] == 2
    assert figures["by_kind"] == {"other": 2}
    assert figures["by_status"] == {"done": 1, "failed": 1}
    assert figures["bytes_uploaded"] == done["size"] + broken["size"]
    assert figures["pages_extracted"] == 3
    assert figures["failure_rate"] == 0.5
    assert figures["median_extraction_seconds"] > 0


async def test_a_deleted_document_is_left_out_of_the_median_extraction_time(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    admin = await clinic.member("admin")
    start = datetime.now(UTC)
    kept, deleted = [
        await uploaded(clinic, doctor, long_pdf(1) + b"%" + uuid.uuid4().bytes, patient=patient)
        for _ in range(2)
    ]
    for document in (kept, deleted):
        await extracted(clinic, document["id"])
    # The deleted one took long (a big scan, say): with it the median would be far above.
    await clinic.execute(
        "UPDATE document SET extracted_at = created_at + interval '1000 seconds' WHERE id = $1",
        uuid.UUID(deleted["id"]),
    )
    response = await clinic.client.delete(f"{API}/{deleted['id']}", headers=doctor.headers)
    assert response.status_code == 204, response.text
    (row,) = await clinic.fetch(
        "SELECT extract(epoch FROM extracted_at - created_at)::float8 AS seconds "
        "FROM document WHERE id = $1",
        uuid.UUID(kept["id"]),
    )
    sections = await analytics_sections(clinic, admin, start, datetime.now(UTC))
    figures = sections["documents"]
    assert figures["uploaded"] == 1
    assert figures["median_extraction_seconds"] == round(row["seconds"], 3)

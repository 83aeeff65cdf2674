"""Who reaches which document and what: patients their own, clinicians all, audit on every read."""

import uuid
from pathlib import Path
from typing import Any

from tests.plugins.documents.files import CLINIC_LETTER, lab_report_pdf
from tests.plugins.documents.helpers import API, extracted, stored_files, upload, uploaded
from tests.plugins.users.clinic import Clinic, Member


async def audit_actions(clinic: Clinic, actor: Member, document_id: str) -> list[str]:
    rows = await clinic.fetch(
        "SELECT action FROM audit_event WHERE actor_id = $1 AND detail->>'document_id' = $2 "
        "ORDER BY id",
        actor.id,
        document_id,
    )
    return [row["action"] for row in rows]


async def letter_for(clinic: Clinic, patient: Member, uploader: Member) -> dict[str, Any]:
    created = await uploaded(
        clinic, uploader, CLINIC_LETTER.encode(), patient=patient, kind="referral"
    )
    await extracted(clinic, created["id"])
    return created


async def test_patients_reach_only_their_own_documents(
    clinic: Clinic, patient: Member, doctor: Member
) -> None:
    other = await clinic.member("patient")
    mine = await letter_for(clinic, patient, doctor)
    theirs = await letter_for(clinic, other, doctor)
    own = await uploaded(clinic, patient, b"My own diary: BP 118/76 mmHg")
    assert own["patient_id"] == str(patient.id)

    listing = await clinic.client.get(API, headers=patient.headers)
    assert {d["id"] for d in listing.json()["items"]} == {mine["id"], own["id"]}
    assert listing.json()["total"] == 2
    spying = await clinic.client.get(
        API, params={"patient_id": str(other.id)}, headers=patient.headers
    )
    assert spying.json() == {"items": [], "total": 0, "limit": 50, "offset": 0}
    for suffix in ("", "/content", "/text"):
        response = await clinic.client.get(f"{API}/{theirs['id']}{suffix}", headers=patient.headers)
        assert response.status_code == 404, (suffix, response.text)
    own_read = await clinic.client.get(f"{API}/{mine['id']}", headers=patient.headers)
    assert own_read.status_code == 200
    assert own_read.json()["entities"]
    patched = await clinic.client.patch(
        f"{API}/{theirs['id']}", json={"title": "x"}, headers=patient.headers
    )
    assert patched.status_code == 404
    refused = await upload(clinic, patient, b"not for someone else", patient=other)
    assert refused.status_code == 403


async def test_receptionists_upload_but_read_nothing(
    clinic: Clinic, patient: Member, doctor: Member
) -> None:
    receptionist = await clinic.member("receptionist")
    created = await uploaded(
        clinic, receptionist, lab_report_pdf(), patient=patient, kind="referral"
    )
    assert created["uploaded_by"] == str(receptionist.id)
    assert "entities" not in created
    for suffix in ("", "/content", "/text"):
        response = await clinic.client.get(
            f"{API}/{created['id']}{suffix}", headers=receptionist.headers
        )
        assert response.status_code == 403, (suffix, response.text)
    assert (await clinic.client.get(API, headers=receptionist.headers)).status_code == 403
    assert await audit_actions(clinic, receptionist, created["id"]) == ["documents.upload"]


async def test_clinicians_read_everything_and_every_read_is_audited(
    clinic: Clinic, patient: Member, doctor: Member
) -> None:
    nurse = await clinic.member("nurse")
    created = await letter_for(clinic, patient, doctor)
    document_id = created["id"]
    for reader in (doctor, nurse):
        for suffix in ("", "/content", "/text"):
            response = await clinic.client.get(
                f"{API}/{document_id}{suffix}", headers=reader.headers
            )
            assert response.status_code == 200, (suffix, response.text)
        assert await audit_actions(clinic, reader, document_id) == [
            *(["documents.upload"] if reader is doctor else []),
            "documents.read",
            "documents.download",
            "documents.read_text",
        ]
    rows = await clinic.fetch(
        "SELECT subject_id FROM audit_event WHERE detail->>'document_id' = $1", document_id
    )
    assert {row["subject_id"] for row in rows} == {patient.id}
    listing = await clinic.client.get(
        API, params={"patient_id": str(patient.id), "kind": "referral"}, headers=nurse.headers
    )
    assert [d["id"] for d in listing.json()["items"]] == [document_id]
    assert "entities" not in listing.json()["items"][0]


async def test_admins_see_metadata_but_not_content(
    clinic: Clinic, patient: Member, doctor: Member
) -> None:
    admin = await clinic.member("admin")
    created = await letter_for(clinic, patient, doctor)
    metadata = await clinic.client.get(f"{API}/{created['id']}", headers=admin.headers)
    assert metadata.status_code == 200
    assert "entities" not in metadata.json()
    for suffix in ("/content", "/text"):
        response = await clinic.client.get(f"{API}/{created['id']}{suffix}", headers=admin.headers)
        assert response.status_code == 403, suffix
        assert "doctors and nurses" in response.json()["detail"]
    assert await audit_actions(clinic, admin, created["id"]) == []


async def test_title_and_kind_change(clinic: Clinic, patient: Member, doctor: Member) -> None:
    created = await letter_for(clinic, patient, doctor)
    url = f"{API}/{created['id']}"
    changed = await clinic.client.patch(
        url, json={"title": "Cardiology referral", "kind": "referral"}, headers=doctor.headers
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["title"], changed.json()["kind"]) == ("Cardiology referral", "referral")
    not_uploader = await clinic.client.patch(url, json={"title": "Mine"}, headers=patient.headers)
    assert not_uploader.status_code == 403
    bad = await clinic.client.patch(url, json={"title": "", "extra": 1}, headers=doctor.headers)
    assert bad.status_code in (400, 422)
    # Seen: nothing readable left once cleaned was a 422 without `errors`.
    unreadable = await clinic.client.patch(url, json={"title": "\u0007"}, headers=doctor.headers)
    assert unreadable.status_code == 422, unreadable.text
    assert unreadable.json()["errors"] == [
        {
            "message": "nothing readable is left without its control characters",
            "key": "title",
            "source": "body",
        }
    ]
    assert (
        await clinic.client.patch(url, json={"kind": "x-ray"}, headers=doctor.headers)
    ).status_code in (400, 422)


async def test_text_is_409_until_extraction_is_done(
    clinic: Clinic, patient: Member, doctor: Member
) -> None:
    document_id = uuid.uuid4()
    await clinic.execute(
        "INSERT INTO document (id, patient, uploaded_by, title, kind, content_type, size, sha256, "
        "status, error) VALUES ($1, $2, $3, 'Scan', 'other', 'application/pdf', 1, $4, "
        "'failed', 'the PDF is damaged')",
        document_id,
        patient.id,
        doctor.id,
        "0" * 64,
    )
    response = await clinic.client.get(f"{API}/{document_id}/text", headers=doctor.headers)
    assert response.status_code == 409
    assert response.json()["detail"] == "extraction is failed: the PDF is damaged"


async def test_delete_keeps_the_record_and_removes_the_file_with_its_last_document(
    clinic: Clinic, storage: Path, patient: Member, doctor: Member
) -> None:
    admin = await clinic.member("admin")
    body = b"Discharge summary " + uuid.uuid4().hex.encode()
    first = await uploaded(clinic, doctor, body, patient=patient, kind="discharge_summary")
    second = await uploaded(clinic, patient, body)
    await extracted(clinic, first["id"])
    blob = storage / first["sha256"][:2] / first["sha256"][2:]
    assert blob in stored_files(storage)

    nurse = await clinic.member("nurse")
    refused = await clinic.client.delete(f"{API}/{first['id']}", headers=nurse.headers)
    assert refused.status_code == 403
    assert "uploader and admins" in refused.json()["detail"]
    deleted = await clinic.client.delete(f"{API}/{first['id']}", headers=doctor.headers)
    assert deleted.status_code == 204, deleted.text
    assert blob.exists(), "the second document still refers to the file"
    for suffix in ("", "/content", "/text"):
        response = await clinic.client.get(f"{API}/{first['id']}{suffix}", headers=doctor.headers)
        assert response.status_code == 404
    again = await clinic.client.delete(f"{API}/{first['id']}", headers=doctor.headers)
    assert again.status_code == 404

    blob.rename(blob.with_suffix(".away"))
    missing = await clinic.client.get(f"{API}/{second['id']}/content", headers=doctor.headers)
    assert missing.status_code == 404
    assert "missing from the store" in missing.json()["detail"]
    blob.with_suffix(".away").rename(blob)

    deleted = await clinic.client.delete(f"{API}/{second['id']}", headers=admin.headers)
    assert deleted.status_code == 204
    assert not blob.exists()
    rows = await clinic.fetch(
        "SELECT id, deleted_by, deleted_at, text, entities::text AS entities, title "
        "FROM document WHERE id = ANY($1::uuid[]) ORDER BY created_at",
        [uuid.UUID(first["id"]), uuid.UUID(second["id"])],
    )
    assert [(r["deleted_by"], r["text"], r["entities"]) for r in rows] == [
        (doctor.id, None, "[]"),
        (admin.id, None, "[]"),
    ]
    assert all(r["deleted_at"] is not None for r in rows)
    events = await clinic.fetch(
        "SELECT payload->>'deleted_by' AS by FROM outbox WHERE name = 'document.deleted' "
        "AND payload->>'document_id' = $1",
        first["id"],
    )
    assert [e["by"] for e in events] == [str(doctor.id)]
    assert "documents.delete" in await audit_actions(clinic, admin, second["id"])


async def test_receptionists_take_back_their_own_uploads_without_reading_them(
    clinic: Clinic, patient: Member
) -> None:
    uploader, colleague = await clinic.member("receptionist"), await clinic.member("receptionist")
    created = await uploaded(
        clinic, uploader, CLINIC_LETTER.encode(), patient=patient, kind="referral"
    )
    await extracted(clinic, created["id"])
    url = f"{API}/{created['id']}"
    for other in (
        await clinic.client.patch(url, json={"title": "x"}, headers=colleague.headers),
        await clinic.client.delete(url, headers=colleague.headers),
    ):
        assert other.status_code == 403, other.text
    changed = await clinic.client.patch(
        url, json={"title": "Letter for another patient"}, headers=uploader.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Letter for another patient"
    assert "entities" not in changed.json()
    assert (await clinic.client.get(url, headers=uploader.headers)).status_code == 403
    deleted = await clinic.client.delete(url, headers=uploader.headers)
    assert deleted.status_code == 204, deleted.text
    assert await audit_actions(clinic, uploader, created["id"]) == [
        "documents.upload",
        "documents.update",
        "documents.delete",
    ]


async def test_document_audit_events_record_the_callers_address(
    clinic: Clinic, patient: Member, doctor: Member
) -> None:
    created = await letter_for(clinic, patient, doctor)
    url = f"{API}/{created['id']}"
    for suffix in ("", "/content", "/text"):
        assert (await clinic.client.get(url + suffix, headers=doctor.headers)).status_code == 200
    changed = await clinic.client.patch(url, json={"kind": "letter"}, headers=doctor.headers)
    assert changed.status_code == 200, changed.text
    assert (await clinic.client.delete(url, headers=doctor.headers)).status_code == 204
    rows = await clinic.fetch(
        "SELECT action, ip FROM audit_event WHERE detail->>'document_id' = $1", created["id"]
    )
    assert sorted(row["action"] for row in rows) == sorted(  # no order: rows come as stored
        f"documents.{action}"
        for action in ("upload", "read", "download", "read_text", "update", "delete")
    )
    assert {row["ip"] for row in rows} == {"testclient"}, rows

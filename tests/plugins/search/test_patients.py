"""Patients: indexed on registration and profile changes, seen as the caller's role allows."""

import uuid

import asyncpg

from tests.plugins.search.helpers import (
    plugin,
    redeliver,
    register,
    search,
    wait_for_entry,
    word,
)
from tests.plugins.users.clinic import Clinic
from tests.support.context import wait_for_row


async def test_a_registered_patient_is_found_by_name_prefix_and_email(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    surname = word()
    patient = await register(clinic, "Alice", surname.capitalize(), phone="+33 6 12 34 56 78")
    await wait_for_entry(raw_pool, "patient", patient.id)
    doctor = await clinic.member("doctor")

    by_prefix = await search(clinic, doctor, f"ali {surname[:4]}")
    assert [hit["id"] for hit in by_prefix["hits"]] == [str(patient.id)]
    assert by_prefix["total"] == 1
    hit = by_prefix["hits"][0]
    assert hit["kind"] == "patient"
    assert hit["title"] == f"Alice {surname.capitalize()}"
    assert "<mark>Alice</mark>" in hit["snippet"]

    by_email = await search(clinic, doctor, patient.email)
    assert [hit["id"] for hit in by_email["hits"]] == [str(patient.id)]
    by_phone = await search(clinic, doctor, "33612345678")
    assert str(patient.id) in [hit["id"] for hit in by_phone["hits"]]


async def test_an_address_is_found_as_typed_whatever_words_the_index_holds(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    # Indexed words a typo correction would turn parts of these addresses into: "exämple"
    # (an address at an accented domain: PostgreSQL splits it into words) for "example", and
    # a surname one letter away from the word between the address's dot and its `@`.
    tag, surname = uuid.uuid4().hex[:8], word()
    near = await register(clinic, "Zoé", surname, email=f"zoé.{tag}@exämple.org")
    await wait_for_entry(raw_pool, "patient", near.id)
    assert await raw_pool.fetchval("SELECT 1 FROM search_vocabulary WHERE word = 'exämple'")
    typo = surname[:-1] + ("a" if surname[-1] != "a" else "b")
    patients = [
        await register(clinic, "Alice", word()),
        await register(clinic, "Ana", word(), email=f"p{tag}.{typo}@example.test"),
    ]
    doctor = await clinic.member("doctor")
    for patient in patients:
        await wait_for_entry(raw_pool, "patient", patient.id)
        by_email = await search(clinic, doctor, patient.email)
        assert [hit["id"] for hit in by_email["hits"]] == [str(patient.id)], patient.email
    # A word alone is still corrected.
    assert [hit["id"] for hit in (await search(clinic, doctor, typo))["hits"]] == [str(near.id)]


async def test_a_patient_sees_only_their_own_entries(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    surname = word()
    alina = await register(clinic, "Alina", surname)
    alissa = await register(clinic, "Alissa", surname)
    for member in (alina, alissa):
        await wait_for_entry(raw_pool, "patient", member.id)

    mine = await search(clinic, alina, "a", limit=100)
    assert mine["hits"], "the patient's own entry starts with `a`"
    own = await raw_pool.fetch("SELECT ref_id FROM search_entry WHERE patient_id = $1", alina.id)
    assert {hit["id"] for hit in mine["hits"]} <= {str(row["ref_id"]) for row in own}
    assert mine["total"] == len(mine["hits"])
    both = await search(clinic, alina, surname)
    assert [hit["id"] for hit in both["hits"]] == [str(alina.id)]
    assert both["total"] == 1


async def test_every_staff_role_sees_every_patient(clinic: Clinic, raw_pool: asyncpg.Pool) -> None:
    surname = word()
    patients = [await register(clinic, first, surname) for first in ("Ana", "Bea")]
    for member in patients:
        await wait_for_entry(raw_pool, "patient", member.id)
    expected = sorted(str(member.id) for member in patients)
    for role in ("receptionist", "doctor", "nurse", "admin"):
        caller = await clinic.member(role)
        page = await search(clinic, caller, surname, kind="patient")
        assert sorted(hit["id"] for hit in page["hits"]) == expected, role
        assert page["total"] == 2
    second = await search(clinic, caller, surname, limit=1, offset=1)
    assert len(second["hits"]) == 1
    assert second["hits"][0]["id"] in expected
    assert second["total"] == 2
    beyond = await search(clinic, caller, surname, offset=5)
    assert (beyond["hits"], beyond["total"]) == ([], 2)


async def test_staff_accounts_are_never_patient_hits(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    surname = word()
    doctor = await clinic.member("doctor", "patient", first_name="Dora", last_name=surname)
    response = await clinic.client.put(
        "/api/v1/users/me", json={"phone": "+1 555 0100"}, headers=doctor.headers
    )
    assert response.status_code == 200, response.text
    await clinic.in_app(plugin(clinic).indexer.refresh, "patient", [doctor.id])
    admin = await clinic.member("admin")
    assert (await search(clinic, admin, surname))["total"] == 0
    assert (
        await raw_pool.fetchrow("SELECT 1 FROM search_entry WHERE ref_id = $1", doctor.id) is None
    )


async def test_a_profile_update_reindexes_the_patient(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    old, new = word(), word()
    patient = await register(clinic, "Carla", old)
    await wait_for_entry(raw_pool, "patient", patient.id)
    address = f"<img src=x onerror=alert(1)> 12 {new.capitalize()} Street & Sons"
    response = await clinic.client.put(
        "/api/v1/users/me",
        json={"last_name": new.capitalize(), "address": address},
        headers=patient.headers,
    )
    assert response.status_code == 200, response.text
    await wait_for_entry(raw_pool, "patient", patient.id, "title = $3", f"Carla {new.capitalize()}")

    # The registration event delivered again, late: the entry keeps the current name.
    await redeliver(clinic, raw_pool, "user.registered", "user_id", str(patient.id))
    row = await wait_for_entry(raw_pool, "patient", patient.id)
    assert row["title"] == f"Carla {new.capitalize()}"

    receptionist = await clinic.member("receptionist")
    assert (await search(clinic, receptionist, old))["total"] == 0
    page = await search(clinic, receptionist, f"street {new}")
    assert [hit["id"] for hit in page["hits"]] == [str(patient.id)]
    snippet = page["hits"][0]["snippet"]
    assert "<img" not in snippet
    assert "&lt;img src=x onerror=alert(1)&gt;" in snippet
    assert "&amp; Sons" in snippet
    assert f"<mark>{new.capitalize()}</mark>" in snippet


async def test_role_and_status_changes_reach_the_index(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    name = word()
    patient = await register(clinic, "Dana", name.capitalize())
    admin = await clinic.member("admin")
    await wait_for_entry(raw_pool, "patient", patient.id)
    users = f"/api/v1/users/{patient.id}"

    deactivated = await clinic.client.post(f"{users}/deactivate", headers=admin.headers)
    assert deactivated.status_code == 200, deactivated.text
    await wait_for_entry(raw_pool, "patient", patient.id, "extra->>'status' = 'deactivated'")
    (hit,) = (await search(clinic, admin, name))["hits"]
    assert hit["extra"]["status"] == "deactivated"

    promoted = await clinic.client.put(
        f"{users}/roles", json={"roles": ["nurse"]}, headers=admin.headers
    )
    assert promoted.status_code == 200, promoted.text
    gone = "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM search_entry WHERE ref_id = $1)"
    await wait_for_row(raw_pool, gone, patient.id)
    assert (await search(clinic, admin, name))["total"] == 0, "staff are never patient hits"


async def test_the_rebuild_total_leaves_out_patients_who_are_also_staff(clinic: Clinic) -> None:
    count = plugin(clinic).indexer.sources["patient"].count
    before = await clinic.in_app(count)
    patient = await register(clinic, "Noor", word())
    assert await clinic.in_app(count) == before + 1
    admin = await clinic.member("admin")
    both = await clinic.client.put(
        f"/api/v1/users/{patient.id}/roles",
        json={"roles": ["patient", "nurse"]},
        headers=admin.headers,
    )
    assert both.status_code == 200, both.text
    assert await clinic.in_app(count) == before, "a patient who is also staff is never indexed"

"""A name is one name in either Unicode form: ë as one character or as e + U+0308 (NFC, NFD)."""

import re
import unicodedata
import uuid

import pytest

from hduce.contracts.auth import Role
from hduce.contracts.users import DemographicsReader, PeopleQuery
from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import registration, signed_in

COMPOSED = "No\u00eblle"  # ë as one code point, as most keyboards type it
DECOMPOSED = "Noe\u0308lle"  # e and a combining diaeresis, as some systems and pastes send it
FORMS = [(DECOMPOSED, COMPOSED), (COMPOSED, DECOMPOSED)]


async def registered(clinic: Clinic, first_name: str) -> tuple[uuid.UUID, str]:
    """A patient self-registered through the API as `first_name` and a last name of its own."""
    tag = uuid.uuid4().hex[:10]
    last_name = f"Ma\u0301rquez{tag}"  # á decomposed too: every name part is normalised
    body = registration(first_name, last_name, email=f"nf.{tag}@example.test", username=f"nf_{tag}")
    response = await clinic.client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 202, response.text
    (row,) = await clinic.fetch("SELECT id FROM account WHERE email = $1", body["email"])
    return row["id"], tag


@pytest.fixture(params=FORMS, ids=["typed-NFD", "typed-NFC"])
async def typed_one_way(
    clinic: Clinic, request: pytest.FixtureRequest
) -> tuple[uuid.UUID, str, str]:
    """A patient registered with the name in one form, its tag, and the name in the other form."""
    typed, searched = request.param
    patient, tag = await registered(clinic, typed)
    return patient, tag, searched


async def test_the_desk_finds_a_name_typed_in_the_other_form(
    clinic: Clinic, typed_one_way: tuple[uuid.UUID, str, str]
) -> None:
    patient, tag, searched = typed_one_way
    _, desk = await signed_in(clinic, "receptionist")
    for q in (searched, f"{searched} Márquez{tag}", f"Ma\u0301rquez{tag}"):
        found = await desk.get("/desk/patients", params={"q": q})
        assert found.status_code == 200, found.text
        assert f'value="{patient}"' in found.text, q
    # The people search behind the desk and the FHIR `Patient?name=` search.
    people = clinic.context.registry.get(DemographicsReader)
    query = PeopleQuery(roles=frozenset({Role.PATIENT}), name=f"{searched} Márquez{tag}")
    found_people, _ = await clinic.in_app(people.search, query)
    assert [person.id for person in found_people] == [patient]


async def test_the_admin_finds_a_name_typed_in_the_other_form(
    clinic: Clinic, typed_one_way: tuple[uuid.UUID, str, str]
) -> None:
    patient, tag, searched = typed_one_way
    admin, browser = await signed_in(clinic, "admin")
    for q in (f"{searched} Márquez{tag}", f"Ma\u0301rquez{tag} {searched}"):
        listed = await clinic.client.get("/api/v1/users", params={"q": q}, headers=admin.headers)
        assert listed.status_code == 200, listed.text
        assert [item["id"] for item in listed.json()["items"]] == [str(patient)], q
        page = await browser.get("/admin/users", params={"q": q, "status": "active"})
        assert re.findall(r"/admin/users/([0-9a-f-]{36})/roles", page.text) == [str(patient)], q


async def test_names_are_stored_precomposed_whoever_writes_them(clinic: Clinic) -> None:
    patient, tag = await registered(clinic, DECOMPOSED)
    family = f"Ha\u0308kkinen{tag}"
    doctor = await clinic.member(
        "doctor", first_name=DECOMPOSED, last_name=family, specialty="Ge\u0301riatrie"
    )
    directory = {"q": f"{COMPOSED} H\u00e4kkinen{tag}", "specialty": "G\u00e9riatrie"}
    listed = await clinic.client.get(
        "/api/v1/practitioners", params=directory, headers=doctor.headers
    )
    assert [item["id"] for item in listed.json()["items"]] == [str(doctor.id)], listed.text
    changes = {"last_name": "Bro\u0308nte", "address": "1 rue de l'E\u0301glise"}
    changed = await clinic.client.put("/api/v1/users/me", json=changes, headers=doctor.headers)
    assert changed.status_code == 200, changed.text
    answered = changed.json()
    assert (answered["last_name"], answered["address"]) == ("Br\u00f6nte", "1 rue de l'\u00c9glise")
    rows = await clinic.fetch(
        "SELECT first_name, last_name, address, specialty FROM profile WHERE account = ANY($1)",
        [patient, doctor.id],
    )
    assert {row["first_name"] for row in rows} == {COMPOSED}
    for row in rows:
        texts = [value for value in row.values() if value is not None]
        assert texts == [unicodedata.normalize("NFC", text) for text in texts], row


async def test_an_address_typed_in_the_other_form_is_found(clinic: Clinic) -> None:
    tag = uuid.uuid4().hex[:10]
    body = registration("Zoe", "Vale", email=f"zo\u00eb.{tag}@example.test", username=f"zv_{tag}")
    response = await clinic.client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 202, response.text
    decomposed = f"zoe\u0308.{tag}@example.test"
    people = clinic.context.registry.get(DemographicsReader)
    query = PeopleQuery(roles=frozenset({Role.PATIENT}), email=decomposed)
    (found,), _ = await clinic.in_app(people.search, query)
    assert found.email == body["email"]
    admin = await clinic.member("admin")
    for q in (decomposed, f"zoe\u0308.{tag}"):
        listed = await clinic.client.get("/api/v1/users", params={"q": q}, headers=admin.headers)
        assert [item["id"] for item in listed.json()["items"]] == [str(found.id)], listed.text

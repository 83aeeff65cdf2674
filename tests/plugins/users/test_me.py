"""`GET /users/me` and `PUT /users/me`: reads, edits and every refusal."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.plugins.users.clinic import Clinic

ME = "/api/v1/users/me"
PROBLEM = "application/problem+json"


async def test_get_me_returns_account_and_profile(clinic: Clinic) -> None:
    member = await clinic.member(
        "patient", first_name="Ada", last_name="Lovelace", phone="+44 20 7946 0958"
    )
    response = await clinic.client.get(ME, headers=member.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": str(member.id),
        "email": member.email,
        "username": member.username,
        "roles": ["patient"],
        "status": "active",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "+44 20 7946 0958",
        "date_of_birth": None,
        "address": None,
        "emergency_contact_name": None,
        "emergency_contact_phone": None,
        "specialty": None,
        "institution": None,
        "licence_number": None,
        "timezone": "UTC",
    }


async def test_me_needs_a_token(clinic: Clinic) -> None:
    for response in (
        await clinic.client.get(ME),
        await clinic.client.put(ME, json={"first_name": "X"}),
        await clinic.client.get(ME, headers={"Authorization": "Bearer not-a-jwt"}),
    ):
        assert response.status_code == 401
        assert response.headers["content-type"].startswith(PROBLEM)


async def test_patient_edits_demographics(clinic: Clinic) -> None:
    member = await clinic.member("patient")
    changes = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "phone": "(555) 010-9999",
        "date_of_birth": "1906-12-09",
        "address": "1 Navy Yard, Arlington",
        "emergency_contact_name": "Vincent Hopper",
        "emergency_contact_phone": "+1 555 010 0000",
        "timezone": "America/New_York",
    }
    response = await clinic.client.put(ME, json=changes, headers=member.headers)
    assert response.status_code == 200, response.text
    assert {k: response.json()[k] for k in changes} == changes
    again = (await clinic.client.get(ME, headers=member.headers)).json()
    assert {k: again[k] for k in changes} == changes
    assert again["roles"] == ["patient"] and again["email"] == member.email


async def test_absent_fields_stay_and_null_clears(clinic: Clinic) -> None:
    member = await clinic.member("patient", first_name="Keep", phone="+33 1 23 45 67 89")
    response = await clinic.client.put(
        ME, json={"phone": None, "address": "2 rue X"}, headers=member.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["first_name"], body["phone"], body["address"]) == ("Keep", None, "2 rue X")


async def test_staff_edit_practitioner_fields(clinic: Clinic) -> None:
    doctor = await clinic.member("doctor")
    fields = {"specialty": "Cardiology", "institution": "St Mary", "licence_number": "GMC-123"}
    response = await clinic.client.put(ME, json=fields, headers=doctor.headers)
    assert response.status_code == 200, response.text
    assert {k: response.json()[k] for k in fields} == fields


@pytest.mark.parametrize("field", ["specialty", "institution", "licence_number"])
async def test_patient_cannot_set_practitioner_fields(clinic: Clinic, field: str) -> None:
    patient = await clinic.member("patient")
    response = await clinic.client.put(ME, json={field: "x"}, headers=patient.headers)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith(PROBLEM)
    assert field in response.json()["detail"]
    profile = (await clinic.client.get(ME, headers=patient.headers)).json()
    assert profile[field] is None


@pytest.mark.parametrize(
    "body",
    [
        {"roles": ["admin"]},
        {"status": "active"},
        {"email": "someone@else.test"},
        {"username": "other"},
        {"id": str(uuid.uuid4())},
        {"first_name": "A", "password": "x"},
    ],
)
async def test_unknown_fields_are_rejected(clinic: Clinic, body: dict[str, object]) -> None:
    member = await clinic.member("patient")
    response = await clinic.client.put(ME, json=body, headers=member.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert (await clinic.client.get(ME, headers=member.headers)).json()["roles"] == ["patient"]


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": "localtime"}, "timezone"),  # the server's own zone names no place
        (
            {"date_of_birth": (datetime.now(UTC).date() + timedelta(days=2)).isoformat()},
            "date_of_birth",
        ),
        ({"date_of_birth": "not-a-date"}, "date_of_birth"),
        ({"phone": "call me maybe"}, "phone"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "+1 234 567 890 123 456 78"}, "phone"),
        ({"emergency_contact_phone": "abc"}, "emergency_contact_phone"),
        # `$` also matched before a final line break: these were stored with it.
        ({"phone": "5551234567\n"}, "phone"),
        ({"emergency_contact_phone": "5551234567\n"}, "emergency_contact_phone"),
        ({"first_name": ""}, "first_name"),
        ({"first_name": "   "}, "first_name"),
        ({"first_name": None}, "first_name"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"address": "x" * 501}, "address"),
    ],
)
async def test_invalid_values_are_rejected(
    clinic: Clinic, body: dict[str, object], key: str
) -> None:
    member = await clinic.member("patient")
    response = await clinic.client.put(ME, json=body, headers=member.headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"].endswith("/validation-error")
    assert key in problem["detail"]


async def test_birth_date_today_is_accepted(clinic: Clinic) -> None:
    member = await clinic.member("patient")
    today = date.today().isoformat()
    response = await clinic.client.put(ME, json={"date_of_birth": today}, headers=member.headers)
    assert response.status_code == 200, response.text


async def test_malformed_json_is_rejected(clinic: Clinic) -> None:
    member = await clinic.member("patient")
    response = await clinic.client.put(
        ME, content=b"{not json", headers={**member.headers, "content-type": "application/json"}
    )
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_account_without_profile_gets_one_on_first_edit(clinic: Clinic) -> None:
    account_id = uuid.uuid4()
    await clinic.execute(
        "INSERT INTO account (id, email, username, password_hash, roles, status) "
        "VALUES ($1, $2, $3, 'x', $4, 'active')",
        account_id,
        f"{account_id.hex}@example.test",
        f"np_{account_id.hex[:20]}",
        ["admin"],
    )
    headers = clinic.headers(account_id, ("admin",))
    before = (await clinic.client.get(ME, headers=headers)).json()
    assert (before["first_name"], before["timezone"]) == ("", "UTC")
    response = await clinic.client.put(
        ME, json={"first_name": "Root", "timezone": "Europe/Paris"}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert (response.json()["first_name"], response.json()["timezone"]) == ("Root", "Europe/Paris")


async def test_token_for_unknown_account_is_404(clinic: Clinic) -> None:
    headers = clinic.headers(uuid.uuid4(), ("patient",))
    assert (await clinic.client.get(ME, headers=headers)).status_code == 404

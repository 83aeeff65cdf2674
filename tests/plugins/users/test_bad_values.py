"""Values PostgreSQL cannot store, and offsets past any page: the client's 422, never a 500."""

import uuid

import pytest

from tests.plugins.users.clinic import Clinic

PROBLEM = "application/problem+json"


async def test_a_nul_character_in_text_is_a_422(clinic: Clinic) -> None:
    patient = await clinic.member("patient")
    response = await clinic.client.put(
        "/api/v1/users/me", json={"first_name": "Ad\u0000a"}, headers=patient.headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["detail"].startswith("first_name: "), response.text
    assert "U+0000" in response.json()["detail"]
    me = await clinic.client.get("/api/v1/users/me", headers=patient.headers)
    assert "\u0000" not in me.text, "nothing was stored"


CONTROL = "text may not contain control"
ONE_LINE = "must be one line"


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        # Seen: BEL and ESC were stored in names and addresses, and came back in search
        # snippets and the CLI's listings (a terminal reads ESC as the start of a command).
        ("first_name", "a\u0007b", CONTROL),
        ("address", "1 Main St\u001b[2J", CONTROL),
        # Seen: a first name "Eve\r\nBcc: ..." was stored, and mailed as two lines.
        ("first_name", "A\r\nB", ONE_LINE),
        ("last_name", "Lovelace\n", ONE_LINE),
        ("emergency_contact_name", "Bob\u2028Bcc: x@evil.test", ONE_LINE),
        ("phone", "+15550102030\r", ""),
    ],
)
async def test_a_control_character_or_a_line_break_in_one_line_is_a_422_naming_the_field(
    clinic: Clinic, field: str, value: str, said: str
) -> None:
    patient = await clinic.member("patient")
    response = await clinic.client.put(
        "/api/v1/users/me", json={field: value}, headers=patient.headers
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["detail"].startswith(f"{field}: {said}"), problem
    assert [error["key"] for error in problem["errors"]] == [field]


async def test_a_line_break_where_text_may_have_lines_is_kept(clinic: Clinic) -> None:
    patient = await clinic.member("patient")
    lines = await clinic.client.put(
        "/api/v1/users/me", json={"address": "1 Main St\nSpringfield"}, headers=patient.headers
    )
    assert lines.status_code == 200, lines.text


@pytest.mark.parametrize("offset", ["565781818955995358383046656", "10000001", "-1"])
async def test_an_offset_beyond_the_bounds_is_a_422(clinic: Clinic, offset: str) -> None:
    admin = await clinic.member("admin")
    response = await clinic.client.get(
        "/api/v1/users", params={"offset": offset}, headers=admin.headers
    )
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "offset" in response.text


# 60 characters, within a name's 100; NFC, which profiles store, makes each U+095B two (120).
GROWING = "\u095b" * 60


async def test_a_name_too_long_once_in_nfc_is_a_422_naming_the_field_and_its_limit(
    clinic: Clinic,
) -> None:
    # Seen: the length was checked as sent and the NFC form refused by PostgreSQL, a vague
    # "a value is out of the range or format this field accepts".
    patient = await clinic.member("patient")
    email = f"nukta-{uuid.uuid4().hex[:8]}@example.org"
    registration = {
        "email": email,
        "username": email.split("@")[0],
        "password": "PatientPass-12345!",
        "first_name": "Zakir",
        "last_name": GROWING,
    }
    answers = {
        "PUT /users/me": await clinic.client.put(
            "/api/v1/users/me", json={"last_name": GROWING}, headers=patient.headers
        ),
        "POST /auth/register": await clinic.client.post("/api/v1/auth/register", json=registration),
    }
    for route, response in answers.items():
        assert response.status_code == 422, (route, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        detail = response.json()["detail"]
        assert "last_name" in detail and "100" in detail and "NFC" in detail, (route, detail)
    me = await clinic.client.get("/api/v1/users/me", headers=patient.headers)
    assert me.json()["last_name"] != GROWING
    assert not await clinic.fetch("SELECT id FROM account WHERE email = $1", email), "none made"

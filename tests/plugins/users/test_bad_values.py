"""Values PostgreSQL cannot store, and offsets past any page: the client's 422, never a 500."""

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
    assert response.json()["type"].endswith("/invalid-value")
    assert "NUL" in response.json()["detail"]
    me = await clinic.client.get("/api/v1/users/me", headers=patient.headers)
    assert "\u0000" not in me.text, "nothing was stored"


@pytest.mark.parametrize("offset", ["565781818955995358383046656", "10000001", "-1"])
async def test_an_offset_beyond_the_bounds_is_a_422(clinic: Clinic, offset: str) -> None:
    admin = await clinic.member("admin")
    response = await clinic.client.get(
        "/api/v1/users", params={"offset": offset}, headers=admin.headers
    )
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "offset" in response.text

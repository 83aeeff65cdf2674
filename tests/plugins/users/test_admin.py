"""Admin user management: search and pagination, approval, roles, (de)activation, forced resets."""

import json
import uuid

import pytest

from tests.plugins.users.clinic import Clinic, Member

USERS = "/api/v1/users"
PROBLEM = "application/problem+json"


def admin_routes(target: uuid.UUID) -> list[tuple[str, str, dict[str, object] | None]]:
    return [
        ("GET", USERS, None),
        ("POST", f"{USERS}/{target}/approve", None),
        ("PUT", f"{USERS}/{target}/roles", {"roles": ["doctor", "nurse"]}),
        ("POST", f"{USERS}/{target}/deactivate", None),
        ("POST", f"{USERS}/{target}/reactivate", None),
        ("POST", f"{USERS}/{target}/force-password-reset", None),
    ]


async def get_user(clinic: Clinic, admin: Member, user: Member) -> dict[str, object]:
    response = await clinic.client.get(f"{USERS}/{user.id}", headers=admin.headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("role", ["doctor", "nurse", "receptionist", "patient", None])
async def test_only_admins_reach_admin_routes(clinic: Clinic, role: str | None) -> None:
    target = await clinic.member("doctor", status="pending_approval")
    headers = (await clinic.member(role)).headers if role else {}
    for method, url, body in admin_routes(target.id):
        response = await clinic.client.request(method, url, json=body, headers=headers)
        assert response.status_code == (403 if role else 401), (method, url, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
    admin = await clinic.member("admin")
    after = await get_user(clinic, admin, target)
    assert (after["status"], after["roles"]) == ("pending_approval", ["doctor"])


async def test_admin_with_more_roles_is_still_admin(clinic: Clinic) -> None:
    admin = await clinic.member("doctor", "admin")
    response = await clinic.client.get(USERS, headers=admin.headers)
    assert response.status_code == 200, response.text


class TestSearch:
    """One marker string found through e-mail, username and names."""

    @pytest.fixture
    async def found(self, clinic: Clinic) -> tuple[str, dict[str, Member], Member]:
        marker = "mk" + uuid.uuid4().hex[:10]
        members = {
            "by_email": await clinic.member("patient", email=f"{marker}.a@example.test"),
            "by_username": await clinic.member("nurse", username=f"{marker}_b"),
            "by_last_name": await clinic.member("patient", first_name="Carol", last_name=marker),
            "by_both": await clinic.member(
                "patient", email=f"{marker}.d@example.test", last_name=f"Dee{marker}"
            ),
            "pending_doctor": await clinic.member(
                "doctor", status="pending_approval", first_name=f"{marker}Eve"
            ),
        }
        return marker, members, await clinic.member("admin")

    async def search(self, clinic: Clinic, admin: Member, **params: object) -> dict[str, object]:
        response = await clinic.client.get(USERS, params=params, headers=admin.headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def test_finds_each_user_once(self, clinic: Clinic, found) -> None:
        marker, members, admin = found
        for q in (marker, marker.upper(), f"  {marker} "):
            page = await self.search(clinic, admin, q=q)
            assert page["total"] == 5
            assert sorted(item["id"] for item in page["items"]) == sorted(
                str(m.id) for m in members.values()
            )

    async def test_listing_is_audited(self, clinic: Clinic, found) -> None:
        marker, _, admin = found
        await self.search(clinic, admin, q=marker, limit=2)
        rows = await clinic.fetch(
            "SELECT detail FROM audit_event WHERE action = 'users.listed' AND actor_id = $1",
            admin.id,
        )
        assert [json.loads(row["detail"]) for row in rows] == [
            {"q": marker, "role": None, "status": None, "limit": 2, "offset": 0, "returned": 2}
        ]

    async def test_items_carry_profiles(self, clinic: Clinic, found) -> None:
        marker, members, admin = found
        page = await self.search(clinic, admin, q=marker)
        by_id = {item["id"]: item for item in page["items"]}
        assert by_id[str(members["by_last_name"].id)]["first_name"] == "Carol"
        assert by_id[str(members["by_email"].id)]["email"] == members["by_email"].email

    async def test_full_name_and_reversed_name(self, clinic: Clinic, found) -> None:
        marker, members, admin = found
        for q in (f"carol {marker}", f"{marker} Carol"):
            page = await self.search(clinic, admin, q=q)
            assert [item["id"] for item in page["items"]] == [str(members["by_last_name"].id)]

    async def test_filters_by_role_and_status(self, clinic: Clinic, found) -> None:
        marker, members, admin = found
        doctors = await self.search(clinic, admin, q=marker, role="doctor")
        assert [i["id"] for i in doctors["items"]] == [str(members["pending_doctor"].id)]
        pending = await self.search(clinic, admin, q=marker, status="pending_approval")
        assert [i["id"] for i in pending["items"]] == [str(members["pending_doctor"].id)]
        nurses = await self.search(clinic, admin, q=marker, role="nurse", status="active")
        assert [i["id"] for i in nurses["items"]] == [str(members["by_username"].id)]
        patients = await self.search(clinic, admin, q=marker, role="patient")
        assert patients["total"] == 3
        assert (await self.search(clinic, admin, q=marker, status="deactivated"))["total"] == 0

    async def test_pages_cover_every_match_once(self, clinic: Clinic, found) -> None:
        marker, members, admin = found
        seen: list[str] = []
        for offset in (0, 2, 4):
            page = await self.search(clinic, admin, q=marker, limit=2, offset=offset)
            assert (page["total"], page["limit"], page["offset"]) == (5, 2, offset)
            assert len(page["items"]) == (2 if offset < 4 else 1)
            seen += [item["id"] for item in page["items"]]
        assert sorted(seen) == sorted(str(m.id) for m in members.values())
        past_end = await self.search(clinic, admin, q=marker, limit=2, offset=10)
        assert (past_end["items"], past_end["total"]) == ([], 5)

    async def test_wildcards_are_literal(self, clinic: Clinic, found) -> None:
        marker, _, admin = found
        for q in (f"{marker}%", f"{marker[:4]}_{marker[5:]}", "%" + marker[2:]):
            assert (await self.search(clinic, admin, q=q))["total"] == 0

    async def test_no_query_lists_everyone_by_filter(self, clinic: Clinic, found) -> None:
        *_, admin = found
        page = await self.search(clinic, admin, role="doctor", status="pending_approval", limit=5)
        assert page["total"] >= 1 and len(page["items"]) <= 5
        everyone = await self.search(clinic, admin)
        assert everyone["total"] >= 6 and everyone["limit"] == 5


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 6},
        {"limit": 0},
        {"offset": -1},
        {"limit": "many"},
        {"role": "superuser"},
        {"status": "asleep"},
    ],
)
async def test_bad_list_parameters_are_422(clinic: Clinic, params: dict[str, object]) -> None:
    admin = await clinic.member("admin")
    response = await clinic.client.get(USERS, params=params, headers=admin.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_approve_activates_a_pending_account(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    doctor = await clinic.member("doctor", status="pending_approval")
    response = await clinic.client.post(f"{USERS}/{doctor.id}/approve", headers=admin.headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active"
    assert (await get_user(clinic, admin, doctor))["status"] == "active"
    events = await clinic.fetch(
        "SELECT payload FROM outbox WHERE name = 'user.approved' AND payload->>'user_id' = $1",
        str(doctor.id),
    )
    assert len(events) == 1


async def test_approve_refuses_unknown_accounts(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    response = await clinic.client.post(f"{USERS}/{uuid.uuid4()}/approve", headers=admin.headers)
    assert response.status_code == 404


async def test_set_roles_replaces_them(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    user = await clinic.member("patient")
    response = await clinic.client.put(
        f"{USERS}/{user.id}/roles", json={"roles": ["nurse", "doctor"]}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == ["doctor", "nurse"]
    assert (await get_user(clinic, admin, user))["roles"] == ["doctor", "nurse"]


@pytest.mark.parametrize(
    "body",
    [
        {"roles": []},
        {"roles": ["superuser"]},
        {"roles": "admin"},
        {"roles": ["doctor"], "status": "active"},
        {},
    ],
)
async def test_set_roles_validates_the_body(clinic: Clinic, body: dict[str, object]) -> None:
    admin = await clinic.member("admin")
    user = await clinic.member("patient")
    response = await clinic.client.put(f"{USERS}/{user.id}/roles", json=body, headers=admin.headers)
    assert response.status_code == 422, response.text
    assert (await get_user(clinic, admin, user))["roles"] == ["patient"]


async def test_admin_cannot_drop_their_own_admin_role(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    url = f"{USERS}/{admin.id}/roles"
    response = await clinic.client.put(url, json={"roles": ["doctor"]}, headers=admin.headers)
    assert response.status_code == 409
    assert response.json()["type"].endswith("/own-account-protected")
    assert (await get_user(clinic, admin, admin))["roles"] == ["admin"]
    kept = await clinic.client.put(url, json={"roles": ["admin", "doctor"]}, headers=admin.headers)
    assert kept.status_code == 200, kept.text
    assert kept.json()["roles"] == ["admin", "doctor"]


async def test_deactivate_and_reactivate(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    user = await clinic.member("nurse")
    response = await clinic.client.post(f"{USERS}/{user.id}/deactivate", headers=admin.headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "deactivated"
    assert (await get_user(clinic, admin, user))["status"] == "deactivated"
    response = await clinic.client.post(f"{USERS}/{user.id}/reactivate", headers=admin.headers)
    assert response.status_code == 200, response.text
    assert (await get_user(clinic, admin, user))["status"] == "active"


async def test_admin_cannot_deactivate_themselves(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    response = await clinic.client.post(f"{USERS}/{admin.id}/deactivate", headers=admin.headers)
    assert response.status_code == 409
    assert response.json()["type"].endswith("/own-account-protected")
    assert (await get_user(clinic, admin, admin))["status"] == "active"


async def test_admin_cannot_force_a_password_reset_on_themselves(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    response = await clinic.client.post(
        f"{USERS}/{admin.id}/force-password-reset", headers=admin.headers
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["type"].endswith("/own-account-protected")
    (account,) = await clinic.fetch(
        "SELECT must_reset_password FROM account WHERE id = $1", admin.id
    )
    assert account["must_reset_password"] is False
    assert (await clinic.client.get(f"{USERS}/me", headers=admin.headers)).status_code == 200


async def test_force_password_reset(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    user = await clinic.member("patient")
    response = await clinic.client.post(
        f"{USERS}/{user.id}/force-password-reset", headers=admin.headers
    )
    assert response.status_code == 204, response.text
    (account,) = await clinic.fetch(
        "SELECT must_reset_password FROM account WHERE id = $1", user.id
    )
    assert account["must_reset_password"] is True
    assert (await get_user(clinic, admin, user))["status"] == "active"


@pytest.mark.parametrize("action", ["deactivate", "reactivate", "force-password-reset"])
async def test_actions_on_unknown_accounts_are_404(clinic: Clinic, action: str) -> None:
    admin = await clinic.member("admin")
    response = await clinic.client.post(f"{USERS}/{uuid.uuid4()}/{action}", headers=admin.headers)
    assert response.status_code == 404, response.text


async def test_account_admin_events_record_the_callers_address(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    target = await clinic.member("doctor", status="pending_approval")
    for method, url, body in admin_routes(target.id)[1:]:
        response = await clinic.client.request(method, url, json=body, headers=admin.headers)
        assert response.status_code in (200, 204), (url, response.text)
    rows = await clinic.fetch(
        "SELECT action, ip FROM audit_event WHERE subject_id = $1 AND action LIKE 'auth.%' "
        "ORDER BY id",
        target.id,
    )
    assert [(row["action"], row["ip"]) for row in rows] == [
        (f"auth.{action}", "testclient")
        for action in (
            "account_approved",
            "role_changed",
            "account_deactivated",
            "account_reactivated",
            "password_reset_forced",
        )
    ]


async def test_a_deactivated_account_is_sent_no_reset_link(clinic: Clinic) -> None:
    """Seen: 204 and a mailed reset link the reset page then refused (400 invalid-token)."""
    admin = await clinic.member("admin")
    user = await clinic.member("patient", status="deactivated")
    response = await clinic.client.post(
        f"{USERS}/{user.id}/force-password-reset", headers=admin.headers
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "deactivated" in response.json()["detail"], response.text
    (account,) = await clinic.fetch(
        "SELECT must_reset_password, (SELECT count(*) FROM one_time_token t "
        "WHERE t.account = a.id) AS links FROM account a WHERE id = $1",
        user.id,
    )
    assert (account["must_reset_password"], account["links"]) == (False, 0)

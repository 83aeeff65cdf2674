"""The accounts page refuses what the API refuses, and says why on the same page."""

import pytest

from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import signed_in
from tests.plugins.web.test_admin import ROLES, roles_form
from tests.plugins.web.test_form_refusals import refused_as_typed

ACTIVE = "/admin/users?status=active"


async def test_an_admin_cannot_remove_their_own_admin_role(clinic: Clinic) -> None:
    await clinic.member("admin")  # another admin: the last-admin rule is not what refuses
    me, admin = await signed_in(clinic, "admin")
    listing = {"status": "active", "q": me.username}
    answer = await admin.submit(
        f"/admin/users/{me.id}/roles", {**listing, "roles": ["doctor"]}, page=ACTIVE
    )
    said = refused_as_typed(answer, "you cannot remove your own admin role", status=409)
    assert 'value="doctor" checked' in roles_form(said, str(me.id))
    assert (await clinic.fetch(ROLES, me.id))[0]["roles"] == ["admin"]
    kept = await admin.submit(
        f"/admin/users/{me.id}/roles", {**listing, "roles": ["admin", "doctor"]}, page=ACTIVE
    )
    assert kept.status_code == 303, kept.text
    assert set((await clinic.fetch(ROLES, me.id))[0]["roles"]) == {"admin", "doctor"}


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        ("deactivate", "you cannot deactivate your own account"),
        ("password-reset", "you cannot force a password reset on your own account"),
    ],
)
async def test_an_admin_cannot_deactivate_or_reset_themselves(
    clinic: Clinic, action: str, reason: str
) -> None:
    await clinic.member("admin")
    me, admin = await signed_in(clinic, "admin")
    answer = await admin.submit(
        f"/admin/users/{me.id}/{action}", {"status": "active", "q": me.username}, page=ACTIVE
    )
    said = refused_as_typed(answer, reason, status=409)
    assert f"Deactivate {me.email}" in said, "the accounts page, still listing the account"
    (account,) = await clinic.fetch(ROLES, me.id)
    assert account["status"] == "active" and account["must_reset_password"] is False
    assert (await admin.get("/admin/users")).status_code == 200, "still signed in"


@pytest.mark.parametrize(
    ("status", "action", "reason"),
    [
        ("active", "approve", "not pending approval"),
        ("active", "reactivate", "not deactivated"),
        ("deactivated", "deactivate", "already deactivated"),
    ],
)
async def test_a_refused_account_step_is_the_accounts_page_with_the_reason(
    clinic: Clinic, status: str, action: str, reason: str
) -> None:
    nurse = await clinic.member("nurse", status=status)
    _, admin = await signed_in(clinic, "admin")
    listing = {"status": status, "q": nurse.username}
    answer = await admin.submit(
        f"/admin/users/{nurse.id}/{action}", listing, page=f"/admin/users?status={status}"
    )
    said = refused_as_typed(answer, reason, status=409)
    assert nurse.email in said, "the listing the admin was looking at"
    assert (await clinic.fetch(ROLES, nurse.id))[0]["status"] == status


async def test_the_action_buttons_keep_the_listing(clinic: Clinic) -> None:
    nurse = await clinic.member("nurse")
    _, admin = await signed_in(clinic, "admin")
    page = (await admin.get(f"/admin/users?status=active&q={nurse.username}")).text
    start = page.index(f'action="/admin/users/{nurse.id}/deactivate"')
    button = page[start : page.index("</form>", start)]
    assert 'name="status" value="active"' in button
    assert f'name="q" value="{nurse.username}"' in button

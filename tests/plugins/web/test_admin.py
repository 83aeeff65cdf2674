"""Admin pages: roles, forced password resets, reactivation, the audit log and analytics."""

import json
from datetime import UTC, datetime

from tests.plugins.appointments.helpers import AROUND_THE_CLOCK, book, free_slots, open_practice
from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import Browser, bearer, new_id, registration, signed_in
from tests.plugins.web.test_form_refusals import refused_as_typed

ROLES = "SELECT roles, status, must_reset_password FROM account WHERE id = $1"


async def test_an_admin_changes_roles_and_a_patient_cannot(clinic: Clinic) -> None:
    nurse = await clinic.member("nurse")
    _, admin = await signed_in(clinic, "admin")
    listed = await admin.get(f"/admin/users?status=active&q={nurse.username}")
    assert f"Roles of {nurse.email}" in listed.text
    changed = await admin.submit(
        f"/admin/users/{nurse.id}/roles", {"roles": ["doctor", "nurse"]}, page="/admin/users"
    )
    assert changed.status_code == 303, changed.text
    assert set((await clinic.fetch(ROLES, nurse.id))[0]["roles"]) == {"doctor", "nurse"}
    _, patient = await signed_in(clinic, "patient")
    refused = await patient.submit(
        f"/admin/users/{nurse.id}/roles", {"roles": ["admin"]}, page="/portal"
    )
    assert refused.status_code == 403
    assert set((await clinic.fetch(ROLES, nurse.id))[0]["roles"]) == {"doctor", "nurse"}


def roles_form(page: str, account: str) -> str:
    """The roles form of `account` on the accounts page."""
    start = page.index(f'action="/admin/users/{account}/roles"')
    return page[start : page.index("</form>", start)]


async def test_refused_roles_come_back_on_the_accounts_page_as_ticked(clinic: Clinic) -> None:
    nurse = await clinic.member("nurse")
    _, admin = await signed_in(clinic, "admin")
    listing = {"status": "active", "q": nurse.username}
    url, page = f"/admin/users/{nurse.id}/roles", f"/admin/users?status=active&q={nurse.username}"
    emptied = await admin.submit(url, listing, page=page)
    said = refused_as_typed(emptied, "Choose at least one role.")
    form = roles_form(said, str(nurse.id))
    assert "checked" not in form, "nothing was ticked, nothing is ticked"
    assert said.count("<details open>") == 1, "the refused account's form is open"
    unknown = await admin.submit(url, {**listing, "roles": ["doctor", "wizard"]}, page=page)
    said = refused_as_typed(unknown, "non-empty subset")
    form = roles_form(said, str(nurse.id))
    assert 'value="doctor" checked' in form and 'value="nurse" checked' not in form
    assert set((await clinic.fetch(ROLES, nurse.id))[0]["roles"]) == {"nurse"}


async def test_a_forced_password_reset_ends_the_persons_web_session(clinic: Clinic) -> None:
    doctor, doctor_browser = await signed_in(clinic, "doctor")
    _, desk = await signed_in(clinic, "receptionist")
    refused = await desk.submit(f"/admin/users/{doctor.id}/password-reset", {}, page="/desk")
    assert refused.status_code == 403
    assert (await doctor_browser.get("/clinic")).status_code == 200
    _, admin = await signed_in(clinic, "admin")
    reset = await admin.submit(f"/admin/users/{doctor.id}/password-reset", {}, page="/admin/users")
    assert reset.status_code == 303
    assert (await clinic.fetch(ROLES, doctor.id))[0]["must_reset_password"] is True
    doctor_browser.cookies.pop("hduce_access")  # the next request renews: the family is revoked
    signed_out = await doctor_browser.get("/clinic")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login")


async def test_an_admin_reactivates_a_deactivated_account(clinic: Clinic) -> None:
    nurse = await clinic.member("nurse", status="deactivated")
    _, admin = await signed_in(clinic, "admin")
    listed = await admin.get(f"/admin/users?status=deactivated&q={nurse.username}")
    assert f"Reactivate {nurse.email}" in listed.text
    back = await admin.submit(f"/admin/users/{nurse.id}/reactivate", {}, page="/admin/users")
    assert back.status_code == 303
    assert (await clinic.fetch(ROLES, nurse.id))[0]["status"] == "active"


async def test_the_accounts_page_audits_its_listing_as_the_api_does(clinic: Clinic) -> None:
    nurse = await clinic.member("nurse")
    admin, browser = await signed_in(clinic, "admin")
    listed = await browser.get(f"/admin/users?status=active&q={nurse.username}")
    assert nurse.email in listed.text
    query = {"status": "active", "q": nurse.username, "limit": "100"}
    api = await clinic.client.get("/api/v1/users", params=query, headers=bearer(browser))
    assert api.status_code == 200, api.text
    rows = await clinic.fetch(
        "SELECT detail FROM audit_event WHERE action = 'users.listed' AND actor_id = $1 "
        "ORDER BY id",
        admin.id,
    )
    web_detail, api_detail = (json.loads(row["detail"]) for row in rows)
    assert (
        web_detail
        == api_detail
        == {
            "q": nurse.username,
            "role": None,
            "status": "active",
            "limit": 100,
            "offset": 0,
            "returned": 1,
        }
    )


async def test_the_audit_log_shows_events_and_the_chain_status(clinic: Clinic) -> None:
    admin, browser = await signed_in(clinic, "admin", first_name="Ines", last_name="Audit")
    page = await browser.get("/admin/audit")
    assert page.status_code == 200, page.text
    assert "Not checked on this page" in page.text
    assert "auth.login_succeeded" in page.text
    checked = await browser.get("/admin/audit?verify=1")
    assert "Intact:" in checked.text
    rows = await clinic.fetch(
        "SELECT 1 FROM audit_event WHERE action = 'audit.verify' AND actor_id = $1", admin.id
    )
    assert rows, "verifying the chain is itself audited"
    for offset in ("-1", "²", "9" * 5000):
        refused = await browser.get("/admin/audit", params={"offset": offset})
        assert refused.status_code == 422, refused.text
        assert "offset must be a whole number" in refused.text
    _, doctor = await signed_in(clinic, "doctor")
    assert (await doctor.get("/admin/audit")).status_code == 403


async def test_analytics_draws_utilisation_and_no_show_bars(clinic: Clinic) -> None:
    practice = await open_practice(clinic, hours=AROUND_THE_CLOCK)
    patient = await clinic.member("patient")
    slot = (await free_slots(clinic, practice, practice.admin, datetime.now(UTC)))[0]
    booked = await book(clinic, practice, practice.admin, slot["starts_at"], patient)
    assert booked.status_code == 201, booked.text
    _, admin = await signed_in(clinic, "admin")
    page = await admin.get("/admin/analytics")
    assert page.status_code == 200, page.text
    assert page.text.count('<svg class="bars"') >= 2
    assert "No-show rate by week" in page.text
    assert "Ada Okafor" in page.text, "the practitioner's utilisation bar"
    _, nurse = await signed_in(clinic, "nurse")
    assert (await nurse.get("/admin/analytics")).status_code == 403


async def test_deliveries_list_each_message_per_channel_for_admins(clinic: Clinic) -> None:
    tag = new_id()[:8]
    form = registration("Opal", f"Reyes{tag}")
    registered = await Browser(clinic).submit("/register", form, page="/register")
    assert registered.status_code == 200, registered.text
    _, admin = await signed_in(clinic, "admin")
    page = await admin.get("/admin/deliveries?channel=email")
    assert page.status_code == 200, page.text
    assert f"Opal Reyes{tag}" in page.text, "the verification e-mail's delivery"
    assert "verify" in page.text
    odd = await admin.get("/admin/deliveries?status=<b>&offset=0")
    assert odd.status_code == 200, "an unknown filter value is no filter"
    for offset in ("x", "²", "9" * 5000):
        refused = await admin.get("/admin/deliveries", params={"offset": offset})
        assert refused.status_code == 422, refused.text
    _, desk = await signed_in(clinic, "receptionist")
    assert (await desk.get("/admin/deliveries")).status_code == 403

"""Admin set-up pages: visit types, and practitioners' weekly hours and exceptions."""

import re
from datetime import UTC, datetime, time, timedelta

from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import signed_in

TYPE = "SELECT id, name, duration_minutes, active FROM appointment_type WHERE name = $1"
OFFERED = "SELECT practitioner FROM appointment_type_practitioner WHERE appointment_type = $1"
WEEKLY = "SELECT weekday, start_time, end_time FROM weekly_hours WHERE practitioner = $1"
EXCEPTIONS = "SELECT id, kind, reason FROM availability_exception WHERE practitioner = $1"


async def test_an_admin_adds_and_changes_a_visit_type(clinic: Clinic) -> None:
    doctor = await clinic.member("doctor", first_name="Yusuf", last_name="Kaya")
    _, admin = await signed_in(clinic, "admin")
    page = await admin.get("/admin/types")
    assert "Yusuf Kaya" in page.text, "active clinicians are offered as practitioners"
    name = f"Check-up {doctor.id.hex[:6]}"
    form = {"name": name, "duration_minutes": "20", "practitioners": [str(doctor.id)]}
    added = await admin.submit("/admin/types", form, page="/admin/types")
    assert added.status_code == 303, added.text
    (row,) = await clinic.fetch(TYPE, name)
    assert (row["duration_minutes"], row["active"]) == (20, True)
    assert [r["practitioner"] for r in await clinic.fetch(OFFERED, row["id"])] == [doctor.id]
    changed = await admin.submit(
        f"/admin/types/{row['id']}", {**form, "duration_minutes": "45"}, page="/admin/types"
    )
    assert changed.status_code == 303
    (row,) = await clinic.fetch(TYPE, name)
    assert (row["duration_minutes"], row["active"]) == (45, False), "unticked: not offered"
    too_short = await admin.submit(
        "/admin/types", {**form, "duration_minutes": "3"}, page="/admin/types"
    )
    assert too_short.status_code == 422
    not_a_number = await admin.submit(
        "/admin/types", {**form, "duration_minutes": "half an hour"}, page="/admin/types"
    )
    assert not_a_number.status_code == 422
    superscript = await admin.submit(
        "/admin/types", {**form, "duration_minutes": "²"}, page="/admin/types"
    )
    assert superscript.status_code == 422, superscript.text
    _, other = await signed_in(clinic, "doctor")
    refused = await other.submit("/admin/types", {**form, "name": "Mine"}, page="/clinic")
    assert refused.status_code == 403
    assert await clinic.fetch(TYPE, "Mine") == []


async def test_saving_a_type_keeps_its_deactivated_practitioner(clinic: Clinic) -> None:
    # Seen: the form ticked only active clinicians, so changing a type's name while its nurse
    # was deactivated (on leave) dropped her from the type for good, without a word.
    nurse = await clinic.member("nurse", first_name="Noor", last_name="Haddad")
    doctor = await clinic.member("doctor", first_name="Ivo", last_name="Petrov")
    _, admin = await signed_in(clinic, "admin")
    name = f"Dressing {nurse.id.hex[:6]}"
    form = {
        "name": name,
        "duration_minutes": "20",
        "practitioners": [str(nurse.id), str(doctor.id)],
    }
    assert (await admin.submit("/admin/types", form, page="/admin/types")).status_code == 303
    (row,) = await clinic.fetch(TYPE, name)
    await clinic.execute("UPDATE account SET status = 'deactivated' WHERE id = $1", nurse.id)
    page = await admin.get("/admin/types")
    own = page.text.split(f'action="/admin/types/{row["id"]}"')[1].split("</form>")[0]
    ticked = re.findall(r'name="practitioners" value="([^"]+)" checked', own)
    assert sorted(ticked) == sorted(form["practitioners"])
    assert "Noor Haddad (account not active)" in own
    renamed = {**form, "name": f"{name}!", "practitioners": ticked, "active": "on"}
    saved = await admin.submit(f"/admin/types/{row['id']}", renamed, page="/admin/types")
    assert saved.status_code == 303, saved.text
    kept = {r["practitioner"] for r in await clinic.fetch(OFFERED, row["id"])}
    assert kept == {nurse.id, doctor.id}


async def test_an_admin_sets_weekly_hours_and_exceptions(clinic: Clinic) -> None:
    nurse = await clinic.member("nurse", first_name="Lea", last_name="Moreau")
    _, admin = await signed_in(clinic, "admin")
    url = f"/admin/hours/{nurse.id}"
    page = f"/admin/hours?practitioner={nurse.id}"
    rows = {
        "timezone": "Europe/Paris",
        **{"weekday_0": "0", "start_0": "09:00", "end_0": "12:00"},
        **{"weekday_1": "0", "start_1": "14:00", "end_1": "17:30"},
        **{"weekday_2": "3", "start_2": "", "end_2": ""},
        **{"weekday_3": "5", "start_3": "20:00", "end_3": "23:59:59"},
    }
    saved = await admin.submit(url, rows, page=page)
    assert saved.status_code == 303, saved.text
    weekly = sorted(tuple(r.values()) for r in await clinic.fetch(WEEKLY, nurse.id))
    assert weekly == [
        (0, time(9), time(12)),
        (0, time(14), time(17, 30)),
        (5, time(20), time(23, 59, 59)),
    ]
    shown = await admin.get(page)
    assert 'value="Europe/Paris"' in shown.text
    # Seen: every "Until" took seconds (step="1", "17:30:00"); now only an end with seconds.
    assert 'type="time" step="60" value="17:30"' in shown.text
    assert 'type="time" step="1" value="23:59:59"' in shown.text
    assert (
        await admin.submit(url, {**rows, "timezone": "Mars/Olympus"}, page=page)
    ).status_code == 422
    reversed_row = {**rows, "start_0": "13:00"}
    assert (await admin.submit(url, reversed_row, page=page)).status_code == 422
    day = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    off = {"on_date": day, "kind": "time_off", "start": "", "end": "", "reason": "Training"}
    added = await admin.submit(f"{url}/exceptions", off, page=page)
    assert added.status_code == 303, added.text
    (exception,) = await clinic.fetch(EXCEPTIONS, nurse.id)
    assert (exception["kind"], exception["reason"]) == ("time_off", "Training")
    assert "Training" in (await admin.get(page)).text
    extra = {**off, "kind": "extra_hours"}
    assert (await admin.submit(f"{url}/exceptions", extra, page=page)).status_code == 422
    removed = await admin.submit(f"{url}/exceptions/{exception['id']}/delete", {}, page=page)
    assert removed.status_code == 303
    assert await clinic.fetch(EXCEPTIONS, nurse.id) == []


async def test_hours_with_a_time_offset_or_a_date_past_the_calendar_are_refused(
    clinic: Clinic,
) -> None:
    # Seen: 09:00+05:00 was saved as 09:00 (the offset dropped), and time off on 9999-12-31 kept.
    nurse = await clinic.member("nurse")
    _, admin = await signed_in(clinic, "admin")
    url, page = f"/admin/hours/{nurse.id}", f"/admin/hours?practitioner={nurse.id}"
    rows = {
        "timezone": "Europe/Paris",
        "weekday_0": "0",
        "start_0": "09:00+05:00",
        "end_0": "17:00",
    }
    refused = await admin.submit(url, rows, page=page)
    assert refused.status_code == 422, refused.text
    assert "09:00+05:00 has a time offset" in refused.text, refused.text
    assert await clinic.fetch(WEEKLY, nurse.id) == []
    day = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    extra = {"on_date": day, "kind": "extra_hours", "start": "18:00Z", "end": "19:00", "reason": ""}
    refused = await admin.submit(f"{url}/exceptions", extra, page=page)
    assert refused.status_code == 422, refused.text
    assert "18:00Z has a time offset" in refused.text, refused.text
    off = {"on_date": "9999-12-31", "kind": "time_off", "start": "", "end": "", "reason": ""}
    refused = await admin.submit(f"{url}/exceptions", off, page=page)
    assert refused.status_code == 422, refused.text
    assert "must be between 1900-01-01 and 2999-12-31" in refused.text, refused.text
    assert await clinic.fetch(EXCEPTIONS, nurse.id) == []


async def test_hours_pages_are_for_admins(clinic: Clinic) -> None:
    nurse, browser = await signed_in(clinic, "nurse")
    assert (await browser.get("/admin/hours")).status_code == 403
    rows = {"timezone": "UTC", "weekday_0": "1", "start_0": "08:00", "end_0": "09:00"}
    refused = await browser.submit(f"/admin/hours/{nurse.id}", rows, page="/clinic")
    assert refused.status_code == 403
    assert await clinic.fetch(WEEKLY, nurse.id) == []

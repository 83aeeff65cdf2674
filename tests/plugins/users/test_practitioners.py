"""The practitioner directory: active doctors and nurses, names and specialty only, filtered."""

import uuid
from typing import Any

from tests.plugins.users.clinic import Clinic, Member

URL = "/api/v1/practitioners"


async def listing(clinic: Clinic, caller: Member, **params: Any) -> dict[str, Any]:
    answer = await clinic.client.get(URL, params=params, headers=caller.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_patients_see_active_clinicians_without_contact_details(clinic: Clinic) -> None:
    tag = uuid.uuid4().hex[:8]  # the module's clinic is shared: look only at this test's people
    doctor = await clinic.member(
        "doctor", first_name=f"Ada{tag}", last_name="Zed", specialty="Cardiology", phone="+33 1 23"
    )
    nurse = await clinic.member("nurse", "patient", first_name=f"Bo{tag}", last_name="Abel")
    hidden = [
        await clinic.member("receptionist", first_name=f"Cy{tag}"),
        await clinic.member("doctor", first_name=f"Di{tag}", status="deactivated"),
        await clinic.member("doctor", first_name=f"Ed{tag}", status="pending_approval"),
        await clinic.member("patient", first_name=f"Fe{tag}"),
    ]
    patient = await clinic.member("patient")
    page = await listing(clinic, patient, q=tag)
    assert [item["id"] for item in page["items"]] == [str(nurse.id), str(doctor.id)]  # by name
    assert page["total"] == 2 and not {str(m.id) for m in hidden} & {i["id"] for i in page["items"]}
    assert page["items"][1] == {
        "id": str(doctor.id),
        "first_name": f"Ada{tag}",
        "last_name": "Zed",
        "roles": ["doctor"],
        "specialty": "Cardiology",
        "institution": None,
    }
    assert page["items"][0]["roles"] == ["nurse"]  # clinical roles only

    assert [i["id"] for i in (await listing(clinic, patient, q=tag, role="doctor"))["items"]] == [
        str(doctor.id)
    ]
    cardio = await listing(clinic, patient, q=f"zed ada{tag}", specialty="cardio")
    assert [i["id"] for i in cardio["items"]] == [str(doctor.id)]
    second = await listing(clinic, patient, q=tag, limit=1, offset=1)
    assert ([i["id"] for i in second["items"]], second["total"]) == ([str(doctor.id)], 2)
    beyond = await listing(clinic, patient, q=tag, limit=1, offset=5)
    assert (beyond["items"], beyond["total"]) == ([], 2)
    assert (await listing(clinic, patient, q="100%_no-such"))["total"] == 0


async def test_bad_filters_are_clear_errors_and_strangers_are_refused(clinic: Clinic) -> None:
    patient = await clinic.member("patient")
    for params in ({"role": "receptionist"}, {"role": "wizard"}, {"limit": 0}, {"limit": 101}):
        answer = await clinic.client.get(URL, params=params, headers=patient.headers)
        assert answer.status_code in (400, 422), answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert (await clinic.client.get(URL)).status_code == 401

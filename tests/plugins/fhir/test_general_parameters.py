"""FHIR's general parameters, valid on every interaction: `_format`, `_pretty`, `_summary`."""

import uuid

import pytest
from fhir.resources.R4B.bundle import Bundle

from tests.plugins.fhir.test_patients import BASE, FHIR_JSON, ids, outcome
from tests.plugins.users.clinic import Clinic, Member


async def family_of_three(clinic: Clinic) -> tuple[str, list[Member]]:
    family = f"Gen{uuid.uuid4().hex[:8]}"
    return family, [await clinic.member("patient", last_name=family) for _ in range(3)]


# `+` in a query is a space: `_format=application/fhir+json` unencoded arrives as one.
@pytest.mark.parametrize(
    "format_", ["json", "application/json", "application/fhir+json", "application/fhir json"]
)
async def test_a_json_format_is_what_a_search_and_a_read_answer_anyway(
    clinic: Clinic, format_: str
) -> None:
    # A search with `_format` was a 400 "unsupported search parameter".
    doctor = await clinic.member("doctor")
    family, patients = await family_of_three(clinic)
    found = await clinic.client.get(
        f"{BASE}/Patient", params={"name": family, "_format": format_}, headers=doctor.headers
    )
    assert found.status_code == 200, found.text
    assert found.headers["content-type"].startswith(FHIR_JSON)
    assert sorted(ids(found.json())) == sorted(str(p.id) for p in patients)
    read = await clinic.client.get(
        f"{BASE}/Patient/{patients[0].id}", params={"_format": format_}, headers=doctor.headers
    )
    assert read.status_code == 200 and read.json()["id"] == str(patients[0].id)


@pytest.mark.parametrize("format_", ["xml", "application/fhir+xml", "text/turtle"])
async def test_a_format_other_than_json_is_406(clinic: Clinic, format_: str) -> None:
    # A read with `_format=xml` answered JSON as if it had been asked for.
    doctor = await clinic.member("doctor")
    patient = await clinic.member("patient")
    for path in (f"{BASE}/Patient/{patient.id}", f"{BASE}/Patient", f"{BASE}/metadata"):
        answer = await clinic.client.get(path, params={"_format": format_}, headers=doctor.headers)
        assert "JSON" in outcome(answer, 406), path


async def test_pretty_is_accepted_and_the_answer_is_the_same(clinic: Clinic) -> None:
    doctor = await clinic.member("doctor")
    family, _ = await family_of_three(clinic)
    plain = await clinic.client.get(
        f"{BASE}/Patient", params={"name": family}, headers=doctor.headers
    )
    for value in ("true", "false"):
        pretty = await clinic.client.get(
            f"{BASE}/Patient", params={"name": family, "_pretty": value}, headers=doctor.headers
        )
        assert pretty.status_code == 200, pretty.text
        assert ids(pretty.json()) == ids(plain.json())
    bad = await clinic.client.get(
        f"{BASE}/Patient", params={"_pretty": "very"}, headers=doctor.headers
    )
    assert "_pretty" in outcome(bad, 400)


async def test_summary_count_answers_the_total_without_entries(clinic: Clinic) -> None:
    # Clients count matches with `_summary=count`; it was a 400.
    doctor = await clinic.member("doctor")
    family, _ = await family_of_three(clinic)
    counted = await clinic.client.get(
        f"{BASE}/Patient",
        params={"name": family, "_summary": "count"},
        headers=doctor.headers,
    )
    assert counted.status_code == 200, counted.text
    bundle = counted.json()
    Bundle.model_validate(bundle)
    assert (bundle["type"], bundle["total"], bundle.get("entry", [])) == ("searchset", 3, [])
    assert [link["relation"] for link in bundle["link"]] == ["self"]
    assert "_summary=count" in bundle["link"][0]["url"]

    full = await clinic.client.get(
        f"{BASE}/Patient", params={"name": family, "_summary": "false"}, headers=doctor.headers
    )
    assert len(ids(full.json())) == 3


@pytest.mark.parametrize("value", ["true", "text", "data", "often"])
async def test_other_summaries_are_400_naming_what_is_supported(clinic: Clinic, value: str) -> None:
    doctor = await clinic.member("doctor")
    answer = await clinic.client.get(
        f"{BASE}/Patient", params={"_summary": value}, headers=doctor.headers
    )
    message = outcome(answer, 400)
    assert "_summary" in message and "false" in message, message


async def test_a_search_without_a_total_cannot_be_counted(clinic: Clinic) -> None:
    # Observations page by cursor and carry no total.
    patient = await clinic.member("patient")
    answer = await clinic.client.get(
        f"{BASE}/Observation",
        params={"patient": str(patient.id), "_summary": "count"},
        headers=patient.headers,
    )
    assert "total" in outcome(answer, 400)


@pytest.mark.parametrize(
    ("accept", "status"),
    [
        ("application/fhir+xml", 406),
        ("application/xml, text/xml;q=0.9", 406),
        ("application/fhir+json;fhirVersion=4.0", 200),
        ("application/json+fhir", 200),  # DSTU2's name, taken in bodies: it was a 406
        ("application/fhir+xml, application/json;q=0.5", 200),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 200),  # a browser
        # q=0 is "not acceptable" (RFC 9110): these were 200s.
        ("application/json;q=0", 406),
        ("application/fhir+json;q=0, application/json;q=0.0", 406),
        ("*/*;q=0", 406),
        ("*/*, application/fhir+json;q=0, application/json;q=0", 406),
        ("application/json;q=0, */*", 200),  # application/fhir+json through */*
        ("application/*;q=0.5, text/html", 200),
    ],
)
async def test_an_accept_header_without_json_is_406(
    clinic: Clinic, accept: str, status: int
) -> None:
    patient = await clinic.member("patient")
    answer = await clinic.client.get(
        f"{BASE}/Patient/{patient.id}", headers={**patient.headers, "Accept": accept}
    )
    assert answer.status_code == status, answer.text
    if status == 406:
        assert "JSON" in outcome(answer, 406)


@pytest.mark.parametrize(
    "content_type", ["application/fhir+xml", "application/x-www-form-urlencoded", "text/plain"]
)
async def test_a_body_in_another_format_than_json_is_415(clinic: Clinic, content_type: str) -> None:
    # It was a 400 "the body is not JSON", as if the client had sent broken JSON.
    patient = await clinic.member("patient")
    headers = {**patient.headers, "Content-Type": content_type}
    body = b"<Appointment xmlns='http://hl7.org/fhir'/>"
    created = await clinic.client.post(f"{BASE}/Appointment", content=body, headers=headers)
    assert "application/fhir+json" in outcome(created, 415)
    changed = await clinic.client.put(
        f"{BASE}/Appointment/{uuid.uuid4()}", content=body, headers=headers
    )
    assert "application/fhir+json" in outcome(changed, 415)


async def test_a_lone_surrogate_in_a_body_is_said_not_called_truncated(clinic: Clinic) -> None:
    # It was "the body is not JSON: Input data was truncated", as msgspec calls it.
    patient = await clinic.member("patient")
    headers = {**patient.headers, "Content-Type": FHIR_JSON}
    body = b'{"resourceType": "Appointment", "comment": "\\ud800"}'
    for answer in (
        await clinic.client.post(f"{BASE}/Appointment", content=body, headers=headers),
        await clinic.client.put(
            f"{BASE}/Appointment/{uuid.uuid4()}", content=body, headers=headers
        ),
    ):
        said = outcome(answer, 400)
        assert "unpaired UTF-16 surrogate, \\ud800 (byte 44)" in said, said
        assert "truncated" not in said, said


@pytest.mark.parametrize("format_", ["json", "application/json", "application/fhir+json"])
@pytest.mark.parametrize("accept", ["application/fhir+xml", "text/html,application/xhtml+xml"])
async def test_a_json_format_overrides_an_accept_header_without_json(
    clinic: Clinic, format_: str, accept: str
) -> None:
    # FHIR's `_format` exists to override `Accept` (e.g. a browser's): it was still a 406.
    patient = await clinic.member("patient")
    headers = {**patient.headers, "Accept": accept}
    for path in (f"{BASE}/Patient/{patient.id}", f"{BASE}/Patient", f"{BASE}/metadata"):
        answer = await clinic.client.get(path, params={"_format": format_}, headers=headers)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["content-type"].startswith(FHIR_JSON)
    xml = await clinic.client.get(
        f"{BASE}/Patient", params={"_format": "xml"}, headers={**headers, "Accept": "*/*"}
    )
    assert "JSON" in outcome(xml, 406)


@pytest.mark.parametrize("params", [{"_count": "0"}, {"_count": "0", "_totalMethod": "count"}])
async def test_count_zero_answers_the_total_without_entries(
    clinic: Clinic, params: dict[str, str]
) -> None:
    # FHIR: `_count=0` asks for the count only (fhirpy's `.count()` adds `_totalMethod`); a 400.
    doctor = await clinic.member("doctor")
    family, _ = await family_of_three(clinic)
    counted = await clinic.client.get(
        f"{BASE}/Patient", params={"name": family, **params}, headers=doctor.headers
    )
    assert counted.status_code == 200, counted.text
    bundle = counted.json()
    Bundle.model_validate(bundle)
    assert (bundle["total"], bundle.get("entry", [])) == (3, [])
    assert [link["relation"] for link in bundle["link"]] == ["self"]
    assert "_count=0" in bundle["link"][0]["url"]


async def test_count_zero_of_a_search_without_a_total_is_400(clinic: Clinic) -> None:
    patient = await clinic.member("patient")
    answer = await clinic.client.get(
        f"{BASE}/Observation", params={"_count": "0"}, headers=patient.headers
    )
    assert "total" in outcome(answer, 400)

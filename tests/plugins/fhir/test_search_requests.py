"""How a search is asked: by GET or by POST to `_search` (a form), strictly or leniently."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.plugins.fhir.test_general_parameters import family_of_three
from tests.plugins.fhir.test_observations import patient_with_readings
from tests.plugins.fhir.test_patients import BASE, ids, outcome
from tests.plugins.users.clinic import Clinic

FORM = "application/x-www-form-urlencoded"
LENIENT = {"Prefer": "handling=lenient"}


def link(bundle: dict, relation: str) -> dict[str, list[str]]:
    """The query of one of the bundle's links."""
    url = next(link["url"] for link in bundle["link"] if link["relation"] == relation)
    return parse_qs(urlsplit(url).query)


@pytest.mark.parametrize("prefer", [None, "handling=strict"])
async def test_an_unknown_parameter_is_400_unless_lenient(clinic: Clinic, prefer: str) -> None:
    doctor = await clinic.member("doctor")
    headers = {**doctor.headers, **({"Prefer": prefer} if prefer else {})}
    answer = await clinic.client.get(f"{BASE}/Patient", params={"colour": "blue"}, headers=headers)
    assert "colour" in outcome(answer, 400)


@pytest.mark.parametrize(
    # RFC 7240 lets a value be a quoted string: the quoted form was read as strict.
    "prefer",
    ["return=minimal, handling=lenient", 'handling="lenient"', 'HANDLING = "Lenient"'],
)
async def test_lenient_handling_ignores_unknown_parameters(clinic: Clinic, prefer: str) -> None:
    # `Prefer: handling=lenient` was ignored: an unknown parameter was a 400 all the same.
    doctor = await clinic.member("doctor")
    family, _ = await family_of_three(clinic)
    headers = {**doctor.headers, "Prefer": prefer}
    params = {"name": family, "colour": "blue", "_sort": "birthdate", "_count": "2"}
    answer = await clinic.client.get(f"{BASE}/Patient", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    bundle = answer.json()
    assert bundle["total"] == 3 and len(ids(bundle)) == 2
    assert link(bundle, "self") == {"name": [family], "_count": ["2"], "_offset": ["0"]}
    assert "colour" not in str(bundle["link"])
    # A known parameter's bad value is still a 400.
    bad = await clinic.client.get(
        f"{BASE}/Patient", params={"birthdate": "soon", "colour": "blue"}, headers=headers
    )
    assert "birthdate" in outcome(bad, 400)


async def test_a_search_by_post_reads_a_form_and_the_url(clinic: Clinic) -> None:
    # FHIR servers SHALL take `POST [type]/_search`: it was a 405.
    doctor = await clinic.member("doctor")
    family, patients = await family_of_three(clinic)
    headers = {**doctor.headers, "Content-Type": FORM}
    answer = await clinic.client.post(
        f"{BASE}/Patient/_search?_count=2", content=f"name={family}", headers=headers
    )
    assert answer.status_code == 200, answer.text
    bundle = answer.json()
    assert bundle["total"] == 3 and len(ids(bundle)) == 2
    after = link(bundle, "next")
    assert after == {"name": [family], "_count": ["2"], "_offset": ["2"]}
    following = next(link["url"] for link in bundle["link"] if link["relation"] == "next")
    assert urlsplit(following).path == f"{BASE}/Patient"  # a GET link
    rest = await clinic.client.get(following, headers=doctor.headers)
    found = ids(bundle) + ids(rest.json())
    assert sorted(found) == sorted(str(p.id) for p in patients)

    counted = await clinic.client.post(
        f"{BASE}/Patient/_search", content=f"name={family}&_summary=count", headers=headers
    )
    assert counted.json()["total"] == 3 and "entry" not in counted.json()
    unknown = await clinic.client.post(
        f"{BASE}/Patient/_search", content="colour=blue", headers=headers
    )
    assert "colour" in outcome(unknown, 400)
    lenient = await clinic.client.post(
        f"{BASE}/Patient/_search",
        content=f"colour=blue&name={family}",
        headers={**headers, **LENIENT},
    )
    assert lenient.json()["total"] == 3


async def test_every_searchable_type_takes_a_search_by_post(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    statement = (await clinic.client.get(f"{BASE}/metadata")).json()
    searchable = [
        resource["type"]
        for resource in statement["rest"][0]["resource"]
        if {"code": "search-type"} in resource["interaction"]
    ]
    assert len(searchable) >= 10
    headers = {**admin.headers, "Content-Type": FORM}
    for kind in searchable:
        if kind in {"Slot", "Observation"}:
            continue  # they need a parameter (below)
        answer = await clinic.client.post(f"{BASE}/{kind}/_search", content="", headers=headers)
        assert answer.status_code == 200, (kind, answer.text)
        assert answer.json()["type"] == "searchset"
    patient, _ = await patient_with_readings(clinic)
    readings = await clinic.client.post(
        f"{BASE}/Observation/_search",
        content="code=http%3A%2F%2Floinc.org%7C59408-5",
        headers={**patient.headers, "Content-Type": FORM},
    )
    assert readings.status_code == 200, readings.text
    assert [e["resource"]["code"]["coding"][0]["code"] for e in readings.json()["entry"]] == [
        "59408-5"
    ]


async def test_a_search_by_post_takes_a_form_only(clinic: Clinic) -> None:
    doctor = await clinic.member("doctor")
    answer = await clinic.client.post(
        f"{BASE}/Patient/_search",
        content=b'{"name": "x"}',
        headers={**doctor.headers, "Content-Type": "application/json"},
    )
    assert FORM in outcome(answer, 415)


async def test_openapi_and_the_statement_describe_search_by_post(clinic: Clinic) -> None:
    document = (await clinic.client.get("/openapi.json")).json()
    operation = document["paths"][f"{BASE}/Patient/_search"]["post"]
    form = operation["requestBody"]["content"][FORM]["schema"]
    assert {"name", "birthdate", "_count"} <= set(form["properties"])
    assert {"200", "400", "429"} <= set(operation["responses"])
    statement = (await clinic.client.get(f"{BASE}/metadata")).json()
    described = statement["rest"][0]["documentation"]
    assert "_search" in described and "handling=lenient" in described

"""Malformed searches, audited staff searches, the health check and rebuilding the index."""

import uuid
from pathlib import Path

import asyncpg
import msgspec
import pytest

from tests.plugins.search.helpers import API, plugin, register, search, wait_for_entry, word
from tests.plugins.users.clinic import Clinic
from tests.support.processes import hduce_env, hduce_process


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "?!*"},
        {"q": "_"},
        {"q": "__"},
        {"q": "_ _"},
        {"q": "a" * 201},
        {"q": "alice", "kind": "document"},
        {"q": "alice", "kind": ","},
        {"q": "alice", "limit": 0},
        {"q": "alice", "limit": 101},
        {"q": "alice", "offset": -1},
    ],
)
async def test_malformed_searches_are_422_problems(
    clinic: Clinic, params: dict[str, object]
) -> None:
    doctor = await clinic.member("doctor")
    response = await clinic.client.get(API, params=params, headers=doctor.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("", {"q": "a" * 201}, "q: at most 200 characters"),
        ("/suggest", {"q": "a" * 300}, "q: at most 200 characters"),
        ("/suggest", {"q": "a " * 100 + "b"}, "q: at most 200 characters"),
        ("/suggest", {"q": "?!"}, "q: give the start of a word"),
        ("/suggest", {"q": "_"}, "q: give the start of a word"),
        ("", {"q": "_"}, "q: give at least one letter or digit"),
        ("", {"q": "fever\x00"}, "q: may not contain NUL characters"),
        ("", {"q": "fe\x00ver", "mode": "keyword"}, "q: may not contain NUL characters"),
        ("", {"q": "\x00", "facets": "kind"}, "q: may not contain NUL characters"),
        ("/suggest", {"q": "fev\x00"}, "q: may not contain NUL characters"),
    ],
)
async def test_a_query_too_long_or_holding_nul_is_a_problem_saying_so(
    clinic: Clinic, path: str, params: dict[str, str], message: str
) -> None:
    doctor = await clinic.member("doctor")
    response = await clinic.client.get(API + path, params=params, headers=doctor.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert message in response.json()["detail"]


@pytest.mark.parametrize(
    "name", ["kind", "facets", "entity", "date_from", "date_to", "patient_id", "mode"]
)
async def test_every_text_parameter_is_checked_as_q_is(clinic: Clinic, name: str) -> None:
    doctor = await clinic.member("doctor")
    for value, message in (
        ("medication:met\x00formin", f"{name}: may not contain NUL characters"),
        ("medication:" + "m" * 200, f"{name}: at most 200 characters"),
    ):
        params = {"q": "fever", name: value}
        response = await clinic.client.get(API, params=params, headers=doctor.headers)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["detail"] == message, problem
        assert problem["type"].endswith("invalid-search"), problem


async def test_staff_searches_are_audited_patient_searches_are_not(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    surname = word()
    patient = await register(clinic, "Hana", surname)
    await wait_for_entry(raw_pool, "patient", patient.id)
    nurse = await clinic.member("nurse")
    await search(clinic, nurse, f"hana {surname}")
    await search(clinic, patient, f"hana {surname}")
    rows = await raw_pool.fetch(
        "SELECT actor_id, detail FROM audit_event WHERE action = 'search.queried' "
        "AND detail->>'q' = $1",
        f"hana {surname}",
    )
    assert [row["actor_id"] for row in rows] == [nurse.id]
    detail = (
        msgspec.json.decode(rows[0]["detail"])
        if isinstance(rows[0]["detail"], str)
        else rows[0]["detail"]
    )
    assert detail["hits"] == 1
    assert str(patient.id) not in str(detail)


async def test_the_health_check_reports_the_backend(clinic: Clinic) -> None:
    response = await clinic.health_detailed()
    assert response.status_code in (200, 503), response.text
    check = response.json()["checks"]["search"]
    assert check["ok"] is True
    assert check["detail"]["backend"] == "postgres"
    assert check["detail"]["pending_events"] >= 0


async def test_reindex_rebuilds_the_index_from_the_sources(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    patient = await register(clinic, "Ines", word())
    await wait_for_entry(raw_pool, "patient", patient.id)
    stray = uuid.uuid4()
    await raw_pool.execute("DELETE FROM search_entry WHERE ref_id = $1", patient.id)
    await raw_pool.execute(
        "INSERT INTO search_entry (id, kind, ref_id, patient_id, title, body, extra, updated_at) "
        "VALUES ($1, 'patient', $1, $1, 'Gone Patient', '', '{}', now())",
        stray,
    )
    report = await clinic.in_app(plugin(clinic).reindex)
    assert report.written["patient"] >= 1
    assert report.pruned >= 1
    await wait_for_entry(raw_pool, "patient", patient.id)
    assert await raw_pool.fetchrow("SELECT 1 FROM search_entry WHERE ref_id = $1", stray) is None
    staff = await raw_pool.fetchval(
        "SELECT count(*) FROM search_entry e JOIN account a ON a.id = e.ref_id "
        "WHERE e.kind = 'patient' AND a.roles::text[] && $1::text[]",
        ["admin", "doctor", "nurse", "receptionist"],
    )
    assert staff == 0


async def test_the_reindex_command_rebuilds_from_scratch(
    clinic: Clinic, raw_pool: asyncpg.Pool, migrated: str, tmp_path: Path
) -> None:
    patient = await register(clinic, "Jola", word())
    await wait_for_entry(raw_pool, "patient", patient.id)
    await raw_pool.execute("DELETE FROM search_entry")
    env = hduce_env(
        DATABASE_URL=migrated,
        HDUCE_NATS__URL="nats://unused:1",
        HDUCE_DATA_DIR=str(tmp_path / "data"),
    )
    log = tmp_path / "reindex.log"
    with hduce_process(["search", "reindex"], env, log) as process:
        code = process.wait(timeout=60)
    output = log.read_text()
    assert code == 0, output
    assert "reindexed" in output
    done = [line for line in output.splitlines() if line.startswith("reindex: ")]
    assert done and done[-1].endswith(" done"), "not a terminal: plain progress lines"
    assert int(done[-1].split()[1]) >= 1
    await wait_for_entry(raw_pool, "patient", patient.id)


async def test_semantic_modes_need_an_embedder(clinic: Clinic) -> None:
    doctor = await clinic.member("doctor")
    for mode in ("semantic", "hybrid"):
        response = await clinic.client.get(
            API, params={"q": "knee", "mode": mode}, headers=doctor.headers
        )
        assert response.status_code == 422, response.text
        assert "needs an embedder" in response.json()["detail"]
    assert (await search(clinic, doctor, "knee"))["hits"] is not None

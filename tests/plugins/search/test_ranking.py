"""Ranking limits: a common word counts at most `max_candidates` matches and says it capped."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from hduce.core.config import Settings
from hduce.plugins.search.services._entries import Entry
from tests.plugins.search.helpers import (
    plugin,
    register,
    search,
    search_settings,
    wait_for_entry,
    word,
)
from tests.plugins.users.clinic import Clinic, running_clinic

CAP = 3


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """Search counting at most three matches, snippets cut from 200 characters."""
    async with running_clinic(
        search_settings(settings, max_candidates=CAP, snippet_chars=200)
    ) as running:
        yield running


async def test_a_common_word_reports_a_capped_total(clinic: Clinic, raw_pool: asyncpg.Pool) -> None:
    surname = word()
    for first in ("Ana", "Bea", "Carla", "Dario", "Elena"):
        member = await register(clinic, first, surname.capitalize())
        await wait_for_entry(raw_pool, "patient", member.id)
    doctor = await clinic.member("doctor")

    common = await search(clinic, doctor, surname, limit=2)
    assert (len(common["hits"]), common["total"], common["total_capped"]) == (2, CAP, True)
    beyond = await search(clinic, doctor, surname, offset=10)
    assert (beyond["hits"], beyond["total"], beyond["total_capped"]) == ([], CAP, True)
    one = await search(clinic, doctor, f"ana {surname}")
    assert (one["total"], one["total_capped"]) == (1, False)


async def test_the_snippet_is_cut_around_a_match_deep_in_a_long_text(clinic: Clinic) -> None:
    marker, patient = word(), await clinic.member("patient")
    body = "filler " * 20_000 + f"found {marker} here " + "tail " * 1_000
    entry = Entry(
        kind="patient",
        ref_id=uuid.uuid4(),
        patient_id=patient.id,
        title="Long record",
        body=body,
        updated_at=datetime.now(UTC),
    )
    await clinic.in_app(plugin(clinic).backend.upsert, [entry])
    doctor = await clinic.member("doctor")

    (hit,) = (await search(clinic, doctor, marker))["hits"]
    assert f"<mark>{marker}</mark>" in hit["snippet"]
    assert len(hit["snippet"]) < 400

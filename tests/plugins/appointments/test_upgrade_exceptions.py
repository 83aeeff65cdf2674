"""Upgrading an install that recorded the same exception twice: one row stays, every reason too."""

import logging
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest

from hduce.piccolo_conf import DB
from tests.plugins.users.clinic import Clinic
from tests.support.migrations import run_forwards

DEDUPE = "2026-12-08T06:30:00:000000"
INSERT = (
    "INSERT INTO availability_exception"
    " (id, practitioner, on_date, kind, start_time, end_time, reason, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
)
# (kind, start, end, reason), in the order recorded: as versions before the dedupe let them be.
RECORDED = [
    ("time_off", None, None, "Surgery (own)"),
    ("time_off", None, None, "Also: school play at 16:00"),
    ("time_off", None, None, "Surgery (own)"),
    ("time_off", None, None, None),
    ("extra_hours", time(18), time(20), None),
    ("extra_hours", time(18), time(20), "Flu clinic"),
    ("time_off", time(9), time(10), "x" * 150),
    ("time_off", time(9), time(10), "y" * 150),
    ("time_off", time(12), time(13), "Lunch"),
]


class RolledBack(Exception):
    """Raised to undo the test's transaction (the index comes back, the rows go)."""


async def dedupe_old_rows(practitioner: uuid.UUID, day: date) -> list[tuple[object, ...]]:
    """Record `RECORDED` without the unique index, run the dedupe, return what stays; undone."""
    kept: list[tuple[object, ...]] = []
    try:
        async with DB.transaction() as transaction:
            connection = transaction.connection
            await connection.execute("DROP INDEX availability_exception_once")
            start = datetime(2026, 12, 3, 9, tzinfo=UTC)
            for n, (kind, begins, ends, reason) in enumerate(RECORDED):
                at = start + timedelta(minutes=n)
                row = (uuid.uuid4(), practitioner, day, kind, begins, ends, reason, at)
                await connection.execute(INSERT, *row)
            await run_forwards("appointments", DEDUPE)
            rows = await connection.fetch(
                "SELECT kind, start_time, end_time, reason FROM availability_exception"
                " WHERE practitioner = $1 ORDER BY kind, start_time NULLS FIRST",
                practitioner,
            )
            kept = [tuple(row) for row in rows]
            raise RolledBack
    except RolledBack:
        return kept


async def test_the_dedupe_keeps_every_distinct_reason_on_the_row_it_keeps(
    clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    # Seen upgrading: two time-off entries of one day differing only in their reason; the dedupe
    # deleted the later one, and its reason ("school play at 16:00") with it, saying nothing.
    doctor = await clinic.member("doctor")
    with caplog.at_level(logging.INFO, logger="hduce.migrations"):
        kept = await clinic.in_app(dedupe_old_rows, doctor.id, date(2026, 12, 21))
    assert kept == [
        ("extra_hours", time(18), time(20), "Flu clinic"),
        ("time_off", None, None, "Surgery (own); Also: school play at 16:00"),
        ("time_off", time(9), time(10), ("x" * 150 + "; " + "y" * 150)[:199] + "…"),
        ("time_off", time(12), time(13), "Lunch"),
    ]
    assert (
        "appointments: removed 5 duplicate availability exceptions; 3 kept ones took"
        " the other reasons (joined by '; ')" in caplog.text
    )

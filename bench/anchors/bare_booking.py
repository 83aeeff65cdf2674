"""The booking anchor: a bare ASGI app booking on HDuce's own tables and constraints.

`POST /api/v1/appointments` with HDuce's body and bearer token: verifies the JWT with PyJWT,
then in one transaction takes the practitioner's and patient's advisory locks and inserts the
appointment (one statement, the type's duration and buffers joined in), and writes one outbox
row; 201, or 409 when an exclusion constraint refuses the slot. No slot-offered check, no
reminders, no message. Any other request answers 200 (readiness). Configured like
`bench/anchors/bare_me.py` from `BENCH_*` variables; run with `uvicorn bare_booking:app --app-dir
bench/anchors`.
"""

import uuid
from datetime import datetime
from typing import Any

import asyncpg
import msgspec
from _reads import caller, pool_lifespan

BOOK = """
INSERT INTO appointment (id, patient, practitioner, appointment_type, status, starts_at, ends_at,
                         blocked_from, blocked_until, mode, booked_by, scheduled_events)
SELECT $1, $2, $3, t.id, 'booked', $4::timestamptz,
       $4::timestamptz + make_interval(mins => t.duration_minutes),
       $4::timestamptz - make_interval(mins => t.buffer_before_minutes),
       $4::timestamptz + make_interval(mins => t.duration_minutes + t.buffer_after_minutes),
       t.mode, $2, '{}'
FROM appointment_type t,
     (SELECT count(pg_advisory_xact_lock(key)) FROM unnest($5::bigint[]) AS key) AS locked
WHERE t.id = $6
RETURNING id
"""
# A name no task subscribes to: the relay only marks it dispatched.
EVENT = "INSERT INTO outbox (id, name, payload) VALUES ($1, 'bench.anchor_booked', $2::jsonb)"

state: dict[str, Any] = {}


class Booking(msgspec.Struct):
    """HDuce's booking body."""

    practitioner_id: uuid.UUID
    type_id: uuid.UUID
    starts_at: datetime


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """One route; lifespan opens and closes the pool."""
    if scope["type"] == "lifespan":
        await pool_lifespan(state, receive, send)
        return
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    status, answer = (200, b"{}")
    if scope["method"] == "POST":
        status, answer = await book(scope, body)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(answer))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": answer})


def patient_of(scope: dict[str, Any]) -> uuid.UUID | None:
    """The caller's id from a valid bearer token."""
    return caller(dict(scope["headers"]).get(b"authorization", b"").decode())


async def book(scope: dict[str, Any], body: bytes) -> tuple[int, bytes]:
    """401, 422, 409 or 201 with the new id."""
    patient = patient_of(scope)
    if patient is None:
        return 401, b'{"detail":"unauthorized"}'
    try:
        data = msgspec.json.decode(body, type=Booking)
    except msgspec.ValidationError:
        return 422, b'{"detail":"invalid body"}'
    keys = sorted(
        {int.from_bytes(a.bytes[:8], "big", signed=True) for a in (data.practitioner_id, patient)}
    )
    appointment_id = uuid.uuid4()
    try:
        async with state["pool"].acquire() as connection, connection.transaction():
            booked = await connection.fetchval(
                BOOK,
                appointment_id,
                patient,
                data.practitioner_id,
                data.starts_at,
                keys,
                data.type_id,
            )
            if booked is None:
                return 422, b'{"detail":"unknown type"}'
            payload = msgspec.json.encode({"id": booked}).decode()
            await connection.execute(EVENT, uuid.uuid4(), payload)
    except asyncpg.ExclusionViolationError:
        return 409, b'{"detail":"slot unavailable"}'
    return 201, msgspec.json.encode({"id": booked})

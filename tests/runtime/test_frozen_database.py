"""A frozen PostgreSQL (SIGSTOP of the postmaster and every backend: a hung host or disk).

Requests answer 503 by the statement deadline and `/health/detailed` by the check deadline;
a timed-out connection is dropped at once, not reset on a server that cannot answer; the app
still shuts down.
The PostgreSQL frozen here is this module's own (`fault_pg`), resumed whatever happens.
"""

import asyncio
import re
import threading
import time
import uuid
from collections.abc import Awaitable

import msgspec
import pytest
from httpx import Response
from tests.support.faults import DbProbePlugin, FaultApp, fault_app, freeze, frozen, resume

from hduce.core.config import Settings
from hduce.core.security import Principal
from hduce.runtime import EmbeddedPostgres

pytestmark = pytest.mark.faults

ACQUIRE = 2.0
STATEMENT = 3.0
CHECK = 2.0
SHUTDOWN = 30.0
"""Bound on a shutdown with PostgreSQL frozen: a background service's 10 s stop grace, then each
LISTEN connection and the pool dropped after 2 s without a goodbye from the server."""
MARGIN = 0.8
"""Scheduling slack on a loaded machine; smaller than `ACQUIRE`, which the defect added."""


@pytest.fixture
def freeze_settings(fault_settings: Settings) -> Settings:
    """Deadlines far enough apart to tell a statement deadline from one spent on the reset."""
    database = msgspec.structs.replace(
        fault_settings.database, acquire_timeout=ACQUIRE, statement_timeout=STATEMENT
    )
    return msgspec.structs.replace(fault_settings, database=database)


async def timed(request: Awaitable[Response]) -> tuple[float, Response]:
    """How long `request` (an awaitable response) took, and its response."""
    started = time.monotonic()
    response = await request
    return time.monotonic() - started, response


def bearer(app: FaultApp, *roles: str) -> dict[str, str]:
    """An Authorization header for a new principal with `roles`."""
    token, _ = app.context.tokens.issue(Principal(id=uuid.uuid4(), roles=frozenset(roles)))
    return {"Authorization": f"Bearer {token}"}


async def test_requests_answer_503_by_the_statement_deadline(
    freeze_settings: Settings, fault_pg: EmbeddedPostgres
) -> None:
    # The 503 came after statement_timeout + acquire_timeout: the release then waited out the
    # cancellation (and reset) of the timed-out statement on the frozen server.
    account = {
        "email": "frozen@example.org",
        "username": "frozenpatient",
        "password": "correct horse battery staple",
        "first_name": "Frozen",
        "last_name": "Patient",
    }
    async with fault_app(freeze_settings, [DbProbePlugin()]) as app:
        assert (await app.client.get("/api/v1/db-probe")).status_code == 200
        headers = bearer(app, "doctor")
        with frozen(fault_pg):
            answers = await asyncio.gather(
                timed(app.client.get("/api/v1/db-probe")),  # raw SQL, no reset query
                timed(app.client.get("/api/v1/users/me", headers=headers)),  # Piccolo
                timed(app.client.post("/api/v1/auth/register", json=account)),  # a transaction
            )
        print("\nfrozen PostgreSQL:", [f"{waited:.2f}s" for waited, _ in answers])
        for waited, response in answers:
            assert response.status_code == 503, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert int(response.headers["retry-after"]) > 0
            assert waited < STATEMENT + MARGIN, (waited, response.request.url)
        recovered = await app.client.get("/api/v1/db-probe")
        assert recovered.status_code == 200, recovered.text


async def test_health_answers_by_the_check_deadline(
    freeze_settings: Settings, fault_pg: EmbeddedPostgres
) -> None:
    # The first run took check_timeout + acquire_timeout: wait_for waited for the cancelled
    # database check to give its connection back to the frozen server.
    async with fault_app(freeze_settings, [DbProbePlugin()]) as app:
        assert (await app.health()).status_code in (200, 503)
        await asyncio.sleep(1.1)  # past health_cache: the next report runs the checks afresh
        with frozen(fault_pg):
            waited, first = await timed(app.health())
            await asyncio.sleep(1.1)
            again, second = await timed(app.health())
        print(f"\nfrozen PostgreSQL: health after {waited:.2f}s, then {again:.2f}s")
        for response in (first, second):
            assert response.status_code == 503, response.text
            assert response.json()["checks"]["database"]["ok"] is False
        assert waited < CHECK + MARGIN
        assert again < CHECK + MARGIN
        recovered = await app.client.get("/api/v1/db-probe")
        assert recovered.status_code == 200, recovered.text


async def test_shutdown_finishes_while_the_database_is_frozen(
    freeze_settings: Settings, fault_pg: EmbeddedPostgres
) -> None:
    # SIGTERM never ended serve or worker: closing the pool and the LISTEN connection waited
    # for a goodbye from the frozen server.
    # The app's loop runs in a thread the test client joins: only a resumed server ends a hang.
    thaw = threading.Timer(SHUTDOWN + 30, resume, (fault_pg,))
    try:
        async with fault_app(freeze_settings, [DbProbePlugin()]) as app:
            assert (await app.client.get("/api/v1/db-probe")).status_code == 200
            freeze(fault_pg)
            thaw.start()
            started = time.monotonic()
        waited = time.monotonic() - started
    finally:
        thaw.cancel()
        resume(fault_pg)
    print(f"\nfrozen PostgreSQL: shut down in {waited:.2f}s")
    assert waited < SHUTDOWN


async def test_metrics_count_a_503_from_the_login_rate_limit_as_503(
    freeze_settings: Settings, fault_pg: EmbeddedPostgres
) -> None:
    # The login's rate limit (a middleware, its counts in PostgreSQL) raised TimeoutError
    # through the metrics middleware, which counted every such exception as 500; the client
    # got the 503 it maps to. (The series are process-wide: other tests' logins count too.)
    login = {"username": "frozen-login", "password": "correct horse battery staple"}
    async with fault_app(freeze_settings, [DbProbePlugin()]) as app:
        before = await login_counts(app)
        with frozen(fault_pg):
            response = await app.client.post("/api/v1/auth/login", json=login)
        assert response.status_code == 503, response.text
        after = await login_counts(app)
    assert after.get("503", 0) == before.get("503", 0) + 1, (before, after)
    assert after.get("500", 0) == before.get("500", 0), (before, after)


async def login_counts(app: FaultApp) -> dict[str, float]:
    """`hduce_requests_total` of the login route, by status."""
    metrics = await app.client.get("/metrics", headers=bearer(app, "admin"))
    assert metrics.status_code == 200, metrics.text
    series = re.compile(
        r'hduce_requests_total\{.*path="/api/v1/auth/login",status_code="(\d+)"\} (\S+)'
    )
    return {m[1]: float(m[2]) for m in map(series.match, metrics.text.splitlines()) if m}

"""Documents through a real `hduce serve` process: real HTTP, the embedded worker, clean exit."""

import asyncio
import secrets
import signal
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from hduce.core.config import AuthSettings
from hduce.core.security import Principal, TokenService
from hduce.runtime import EmbeddedPostgres, free_port
from tests.plugins.documents.files import lab_report_pdf
from tests.plugins.documents.helpers import API, extraction_processes
from tests.support.processes import hduce_env, hduce_process, processes_using, wait_until

CAP = 1024 * 1024
INSERT_ACCOUNT = """
INSERT INTO account (id, email, username, password_hash, roles, status, email_verified_at)
VALUES ($1, $2, $3, 'not-a-hash', $4, 'active', now())
"""


async def account(dsn: str, tokens: TokenService, role: str) -> tuple[uuid.UUID, dict[str, str]]:
    """A new account made in the server's database, and a bearer header for it."""
    account_id = uuid.uuid4()
    connection = await asyncpg.connect(dsn)
    try:
        name = f"serve_{account_id.hex[:12]}"
        await connection.execute(INSERT_ACCOUNT, account_id, f"{name}@x.test", name, [role])
    finally:
        await connection.close()
    token, _ = tokens.issue(Principal(id=account_id, roles=frozenset({role})))
    return account_id, {"Authorization": f"Bearer {token}"}


async def over_the_cap() -> AsyncIterator[bytes]:
    yield b"%PDF-1.7\n"
    for _ in range(CAP // 65536 + 4):
        yield b"q" * 65536


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder straight under /tmp: pgserver must reach it as its own system user."""
    with tempfile.TemporaryDirectory(prefix="hduce-documents-serve-", dir="/tmp") as folder:
        yield Path(folder)


async def test_serve_uploads_extracts_caps_chunked_bodies_and_stops_its_workers(
    scratch: Path,
) -> None:
    tmp_path = scratch
    data_dir, port, secret = tmp_path / "data", free_port(), secrets.token_urlsafe(32)
    env = hduce_env(
        HDUCE_DATA_DIR=str(data_dir),
        HDUCE_SERVER__PORT=str(port),
        HDUCE_PLUGINS__DOCUMENTS__MAX_UPLOAD_SIZE=str(CAP),
        JWT_SECRET=secret,
    )
    log = tmp_path / "serve.log"
    with hduce_process(["serve"], env, log) as server:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:

            async def green() -> bool:
                try:
                    return (await client.get("/health/detailed")).status_code == 200
                except httpx.HTTPError:
                    return False

            for _ in range(300):
                if await green():
                    break
                await asyncio.sleep(0.3)
            assert await green(), log.read_text()[-3000:]
            dsn = EmbeddedPostgres(data_dir / "pg").status().dsn
            assert dsn is not None
            tokens = TokenService(AuthSettings(jwt_secret=secret))
            patient, _ = await account(dsn, tokens, "patient")
            _, doctor = await account(dsn, tokens, "doctor")

            pdf = lab_report_pdf()
            created = await client.post(
                API,
                content=pdf,
                params={"patient_id": str(patient), "kind": "lab_result"},
                headers={**doctor, "Content-Type": "application/pdf"},
            )
            assert created.status_code == 201, created.text
            url = f"{API}/{created.json()['id']}"
            for _ in range(200):
                document = (await client.get(url, headers=doctor)).json()
                if document["status"] in ("done", "failed"):
                    break
                await asyncio.sleep(0.1)
            assert document["status"] == "done", document
            assert len(document["entities"]) >= 10
            download = await client.get(f"{url}/content", headers=doctor)
            assert download.content == pdf
            workers = extraction_processes(server.pid)
            assert workers, "extraction runs in spawned worker processes"

            refused = await client.post(
                API,
                content=over_the_cap(),
                params={"patient_id": str(patient)},
                headers={**doctor, "Content-Type": "application/pdf"},
            )
            assert refused.status_code == 413, refused.text
            assert "content-length" not in refused.request.headers
            assert refused.json()["type"].endswith("/upload-too-large")
            health = (await client.get("/health/detailed")).json()
            assert health["checks"]["documents"]["ok"] is True, health

        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        gone = wait_until(lambda: not any(w.is_running() for w in workers), timeout=10)
        assert gone, "the extraction processes outlived `hduce serve`"
    assert wait_until(lambda: not processes_using(data_dir), timeout=10)
    incoming = data_dir / "documents" / ".incoming"
    assert not incoming.exists() or not any(incoming.iterdir())

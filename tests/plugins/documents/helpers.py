"""Set-up shared by the documents tests: settings, uploads and waiting for extraction."""

import functools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
import psutil
from httpx import Response

from hduce.core.config import Settings
from tests.plugins.users.clinic import IDENTITY_PLUGINS, Clinic, Member, identity_settings
from tests.support.context import EVENTUALLY, wait_for_row

API = "/api/v1/documents"
EXTRACTION_PROCESS = "hduce/plugins/documents/services/extraction/_process.py"
"""The script extraction processes run, which names them in `ps`."""


def documents_settings(settings: Settings, storage: Path, **config: Any) -> Settings:
    """Identity test settings with documents enabled, storing files under `storage`."""
    base = identity_settings(settings)
    section = {"storage_dir": str(storage), "extraction_workers": 2, **config}
    plugins = msgspec.structs.replace(
        base.plugins,
        enabled=(*IDENTITY_PLUGINS, "documents"),
        sections={**base.plugins.sections, "documents": section},
    )
    server = msgspec.structs.replace(base.server, rate_limit_per_minute=100_000)
    return msgspec.structs.replace(base, plugins=plugins, server=server)


async def upload(
    clinic: Clinic,
    caller: Member,
    body: bytes,
    *,
    patient: Member | None = None,
    content_type: str = "application/octet-stream",
    headers: dict[str, str | bytes] | None = None,
    **params: str,
) -> Response:
    """POST `body` as a raw upload (for `patient` when given)."""
    query = dict(params)
    if patient is not None:
        query["patient_id"] = str(patient.id)
    return await clinic.client.post(
        API,
        content=body,
        params=query,
        headers={**caller.headers, "Content-Type": content_type, **(headers or {})},
    )


async def uploaded(clinic: Clinic, caller: Member, body: bytes, **kwargs: Any) -> dict[str, Any]:
    """Upload and return the created document (asserting 201)."""
    response = await upload(clinic, caller, body, **kwargs)
    assert response.status_code == 201, response.text
    return response.json()


async def extracted(
    clinic: Clinic, document_id: str, timeout: float = EVENTUALLY
) -> dict[str, Any]:
    """Wait until extraction of a document has finished (`done` or `failed`); its row."""
    row = await clinic.in_app(
        functools.partial(wait_for_row, timeout=timeout),
        clinic.context.db.shared_pool,
        "SELECT * FROM document WHERE id = $1 AND status IN ('done', 'failed')",
        uuid.UUID(document_id),
    )
    return dict(row)


def stored_files(storage: Path) -> list[Path]:
    """Every file in the store outside the temporary folder."""
    return sorted(p for p in storage.rglob("*") if p.is_file() and ".incoming" not in p.parts)


def partial_files(storage: Path) -> list[Path]:
    """Temporary files an upload left behind."""
    return sorted((storage / ".incoming").glob("*")) if (storage / ".incoming").exists() else []


async def asgi_request(
    app: Any, path: str, query: str, headers: dict[str, str], chunks: list[bytes]
) -> tuple[int, bytes]:
    """POST `chunks` straight to the ASGI app as separate body messages without Content-Length,
    the way a server passes on a chunked request; returns the status and the body."""
    incoming = [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        + [(b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


def extraction_processes(parent: int | None = None) -> list[psutil.Process]:
    """Live extraction processes under `parent` (default: this process)."""
    found = []
    for child in psutil.Process(parent).children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and EXTRACTION_PROCESS in " ".join(
                child.cmdline()
            ):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


async def processing(clinic: Clinic, document_id: str) -> None:
    """Wait until a document's extraction has been claimed by the task."""
    await clinic.in_app(
        wait_for_row,
        clinic.context.db.shared_pool,
        "SELECT 1 FROM document WHERE id = $1 AND status <> 'pending'",
        uuid.UUID(document_id),
    )


@asynccontextmanager
async def slow_writes(
    execute: Callable[[str], Awaitable[Any]], when: str, times: int
) -> AsyncIterator[str]:
    """A title whose document's first `times` updates matching `when` (SQL over `OLD` and
    `NEW`) take 1.5 s (a trigger), over a 1 s deadline, as when PostgreSQL is frozen or slow."""
    title = f"slow-{uuid.uuid4().hex}"
    function = title.replace("-", "_")
    await execute(f"CREATE SEQUENCE {function}")
    await execute(
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN IF nextval('{function}') <= {times} THEN PERFORM pg_sleep(1.5); END IF; "
        "RETURN NEW; END $$"
    )
    await execute(
        f"CREATE TRIGGER {function} BEFORE UPDATE ON document FOR EACH ROW "
        f"WHEN (NEW.title = '{title}' AND {when}) EXECUTE FUNCTION {function}()"
    )
    try:
        yield title
    finally:
        await execute(f"DROP TRIGGER {function} ON document")
        await execute(f"DROP FUNCTION {function}()")
        await execute(f"DROP SEQUENCE {function}")

"""Every answer the REST API gives a request is documented by its OpenAPI operation.

The operations come from the served document, so a new route is probed without a new row. Each
one is called without a token and with the token of each role, with its documented example body or
one built from its schema (sent more than once, so a registration meets its own taken e-mail), with
an empty object, a body of the wrong type, a body that does not parse and query values that do not
parse; every path id is unknown. The status each call gets must be documented by the operation,
and an error must be problem+json, as documented. The FHIR API (`/fhir`, OperationOutcome
answers) has its own contract.
"""

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from httpx import Response

from hduce.core.config import Settings
from hduce.core.errors import PROBLEM_JSON
from tests.plugins.users.clinic import Clinic, every_plugin_settings, running_clinic
from tests.support.openapi_samples import sample

METHODS = ("get", "put", "post", "delete", "patch")
ROLES = ("patient", "doctor", "nurse", "receptionist", "admin")
FHIR = "/fhir"
JSON = "application/json"
MULTIPART = "multipart/form-data"
BOUNDARY = "hduce-probe"
# A well-formed form without the `file` part, and bytes that are no multipart body at all.
KIND_PART = 'Content-Disposition: form-data; name="kind"\r\n\r\nother'
FORM_WITHOUT_FILE = f"--{BOUNDARY}\r\n{KIND_PART}\r\n--{BOUNDARY}--\r\n".encode()
NOT_MULTIPART = f"--{BOUNDARY}\r\nno headers, no end".encode()
UNPARSABLE_QUERY_VALUE = "not-a-number-date-or-id"
# The walk must meet each of these somewhere, or it no longer reaches what it is meant to check.
MET_STATUSES = {200, 201, 204, 400, 401, 403, 404, 409, 422}


@dataclass(frozen=True)
class Probe:
    """One request to an operation: who sends it, with which body and query."""

    label: str
    role: str | None
    content: bytes | None = None
    content_type: str | None = None
    query: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """One documented operation, with its path template filled with unknown ids."""

    method: str
    path: str
    spec: dict[str, Any]
    schemas: dict[str, Any]

    @property
    def url(self) -> str:
        """The path with a fresh random uuid (or an unknown word) for each path parameter."""
        url = self.path
        for parameter in self.parameters("path"):
            unknown = str(uuid.uuid4()) if _is_uuid(parameter) else "unknown"
            url = url.replace("{" + parameter["name"] + "}", unknown)
        return url

    def parameters(self, where: str) -> list[dict[str, Any]]:
        """The operation's parameters in `where` (`path`, `query`)."""
        return [p for p in self.spec.get("parameters", []) if p["in"] == where]

    def probes(self) -> Iterator[Probe]:
        """The requests this operation is called with."""
        body, content_type = self.body()
        for role in (None, *ROLES):
            yield Probe(f"as {role or 'anonymous'}", role, body, content_type)
        media = set(self.spec.get("requestBody", {}).get("content", {}))
        if JSON in media:
            yield Probe("an empty JSON object", "patient", b"{}", JSON)
            yield Probe("a JSON body of the wrong type", "patient", b"[1]", JSON)
            yield Probe("a body that is not JSON", "patient", b'{"', JSON)
        if MULTIPART in media:
            form = f"{MULTIPART}; boundary={BOUNDARY}"
            yield Probe("a form without its file", "patient", FORM_WITHOUT_FILE, form)
            yield Probe("a body that is not multipart", "patient", NOT_MULTIPART, form)
            yield Probe("a JSON body instead of a form", "patient", b"{}", JSON)
        if query := self.parameters("query"):
            values = {p["name"]: UNPARSABLE_QUERY_VALUE for p in query}
            yield Probe("query values that do not parse", "patient", body, content_type, values)

    def body(self) -> tuple[bytes | None, str | None]:
        """The JSON body: its documented example, or one built from its schema; or no body."""
        content = self.spec.get("requestBody", {}).get("content", {})
        if JSON in content:
            return json.dumps(sample(content[JSON]["schema"], self.schemas)).encode(), JSON
        if content:
            return b"", next(iter(content))
        return None, None


def operations(document: dict[str, Any]) -> list[Operation]:
    """Every non-FHIR operation of the document."""
    return [
        Operation(method, path, item[method], document["components"]["schemas"])
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item and not path.startswith(FHIR)
    ]


def undocumented(operation: Operation, response: Response) -> str | None:
    """What the operation's document does not say about `response` (None: all of it)."""
    code = str(response.status_code)
    documented = operation.spec["responses"].get(code)
    if documented is None:
        return f"{code} is not documented ({', '.join(operation.spec['responses'])} are)"
    if response.status_code < 400:
        return None
    answered = response.headers.get("content-type", "").split(";")[0]
    media = list(documented.get("content", {}))
    if answered != PROBLEM_JSON or PROBLEM_JSON not in media:
        return f"{code} answered {answered!r}, documented {media}"
    return None


def _is_uuid(parameter: dict[str, Any]) -> bool:
    schema = parameter.get("schema", {})
    return schema.get("format") == "uuid" or any(
        option.get("format") == "uuid" for option in schema.get("oneOf", [])
    )


@pytest.fixture(scope="module")
async def clinic(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Clinic]:
    """Every plugin, per-address rate limits out of the way, live streams that end at once."""
    folder: Path = tmp_path_factory.mktemp("answers-documents")
    configured = every_plugin_settings(
        settings, folder, notifications={"stream_max_duration": "100ms"}
    )
    async with running_clinic(configured) as running:
        yield running


async def test_every_answer_is_documented(clinic: Clinic) -> None:
    document = (await clinic.client.get("/openapi.json")).json()
    members = {role: await clinic.member(role) for role in ROLES}
    gaps: dict[str, str] = {}
    met: set[int] = set()
    # Two rounds in opposite orders: each operation meets the state before and after the others
    # (a login before and after the registration of its example account).
    walk = operations(document)
    for operation_list in (walk[::-1], walk):
        for operation in operation_list:
            for probe in operation.probes():
                headers = dict(members[probe.role].headers) if probe.role else {}
                if probe.content_type:
                    headers["Content-Type"] = probe.content_type
                response = await clinic.client.request(
                    operation.method.upper(),
                    operation.url,
                    content=probe.content,
                    params=probe.query,
                    headers=headers,
                )
                met.add(response.status_code)
                if gap := undocumented(operation, response):
                    where = f"{operation.method.upper()} {operation.path} {probe.label}: {gap}"
                    gaps.setdefault(where, response.text[:120])
    assert not gaps, "undocumented answers:\n" + "\n".join(f"{k}: {v}" for k, v in gaps.items())
    assert met >= MET_STATUSES, f"the walk never met {sorted(MET_STATUSES - met)}"

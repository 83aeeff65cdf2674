"""A stand-in for a Meilisearch server: the handful of endpoints the SDK calls, served over HTTP.

No Meilisearch runs on the test machines. This fake keeps documents in memory, records every
request for assertions, and evaluates only the filter shape the search plugin produces. With
user-provided embedders it checks vector dimensions as Meilisearch does (a document task with
a wrong one fails; a search with one is refused) and ranks `hybrid` searches by
`semanticRatio * best chunk cosine + (1 - semanticRatio) * keyword match`.
"""

import math
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import msgspec
import uvicorn

NOW = "2026-12-01T10:00:00.000000Z"
_KIND_IN = re.compile(r"^kind IN \[(.*)\]$")
_OWN = re.compile(
    r"^\(\(patient_id = '([0-9a-f-]+)' OR practitioner_id = '\1'\) AND kind IN \[(.*)\]\)$"
)


@dataclass
class FakeMeilisearch:
    """Recorded requests and stored documents of one fake server."""

    api_key: str
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    indexes: set[str] = field(default_factory=set)
    tasks: int = 0
    url: str = ""
    failing: bool = False
    """Whether every task ends `failed` (as with a malformed document)."""
    embedders: dict[str, int] = field(default_factory=dict)
    """Dimensions of each user-provided embedder, as the index settings declared them."""
    errors: dict[int, dict[str, str]] = field(default_factory=dict)
    """Why a task failed, by task uid."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The ASGI entry point."""
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        payload = msgspec.json.decode(body) if body else None
        method, path = scope["method"], scope["path"]
        self.requests.append((method, path, payload))
        headers = dict(scope["headers"])
        if headers.get(b"authorization") != f"Bearer {self.api_key}".encode():
            return await _reply(send, 401, {"message": "bad key", "code": "invalid_api_key"})
        status, answer = self._answer(method, path, payload)
        await _reply(send, status, answer)

    def _answer(self, method: str, path: str, payload: Any) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if path == "/health":
            return 200, {"status": "available"}
        if parts[0] == "tasks":
            uid = int(parts[1])
            error = self.errors.get(uid) or (
                {"message": "bad document", "code": "x"} if self.failing else None
            )
            return 200, {
                "uid": uid,
                "status": "failed" if error else "succeeded",
                **({"error": error} if error else {}),
                "type": "x",
                "enqueuedAt": NOW,
            }
        if method == "POST" and path == "/indexes":
            self.indexes.add(payload["uid"])
            return 202, self._task()
        uid = parts[1]
        if len(parts) == 2:
            if uid not in self.indexes:
                return 404, {"message": "no index", "code": "index_not_found", "type": "x"}
            return 200, {"uid": uid, "primaryKey": "id", "createdAt": NOW, "updatedAt": NOW}
        if parts[2] == "settings":
            for name, embedder in (payload.get("embedders") or {}).items():
                self.embedders[name] = embedder["dimensions"]
            return 202, self._task()
        if parts[2:] == ["documents"]:
            error = self._vectors_error(payload)
            if error is None:
                self.documents.update({doc["id"]: doc for doc in payload})
            return 202, self._task(error)
        if parts[2:] == ["documents", "delete-batch"]:
            for doc_id in payload:
                self.documents.pop(doc_id, None)
            return 202, self._task()
        if parts[2] == "search":
            hybrid = payload.get("hybrid")
            if hybrid and len(payload.get("vector") or ()) != self.embedders.get(
                hybrid["embedder"]
            ):
                return 400, {"message": "bad vector", "code": "invalid_search_vector", "type": "x"}
            return 200, self._search(payload)
        return 404, {"message": f"fake has no {method} {path}", "code": "not_found"}

    def _task(self, error: dict[str, str] | None = None) -> dict[str, Any]:
        self.tasks += 1
        if error:
            self.errors[self.tasks] = error
        return {"taskUid": self.tasks, "status": "enqueued", "type": "x", "enqueuedAt": NOW}

    def _vectors_error(self, documents: list[dict[str, Any]]) -> dict[str, str] | None:
        """Meilisearch's refusal of a batch whose vectors do not fit the embedders, if any."""
        for doc in documents:
            for name, vectors in (doc.get("_vectors") or {}).items():
                if name not in self.embedders:
                    return {"message": f"no embedder {name}", "code": "invalid_vectors_type"}
                if any(len(vector) != self.embedders[name] for vector in vectors or ()):
                    return {"message": "wrong dimensions", "code": "invalid_vector_dimensions"}
        return None

    def _search(self, request: dict[str, Any]) -> dict[str, Any]:
        words = request["q"].lower().split()
        pre, post = request["highlightPreTag"], request["highlightPostTag"]
        hybrid = request.get("hybrid")
        ratio = hybrid["semanticRatio"] if hybrid else 0.0
        scored = []
        for doc in self.documents.values():
            if not _allowed(doc, request["filter"]):
                continue
            matched = all(_has_prefix(doc, w) for w in words)
            vectors = (doc.get("_vectors") or {}).get(hybrid["embedder"]) if hybrid else None
            if matched or (ratio and vectors):
                near = max((_cosine(request["vector"], v) for v in vectors or ()), default=0.0)
                scored.append((ratio * near + (1 - ratio) * matched, doc))
        scored.sort(key=lambda pair: -pair[0])
        page = scored[request["offset"] : request["offset"] + request["limit"]]
        hits = [
            {
                **doc,
                "_formatted": {k: _mark(doc[k], words, pre, post) for k in ("title", "body")},
                "_rankingScore": round(score, 6),
            }
            for score, doc in page
        ]
        return {
            "hits": hits,
            "query": request["q"],
            "processingTimeMs": 1,
            "limit": request["limit"],
            "offset": request["offset"],
            "estimatedTotalHits": len(scored),
        }


def _cosine(a: list[float], b: list[float]) -> float:
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / norms if norms else 0.0


def _kinds(listed: str) -> set[str]:
    return {kind.strip().strip("'") for kind in listed.split(",")}


def _allowed(doc: dict[str, Any], expression: str) -> bool:
    for clause in _clauses(expression):
        if (every := _KIND_IN.match(clause)) and doc["kind"] in _kinds(every[1]):
            return True
        own = _OWN.match(clause)
        named = own and own[1] in (doc["patient_id"], doc.get("practitioner_id"))
        if named and doc["kind"] in _kinds(own[2]):
            return True
    return False


def _clauses(expression: str) -> list[str]:
    """The expression's clauses joined by ` OR ` outside any parentheses."""
    clauses, depth, start = [], 0, 0
    for at, char in enumerate(expression):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and expression.startswith(" OR ", at):
            clauses.append(expression[start:at])
            start = at + len(" OR ")
    return [*clauses, expression[start:]]


def _has_prefix(doc: dict[str, Any], word: str) -> bool:
    text = f"{doc['title']} {doc['body']}".lower()
    return any(token.startswith(word) for token in re.findall(r"\w+", text))


def _mark(text: str, words: list[str], pre: str, post: str) -> str:
    def wrap(match: re.Match[str]) -> str:
        token = match[0]
        return f"{pre}{token}{post}" if any(token.lower().startswith(w) for w in words) else token

    return re.sub(r"\w+", wrap, text)


async def _reply(send: Any, status: int, answer: Any) -> None:
    body = msgspec.json.encode(answer)
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def running_fake(api_key: str) -> Iterator[FakeMeilisearch]:
    """Serve a fake on a free loopback port, from a thread of its own, during the block.

    Its own thread and loop: the test client blocks the test's loop while a request runs.
    """
    fake = FakeMeilisearch(api_key)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(fake, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fake-meilisearch", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the fake Meilisearch did not start")
        time.sleep(0.01)
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)

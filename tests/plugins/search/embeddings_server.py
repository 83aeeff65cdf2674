"""A small real OpenAI-compatible embeddings server (threaded HTTP) for the `http` provider."""

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def fake_vector(text: str, dimensions: int) -> list[float]:
    """A deterministic, unnormalised vector derived from the text."""
    digest = hashlib.sha256(text.encode()).digest()
    return [float(digest[i % 32] + 1) for i in range(dimensions)]


@dataclass
class EmbeddingsServer:
    """What the server received and how it answers."""

    api_key: str = "sk-test"
    dimensions: int = 384
    requests: list[dict] = field(default_factory=list)
    url: str = ""


@contextmanager
def embeddings_server(**options: object) -> Iterator[EmbeddingsServer]:
    """Serve `POST /v1/embeddings` on a free loopback port; answers items in reverse order."""
    state = EmbeddingsServer(**options)  # type: ignore[arg-type]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append(body)
            if self.headers.get("Authorization") != f"Bearer {state.api_key}":
                return self._send(401, {"error": {"message": "bad key"}})
            if self.path != "/v1/embeddings":
                return self._send(404, {"error": {"message": "no such route"}})
            data = [
                {"object": "embedding", "index": i, "embedding": fake_vector(t, state.dimensions)}
                for i, t in enumerate(body["input"])
            ]
            self._send(200, {"object": "list", "data": data[::-1], "model": body["model"]})

        def _send(self, status: int, payload: dict) -> None:
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

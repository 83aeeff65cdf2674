"""What only a real `hduce serve` shows: forwarded headers, stalled bodies, the access log, its
headers, and stopping with live streams open."""

import contextlib
import re
import secrets
import signal
import socket
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from hduce.core.config import Settings
from hduce.core.security import Principal, TokenService
from hduce.runtime import free_port
from tests.conftest import TEST_JWT_SECRET
from tests.support.context import isolated, isolated_env
from tests.support.processes import get, hduce_env, hduce_process, wait_until
from tests.support.serving import Server, serving

FORGED = "203.0.113.9"


@pytest.fixture(scope="module")
def server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Default settings except one-second body and header timeouts, 8 KiB of headers."""
    folder = tmp_path_factory.mktemp("hardening") / "default"
    limits = {
        "HDUCE_SERVER__BODY_TIMEOUT": "1s",
        "HDUCE_SERVER__HEADER_TIMEOUT": "1s",
        "HDUCE_SERVER__REQUEST_MAX_HEADER_SIZE": "8192",
    }
    with serving(folder, settings, **limits) as running:
        yield running


def audited_address(server: Server, settings: Settings, headers: dict[str, str]) -> str | None:
    """The address the audit log records for an admin's read sent with `headers`."""
    admin = uuid.uuid4()
    token, _ = TokenService(settings.auth).issue(Principal(id=admin, roles=frozenset({"admin"})))
    bearer = {"Authorization": f"Bearer {token}"}
    url = f"{server.base}/api/v1/audit?action=audit.read&actor_id={admin}"
    assert get(url, {**bearer, **headers})[0] == 200
    status, body = get(url, bearer)
    assert status == 200, body
    first_read = msgspec.json.decode(body)["items"][-1]
    return first_read["ip"]


def test_forwarded_for_from_loopback_is_ignored_by_default(
    server: Server, settings: Settings
) -> None:
    assert audited_address(server, settings, {"X-Forwarded-For": FORGED}) == "127.0.0.1"


def test_forwarded_for_from_a_trusted_proxy_names_the_client(
    settings: Settings, tmp_path: Path
) -> None:
    proxied = {"HDUCE_SERVER__TRUSTED_PROXIES": '["127.0.0.1"]'}
    with serving(tmp_path / "proxied", settings, **proxied) as behind_proxy:
        assert audited_address(behind_proxy, settings, {"X-Forwarded-For": FORGED}) == FORGED
        forwarded = get(f"{behind_proxy.base}/health/detailed", {"X-Forwarded-For": FORGED})
        assert forwarded[0] == 401, "a client behind the proxy is not local"


def test_local_clients_read_health_details_and_proxied_ones_do_not(server: Server) -> None:
    status, body = get(f"{server.base}/health/detailed")
    assert status in (200, 503), body
    assert b'"checks"' in body
    # A proxy on this machine that is not in trusted_proxies still marks what it forwards.
    forwarded = get(f"{server.base}/health/detailed", {"X-Forwarded-For": FORGED})
    assert forwarded[0] == 401


def test_a_stalled_body_is_answered_408_after_the_body_timeout(server: Server) -> None:
    head = (
        f"POST /api/v1/appointments/{uuid.uuid4()}/confirm HTTP/1.1\r\n"
        "Host: clinic\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as connection:
        connection.sendall(head.encode() + b'{"token": "')
        answer = b""
        while b"\r\n\r\n" not in answer and (chunk := connection.recv(65536)):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"application/problem+json" in answer


def closed_within(connection: socket.socket, seconds: float) -> bytes:
    """What the server sent before closing the connection, which it must do within `seconds`."""
    connection.settimeout(seconds)
    answer = b""
    while chunk := connection.recv(65536):  # a timeout here fails the test
        answer += chunk
    return answer


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(
    server: Server,
) -> None:
    # An idle socket stayed open for as long as its client liked (one file descriptor each).
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        assert closed_within(connection, 5) == b""


def test_headers_trickling_in_are_answered_408_after_the_header_timeout(server: Server) -> None:
    # A header line every so often kept a connection open for ever (slowloris).
    head = b"GET /health HTTP/1.1\r\nHost: clinic\r\n"
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        connection.sendall(head)
        answer = closed_within(connection, 5)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"application/problem+json" in answer
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        connection.sendall(head)
        started = time.monotonic()
        with contextlib.suppress(OSError):  # the server closes: a reset or a broken pipe
            while time.monotonic() - started < 5:
                time.sleep(0.3)
                connection.sendall(b"X-Slow: yes\r\n")
        assert time.monotonic() - started < 4, "still open while headers trickle in"


def test_headers_beyond_the_size_limit_are_answered_431(server: Server) -> None:
    # 192 MiB of small header lines sent within the header timeout took the server process to
    # a 3 GB peak: one connection could have it killed for memory.
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: clinic\r\n" + b"X-A: b\r\n" * 2048)
        answer = closed_within(connection, 5)  # long before the header timeout
    assert answer.startswith(b"HTTP/1.1 431"), answer
    assert b"8192 bytes" in answer
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        many = b"".join(b"X-%d: b\r\n" % n for n in range(150))  # 1.4 KiB: small, too many
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: clinic\r\n" + many + b"\r\n")
        answer = closed_within(connection, 5)
    assert answer.startswith(b"HTTP/1.1 431"), answer
    big_but_allowed = {"X-Large": "x" * 6000}
    assert get(f"{server.base}/health", big_but_allowed)[0] == 200
    # Seen: a head past the limit that ended within the read that took it there was served.
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        large = b"GET /health HTTP/1.1\r\nHost: clinic\r\nX-Big: " + b"a" * 12000
        connection.sendall(large + b"\r\nConnection: close\r\n\r\n")
        answer = closed_within(connection, 5)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    # The body arriving with the head is not the head's.
    body = b'{"login": "' + b"x" * 20000 + b'", "password": "p"}'
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        head = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: clinic\r\nConnection: close\r\n"
        length = b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        connection.sendall(head + length + body)
        answer = closed_within(connection, 5)
    assert answer.startswith(b"HTTP/1.1 4") and not answer.startswith(b"HTTP/1.1 431"), answer


def test_a_kept_alive_connection_serves_requests_within_the_header_timeout(
    server: Server,
) -> None:
    request = b"GET /health HTTP/1.1\r\nHost: clinic\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
        for _ in range(3):  # each well inside the second, the whole sequence beyond it
            connection.sendall(request)
            answer = connection.recv(65536)
            head, _, body = answer.partition(b"\r\n\r\n")
            length = int(re.search(rb"content-length: (\d+)", head, re.I)[1])  # type: ignore[index]
            while len(body) < length:
                body += connection.recv(65536)
            assert head.startswith(b"HTTP/1.1 200"), answer
            time.sleep(0.6)


def test_the_feed_secret_stays_out_of_the_access_log(server: Server) -> None:
    secret = secrets.token_urlsafe(32)
    assert get(f"{server.base}/api/v1/appointments/ical/{secret}.ics")[0] == 404
    logged = wait_until(lambda: "/api/v1/appointments/ical/" in server.log.read_text(), 10)
    assert logged, server.log.read_text()[-3000:]
    assert secret not in server.log.read_text()


def test_answers_carry_a_date_and_do_not_name_the_server_software(server: Server) -> None:
    with urllib.request.urlopen(f"{server.base}/health", timeout=5) as response:
        assert response.headers["Date"], "an origin server with a clock sends Date (RFC 9110)"
        assert "Server" not in response.headers, response.headers["Server"]


def open_inbox_stream(server: Server, settings: Settings) -> socket.socket:
    """A patient's live inbox stream, read up to its first comment."""
    patient = Principal(id=uuid.uuid4(), roles=frozenset({"patient"}))
    token, _ = TokenService(settings.auth).issue(patient)
    stream = socket.create_connection(("127.0.0.1", server.port), timeout=15)
    stream.sendall(
        b"GET /api/v1/notifications/stream HTTP/1.1\r\nHost: clinic\r\n"
        + f"Authorization: Bearer {token}\r\n\r\n".encode()
    )
    head = b""
    while b": connected" not in head and (chunk := stream.recv(65536)):
        head += chunk
    assert head.startswith(b"HTTP/1.1 200"), head
    return stream


def test_sigterm_ends_open_live_streams_and_the_server_stops(
    settings: Settings, tmp_path: Path
) -> None:
    # A patient with the inbox open held `docker stop` up until the stream's 5-minute limit.
    with serving(tmp_path / "draining", settings) as running:
        stream = open_inbox_stream(running, settings)
        with stream:
            running.process.send_signal(signal.SIGTERM)
            sent = time.monotonic()
            while stream.recv(65536):  # the server ends the stream: a clean end of file
                pass
            ended = time.monotonic() - sent
        code = running.process.wait(timeout=15)
    assert ended < 3, f"the stream ended {ended:.1f} s after SIGTERM"
    assert "timeout graceful shutdown exceeded" not in running.log.read_text()
    # A stop on request that completed is a success, as for `hduce worker` (systemd marks a
    # unit that exits 143 as failed).
    assert code == 0, running.log.read_text()[-3000:]


def test_a_second_serve_on_the_same_data_dir_says_why_it_cannot_start(
    settings: Settings, tmp_path: Path
) -> None:
    # It joined the embedded services, then failed in the broker's start with a 50-line traceback.
    with serving(tmp_path / "first", settings):
        second_log = tmp_path / "second.log"
        environ = hduce_env(
            DATABASE_URL=settings.database.url,
            HDUCE_NATS__URL=settings.nats.url,
            JWT_SECRET=TEST_JWT_SECRET,
            HDUCE_DATA_DIR=str(tmp_path / "first" / "data"),
            HDUCE_SERVER__PORT=str(free_port()),
            **isolated_env(isolated(settings)),
        )
        with hduce_process(["serve", "--no-migrate"], environ, second_log) as second:
            code = second.wait(timeout=60)
    output = second_log.read_text()
    assert code == 1, output
    assert "telemetry spool" in output and "data_dir" in output, output
    assert "Traceback" not in output, output


def test_the_rest_of_a_refused_body_is_not_read_as_the_next_head(server: Server) -> None:
    # Seen under load: a chunked upload answered 413 once past its cap, the rest of its body
    # still arriving; that rest was counted as the next request's head, and the next request
    # on the connection got a 431.
    chunk = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"
    answers = b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
        connection.sendall(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: clinic\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        with contextlib.suppress(OSError):
            for _ in range(2048):  # 32 MiB at most: far past the body's cap
                connection.sendall(chunk)
            connection.sendall(b"0\r\n\r\nGET /health HTTP/1.1\r\nHost: clinic\r\n\r\n")
        with contextlib.suppress(OSError):
            while data := connection.recv(65536):
                answers += data
    assert answers.startswith(b"HTTP/1.1 413"), answers[:300]
    assert b" 431 " not in answers, answers


def test_a_pipelined_head_beyond_the_size_limit_is_answered_431(server: Server) -> None:
    # Seen: a second request in the same read as the first was never measured; its 100 KB head
    # was served.
    small = b"GET /health HTTP/1.1\r\nHost: clinic\r\n\r\n"
    large = b"GET /health HTTP/1.1\r\nHost: clinic\r\nX-Big: " + b"a" * 12000 + b"\r\n\r\n"
    body = b'{"login": "' + b"x" * 20000 + b'", "password": "p"}'
    post = (
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: clinic\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    ) + body
    for first in (small, post):
        with socket.create_connection(("127.0.0.1", server.port)) as connection:
            connection.sendall(first + large + small)
            answer = closed_within(connection, 5)
        assert b"HTTP/1.1 431" in answer, answer[-300:]
        assert answer.count(b"HTTP/1.1 ") <= 2, answer  # the request after it is not served
    # A small head after a body, in the same read, is still a small head.
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        connection.sendall(post + small.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
        answer = closed_within(connection, 5)
    assert b"431" not in answer and answer.count(b"HTTP/1.1 ") == 2, answer

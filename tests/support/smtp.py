"""A real aiosmtpd SMTP server for tests: records mail, stops and restarts on the same port."""

import asyncio
import ssl
import threading
import warnings
import weakref
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from types import TracebackType
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from hduce.runtime import free_port
from tests.support.context import EVENTUALLY

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    """One accepted mail: the envelope's addresses and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    peer: tuple[str, int]
    """The client's address and port: equal for mails sent over one connection."""


class _Recorder:
    """The aiosmtpd handler: parses each mail and hands it to the server."""

    def __init__(self, server: "SmtpServer", refuse: Mapping[str, str]) -> None:
        self._server = server
        self._refuse = refuse

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self._refuse:
            return self._refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        received = Received(
            envelope.mail_from or "", list(envelope.rcpt_tos), message, tuple(session.peer)
        )
        if self._server.delay:  # a slow relay: the mail is accepted only after the delay
            await asyncio.sleep(self._server.delay)
        self._server.record(received)
        return "250 OK"


class _Controller(Controller):
    """A threaded controller that remembers its sessions, so stopping can drop them."""

    def __init__(self, handler: _Recorder, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()

    def factory(self) -> SMTP:
        with warnings.catch_warnings():
            # AUTH without TLS is what these tests want; aiosmtpd warns on every connection.
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            session = super().factory()
        self.sessions.add(session)
        return session

    def stop(self, no_assert: bool = False) -> None:
        # A real server going down closes its connections; aiosmtpd alone would leave them open.
        asyncio.run_coroutine_threadsafe(self._drop_sessions(), self.loop).result(timeout=5)
        super().stop(no_assert)

    async def _drop_sessions(self) -> None:
        for session in list(self.sessions):
            if session.transport is not None:
                session.transport.abort()


class SmtpServer:
    """A real SMTP server on a free loopback port that keeps its port across `stop()`/`start()`.

    Args:
        username: With `password`, AUTH is required (PLAIN/LOGIN, allowed without TLS).
        password: The password that `username` must send.
        tls: A server-side SSL context: STARTTLS is offered (and required), or, with
            `implicit_tls`, the whole connection is TLS (like port 465).
        implicit_tls: Speak TLS from the first byte instead of offering STARTTLS.
        refuse: Recipient address → the reply that refuses it, e.g. `"550 5.1.1 no such user"`.
        max_size: Refuse (552) messages larger than this many bytes.
        smtputf8: Offer SMTPUTF8 (non-ASCII addresses); off, like a relay that lacks it.
    """

    def __init__(
        self,
        *,
        username: str | None = None,
        password: str | None = None,
        tls: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        refuse: Mapping[str, str] | None = None,
        max_size: int | None = None,
        smtputf8: bool = True,
    ) -> None:
        self.port = free_port(HOST)
        self.host = HOST
        self.received: list[Received] = []
        self.delay = 0.0
        """Seconds the server takes to answer DATA (a slow relay); settable while it runs."""
        self._credentials = (username, password) if username is not None else None
        self._tls = tls
        self._implicit_tls = implicit_tls
        self._refuse = dict(refuse or {})
        self._max_size = max_size
        self._smtputf8 = smtputf8
        self._lock = threading.Lock()
        self._controller: _Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        """Every message received so far, oldest first."""
        with self._lock:
            return [item.message for item in self.received]

    @property
    def running(self) -> bool:
        """Whether the server is listening now."""
        return self._controller is not None

    def record(self, item: Received) -> None:
        """Keep one received mail (called from the server's thread)."""
        with self._lock:
            self.received.append(item)

    def start(self) -> None:
        """Listen on the server's port (again, after `stop()`)."""
        if self._controller is not None:
            return
        recorder = _Recorder(self, self._refuse)
        controller = _Controller(recorder, hostname=HOST, port=self.port, **self._options())
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Stop listening and drop open connections, like a relay going down."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    async def wait_for(self, count: int, timeout: float = EVENTUALLY) -> list[EmailMessage]:
        """Wait until at least `count` messages arrived; returns them all."""
        await self._poll(lambda: len(self.received) >= count, timeout, f"{count} message(s)")
        return self.messages

    async def wait_for_message(
        self, predicate: Callable[[EmailMessage], bool], timeout: float = EVENTUALLY
    ) -> EmailMessage:
        """Wait for the first received message that matches `predicate` and return it."""
        found: list[EmailMessage] = []

        def matched() -> bool:
            found[:] = [m for m in self.messages if predicate(m)][:1]
            return bool(found)

        await self._poll(matched, timeout, "a matching message")
        return found[0]

    async def __aenter__(self) -> "SmtpServer":
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"enable_SMTPUTF8": self._smtputf8}
        if self._max_size is not None:
            options["data_size_limit"] = self._max_size
        if self._credentials is not None:
            options.update(
                authenticator=self._authenticate, auth_required=True, auth_require_tls=False
            )
        if self._tls is not None and self._implicit_tls:
            options["ssl_context"] = self._tls
        elif self._tls is not None:
            options.update(tls_context=self._tls, require_starttls=True)
        return options

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert self._credentials is not None
        username, password = self._credentials
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == username
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    async def _poll(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not done():
            if loop.time() > deadline:
                raise AssertionError(f"SMTP server {self.port}: no {what} within {timeout}s")
            await asyncio.sleep(0.02)


@pytest.fixture
async def smtp_server() -> AsyncIterator[SmtpServer]:
    """A fresh SMTP server for one test, stopped afterwards whatever happens."""
    async with SmtpServer() as server:
        yield server

"""The e-mail channel against a real aiosmtpd server: settings, message shape, reuse, failures."""

import asyncio
import datetime
import ssl
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from hduce.core.config import ConfigError, decode_section
from hduce.plugins.notifications.config import EmailConfig, SmtpSettings, smtp_settings
from hduce.plugins.notifications.services.channels import (
    DeliveryError,
    EmailChannel,
    OutgoingMessage,
)
from hduce.runtime import free_port
from tests.support import smtp
from tests.support.smtp import HOST, SmtpServer
from tests.support.tls import self_signed

smtp_server = smtp.smtp_server
SENDER = "Test Clinic <noreply@clinic.test>"


def config(**fields: Any) -> EmailConfig:
    """An `EmailConfig` decoded like the real settings (durations as text)."""
    return decode_section({"from_address": SENDER, **fields}, EmailConfig, origin="test")


def outgoing(to: str = "ada@example.org", html: str | None = None, **kw: Any) -> OutgoingMessage:
    fields = {"subject": "Hello", "text": "Plain body", **kw}
    return OutgoingMessage(delivery_id=uuid.uuid4(), to=to, html=html, **fields)


@asynccontextmanager
async def channel_for(**fields: Any) -> AsyncIterator[EmailChannel]:
    channel = EmailChannel(config(**fields))
    try:
        yield channel
    finally:
        await channel.aclose()


def plain_url(server: SmtpServer, credentials: str = "") -> str:
    return f"smtp://{credentials}{server.host}:{server.port}"


# --- connection settings --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example:2525", SmtpSettings("mail.example", 2525, "none")),
        ("smtp://mail.example", SmtpSettings("mail.example", 25, "none")),
        ("smtp://mail.example?starttls=true", SmtpSettings("mail.example", 587, "starttls")),
        ("smtp://mail.example:2587?starttls=1", SmtpSettings("mail.example", 2587, "starttls")),
        ("smtp://mail.example?starttls=false", SmtpSettings("mail.example", 25, "none")),
        ("smtps://mail.example", SmtpSettings("mail.example", 465, "tls")),
        ("smtps://mail.example:1465", SmtpSettings("mail.example", 1465, "tls")),
        (
            "smtps://clinic%40example.org:p%40ss%3Aw%2Frd@mail.example",
            SmtpSettings("mail.example", 465, "tls", "clinic@example.org", "p@ss:w/rd"),
        ),
    ],
)
def test_settings_from_the_url(url: str, expected: SmtpSettings) -> None:
    assert smtp_settings(config(url=url, host="ignored", port=1)) == expected


def test_settings_from_separate_fields() -> None:
    fields = config(host="relay", port=2525, username="u", password="pw", security="tls")
    assert smtp_settings(fields) == SmtpSettings("relay", 2525, "tls", "u", "pw")
    assert smtp_settings(config(host="relay")) == SmtpSettings("relay", 587, "starttls")


def test_settings_repr_hides_the_password() -> None:
    assert "hunter2" not in repr(smtp_settings(config(url="smtp://u:hunter2@relay")))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://u:hunter2@relay", "not smtp:// or smtps://"),
        ("smtp://u:hunter2@:25", "names no host"),
        ("smtp://u:hunter2@relay:port", "port"),
        ("smtp://u:hunter2@relay?starttls=maybe", "`starttls` must be true or false"),
        ("smtp://u:hunter2@relay?tls=true", "unknown option `tls`"),
        ("smtps://u:hunter2@relay?starttls=true", "TLS already"),
    ],
)
def test_bad_urls_fail_at_start_without_showing_the_password(url: str, reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        EmailChannel(config(url=url))
    message = str(caught.value)
    assert reason in message
    assert "SMTP_URL" in message
    assert "hunter2" not in message
    assert caught.value.key == "plugins.notifications.email.url"


def test_configured_needs_a_relay_and_a_sender() -> None:
    assert EmailChannel(config(url="smtp://relay")).configured
    assert EmailChannel(config(host="relay")).configured
    assert not EmailChannel(config()).configured
    assert not EmailChannel(config(url="smtp://relay", from_address="")).configured


# --- sending -----------------------------------------------------------------------------------


async def test_a_message_with_html_is_multipart_alternative(smtp_server: SmtpServer) -> None:
    message = outgoing(html="<p>Rich <b>body</b></p>", subject="Your appointment — Tuesday")
    async with channel_for(url=plain_url(smtp_server)) as channel:
        await channel.send(message)
    [received] = smtp_server.received
    mail = received.message
    assert received.rcpt_tos == ["ada@example.org"]
    assert received.mail_from == "noreply@clinic.test"
    assert mail["Message-ID"] == f"<{message.delivery_id}@hduce>"
    assert mail["From"] == SENDER
    assert mail["To"] == "ada@example.org"
    assert mail["Subject"] == "Your appointment — Tuesday"
    sent_at = parsedate_to_datetime(mail["Date"])
    assert sent_at.tzinfo is not None
    assert abs(sent_at - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(hours=1)
    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(preferencelist=("plain",))
    rich = mail.get_body(preferencelist=("html",))
    assert plain is not None and rich is not None
    assert plain.get_content().strip() == "Plain body"
    assert rich.get_content().strip() == "<p>Rich <b>body</b></p>"


async def test_a_text_only_message_is_plain(smtp_server: SmtpServer) -> None:
    async with channel_for(url=plain_url(smtp_server)) as channel:
        await channel.send(outgoing(text="Only text, accents: é ü"))
    [mail] = smtp_server.messages
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content().strip() == "Only text, accents: é ü"


async def test_messages_share_one_connection(smtp_server: SmtpServer) -> None:
    async with channel_for(url=plain_url(smtp_server)) as channel:
        for number in range(5):
            await channel.send(outgoing(to=f"p{number}@example.org"))
    peers = {item.peer for item in smtp_server.received}
    assert len(smtp_server.received) == 5
    assert len(peers) == 1


async def test_concurrent_sends_use_at_most_the_configured_connections(
    smtp_server: SmtpServer,
) -> None:
    async with channel_for(url=plain_url(smtp_server), connections=3) as channel:
        await asyncio.gather(*(channel.send(outgoing(to=f"c{n}@example.org")) for n in range(24)))
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        f"c{n}@example.org" for n in range(24)
    )
    assert 1 <= len({item.peer for item in smtp_server.received}) <= 3


async def test_a_closed_channel_reconnects_when_used_again(smtp_server: SmtpServer) -> None:
    async with channel_for(url=plain_url(smtp_server)) as channel:
        await channel.send(outgoing(to="first@example.org"))
        await channel.aclose()
        await channel.send(outgoing(to="second@example.org"))
    first, second = smtp_server.received
    assert first.peer != second.peer


# --- authentication ---------------------------------------------------------------------------


async def test_credentials_from_the_url_log_in() -> None:
    async with SmtpServer(username="clinic@example.org", password="p@ss:word") as server:
        url = plain_url(server, "clinic%40example.org:p%40ss%3Aword@")
        async with channel_for(url=url) as channel:
            await channel.send(outgoing())
        assert len(server.received) == 1


async def test_credentials_from_separate_fields_log_in() -> None:
    async with SmtpServer(username="app", password="s3cret") as server:
        fields = {"host": HOST, "port": server.port, "security": "none"}
        async with channel_for(**fields, username="app", password="s3cret") as channel:
            await channel.send(outgoing())
        assert len(server.received) == 1


async def test_a_wrong_password_is_retried_and_never_shown() -> None:
    async with (
        SmtpServer(username="app", password="right-one") as server,
        channel_for(url=plain_url(server, "app:wrong-one@")) as channel,
    ):
        with pytest.raises(DeliveryError) as caught:
            await channel.send(outgoing())
    error = caught.value
    assert not error.permanent
    assert f"{HOST}:{server.port}" in str(error)
    assert "535" in str(error)
    assert "wrong-one" not in str(error)
    assert server.received == []


async def test_missing_credentials_are_retried() -> None:
    async with (
        SmtpServer(username="app", password="pw") as server,
        channel_for(url=plain_url(server)) as channel,
    ):
        with pytest.raises(DeliveryError) as caught:
            await channel.send(outgoing())
    assert not caught.value.permanent
    assert "530" in str(caught.value)


# --- failures ---------------------------------------------------------------------------------


async def test_a_refused_recipient_is_permanent_and_the_connection_stays_usable() -> None:
    refuse = {"gone@example.org": "550 5.1.1 No such user here"}
    async with SmtpServer(refuse=refuse) as server, channel_for(url=plain_url(server)) as channel:
        with pytest.raises(DeliveryError) as caught:
            await channel.send(outgoing(to="gone@example.org"))
        await channel.send(outgoing(to="here@example.org"))
    assert caught.value.permanent
    assert f"SMTP {HOST}:{server.port} refused the recipient" in str(caught.value)
    assert "550 5.1.1 No such user here" in str(caught.value)
    assert [m["To"] for m in server.messages] == ["here@example.org"]


async def test_a_temporarily_refused_recipient_is_retried() -> None:
    refuse = {"busy@example.org": "450 4.2.1 Mailbox busy"}
    async with SmtpServer(refuse=refuse) as server, channel_for(url=plain_url(server)) as channel:
        with pytest.raises(DeliveryError) as caught:
            await channel.send(outgoing(to="busy@example.org"))
    assert not caught.value.permanent
    assert "450 4.2.1 Mailbox busy" in str(caught.value)


async def test_refused_content_is_permanent() -> None:
    async with SmtpServer(max_size=2000) as server, channel_for(url=plain_url(server)) as channel:
        with pytest.raises(DeliveryError) as caught:
            await channel.send(outgoing(text="long " * 1000))
        await channel.send(outgoing(to="short@example.org"))
    assert caught.value.permanent
    assert "refused the message: 552" in str(caught.value)
    assert [m["To"] for m in server.messages] == ["short@example.org"]


async def test_a_relay_that_is_down_is_retried_then_reached_once_back(
    smtp_server: SmtpServer,
) -> None:
    async with channel_for(url=plain_url(smtp_server)) as channel:
        await channel.send(outgoing(to="before@example.org"))
        smtp_server.stop()
        with pytest.raises(DeliveryError) as caught:
            await channel.send(outgoing(to="during@example.org"))
        smtp_server.start()
        await channel.send(outgoing(to="after@example.org"))
    assert not caught.value.permanent
    assert f"{HOST}:{smtp_server.port}" in str(caught.value)
    assert [m["To"] for m in smtp_server.messages] == ["before@example.org", "after@example.org"]


async def test_a_connection_the_relay_dropped_is_replaced_transparently(
    smtp_server: SmtpServer,
) -> None:
    async with channel_for(url=plain_url(smtp_server)) as channel:
        await channel.send(outgoing(to="before@example.org"))
        smtp_server.stop()
        smtp_server.start()
        await channel.send(outgoing(to="after@example.org"))
    before, after = smtp_server.received
    assert before.peer != after.peer


async def test_nothing_listening_is_retried() -> None:
    port = free_port()
    async with channel_for(url=f"smtp://{HOST}:{port}") as channel:
        with pytest.raises(DeliveryError) as caught:
            await channel.send(outgoing())
    assert not caught.value.permanent
    assert f"{HOST}:{port}" in str(caught.value)


async def test_a_silent_relay_times_out_and_is_retried() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # never greets
        writer.close()

    server = await asyncio.start_server(silent, HOST, 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with channel_for(url=f"smtp://{HOST}:{port}", timeout="200ms") as channel:
            with pytest.raises(DeliveryError) as caught:
                await channel.send(outgoing())
    finally:
        server.close()
        await server.wait_closed()
    assert not caught.value.permanent
    assert "timed out" in str(caught.value).lower()


async def test_an_address_that_breaks_the_header_is_permanent(smtp_server: SmtpServer) -> None:
    async with channel_for(url=plain_url(smtp_server)) as channel:
        with pytest.raises(DeliveryError) as caught:
            await channel.send(outgoing(to="a@example.org\nBcc: everyone@example.org"))
    assert caught.value.permanent
    assert smtp_server.received == []


# --- TLS --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (acting as its own CA) and its key."""
    return self_signed(tmp_path_factory.mktemp("tls"), "relay", HOST)


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


@pytest.mark.parametrize(("implicit", "scheme"), [(False, "smtp"), (True, "smtps")])
async def test_tls_with_a_private_ca(
    certificate: tuple[Path, Path], implicit: bool, scheme: str
) -> None:
    tls = server_context(certificate)
    async with SmtpServer(username="app", password="pw", tls=tls, implicit_tls=implicit) as server:
        query = "" if implicit else "?starttls=true"
        url = f"{scheme}://app:pw@{HOST}:{server.port}{query}"
        async with channel_for(url=url, ca_file=str(certificate[0])) as channel:
            await channel.send(outgoing(to="secure@example.org"))
        async with channel_for(url=url) as unverified:
            with pytest.raises(DeliveryError) as caught:
                await unverified.send(outgoing(to="never@example.org"))
    assert [m["To"] for m in server.messages] == ["secure@example.org"]
    assert not caught.value.permanent
    assert "certificate" in str(caught.value).lower()


# --- addresses --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "x@clinic.example.",  # aiosmtplib cannot parse these two from a To: header
        "x@clinic..example",
        "sc;x@clinic.example",  # and reads these as another mailbox: sc, qx@…, cm@…
        'q"x@clinic.example',
        "cm(x)@clinic.example",
    ],
)
async def test_an_address_smtp_cannot_take_as_written_fails_for_good(
    smtp_server: SmtpServer, address: str
) -> None:
    async with channel_for(url=plain_url(smtp_server)) as channel:
        with pytest.raises(DeliveryError) as caught:
            await channel.send(outgoing(to=address))
        await channel.send(outgoing(to="fine@clinic.example"))
    assert caught.value.permanent
    assert address in str(caught.value)
    assert [item.rcpt_tos for item in smtp_server.received] == [["fine@clinic.example"]]


async def test_the_envelope_names_the_bare_sender_and_the_one_recipient(
    smtp_server: SmtpServer,
) -> None:
    async with channel_for(url=plain_url(smtp_server)) as channel:
        await channel.send(outgoing(to="zoë@clinic.example"))
    [received] = smtp_server.received
    assert (received.mail_from, received.rcpt_tos) == (
        "noreply@clinic.test",
        ["zoë@clinic.example"],
    )


async def test_a_non_ascii_address_through_a_relay_without_smtputf8_fails_for_good() -> None:
    async with (
        SmtpServer(smtputf8=False) as server,
        channel_for(url=plain_url(server)) as channel,
    ):
        with pytest.raises(DeliveryError) as caught:
            await channel.send(outgoing(to="zoë@clinic.example"))
        await channel.send(outgoing(to="zoe@clinic.example"))
    assert caught.value.permanent
    assert "SMTPUTF8" in str(caught.value)
    assert [item.rcpt_tos for item in server.received] == [["zoe@clinic.example"]]

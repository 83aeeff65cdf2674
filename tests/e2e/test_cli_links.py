"""Links queued from the command line beside a running `hduce serve` point where it is reached."""

import urllib.request
import uuid
from pathlib import Path

from hduce.core.config import Settings
from hduce.runtime import free_port
from tests.conftest import TEST_JWT_SECRET
from tests.support import smtp
from tests.support.cli import run_hduce
from tests.support.context import isolated, isolated_env
from tests.support.processes import hduce_env, hduce_process, wait_until
from tests.support.smtp import SmtpServer

PASSWORD = "ferric-meadow-lantern-58"
smtp_server = smtp.smtp_server


def healthy(base: str) -> bool:
    """Whether the server answers `/health`."""
    try:
        with urllib.request.urlopen(f"{base}/health", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


async def test_a_reset_link_from_the_cli_names_the_port_serve_was_given(
    tmp_path: Path, settings: Settings, migrated: str, smtp_server: SmtpServer
) -> None:
    # `serve --port P` mailed its own links on P, but `hduce user reset-password` (the config's
    # port, 8000 by default) queued one on a port nothing listened on.
    port, database, nats = free_port(), migrated, settings.nats.url
    # The commands queue on serve's task stream and mail through the same relay.
    mailing = {
        **isolated_env(isolated(settings)),
        "SMTP_URL": f"smtp://{smtp_server.host}:{smtp_server.port}",
        "SMTP_FROM": "Clinic <noreply@clinic.test>",
    }
    env = hduce_env(
        DATABASE_URL=database,
        HDUCE_NATS__URL=nats,
        JWT_SECRET=TEST_JWT_SECRET,
        HDUCE_DATA_DIR=str(tmp_path / "data"),
        HDUCE_PLUGINS__DEVICES__PORT=str(free_port()),
        **mailing,
    )
    with hduce_process(["serve", "--no-migrate", "--port", str(port)], env, tmp_path / "log"):
        assert wait_until(lambda: healthy(f"http://127.0.0.1:{port}"), timeout=90, interval=0.3)
        for role in ("admin", "patient"):  # the admin is who the reset is audited as
            username = f"{role}_{uuid.uuid4().hex[:8]}"
            email = f"{username}@clinic.example"
            created = run_hduce(
                tmp_path, database, nats, "user", "create", "--email", email,
                "--username", username, "--role", role, "--password-stdin",
                stdin=PASSWORD + "\n", **mailing,
            )  # fmt: skip
            assert created.returncode == 0, created.stderr
        reset = run_hduce(tmp_path, database, nats, "user", "reset-password", username, **mailing)
        assert reset.returncode == 0, reset.stderr
        mail = await smtp_server.wait_for_message(lambda m: email in str(m["To"]), timeout=30)
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"http://127.0.0.1:{port}/reset-password?token=" in body, body

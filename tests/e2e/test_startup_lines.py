"""Fatal start-up problems of `hduce serve` as an operator sees them: one line, the key, the fix."""

import socket
from pathlib import Path

from hduce.runtime import free_port
from tests.conftest import TEST_JWT_SECRET
from tests.e2e.test_cli_commands import run


def test_production_on_every_interface_needs_a_public_url(tmp_path: Path) -> None:
    code, output = run(
        ["serve", "--host", "0.0.0.0"],
        tmp_path,
        HDUCE_ENVIRONMENT="production",
        JWT_SECRET=TEST_JWT_SECRET,
    )
    assert code == 2, output
    (line,) = output.strip().splitlines()
    assert "`server.public_url`" in line and "HDUCE_SERVER__PUBLIC_URL" in line
    assert not (tmp_path / "data").exists()


def test_mqtt_port_in_use_is_one_line_and_exit_1(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, output = run(
            ["serve", "--port", str(free_port())], tmp_path, HDUCE_PLUGINS__DEVICES__PORT=str(port)
        )
    assert code == 1, output
    (line,) = output.strip().splitlines()
    assert f"MQTT port {port}" in line and "already in use" in line, line
    assert "HDUCE_PLUGINS__DEVICES__PORT" in line
    assert not (tmp_path / "data").exists(), "nothing starts before the ports are checked"


def test_smtp_without_a_sender_is_warned_about_at_start(tmp_path: Path) -> None:
    with socket.socket() as busy:  # the busy HTTP port ends `serve` right after its warnings
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, output = run(
            ["serve", "--port", str(port)], tmp_path, SMTP_URL="smtp://mail.example:25"
        )
    assert code == 1, output
    warning, refusal = output.strip().splitlines()
    assert "SMTP_FROM" in warning and "e-mail" in warning, warning
    assert "already in use" in refusal


def test_the_worker_warns_about_a_sender_without_a_relay(tmp_path: Path) -> None:
    code, output = run(
        ["worker"],
        tmp_path,
        SMTP_FROM="Clinic <noreply@clinic.example>",
        DATABASE_URL=f"postgresql://clinic@127.0.0.1:{free_port()}/hduce",
        HDUCE_NATS__URL=f"nats://127.0.0.1:{free_port()}",
        HDUCE_DATABASE__CONNECT_TIMEOUT="1s",
    )
    assert code == 1, output
    warning = next(line for line in output.splitlines() if "e-mail" in line)
    assert "SMTP_URL" in warning and "skipped" in warning, warning

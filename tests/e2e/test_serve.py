"""`hduce serve` as a real process on a fresh data dir: goes green; Ctrl-C leaves no process."""

import os
import signal
import socket
import time
from pathlib import Path

import msgspec
import pytest

from hduce.runtime import free_port
from tests.support.processes import (
    REPO_ROOT,
    get,
    hduce_env,
    hduce_process,
    processes_using,
    serving,
    wait_until,
)


def test_serve_starts_embedded_services_goes_green_and_stops_cleanly(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with serving(tmp_path, data_dir) as (server, base):
        report = msgspec.json.decode(get(f"{base}/health/detailed")[1])
        assert {"database", "nats", "outbox", "tasks"} <= set(report["checks"])
        assert processes_using(data_dir), "the embedded servers should run under the data dir"

        status, body = get(f"{base}/metrics")
        assert status == 200
        assert b"hduce_outbox_backlog" in body
        assert b'path="/health/detailed"' not in body  # health probes are not counted as traffic
        assert get(f"{base}/docs")[0] == 200
        status, schema = get(f"{base}/schema/openapi.json")
        assert status == 200
        assert "/health/detailed" in msgspec.json.decode(schema)["paths"]

        server.send_signal(signal.SIGINT)  # Ctrl-C (SIGTERM: test_serve_hardening)
        code = server.wait(timeout=60)
    log = (tmp_path / "serve.log").read_text()
    left = wait_until(lambda: not processes_using(data_dir), timeout=10)
    assert left, (code, processes_using(data_dir), log[-3000:])
    assert code == 0 and "Aborted" not in log, log[-3000:]  # click said "Aborted." and 1


def test_serve_reload_watches_the_code_not_the_data_dir_in_the_working_dir(
    tmp_path: Path,
) -> None:
    # Seen: `hduce serve --reload` from the repository root watched all of it, ./var too, and
    # logged "N changes detected" every few seconds as PostgreSQL and NATS wrote there.
    port = free_port()
    env = hduce_env(
        HDUCE_DATA_DIR="./var",
        HDUCE_SERVER__PORT=str(port),
        HDUCE_LOGGING__LEVEL="INFO",
        HDUCE_PLUGINS__EXTRA='["staff_notes:StaffNotesPlugin"]',  # a plugin being written
    )
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT / "examples"), env["PYTHONPATH"]])
    log = tmp_path / "serve.log"
    with hduce_process(["serve", "--reload"], env, log, cwd=tmp_path) as server:
        health = f"http://127.0.0.1:{port}/health/detailed"
        green = wait_until(lambda: get(health)[0] == 200, timeout=90, interval=0.3)
        assert green, log.read_text()[-3000:]
        for _ in range(10):  # the database and NATS at work under ./var
            assert get(health)[0] == 200
            time.sleep(0.5)
        output = log.read_text()
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    watched = next(line for line in output.splitlines() if "Will watch for changes" in line)
    assert str(tmp_path) not in watched and "/hduce'" in watched, watched
    assert f"'{REPO_ROOT / 'examples' / 'staff_notes'}'" in watched, watched
    assert "detected" not in output, output[-3000:]


def run_cli(args: list[str], tmp_path: Path, **env: str) -> tuple[int, str]:
    log = tmp_path / "cli.log"
    with hduce_process(
        args, hduce_env(HDUCE_DATA_DIR=str(tmp_path / "data"), **env), log
    ) as process:
        code = process.wait(timeout=60)
    return code, log.read_text()


def test_bad_config_value_exits_2_naming_the_key(tmp_path: Path) -> None:
    code, output = run_cli(["serve"], tmp_path, HDUCE_SERVER__PORT="eighty")
    assert code == 2
    assert "server.port" in output
    assert "Traceback" not in output


def test_unknown_plugin_exits_2(tmp_path: Path) -> None:
    code, output = run_cli(["serve"], tmp_path, HDUCE_PLUGINS__ENABLED='["metrics", "nope"]')
    assert code == 2
    assert "nope" in output


def test_unreachable_database_is_reported_with_the_password_masked(tmp_path: Path) -> None:
    url = f"postgresql://clinic:s3cret-pw@127.0.0.1:{free_port()}/hduce"
    code, output = run_cli(
        ["serve", "--port", str(free_port())],
        tmp_path,
        DATABASE_URL=url,
        HDUCE_NATS__URL=f"nats://127.0.0.1:{free_port()}",
        HDUCE_DATABASE__CONNECT_TIMEOUT="2s",
    )
    assert code == 1
    assert "cannot connect to the database" in output
    assert "clinic:********@127.0.0.1" in output
    assert "s3cret-pw" not in output
    assert "Traceback" not in output


def test_unreachable_nats_is_one_clear_line(tmp_path: Path, migrated: str) -> None:
    code, output = run_cli(
        ["serve", "--port", str(free_port())],
        tmp_path,
        DATABASE_URL=migrated,
        HDUCE_NATS__URL=f"nats://127.0.0.1:{free_port()}",
        HDUCE_NATS__CONNECT_TIMEOUT="1s",
    )
    assert code == 1
    assert "cannot connect to NATS" in output
    assert "Traceback" not in output


def test_port_in_use_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, output = run_cli(["serve", "--port", str(port)], tmp_path)
    assert code == 1
    assert f"port {port}" in output and "already in use" in output
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["worker"],
        ["migrate"],
        ["db"],
        ["db", "start"],
        ["db", "stop"],
        ["db", "status"],
        ["config"],
        ["config", "show"],
        ["version"],
        ["user", "list"],
        ["user", "show"],
        ["user", "reset-password"],
        ["user", "deactivate"],
        ["device", "add"],
        ["device", "list"],
        ["device", "rotate-secret"],
        ["backup"],
        ["restore"],
        ["import", "patients"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    from click.testing import CliRunner

    from hduce.cli import hduce

    result = CliRunner().invoke(hduce, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output

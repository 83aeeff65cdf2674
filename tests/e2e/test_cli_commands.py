"""`hduce db`, `migrate`, `config show` and `version` as a user runs them."""

from pathlib import Path

import msgspec

from hduce import __version__
from hduce.runtime import free_port
from tests.support.processes import hduce_env, hduce_process, processes_using


def run(args: list[str], tmp_path: Path, **env: str) -> tuple[int, str]:
    log = tmp_path / f"{'-'.join(args).replace('/', '_')[-100:]}.log"
    environment = hduce_env(**{"HDUCE_DATA_DIR": str(tmp_path / "data"), **env})
    with hduce_process(args, environment, log) as process:
        code = process.wait(timeout=60)
    return code, log.read_text()


def test_db_start_status_stop(tmp_path: Path) -> None:
    try:
        code, output = run(["db", "start"], tmp_path)
        assert code == 0, output
        assert "running" in output
        assert processes_using(tmp_path / "data"), "db start leaves PostgreSQL running"

        code, output = run(["db", "status"], tmp_path)
        assert code == 0 and output.startswith("running"), output

        code, output = run(["db", "stop"], tmp_path)
        assert code == 0, output
        code, output = run(["db", "status"], tmp_path)
        assert code == 3 and output == "stopped\n", output  # was "stopped  pid=None  pgdata=..."
        assert not processes_using(tmp_path / "data")
    finally:
        for process in processes_using(tmp_path / "data"):
            process.kill()


def test_a_database_started_by_db_start_outlives_the_commands_that_use_it(tmp_path: Path) -> None:
    # Seen: the next command (user list, backup, audit verify...) took the server `db start`
    # left over as "left by a dead owner" and stopped it when it exited.
    try:
        code, output = run(["db", "start"], tmp_path)
        assert code == 0, output
        code, output = run(["db", "status"], tmp_path)
        assert code == 0, output
        started = output.split()[1]
        for _ in range(2):
            code, output = run(["migrate"], tmp_path, HDUCE_NATS__URL="nats://unused:1")
            assert code == 0, output
            code, output = run(["db", "status"], tmp_path)
            assert code == 0 and output.split()[1] == started, output
        code, output = run(["db", "stop"], tmp_path)
        assert code == 0, output
        assert not processes_using(tmp_path / "data")
        # Stopped by `db stop`, the database is again the next command's to start and stop.
        code, output = run(["migrate"], tmp_path, HDUCE_NATS__URL="nats://unused:1")
        assert code == 0, output
        assert not processes_using(tmp_path / "data")
    finally:
        for process in processes_using(tmp_path / "data"):
            process.kill()


EXTERNAL = "an external database is configured (database.url / DATABASE_URL); HDuce {} none"


def test_db_commands_with_an_external_database_start_and_stop_nothing(
    tmp_path: Path, migrated: str
) -> None:
    # Seen: `db status` said "stopped" (exit 3) while the clinic's external database was up,
    # and `db start` initdb'd an empty embedded cluster beside it.
    code, output = run(["db", "status"], tmp_path, DATABASE_URL=migrated)
    assert code == 0 and output.startswith("running  external database "), output
    for command, verb in (("start", "starts"), ("stop", "stops")):
        code, output = run(["db", command], tmp_path, DATABASE_URL=migrated)
        assert code == 1, output
        assert output.strip() == f"hduce: {EXTERNAL.format(verb)}", output
    assert not (tmp_path / "data").exists(), "no embedded cluster is made"

    down = f"postgresql://clinic:pw-123@127.0.0.1:{free_port()}/hduce"
    code, output = run(["db", "status"], tmp_path, DATABASE_URL=down)
    assert code == 3 and output.startswith("unreachable  external database: cannot connect"), output
    assert "pw-123" not in output


def test_migrate_is_idempotent_on_an_external_database(tmp_path: Path, migrated: str) -> None:
    for _ in range(2):
        code, output = run(
            ["migrate"], tmp_path, DATABASE_URL=migrated, HDUCE_NATS__URL="nats://unused:1"
        )
        assert code == 0, output
    assert not (tmp_path / "data").exists(), "an external database must not start embedded servers"


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    secret = "x" * 40
    code, output = run(
        ["config", "show"],
        tmp_path,
        JWT_SECRET=secret,
        DATABASE_URL="postgresql://clinic:pw-123@db.example/hduce",
        TOKEN_EXPIRY="24h",
    )
    assert code == 0, output
    shown = msgspec.json.decode(output[output.index("{") :])
    assert shown["auth"]["jwt_secret"] == "********"
    assert shown["auth"]["token_expiry"] == "1d"
    assert shown["database"]["url"] == "postgresql://clinic:********@db.example/hduce"
    assert secret not in output and "pw-123" not in output


def test_production_without_a_jwt_secret_exits_2(tmp_path: Path) -> None:
    code, output = run(["serve"], tmp_path, HDUCE_ENVIRONMENT="production")
    assert code == 2
    assert "JWT_SECRET" in output


def test_version(tmp_path: Path) -> None:
    code, output = run(["version"], tmp_path)
    assert code == 0
    assert output.strip().endswith(__version__)

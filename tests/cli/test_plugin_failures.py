"""An extra plugin that fails, or clashes, as a user of the command line meets it.

One line naming the plugin and a non-zero exit when it stops `serve`; the built-in commands
keep working when its import or its `on_cli_init` fails, or when it adds a command `hduce` has.
"""

from pathlib import Path

import pytest

from tests.conftest import TEST_JWT_SECRET
from tests.e2e.test_cli_commands import run
from tests.support.processes import free_port

FAULTY = {"HDUCE_PLUGINS__EXTRA": '["tests.support.faulty_plugin:FaultyPlugin"]'}


def lines(output: str) -> list[str]:
    """The output's lines (a traceback would be many)."""
    return output.strip().splitlines()


@pytest.mark.parametrize("args", [["version"], ["--help"]])
def test_an_extra_plugin_failing_to_import_leaves_the_builtin_commands_working(
    tmp_path: Path, args: list[str]
) -> None:
    code, output = run(args, tmp_path, FAULTY_STAGE="import", **FAULTY)
    assert code == 0, output
    assert "Traceback" not in output, output


def test_config_check_names_the_plugin_that_fails_to_import(tmp_path: Path) -> None:
    code, output = run(["config", "check"], tmp_path, FAULTY_STAGE="import", **FAULTY)
    assert code == 2, output
    (line,) = lines(output)
    assert "cannot import 'tests.support.faulty_plugin:FaultyPlugin': RuntimeError:" in line


@pytest.mark.parametrize("args", [["version"], ["--help"], ["config", "show"]])
def test_an_on_cli_init_that_fails_leaves_out_only_that_plugins_commands(
    tmp_path: Path, args: list[str]
) -> None:
    code, output = run(args, tmp_path, FAULTY_STAGE="on_cli_init", **FAULTY)
    assert code == 0, output
    warnings = [line for line in lines(output) if line.startswith("hduce: warning:")]
    assert warnings == [
        "hduce: warning: plugin 'faulty' failed in on_cli_init(): RuntimeError: faulty exploded"
        " in on_cli_init: its commands are left out"
    ], output


def test_an_extra_plugins_command_never_replaces_a_builtin_one(tmp_path: Path) -> None:
    code, output = run(["backup", "--help"], tmp_path, FAULTY_STAGE="command_clash", **FAULTY)
    assert code == 0, output
    assert "Not a backup at all" not in output, output
    assert (
        "hduce: warning: plugin 'faulty' adds the command backup, which hduce already has:"
        " left out (rename the plugin's command)"
    ) in lines(output), output
    code, output = run(["faulty-hello"], tmp_path, FAULTY_STAGE="command_clash", **FAULTY)
    assert code == 0 and "hello from faulty" in output, output


@pytest.mark.parametrize(
    ("stage", "said"),
    [
        ("setup", "hduce: plugin 'faulty' failed in setup(): RuntimeError: faulty exploded"),
        ("routes", "hduce: plugin 'faulty' failed in route_handlers(): RuntimeError: faulty"),
        ("lifespan", "plugin 'faulty' failed in its lifespan: RuntimeError: faulty exploded"),
    ],
)
def test_serve_stops_in_one_line_naming_a_failing_plugin(
    tmp_path: Path, migrated: str, nats_url: str, stage: str, said: str
) -> None:
    code, output = run(
        ["serve", "--port", str(free_port()), "--no-worker"],
        tmp_path,
        FAULTY_STAGE=stage,
        DATABASE_URL=migrated,
        HDUCE_NATS__URL=nats_url,
        JWT_SECRET=TEST_JWT_SECRET,
        **FAULTY,
    )
    assert code != 0, output
    assert "Traceback" not in output, output
    assert len([line for line in lines(output) if said in line]) == 1, output


CLASHING = {"HDUCE_PLUGINS__EXTRA": '["tests.support.clashing_tables:ClashingTablesPlugin"]'}


def test_a_migration_that_fails_is_one_line_naming_it(tmp_path: Path, clinic_database: str) -> None:
    code, output = run(
        ["migrate"],
        tmp_path,
        DATABASE_URL=clinic_database,
        HDUCE_NATS__URL="nats://x:1",
        **CLASHING,
    )
    assert code == 1, output
    assert "Traceback" not in output, output
    assert lines(output)[-1] == (
        "hduce: migration clashing_tables/2026-12-22T00:00:00:000000 failed:"
        ' DuplicateTableError: relation "account" already exists'
    ), output


def test_a_piccolo_app_named_like_another_is_one_line_naming_the_plugin(
    tmp_path: Path, clinic_database: str
) -> None:
    code, output = run(
        ["migrate"],
        tmp_path,
        DATABASE_URL=clinic_database,
        HDUCE_NATS__URL="nats://x:1",
        CLASHING_APP_NAME="auth",
        **CLASHING,
    )
    assert code == 2, output
    (line,) = lines(output)
    assert "plugin 'clashing_tables'" in line and "'auth'" in line, output

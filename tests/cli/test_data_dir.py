"""A data_dir no command can use stops every command that needs it with one line naming it."""

from pathlib import Path

import pytest

from tests.cli.test_config_errors import one_line
from tests.e2e.test_cli_commands import run


def unusable_data_dirs(tmp_path: Path) -> list[tuple[str, str]]:
    """Data dirs no command can use, and the reason the system gives."""
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    return [
        (str(a_file), "Not a directory"),
        (str(a_file / "below"), "Not a directory"),
        ("/proc/hduce", "No such file or directory"),  # /proc takes no new folders
        ("/sys", "Permission denied"),  # read-only to every user, root too
    ]


@pytest.mark.parametrize("command", [["serve"], ["worker"], ["migrate"], ["user", "list"]])
def test_an_unusable_data_dir_is_one_line_naming_it(tmp_path: Path, command: list[str]) -> None:
    for data_dir, reason in unusable_data_dirs(tmp_path):
        code, output = run(command, tmp_path, HDUCE_DATA_DIR=data_dir)
        assert code == 2, output
        line = one_line(output)
        assert line.startswith(f"hduce: config error: HDUCE_DATA_DIR: `data_dir` {data_dir}"), line
        assert reason in line, line


def test_an_unusable_data_dir_with_a_signing_secret_and_external_database_is_one_line(
    tmp_path: Path, migrated: str, nats_url: str
) -> None:
    code, output = run(
        ["serve"],
        tmp_path,
        HDUCE_DATA_DIR="/sys",
        JWT_SECRET="x" * 40,
        DATABASE_URL=migrated,
        HDUCE_NATS__URL=nats_url,
    )
    assert code == 2, output
    assert "`data_dir` /sys" in one_line(output)

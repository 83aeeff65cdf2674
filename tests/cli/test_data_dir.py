"""A data_dir no command can use stops every command that needs it with one line naming it."""

from pathlib import Path

import pytest

from hduce.runtime import free_port
from tests.cli.test_config_errors import one_line
from tests.e2e.test_cli_commands import run
from tests.support.scratch import scratch_dir


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


def mode(path: Path) -> int:
    """The permission bits of `path`."""
    return path.stat().st_mode & 0o777


def test_a_new_data_dir_is_only_its_owners(tmp_path: Path) -> None:
    # Seen: created 0755, and opened to 0755 again by every start of the embedded PostgreSQL
    # as root: anyone on the machine could list the clinic's database, documents and secret.
    # Straight under /tmp: each pytest session makes pytest's folders private again, while as
    # root the embedded PostgreSQL's own user must pass through every folder above its data.
    data_dir = Path(scratch_dir("hduce-data-dir-")) / "data"
    code, output = run(["migrate"], tmp_path, HDUCE_DATA_DIR=str(data_dir))
    assert code == 0, output
    # That user passes through it (0711, as root), and may not list it.
    assert mode(data_dir) in (0o700, 0o711), oct(mode(data_dir))

    code, output = run(["worker"], tmp_path, **unreachable_services())
    assert code == 1, output
    assert mode(tmp_path / "data") == 0o700, "made by HDuce alone"


def unreachable_services() -> dict[str, str]:
    """A signing secret, and a database and NATS nobody listens on (the command stops there)."""
    database = f"postgresql://hduce@127.0.0.1:{free_port()}/hduce"
    return {"JWT_SECRET": "x" * 40, "DATABASE_URL": database, "HDUCE_NATS__URL": "nats://x:1"}


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_a_data_dir_others_may_read_is_a_warning_at_start(tmp_path: Path, command: str) -> None:
    data_dir = tmp_path / "open"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    code, output = run([command], tmp_path, HDUCE_DATA_DIR=str(data_dir), **unreachable_services())
    assert code == 1, output  # a warning, not a refusal: it stops at the database
    (line,) = [line for line in output.splitlines() if "chmod" in line]
    assert f"data_dir {data_dir} " in line and f"`chmod 700 {data_dir}`" in line, line
    assert mode(data_dir) == 0o755, "the operator's folder is left as it is"

"""`hduce --help` says where the config comes from."""

import pytest
from click.testing import CliRunner

from hduce.cli import hduce


def test_help_names_hduce_config_and_the_default_file() -> None:
    result = CliRunner().invoke(hduce, ["--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.replace("│", " ").split())
    assert "--config FILE Config file (default: $HDUCE_CONFIG, else ./hduce.toml)." in words


@pytest.mark.parametrize(
    "arguments",
    [
        ["user", "list", "--limit", "-1"],
        ["user", "list", "--limit", "0"],
        ["worker", "--concurrency", "-1"],
        ["worker", "--concurrency", "0"],
    ],
)
def test_a_count_below_one_is_a_usage_error(arguments: list[str]) -> None:
    """Seen: `user list --limit -1` ended in asyncpg's LIMIT traceback; a worker took -1."""
    result = CliRunner().invoke(hduce, arguments, terminal_width=200)
    assert result.exit_code == 2, result.output
    assert "Invalid value for" in result.output and "Traceback" not in result.output

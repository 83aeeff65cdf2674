"""`hduce --help` says where the config comes from."""

from click.testing import CliRunner

from hduce.cli import hduce


def test_help_names_hduce_config_and_the_default_file() -> None:
    result = CliRunner().invoke(hduce, ["--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.replace("│", " ").split())
    assert "--config FILE Config file (default: $HDUCE_CONFIG, else ./hduce.toml)." in words

"""`hduce config show` masks every secret the settings declare, whatever its shape."""

from pathlib import Path

import msgspec

from hduce.core.config.sources import SECRET_KEYS, environment_name
from tests.e2e.test_cli_commands import run

PREVIOUS = ("auth", "jwt_previous_secrets")


def secret_value(path: tuple[str, ...]) -> str:
    """A distinctive value for the secret at `path` (URLs carry theirs as the password)."""
    word = "-".join(path) + "-s3cr3t"
    if path[-1] == "url":
        return f"smtp://mailer:{word}@relay.example:587"
    return f'["{word}-1", "{word}-2"]' if path == PREVIOUS else word


def test_config_show_masks_every_declared_secret_including_previous_signing_keys(
    tmp_path: Path,
) -> None:
    environment = {environment_name(path): secret_value(path) for path in SECRET_KEYS}
    code, output = run(["config", "show"], tmp_path, **environment)
    assert code == 0, output
    assert "s3cr3t" not in output, output
    shown = msgspec.json.decode(output[output.index("{") :])
    assert shown["auth"]["jwt_previous_secrets"] == ["********", "********"]
    email = shown["plugins"]["notifications"]["email"]
    assert email["password"] == "********"
    assert email["url"] == "smtp://mailer:********@relay.example:587"

"""`hduce config show` masks every secret the settings declare, and lists the plugins that run."""

from pathlib import Path

import msgspec
from examples.opening_hours import OpeningHoursPlugin

from hduce.bootstrap import BUILTIN_PLUGINS
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


def test_config_show_lists_the_plugins_serve_loads_in_their_load_order(tmp_path: Path) -> None:
    """`enabled` was `null` (meaning "every built-in"): it is now the built-ins that run."""
    extra = '["examples.opening_hours:OpeningHoursPlugin"]'
    code, output = run(["config", "show"], tmp_path, HDUCE_PLUGINS__EXTRA=extra)
    assert code == 0, output
    plugins = msgspec.json.decode(output[output.index("{") :])["plugins"]
    assert sorted(plugins["enabled"]) == sorted(BUILTIN_PLUGINS)
    assert sorted(plugins["load_order"]) == sorted([*BUILTIN_PLUGINS, "opening_hours"])
    assert [name for name in plugins["load_order"] if name != "opening_hours"] == plugins["enabled"]
    for position, name in enumerate(plugins["load_order"]):
        loaded = BUILTIN_PLUGINS.get(name, OpeningHoursPlugin)
        assert set(loaded.requires) <= set(plugins["load_order"][:position]), (name, plugins)


def test_config_show_lists_only_the_enabled_built_ins(tmp_path: Path) -> None:
    enabled = '["users", "auth", "audit", "metrics"]'
    code, output = run(["config", "show"], tmp_path, HDUCE_PLUGINS__ENABLED=enabled)
    assert code == 0, output
    plugins = msgspec.json.decode(output[output.index("{") :])["plugins"]
    assert plugins["enabled"] == plugins["load_order"]
    assert plugins["enabled"].index("auth") < plugins["enabled"].index("users")
    assert sorted(plugins["enabled"]) == ["audit", "auth", "metrics", "users"]

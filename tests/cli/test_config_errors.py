"""Start-up and config mistakes as a user meets them: one line, a non-zero exit, no traceback;
`hduce config show` validates and shows what `serve` would use."""

from pathlib import Path

import msgspec
import pytest

from tests.e2e.test_cli_commands import run


def one_line(output: str) -> str:
    """The only line of `output` (a traceback would be many)."""
    (line,) = output.strip().splitlines()
    return line


def test_a_config_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "latin1.toml"
    config.write_bytes('environment = "development"\n# caf\xe9\n'.encode("latin-1"))
    code, output = run(["--config", str(config), "config", "show"], tmp_path)
    assert code == 2, output
    assert one_line(output).startswith(f"hduce: config error: {config}: not UTF-8"), output


@pytest.mark.parametrize(
    ("environment", "line"),
    [
        ({"HDUCE_SERVER__PORT": "99999"}, "HDUCE_SERVER__PORT: `server.port`: expected `int`"),
        (
            {"HDUCE_PLUGINS__DEVICES__PORT": "70000"},
            "HDUCE_PLUGINS__DEVICES__PORT: `plugins.devices.port`: expected `int` <= 65535",
        ),
        (
            {"HDUCE_DATABASE__POOL_MIN_SIZE": "20", "HDUCE_DATABASE__POOL_MAX_SIZE": "5"},
            "HDUCE_DATABASE__POOL_MIN_SIZE: `database`: `pool_min_size` (20) is above",
        ),
    ],
)
def test_serve_refuses_numbers_out_of_range_in_one_line(
    tmp_path: Path, environment: dict[str, str], line: str
) -> None:
    code, output = run(["serve"], tmp_path, **environment)
    assert code == 2, output
    assert one_line(output).startswith(f"hduce: config error: {line}"), output


@pytest.mark.parametrize(
    ("environment", "line"),
    [
        (
            {"HDUCE_PLUGINS__DEVICES__PORT": "abc"},
            "HDUCE_PLUGINS__DEVICES__PORT: `plugins.devices.port`: expected `int`",
        ),
        (
            {"HDUCE_PLUGINS__WEB__SECURE_COOKIES": "maybe"},
            "HDUCE_PLUGINS__WEB__SECURE_COOKIES: `plugins.web.secure_cookies`",
        ),
    ],
)
def test_a_bad_plugin_key_names_the_variable_that_set_it(
    tmp_path: Path, environment: dict[str, str], line: str
) -> None:
    for command in (["config", "check"], ["config", "show"]):
        code, output = run(command, tmp_path, **environment)
        assert code == 2, output
        assert one_line(output).startswith(f"hduce: config error: {line}"), output


def test_a_bad_plugin_key_in_the_file_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "hduce.toml"
    config.write_text('environment = "development"\n[plugins.devices]\nport = "abc"\n')
    code, output = run(["--config", str(config), "config", "check"], tmp_path)
    assert code == 2, output
    assert one_line(output).startswith(f"hduce: config error: {config}: `plugins.devices.port`")


@pytest.mark.parametrize(
    ("environment", "words"),
    [
        ({"HDUCE_PLUGINS__ENABLED": '["nope"]'}, "unknown plugin 'nope'"),
        ({"HDUCE_PLUGINS__NOPE__X": "1"}, "unknown key `plugins.nope`"),
    ],
)
def test_config_show_refuses_plugin_settings_serve_refuses(
    tmp_path: Path, environment: dict[str, str], words: str
) -> None:
    code, output = run(["config", "show"], tmp_path, **environment)
    assert code == 2, output
    assert words in one_line(output), output


@pytest.mark.parametrize(
    ("environment", "line"),
    [
        ({"HDUCE_SERVRE__PORT": "5"}, "HDUCE_SERVRE__PORT: unknown key `servre`"),
        (
            {"HDUCE_PLUGINS__SERACH__X": "1"},
            "HDUCE_PLUGINS__SERACH__X: unknown key `plugins.serach`: no such plugin",
        ),
        (
            {"HDUCE_PLUGINS__ENABLED": '["nope"]'},
            "HDUCE_PLUGINS__ENABLED: `plugins.enabled`: unknown plugin 'nope'",
        ),
        (
            {"HDUCE_PLUGINS__EXTRA": '["no_such_module:Plugin"]'},
            "HDUCE_PLUGINS__EXTRA: `plugins.extra`: cannot import 'no_such_module:Plugin'",
        ),
    ],
)
def test_a_plugin_mistake_from_the_environment_names_the_variable_not_the_file(
    tmp_path: Path, environment: dict[str, str], line: str
) -> None:
    config = tmp_path / "t.toml"
    config.write_text('environment = "development"\n')
    code, output = run(["--config", str(config), "config", "show"], tmp_path, **environment)
    assert code == 2, output
    assert one_line(output).startswith(f"hduce: config error: {line}"), output


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[plugins.serach]\nx = 1\n", "unknown key `plugins.serach`: no such plugin"),
        ('[plugins]\nenabled = ["nope"]\n', "`plugins.enabled`: unknown plugin 'nope'"),
    ],
)
def test_a_plugin_mistake_in_the_file_names_the_file(tmp_path: Path, text: str, words: str) -> None:
    config = tmp_path / "t.toml"
    config.write_text('environment = "development"\n' + text)
    code, output = run(["--config", str(config), "config", "show"], tmp_path)
    assert code == 2, output
    assert one_line(output).startswith(f"hduce: config error: {config}: {words}"), output


def test_config_show_prints_each_plugins_config_with_its_defaults_and_secrets_masked(
    tmp_path: Path,
) -> None:
    code, output = run(
        ["config", "show"],
        tmp_path,
        HDUCE_PLUGINS__SEARCH__MEILISEARCH_API_KEY="meili-key-789",
        HDUCE_PLUGINS__METRICS__HEALTH_TOKEN="health-token-456",
    )
    assert code == 0, output
    plugins = msgspec.json.decode(output[output.index("{") :])["plugins"]
    assert "sections" not in plugins
    assert plugins["devices"]["port"] == 0  # config/test.toml
    assert plugins["devices"]["max_connections"] == 1000  # a default
    assert plugins["auth"]["password_min_length"] == 12
    assert plugins["search"]["meilisearch_api_key"] == "********"
    assert plugins["metrics"]["health_token"] == "********"
    assert "meili-key-789" not in output and "health-token-456" not in output


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "[plugins.devices.thresholds]\nheartrate = { above = 100 }\n",
            "`plugins.devices`: `thresholds`: unknown metric 'heartrate' "
            "(known: diastolic, glucose, heart_rate, ",
        ),
        (
            "[plugins.devices.ranges]\nheartrate = { min = 20, max = 300 }\n",
            "`plugins.devices`: `ranges`: unknown metric 'heartrate' "
            "(known: diastolic, glucose, heart_rate, ",
        ),
        (
            "[plugins.devices.thresholds]\nheart_rate = { above = 400 }\n",
            "`plugins.devices`: `thresholds.heart_rate.above` (400) is outside heart_rate's range "
            "10..350: it could never alert",
        ),
        (
            "[plugins.devices.ranges]\nspo2 = { min = 50, max = 100 }\n"
            "[plugins.devices.thresholds]\nspo2 = { below = 40.5 }\n",
            "`plugins.devices`: `thresholds.spo2.below` (40.5) is outside spo2's range 50..100",
        ),
    ],
)
def test_a_devices_metric_misspelt_or_a_bound_that_never_alerts_is_refused(
    tmp_path: Path, text: str, words: str
) -> None:
    # `heartrate` (for heart_rate) was accepted and did nothing; so was a bound beyond the
    # readings a sensor may send.
    config = tmp_path / "t.toml"
    config.write_text('environment = "development"\n' + text)
    for command in (["config", "show"], ["serve"]):
        code, output = run(["--config", str(config), *command], tmp_path)
        assert code == 2, output
        assert one_line(output).startswith(f"hduce: config error: {config}: {words}"), output


@pytest.mark.parametrize("command", [["config", "check"], ["worker"]])
def test_a_task_stream_age_under_the_duplicate_window_is_a_config_error(
    tmp_path: Path, command: list[str], migrated: str, nats_url: str
) -> None:
    """Regression: `config check` accepted 30s and the start then failed with a NATS error."""
    code, output = run(
        command,
        tmp_path,
        DATABASE_URL=migrated,
        HDUCE_NATS__URL=nats_url,
        HDUCE_NATS__TASKS_MAX_AGE="30s",
    )
    assert code == 2, output
    line = one_line(output)
    assert line.startswith(
        "hduce: config error: HDUCE_NATS__TASKS_MAX_AGE: `nats`: `tasks_max_age` must be at "
        "least 2m"
    ), output

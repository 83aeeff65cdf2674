"""Values `load_settings` refuses in one line naming the key and where it was set: files it
cannot read, numbers out of range, addresses that are none."""

from pathlib import Path

import pytest

from hduce.core.config import ConfigError, Section, Settings, decode_section, load_settings
from hduce.plugins.devices.config import DevicesConfig
from hduce.plugins.notifications.config import NotificationsConfig
from tests.core.test_config import _empty_cwd, config_error  # noqa: F401 (an autouse fixture)

DEV = 'environment = "development"\n'


def load(**environ: str) -> Settings:
    return load_settings(environ={"HDUCE_ENVIRONMENT": "development", **environ})


# --- files it cannot read ---------------------------------------------------------------------


def test_a_file_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(DEV.encode() + "# café\n".encode("latin-1"))
    message = config_error(path)
    assert message.startswith(f"{path}: ") and "UTF-8" in message, message


def test_a_file_that_cannot_be_read_names_the_file_and_the_reason() -> None:
    # A regular file whose reading fails (EIO) even for root, as a failing disk would.
    message = config_error(Path("/proc/self/mem"))
    assert message.startswith("/proc/self/mem: ") and "Input/output error" in message, message


# --- numbers out of range ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "key"),
    [
        ("HDUCE_SERVER__PORT", "99999", "server.port"),
        ("HDUCE_SERVER__PORT", "-1", "server.port"),
        ("HDUCE_NATS__PORT", "65536", "nats.port"),
        ("HDUCE_DATABASE__POOL_MAX_SIZE", "0", "database.pool_max_size"),
        ("HDUCE_DATABASE__POOL_MIN_SIZE", "-1", "database.pool_min_size"),
        ("HDUCE_WORKER__CONCURRENCY", "0", "worker.concurrency"),
        ("HDUCE_OUTBOX__BATCH_SIZE", "0", "outbox.batch_size"),
        ("HDUCE_NATS__MAX_ATTEMPTS", "0", "nats.max_attempts"),
        ("HDUCE_SERVER__REQUEST_MAX_BODY_SIZE", "0", "server.request_max_body_size"),
    ],
)
def test_a_number_out_of_range_names_the_key_and_its_variable(
    name: str, value: str, key: str
) -> None:
    message = config_error(**{"HDUCE_ENVIRONMENT": "development", name: value})
    assert message.startswith(f"{name}: `{key}`: expected `int` "), message


def test_a_port_out_of_range_in_the_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "hduce.toml"
    path.write_text(DEV + "[server]\nport = 70000\n", encoding="utf-8")
    message = config_error(path)
    assert message.startswith(f"{path}: `server.port`: expected `int` <= 65535"), message


def test_a_pool_smaller_at_least_than_at_most_is_refused() -> None:
    message = config_error(
        HDUCE_ENVIRONMENT="development",
        HDUCE_DATABASE__POOL_MIN_SIZE="20",
        HDUCE_DATABASE__POOL_MAX_SIZE="5",
    )
    assert message.startswith("HDUCE_DATABASE__POOL_MIN_SIZE: `database`: "), message
    assert "`pool_min_size` (20)" in message and "`pool_max_size` (5)" in message


def test_ports_and_sizes_at_their_bounds_load() -> None:
    settings = load(
        HDUCE_SERVER__PORT="65535", HDUCE_NATS__PORT="0", HDUCE_DATABASE__POOL_MIN_SIZE="0"
    )
    assert (settings.server.port, settings.nats.port) == (65535, 0)
    assert settings.database.pool_min_size == 0


@pytest.mark.parametrize(
    ("kind", "raw", "key", "bound"),
    [
        (DevicesConfig, {"port": 70000}, "port", "<= 65535"),
        (DevicesConfig, {"ws_port": -2}, "ws_port", ">= -1"),
        (DevicesConfig, {"batch_size": 0}, "batch_size", ">= 1"),
        (NotificationsConfig, {"email": {"port": -1}}, "email.port", ">= 0"),
        (NotificationsConfig, {"send_concurrency": 0}, "send_concurrency", ">= 1"),
    ],
)
def test_plugin_ports_and_sizes_are_bounded(
    kind: type[Section], raw: dict[str, object], key: str, bound: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        decode_section(raw, kind, origin="hduce.toml", prefix="plugins.p")
    assert str(caught.value) == f"hduce.toml: `plugins.p.{key}`: expected `int` {bound}"


def test_an_optional_listener_may_be_off() -> None:
    assert decode_section({"ws_port": -1}, DevicesConfig, origin="").ws_port == -1


# --- where a key was set ----------------------------------------------------------------------


def test_an_item_of_a_list_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    path = tmp_path / "hduce.toml"
    path.write_text(DEV, encoding="utf-8")
    message = config_error(path, HDUCE_PLUGINS__EXTRA="[1]")
    assert message.startswith("HDUCE_PLUGINS__EXTRA: `plugins.extra[0]`"), message


# --- trusted proxies --------------------------------------------------------------------------


@pytest.mark.parametrize("proxy", ["not-an-ip", "10.0.0.300", "localhost"])
def test_a_trusted_proxy_that_is_no_address_is_refused(proxy: str) -> None:
    message = config_error(
        HDUCE_ENVIRONMENT="development", HDUCE_SERVER__TRUSTED_PROXIES=f'["{proxy}"]'
    )
    assert message.startswith("HDUCE_SERVER__TRUSTED_PROXIES: `server`: "), message
    assert repr(proxy) in message


def test_trusted_proxies_take_addresses_networks_and_the_wildcard() -> None:
    proxies = '["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "*"]'
    settings = load(HDUCE_SERVER__TRUSTED_PROXIES=proxies)
    assert settings.server.trusted_proxies == ("127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "*")


def test_a_stream_age_under_the_duplicate_window_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hduce.toml"
    path.write_text(DEV + '[nats]\nevents_max_age = "119s"\n', encoding="utf-8")
    message = config_error(path)
    assert message.startswith(f"{path}: `nats`: `events_max_age` must be at least 2m"), message
    assert "HDUCE_NATS__EVENTS_MAX_AGE" in message and "got 119s" in message
    assert load(HDUCE_NATS__TASKS_MAX_AGE="2m").nats.tasks_max_age == 120

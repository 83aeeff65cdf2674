"""`load_settings`: defaults < TOML file < environment, and one clear line per mistake."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from hduce.core.config import (
    ConfigError,
    Duration,
    Settings,
    load_settings,
    masked_settings,
)
from tests.conftest import TEST_JWT_SECRET

SECRET = TEST_JWT_SECRET
DEV = 'environment = "development"\n'


@pytest.fixture
def write_toml(tmp_path: Path) -> Callable[..., Path]:
    """Write a TOML file under tmp_path and return its path."""

    def write(text: str, name: str = "hduce.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(autouse=True)
def _empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the repository's own ./hduce.toml out of every test."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)


def load(path: Path | None = None, **environ: str) -> Settings:
    return load_settings(config_file=str(path) if path else None, environ=environ)


def config_error(path: Path | None = None, **environ: str) -> str:
    """Load, expect a ConfigError and return its message (which must be one line)."""
    with pytest.raises(ConfigError) as caught:
        load(path, **environ)
    message = str(caught.value)
    assert "\n" not in message, message
    assert message.strip() == message and message
    return message


# --- where the values come from ---------------------------------------------------------------


def test_defaults_without_file_or_environment() -> None:
    settings = load(JWT_SECRET=SECRET)
    defaults = Settings()
    expected = msgspec.structs.replace(
        defaults,
        auth=msgspec.structs.replace(defaults.auth, jwt_secret=SECRET),
        server=msgspec.structs.replace(defaults.server, public_url="http://127.0.0.1:8000"),
    )
    assert settings == expected
    assert settings.environment == "production"
    assert settings.server.port == 8000


def test_file_beats_defaults(write_toml: Callable[..., Path]) -> None:
    path = write_toml(DEV + '[server]\nport = 9000\nhost = "0.0.0.0"\n')
    settings = load(path)
    assert settings.server.port == 9000
    assert settings.server.host == "0.0.0.0"
    assert settings.server.request_max_body_size == Settings().server.request_max_body_size


def test_environment_beats_file_and_keeps_the_rest_of_the_section(
    write_toml: Callable[..., Path],
) -> None:
    path = write_toml(DEV + '[server]\nport = 9000\nhost = "0.0.0.0"\n')
    settings = load(path, HDUCE_SERVER__PORT="9100")
    assert settings.server.port == 9100
    assert settings.server.host == "0.0.0.0"


def test_environment_beats_defaults_for_top_level_keys() -> None:
    settings = load(HDUCE_ENVIRONMENT="development", HDUCE_DATA_DIR="/srv/hduce")
    assert settings.environment == "development"
    assert settings.data_dir == "/srv/hduce"


def test_environment_values_are_converted_to_field_types() -> None:
    settings = load(
        HDUCE_ENVIRONMENT="development",
        HDUCE_WORKER__EMBEDDED="false",
        HDUCE_WORKER__CONCURRENCY="3",
        HDUCE_OUTBOX__POLL_INTERVAL="250ms",
        HDUCE_NATS__ACK_WAIT="10m",
    )
    assert settings.worker.embedded is False
    assert settings.worker.concurrency == 3
    assert settings.outbox.poll_interval == pytest.approx(0.25)
    assert settings.nats.ack_wait == 600
    assert isinstance(settings.nats.ack_wait, Duration)


def test_seed_names() -> None:
    settings = load(
        HDUCE_ENVIRONMENT="development",
        DATABASE_URL="postgresql://clinic:pw@db:5432/hduce",
        JWT_SECRET=SECRET,
        JWT_ALGORITHM="HS512",
        TOKEN_EXPIRY="30m",
        LOG_LEVEL="DEBUG",
        DEBUG="true",
    )
    assert settings.database.url == "postgresql://clinic:pw@db:5432/hduce"
    assert settings.auth.jwt_secret == SECRET
    assert settings.auth.jwt_algorithm == "HS512"
    assert settings.auth.token_expiry == 1800
    assert isinstance(settings.auth.token_expiry, Duration)
    assert settings.logging.level == "DEBUG"
    assert settings.debug is True


@pytest.mark.parametrize(
    ("written", "seconds"),
    [("30m", 1800), ("24h", 86400), ("45s", 45), ("7d", 604800), ("90", 90), ("1.5h", 5400)],
)
def test_token_expiry_durations(written: str, seconds: float) -> None:
    settings = load(HDUCE_ENVIRONMENT="development", TOKEN_EXPIRY=written)
    assert settings.auth.token_expiry == seconds


def test_durations_in_the_file(write_toml: Callable[..., Path]) -> None:
    path = write_toml(DEV + '[auth]\ntoken_expiry = "24h"\n[outbox]\npoll_interval = 2\n')
    settings = load(path)
    assert settings.auth.token_expiry == 86400
    assert settings.outbox.poll_interval == 2


def test_seed_name_beats_file(write_toml: Callable[..., Path]) -> None:
    path = write_toml(DEV + '[logging]\nlevel = "WARNING"\n[auth]\ntoken_expiry = "1h"\n')
    settings = load(path, LOG_LEVEL="ERROR", TOKEN_EXPIRY="5m")
    assert settings.logging.level == "ERROR"
    assert settings.auth.token_expiry == 300


@pytest.mark.parametrize(("value", "expected"), [("false", False), ("0", False), ("1", True)])
def test_debug_seed_name_parses_booleans(value: str, expected: bool) -> None:
    assert load(HDUCE_ENVIRONMENT="development", DEBUG=value).debug is expected


def test_json_lists_from_the_environment() -> None:
    settings = load(
        HDUCE_ENVIRONMENT="development",
        HDUCE_PLUGINS__ENABLED='["metrics"]',
        HDUCE_PLUGINS__EXTRA='["some.module:Plugin"]',
    )
    assert settings.plugins.enabled == ("metrics",)
    assert settings.plugins.extra == ("some.module:Plugin",)
    assert load(HDUCE_ENVIRONMENT="development", HDUCE_PLUGINS__ENABLED="[]").plugins.enabled == ()


def test_plugin_sections_land_in_plugins_sections(write_toml: Callable[..., Path]) -> None:
    path = write_toml(
        DEV
        + '[plugins]\nenabled = ["metrics"]\n'
        + '[plugins.metrics]\ncheck_timeout = "5s"\nmax_task_lag = 50\n'
    )
    settings = load(path, HDUCE_PLUGINS__METRICS__MAX_TASK_LAG="70")
    assert settings.plugins.enabled == ("metrics",)
    assert settings.plugins.sections == {"metrics": {"check_timeout": "5s", "max_task_lag": "70"}}


def test_plugin_section_from_the_environment_alone() -> None:
    settings = load(HDUCE_ENVIRONMENT="development", HDUCE_PLUGINS__METRICS__CHECK_TIMEOUT="3s")
    assert settings.plugins.sections == {"metrics": {"check_timeout": "3s"}}
    assert settings.plugins.enabled == Settings().plugins.enabled


def test_hduce_config_selects_the_file(write_toml: Callable[..., Path]) -> None:
    path = write_toml(DEV + "[server]\nport = 9001\n", name="chosen.toml")
    settings = load_settings(environ={"HDUCE_CONFIG": str(path)})
    assert settings.server.port == 9001


def test_explicit_file_beats_hduce_config(write_toml: Callable[..., Path]) -> None:
    chosen = write_toml(DEV + "[server]\nport = 9002\n", name="explicit.toml")
    other = write_toml(DEV + "[server]\nport = 9003\n", name="other.toml")
    settings = load_settings(config_file=str(chosen), environ={"HDUCE_CONFIG": str(other)})
    assert settings.server.port == 9002


def test_hduce_toml_in_the_working_directory_is_the_default() -> None:
    Path("hduce.toml").write_text(DEV + "[server]\nport = 9004\n", encoding="utf-8")
    assert load_settings(environ={}).server.port == 9004


def test_settings_are_frozen() -> None:
    settings = load(HDUCE_ENVIRONMENT="development")
    with pytest.raises(AttributeError):
        settings.server.port = 1  # type: ignore[misc]


# --- mistakes: one line, naming the key -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[server]\nbogus = 1\n", "server.bogus"),
        ("colour = 1\n", "colour"),
        ("[nats]\nuri = 'nats://x'\n", "nats.uri"),
        ("[sever]\nport = 1\n", "sever"),
    ],
)
def test_unknown_key_in_file(write_toml: Callable[..., Path], text: str, key: str) -> None:
    message = config_error(write_toml(DEV + text))
    assert f"unknown key `{key}`" in message


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("HDUCE_SERVER__BOGUS", "server.bogus"),
        ("HDUCE_COLOUR", "colour"),
        ("HDUCE_NATS__URI", "nats.uri"),
    ],
)
def test_unknown_key_in_environment(name: str, key: str) -> None:
    message = config_error(HDUCE_ENVIRONMENT="development", **{name: "1"})
    assert f"unknown key `{key}`" in message


def test_error_from_environment_names_the_variable_not_the_file(
    write_toml: Callable[..., Path],
) -> None:
    path = write_toml(DEV + "[server]\nport = 9000\n")
    message = config_error(path, HDUCE_SERVER__PORT="ninety")
    assert "server.port" in message
    # The file is fine; blaming it sends the operator to the wrong place.
    assert "HDUCE_SERVER__PORT" in message
    assert str(path) not in message


@pytest.mark.parametrize(
    ("environ", "line"),
    [
        # Deeper than the unknown key `servre` itself.
        ({"HDUCE_SERVRE__PORT": "5"}, "HDUCE_SERVRE__PORT: unknown key `servre`"),
        # Deeper than `server.port`, which it turns into a table.
        (
            {"HDUCE_SERVER__PORT__X": "1"},
            "HDUCE_SERVER__PORT__X: `server.port`: expected `int`, got `object`",
        ),
    ],
)
@pytest.mark.parametrize("with_file", [True, False], ids=["empty-file", "no-file"])
def test_a_variable_deeper_than_the_bad_key_is_named(
    write_toml: Callable[..., Path], environ: dict[str, str], line: str, with_file: bool
) -> None:
    path = write_toml("") if with_file else None
    message = config_error(path, HDUCE_ENVIRONMENT="development", **environ)
    assert message.startswith(line), message


def test_a_variable_beside_the_bad_key_is_not_blamed(write_toml: Callable[..., Path]) -> None:
    path = write_toml(DEV + '[server]\nport = "eighty"\n')
    message = config_error(path, HDUCE_SERVER__HOST="0.0.0.0", HDUCE_SERVER__PORTS__X="1")
    assert message.startswith(f"{path}: `server.port`"), message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[server]\nport = "eighty"\n', "server.port"),
        ("[worker]\nembedded = 3\n", "worker.embedded"),
        ("server = 5\n", "server"),
        ('[logging]\nlevel = "LOUD"\n', "logging.level"),
        ('[plugins]\nenabled = "metrics"\n', "plugins.enabled"),
    ],
)
def test_bad_type_in_file(write_toml: Callable[..., Path], text: str, key: str) -> None:
    message = config_error(write_toml(DEV + text))
    assert f"`{key}`" in message


@pytest.mark.parametrize(
    ("environ", "key"),
    [
        ({"HDUCE_SERVER__PORT": "eighty"}, "server.port"),
        ({"LOG_LEVEL": "verbose"}, "logging.level"),
        ({"DEBUG": "maybe"}, "debug"),
        ({"HDUCE_PLUGINS__EXTRA": "[1]"}, "plugins.extra"),
    ],
)
def test_bad_type_in_environment(environ: dict[str, str], key: str) -> None:
    message = config_error(HDUCE_ENVIRONMENT="development", **environ)
    assert f"`{key}" in message


@pytest.mark.parametrize("written", ["forever", "3x", "m30", "-5s", "1 week"])
def test_bad_duration_in_environment(written: str) -> None:
    message = config_error(HDUCE_ENVIRONMENT="development", TOKEN_EXPIRY=written)
    assert "`auth.token_expiry`" in message
    assert repr(written) in message


@pytest.mark.parametrize("written", ['"3x"', "-5", "true", "[1]"])
def test_bad_duration_in_file(write_toml: Callable[..., Path], written: str) -> None:
    message = config_error(write_toml(DEV + f"[outbox]\npoll_interval = {written}\n"))
    assert "`outbox.poll_interval`" in message


@pytest.mark.parametrize("value", ['"a-file-secret"', '""'])
def test_jwt_secret_in_file_is_rejected(write_toml: Callable[..., Path], value: str) -> None:
    path = write_toml(DEV + f"[auth]\njwt_secret = {value}\n")
    message = config_error(path, JWT_SECRET=SECRET)
    assert "`auth.jwt_secret`" in message
    assert "environment" in message
    assert "a-file-secret" not in message


@pytest.mark.parametrize(
    ("table", "key", "variable"),
    [
        ("plugins.notifications.email", "url", "SMTP_URL"),
        (
            "plugins.notifications.email",
            "password",
            "HDUCE_PLUGINS__NOTIFICATIONS__EMAIL__PASSWORD",
        ),
        (
            "plugins.notifications.sms",
            "auth_header",
            "HDUCE_PLUGINS__NOTIFICATIONS__SMS__AUTH_HEADER",
        ),
    ],
)
def test_notification_secrets_in_file_are_rejected(
    write_toml: Callable[..., Path], table: str, key: str, variable: str
) -> None:
    message = config_error(write_toml(DEV + f'[{table}]\n{key} = "file-held-secret"\n'))
    assert f"`{table}.{key}`" in message
    assert variable in message
    assert "file-held-secret" not in message


def test_notification_secrets_come_from_the_environment(write_toml: Callable[..., Path]) -> None:
    path = write_toml(DEV + '[plugins.notifications.email]\nhost = "relay"\n')
    settings = load(
        path,
        SMTP_URL="smtp://clinic:pa%40ss@mail.example:2525",
        SMTP_FROM="Clinic <noreply@clinic.example>",
        HDUCE_PLUGINS__NOTIFICATIONS__EMAIL__PASSWORD="pw-from-env",
        HDUCE_PLUGINS__NOTIFICATIONS__SMS__AUTH_HEADER="Basic abc",
    )
    section = settings.plugins.sections["notifications"]
    assert section["email"] == {
        "host": "relay",
        "url": "smtp://clinic:pa%40ss@mail.example:2525",
        "from_address": "Clinic <noreply@clinic.example>",
        "password": "pw-from-env",
    }
    assert section["sms"] == {"auth_header": "Basic abc"}


def test_smtp_from_beats_the_file(write_toml: Callable[..., Path]) -> None:
    path = write_toml(DEV + '[plugins.notifications.email]\nfrom_address = "file@clinic"\n')
    settings = load(path, SMTP_FROM="env@clinic")
    assert settings.plugins.sections["notifications"]["email"]["from_address"] == "env@clinic"


def test_templates_dir_variable_is_not_a_setting() -> None:
    settings = load(HDUCE_ENVIRONMENT="development", HDUCE_TEMPLATES_DIR="/srv/templates")
    assert "templates_dir" not in msgspec.structs.asdict(settings)


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"JWT_SECRET": ""},
        {"JWT_SECRET": "changeme"},
        {"JWT_SECRET": "CHANGEME"},
        {"JWT_SECRET": "secret"},
        {"JWT_SECRET": "x" * 31},
        {"JWT_SECRET": "x" * 32},
    ],
    ids=["missing", "empty", "placeholder", "placeholder-upper", "secret", "short", "one-letter"],
)
def test_production_needs_a_real_jwt_secret(environ: dict[str, str]) -> None:
    message = config_error(HDUCE_ENVIRONMENT="production", **environ)
    assert "`auth.jwt_secret`" in message
    assert "x" * 31 not in message


def test_production_accepts_a_long_random_secret() -> None:
    settings = load(HDUCE_ENVIRONMENT="production", JWT_SECRET=TEST_JWT_SECRET)
    assert settings.is_production
    assert settings.auth.jwt_secret == TEST_JWT_SECRET


def test_development_needs_no_secret() -> None:
    assert load(HDUCE_ENVIRONMENT="development").auth.jwt_secret == ""


def test_invalid_toml(write_toml: Callable[..., Path]) -> None:
    path = write_toml("[server\nport = 1\n")
    message = config_error(path)
    assert str(path) in message
    assert "invalid TOML" in message


def test_missing_config_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    message = config_error(missing)
    assert str(missing) in message


def test_missing_file_named_by_hduce_config(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError, match=r"nowhere\.toml"):
        load_settings(environ={"HDUCE_CONFIG": str(missing)})


def test_malformed_environment_name() -> None:
    message = config_error(HDUCE_ENVIRONMENT="development", HDUCE_SERVER____PORT="1")
    assert "HDUCE_SERVER____PORT" in message


# --- masking ----------------------------------------------------------------------------------


def masked_without(secrets: tuple[str, ...], **environ: str) -> dict[str, Any]:
    """The masked development settings `environ` gives, checked to show none of `secrets`."""
    shown = masked_settings(load(HDUCE_ENVIRONMENT="development", **environ))
    text = json.dumps(shown)
    for secret in secrets:
        assert secret not in text
    return shown


def test_masked_settings_hide_secrets_but_not_durations() -> None:
    shown = masked_without(
        ("a-very-private-signing-key", "db-pass-123", "nats-pass-456"),
        JWT_SECRET="a-very-private-signing-key",
        DATABASE_URL="postgresql://clinic:db-pass-123@db:5432/hduce",
        HDUCE_NATS__URL="nats://relay:nats-pass-456@nats:4222",
        TOKEN_EXPIRY="30m",
    )
    assert shown["auth"]["jwt_secret"] != ""
    assert shown["database"]["url"].startswith("postgresql://clinic:")
    assert shown["database"]["url"].endswith("@db:5432/hduce")
    assert shown["nats"]["url"].endswith("@nats:4222")
    assert shown["auth"]["token_expiry"] == "30m"
    assert shown["auth"]["jwt_algorithm"] == "HS256"
    assert shown["server"]["port"] == 8000


def test_masked_settings_leave_passwordless_urls_alone() -> None:
    settings = load(HDUCE_ENVIRONMENT="development", HDUCE_NATS__URL="nats://nats:4222")
    assert masked_settings(settings)["nats"]["url"] == "nats://nats:4222"


def test_masked_settings_hide_plugin_section_secrets() -> None:
    shown = masked_without(
        ("meili-key-789",),
        HDUCE_PLUGINS__SEARCH__MEILISEARCH_API_KEY="meili-key-789",
        HDUCE_PLUGINS__SEARCH__MEILISEARCH_URL="http://meili:7700",
    )
    assert shown["plugins"]["sections"]["search"]["meilisearch_url"] == "http://meili:7700"


def test_masked_settings_hide_notification_credentials() -> None:
    shown = masked_without(
        ("smtp-pass-321", "smtp-pass-654", "c21zLXNlY3JldA=="),
        SMTP_URL="smtp://mailer:smtp-pass-321@relay:587?starttls=true",
        HDUCE_PLUGINS__NOTIFICATIONS__EMAIL__PASSWORD="smtp-pass-654",
        HDUCE_PLUGINS__NOTIFICATIONS__SMS__AUTH_HEADER="Basic c21zLXNlY3JldA==",
    )
    assert "relay:587" in json.dumps(shown)


def test_masked_settings_hide_keys_and_signatures_in_url_queries() -> None:
    shown = masked_without(
        ("sms-key-111", "sms-sig-222"),
        HDUCE_PLUGINS__NOTIFICATIONS__SMS__URL=(
            "https://sms.example/send?key=sms-key-111&from=HDuce&signature=sms-sig-222"
        ),
    )
    assert "from=HDuce" in json.dumps(shown)


def test_masked_settings_hide_previous_signing_keys_and_plural_secret_names() -> None:
    shown = masked_without(
        ("old-key-still-verifies-1", "old-key-2", "acme-secret-1", "acme-pass-2", "acme-token-3"),
        HDUCE_AUTH__JWT_PREVIOUS_SECRETS='["old-key-still-verifies-1", "old-key-2"]',
        HDUCE_PLUGINS__ACME__SIGNING_SECRETS='["acme-secret-1"]',
        HDUCE_PLUGINS__ACME__SMTP_PASSWORD="acme-pass-2",
        HDUCE_PLUGINS__ACME__API_TOKENS='["acme-token-3"]',
        HDUCE_PLUGINS__ACME__GREETING="hello",
    )
    assert shown["auth"]["jwt_previous_secrets"] == ["********", "********"]
    assert shown["plugins"]["sections"]["acme"]["greeting"] == "hello"


# --- public_url and booleans --------------------------------------------------------------------


def test_public_url_defaults_to_where_the_server_listens() -> None:
    settings = load(HDUCE_ENVIRONMENT="development", HDUCE_SERVER__PORT="8123")
    assert settings.server.public_url == "http://127.0.0.1:8123"
    host = load(HDUCE_ENVIRONMENT="development", HDUCE_SERVER__HOST="10.1.2.3")
    assert host.server.public_url == "http://10.1.2.3:8000"


def test_an_explicit_public_url_is_kept() -> None:
    url = "https://clinic.example"
    settings = load(HDUCE_ENVIRONMENT="development", HDUCE_SERVER__PUBLIC_URL=url)
    assert settings.server.public_url == url


@pytest.mark.parametrize("public_url", ["", "http://127.0.0.1:8000", "http://localhost"])
def test_production_refuses_a_loopback_public_url_on_a_public_interface(public_url: str) -> None:
    message = config_error(
        HDUCE_ENVIRONMENT="production",
        JWT_SECRET=SECRET,
        HDUCE_SERVER__HOST="0.0.0.0",
        HDUCE_SERVER__PUBLIC_URL=public_url,
    )
    assert "`server.public_url`" in message and "HDUCE_SERVER__PUBLIC_URL" in message


def test_production_on_loopback_keeps_a_loopback_public_url() -> None:
    settings = load(HDUCE_ENVIRONMENT="production", JWT_SECRET=SECRET)
    assert settings.server.public_url == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yes", True),
        ("no", False),
        ("on", True),
        ("off", False),
        ("TRUE", True),
        ("False", False),
        ("1", True),
        ("0", False),
    ],
)
def test_booleans_accept_the_usual_words(value: str, expected: bool) -> None:
    settings = load(HDUCE_ENVIRONMENT="development", DEBUG=value, HDUCE_WORKER__EMBEDDED=value)
    assert settings.debug is expected and settings.worker.embedded is expected


@pytest.mark.parametrize("written", ["debug", "Debug", "DEBUG", " debug "])
def test_log_level_is_any_case(written: str) -> None:
    assert load(HDUCE_ENVIRONMENT="development", LOG_LEVEL=written).logging.level == "DEBUG"


def test_choices_are_any_case_in_the_file_too(write_toml: Callable[..., Path]) -> None:
    path = write_toml(
        'environment = "Development"\n[logging]\nlevel = "warning"\nformat = "JSON"\n'
    )
    settings = load(path, JWT_ALGORITHM="hs512")
    assert settings.environment == "development"
    assert (settings.logging.level, settings.logging.format) == ("WARNING", "json")
    assert settings.auth.jwt_algorithm == "HS512"


def test_a_boolean_that_is_no_word_names_the_key() -> None:
    message = config_error(HDUCE_ENVIRONMENT="development", DEBUG="maybe")
    assert "`debug`" in message and "DEBUG" in message


@pytest.mark.parametrize(
    ("section", "url", "variable"),
    [
        ("database", "postgresql://hduce:hunter2pass@db.example/hduce", "DATABASE_URL"),
        ("database", "postgresql://hduce@db.example/hduce?password=hunter2pass", "DATABASE_URL"),
        ("nats", "nats://hduce:hunter2pass@nats.example:4222", "NATS_URL"),
        ("nats", "tls://hunter2pass@nats.example:4222", "NATS_URL"),  # a token
        ("nats", "tls://a.example:4222, tls://hduce:hunter2pass@b.example:4222", "NATS_URL"),
    ],
)
def test_a_server_url_with_a_password_in_a_file_is_rejected(
    write_toml: Callable[..., Path], section: str, url: str, variable: str
) -> None:
    message = config_error(write_toml(DEV + f'[{section}]\nurl = "{url}"\n'), JWT_SECRET=SECRET)
    assert f"`{section}.url`" in message and f"set {variable} in the environment" in message
    assert "hunter2pass" not in message


@pytest.mark.parametrize(
    ("section", "url"),
    [
        ("database", "postgresql://hduce@db.example/hduce?sslmode=verify-full"),
        ("nats", "tls://nats.example:4222"),
    ],
)
def test_a_server_url_without_a_password_may_be_in_a_file(
    write_toml: Callable[..., Path], section: str, url: str
) -> None:
    settings = load(write_toml(DEV + f'[{section}]\nurl = "{url}"\n'))
    assert getattr(settings, section).url == url

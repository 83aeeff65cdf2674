"""`hduce config check` lists every unsafe production setting in one run; weak secrets exit 2."""

import json
from pathlib import Path

from tests.conftest import TEST_JWT_SECRET
from tests.e2e.test_cli_commands import run
from tests.support.processes import REPO_ROOT

UNSAFE = {
    "HDUCE_ENVIRONMENT": "production",
    "JWT_SECRET": "changeme" * 4,
    "HDUCE_AUTH__JWT_PREVIOUS_SECRETS": json.dumps(["secret"]),
    "DEBUG": "1",
    "LOG_LEVEL": "DEBUG",
    "HDUCE_SERVER__PUBLIC_URL": "http://localhost:8000",
    "DATABASE_URL": "postgresql://clinic:db-pass-123@db.example/hduce",
    "HDUCE_NATS__URL": "nats://nats.example:4222",
    "HDUCE_PLUGINS__DEVICES__HOST": "0.0.0.0",
    "SMTP_URL": "smtp://mailer:smtp-pass-456@mail.example:25",
    "HDUCE_PLUGINS__SEARCH__MEILISEARCH_URL": "http://search.example:7700",
    "HDUCE_SERVER__TRUSTED_PROXIES": json.dumps(["0.0.0.0/0"]),
    "HDUCE_PLUGINS__METRICS__HEALTH_TOKEN": "hc-token-1",
}
SAFE = {
    "HDUCE_ENVIRONMENT": "production",
    "JWT_SECRET": TEST_JWT_SECRET,
    "HDUCE_SERVER__PUBLIC_URL": "https://clinic.example",
    "DATABASE_URL": "postgresql://clinic:db-pass-123@db.example/hduce?sslmode=verify-full",
    "HDUCE_NATS__URL": "tls://hduce:nats-pass-789@nats.example:4222",
    "SMTP_URL": "smtps://mailer:smtp-pass-456@mail.example",
    "HDUCE_SERVER__TRUSTED_PROXIES": json.dumps(["10.0.0.5"]),
    "HDUCE_PLUGINS__SEARCH__MEILISEARCH_URL": "https://search.example",
    "MEILISEARCH_API_KEY": "meili-key-0123456789abcdef",
    "HDUCE_PLUGINS__METRICS__HEALTH_TOKEN": "6f1c9e0b2d8a47f3b5e1c7a9d0f2b4e8",
}


def test_every_unsafe_setting_is_listed_in_one_run(tmp_path: Path) -> None:
    code, output = run(["config", "check"], tmp_path, **UNSAFE)
    assert code == 1, output
    for key in (
        "auth.jwt_secret",
        "auth.jwt_previous_secrets",
        "debug",
        "logging.level",
        "server.public_url",
        "server.trusted_proxies",
        "database.url",
        "nats.url",
        "plugins.devices.host",
        "plugins.notifications.email",
        "plugins.search.meilisearch_api_key",
        "plugins.metrics.health_token",
    ):
        assert f"`{key}`" in output, (key, output)
    for secret in ("changeme", "db-pass-123", "smtp-pass-456", "hc-token-1"):
        assert secret not in output


def test_a_safe_production_config_passes(tmp_path: Path) -> None:
    code, output = run(["config", "check"], tmp_path, **SAFE)
    assert code == 0, output
    assert "no unsafe setting" in output


def test_a_weak_secret_stops_every_command_with_exit_2(tmp_path: Path) -> None:
    environment = {**SAFE, "JWT_SECRET": "your-super-secret-jwt-key-change-in-production"}
    code, output = run(["config", "show"], tmp_path, **environment)
    assert code == 2, output
    (line,) = output.strip().splitlines()
    assert "`auth.jwt_secret` (JWT_SECRET)" in line and "placeholder" in line


def test_a_loopback_public_url_on_a_public_interface_is_one_finding(tmp_path: Path) -> None:
    environment = {**SAFE, "HDUCE_SERVER__HOST": "0.0.0.0"}
    environment.pop("HDUCE_SERVER__PUBLIC_URL")
    code, output = run(["config", "check"], tmp_path, **environment)
    assert code == 1, output
    (line,) = [line for line in output.splitlines() if "`server.public_url`" in line]
    assert "0.0.0.0" in line and "HDUCE_SERVER__PUBLIC_URL" in line


def test_e_mail_written_to_the_log_is_a_finding(tmp_path: Path) -> None:
    environment = {**SAFE, "HDUCE_PLUGINS__NOTIFICATIONS__EMAIL__LOG_WHEN_UNCONFIGURED": "true"}
    environment.pop("SMTP_URL")
    code, output = run(["config", "check"], tmp_path, **environment)
    assert code == 1, output
    (line,) = [line for line in output.splitlines() if "log_when_unconfigured" in line]
    assert "HDUCE_PLUGINS__NOTIFICATIONS__EMAIL__LOG_WHEN_UNCONFIGURED" in line


def test_production_with_the_repository_config_refuses_to_serve(tmp_path: Path) -> None:
    """The developer hduce.toml logs e-mails (reset links, patients' names): never in production."""
    environment = {**SAFE, "HDUCE_CONFIG": str(REPO_ROOT / "hduce.toml")}
    environment.pop("SMTP_URL")
    for command in (["serve"], ["worker"]):
        code, output = run(command, tmp_path, **environment)
        assert code == 2, output
        (line,) = output.strip().splitlines()
        assert "hduce.toml" in line and "production" in line
        assert "`plugins.notifications.email.log_when_unconfigured`" in line
    assert not (tmp_path / "data").exists(), "refused before starting anything"


def test_a_weak_health_token_is_a_finding_and_production_refuses_it(tmp_path: Path) -> None:
    """Seen: `a` passed, and the token opens /metrics and /health/detailed (not rate limited)."""
    environment = {**SAFE, "HDUCE_PLUGINS__METRICS__HEALTH_TOKEN": "a"}
    code, output = run(["config", "check"], tmp_path, **environment)
    assert code == 1, output
    (line,) = [line for line in output.splitlines() if "`plugins.metrics.health_token`" in line]
    assert "(HDUCE_PLUGINS__METRICS__HEALTH_TOKEN)" in line and "too short" in line, line
    code, output = run(["serve"], tmp_path, **environment)
    assert code == 2, output
    (line,) = output.strip().splitlines()
    assert "`plugins.metrics.health_token`" in line and "too short" in line, line
    assert not (tmp_path / "data").exists(), "refused before starting anything"

"""One policy for every signing secret, and no debug mode, in production."""

import json
import secrets
from pathlib import Path

import pytest

from hduce.core.config import ConfigError, Settings, load_settings
from tests.conftest import TEST_JWT_SECRET

STRONG = secrets.token_hex(32)
WEAK = {
    "short": "Zq8-vW2#rT5!",
    "one-letter": "a" * 32,
    "repeated-word": "changeme" * 4,
    "seed-placeholder": "your-super-secret-jwt-key-change-in-production",
    "placeholder-case": "Your_Super_Secret_JWT_Key_Change_In_Production!",
    "pattern": "abc123XY" * 5,
    "few-characters": "1112122211121221222112121112212122",
}


@pytest.fixture(autouse=True)
def _empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the repository's own ./hduce.toml out of every test."""
    monkeypatch.chdir(tmp_path)


def load(**environ: str) -> Settings:
    return load_settings(environ={"HDUCE_ENVIRONMENT": "production", **environ})


def refusal(**environ: str) -> str:
    """The one-line config error production start-up stops with."""
    with pytest.raises(ConfigError) as caught:
        load(**environ)
    message = str(caught.value)
    assert "\n" not in message and message, message
    return message


@pytest.mark.parametrize("secret", WEAK.values(), ids=WEAK.keys())
def test_a_weak_jwt_secret_is_refused_by_name(secret: str) -> None:
    message = refusal(JWT_SECRET=secret)
    assert "`auth.jwt_secret`" in message and "JWT_SECRET" in message
    assert secret not in message


@pytest.mark.parametrize("secret", WEAK.values(), ids=WEAK.keys())
def test_a_weak_previous_secret_is_refused_by_name(secret: str) -> None:
    previous = json.dumps([secrets.token_hex(32), secret])
    message = refusal(JWT_SECRET=STRONG, HDUCE_AUTH__JWT_PREVIOUS_SECRETS=previous)
    assert (
        "`auth.jwt_previous_secrets`" in message and "HDUCE_AUTH__JWT_PREVIOUS_SECRETS" in message
    )
    assert "second" in message
    assert secret not in message


def test_the_previous_secret_of_the_attack_is_refused() -> None:
    message = refusal(JWT_SECRET=STRONG, HDUCE_AUTH__JWT_PREVIOUS_SECRETS='["secret"]')
    assert "placeholder" in message


def test_debug_is_refused_in_production() -> None:
    message = refusal(JWT_SECRET=STRONG, DEBUG="1")
    assert "`debug`" in message and "DEBUG" in message


@pytest.mark.parametrize(
    "secret", [STRONG, secrets.token_urlsafe(32), TEST_JWT_SECRET], ids=["hex", "urlsafe", "tests"]
)
def test_random_secrets_pass(secret: str) -> None:
    previous = json.dumps([secrets.token_hex(16)])
    settings = load(JWT_SECRET=secret, HDUCE_AUTH__JWT_PREVIOUS_SECRETS=previous)
    assert settings.auth.jwt_secret == secret


def test_development_keeps_its_own_rules() -> None:
    settings = load_settings(environ={"HDUCE_ENVIRONMENT": "development", "DEBUG": "1"})
    assert settings.debug is True

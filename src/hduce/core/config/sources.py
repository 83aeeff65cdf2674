"""Read raw config values from a TOML file and the environment, and merge them."""

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ENV_PREFIX = "HDUCE_"
ENV_NOT_SETTINGS = frozenset({"HDUCE_CONFIG", "HDUCE_MIGRATIONS_DIR", "HDUCE_TEMPLATES_DIR"})
SEED_NAMES: dict[str, tuple[str, ...]] = {
    "DATABASE_URL": ("database", "url"),
    "NATS_URL": ("nats", "url"),
    "JWT_SECRET": ("auth", "jwt_secret"),
    "JWT_ALGORITHM": ("auth", "jwt_algorithm"),
    "TOKEN_EXPIRY": ("auth", "token_expiry"),
    "LOG_LEVEL": ("logging", "level"),
    "DEBUG": ("debug",),
    "SMTP_URL": ("plugins", "notifications", "email", "url"),
    "SMTP_FROM": ("plugins", "notifications", "email", "from_address"),
    "MEILISEARCH_API_KEY": ("plugins", "search", "meilisearch_api_key"),
    "EMBEDDINGS_API_KEY": ("plugins", "search", "embedder_api_key"),
}
SECRET_KEYS: frozenset[tuple[str, ...]] = frozenset(
    {
        ("auth", "jwt_secret"),
        ("auth", "jwt_previous_secrets"),
        ("plugins", "notifications", "email", "url"),
        ("plugins", "notifications", "email", "password"),
        ("plugins", "notifications", "sms", "auth_header"),
        ("plugins", "search", "meilisearch_api_key"),
        ("plugins", "search", "embedder_api_key"),
        ("plugins", "metrics", "health_token"),
    }
)

SERVER_URL_KEYS: dict[tuple[str, ...], bool] = {("database", "url"): False, ("nats", "url"): True}
"""Server URLs a file may name without their password; True: a bare user name is a secret too
(NATS takes a token there)."""


class ConfigError(Exception):
    """A config problem, described in one line that names the key."""

    def __init__(self, message: str, *, key: str = "") -> None:
        super().__init__(message)
        self.key = key

    def located(self, environ: Mapping[str, str], path: Path | None) -> "ConfigError":
        """This error led by where its key was set: the environment variable, else the file."""
        origin = environment_variable_for(self.key, environ) or str(path or "config")
        return ConfigError(f"{origin}: {self}", key=self.key)

    def located_here(self) -> "ConfigError":
        """`located` in this process: its environment and the config file it was given."""
        return self.located(os.environ, config_path(None, os.environ))


def environment_variable_for(key: str, environ: Mapping[str, str]) -> str | None:
    """The environment variable that set `key` (dotted), if one did.

    An item of a list (`plugins.extra[0]`) or a key inside a JSON value is set by the variable
    of the enclosing key; an unknown section, or a value turned into a table, by a variable of a
    key inside it (`HDUCE_SERVRE__PORT` sets `servre`).
    """
    path = tuple(key.partition("[")[0].split("."))
    for end in range(len(path), 0, -1):
        if name := _variable_setting(path[:end], environ):
            return name
    inside = _variable_name(path) + "__"
    return min((name for name in environ if name.startswith(inside)), default=None)


def _variable_setting(path: tuple[str, ...], environ: Mapping[str, str]) -> str | None:
    for name, seed_path in SEED_NAMES.items():
        if seed_path == path and name in environ:
            return name
    name = _variable_name(path)
    return name if name in environ else None


def _variable_name(path: tuple[str, ...]) -> str:
    return ENV_PREFIX + "__".join(part.upper() for part in path)


def config_path(explicit: str | None, environ: Mapping[str, str]) -> Path | None:
    """Pick the config file: `--config`, else `HDUCE_CONFIG`, else `./hduce.toml` if present."""
    chosen = explicit or environ.get("HDUCE_CONFIG")
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}")
        return path
    default = Path("hduce.toml")
    return default if default.is_file() else None


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, rejecting secrets that belong in the environment."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start} cannot be read)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror}") from None
    for secret in sorted(SECRET_KEYS):
        if _get(raw, secret) is not None:
            key, variable = ".".join(secret), environment_name(secret)
            raise ConfigError(f"{path}: `{key}` is a secret; set {variable} in the environment")
    for server, user_is_secret in SERVER_URL_KEYS.items():
        if _holds_password(_get(raw, server), user_is_secret=user_is_secret):
            key, variable = ".".join(server), environment_name(server)
            raise ConfigError(
                f"{path}: `{key}` holds a password; set {variable} in the environment"
            )
    return raw


def _holds_password(value: Any, *, user_is_secret: bool) -> bool:
    """Whether a URL (or a comma-separated list of them) carries a password or token."""
    if not isinstance(value, str):
        return False
    for url in value.split(","):
        try:
            parts = urlsplit(url.strip())
        except ValueError:  # not a URL at all: decoding the settings names the key
            continue
        if parts.password or "password" in parse_qs(parts.query):
            return True
        if user_is_secret and parts.username:
            return True
    return False


def read_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Collect `HDUCE_<SECTION>__<KEY>` variables and the seed names into a nested dict."""
    raw: dict[str, Any] = {}
    for name, path in SEED_NAMES.items():
        if name in environ:
            _set(raw, path, _parse_env_value(environ[name]))
    for name, value in environ.items():
        if name.startswith(ENV_PREFIX) and name not in ENV_NOT_SETTINGS:
            path = tuple(part.lower() for part in name[len(ENV_PREFIX) :].split("__"))
            if not all(path):
                raise ConfigError(f"environment variable {name}: malformed key")
            _set(raw, path, _parse_env_value(value))
    return raw


def merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge `override` into a copy of `base`."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def environment_name(path: tuple[str, ...], environ: Mapping[str, str] | None = None) -> str:
    """The variable that sets `path`: the one set in `environ`, else the seed name if any."""
    in_use = environment_variable_for(".".join(path), environ) if environ else None
    seed = next((name for name, seed_path in SEED_NAMES.items() if seed_path == path), None)
    return in_use or seed or _variable_name(path)


def _parse_env_value(value: str) -> Any:
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _get(raw: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = raw
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _set(raw: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = raw
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value

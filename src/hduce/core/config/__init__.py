"""Load `Settings`: defaults, then the TOML file, then the environment."""

import os
import re
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from hduce.core.config.addresses import listening_url
from hduce.core.config.durations import Duration, PositiveDuration
from hduce.core.config.masking import masked_settings
from hduce.core.config.production import Finding, production_findings
from hduce.core.config.settings import (
    AuthSettings,
    DatabaseSettings,
    LoggingSettings,
    NatsSettings,
    NonNegative,
    OptionalPort,
    OutboxSettings,
    PluginsSettings,
    Port,
    Positive,
    Section,
    ServerSettings,
    Settings,
    WorkerSettings,
)
from hduce.core.config.sources import (
    ConfigError,
    config_path,
    merge,
    read_environment,
    read_toml,
)
from hduce.core.config.words import normalise_words
from hduce.core.text_patterns import worded

__all__ = [
    "AuthSettings",
    "ConfigError",
    "DatabaseSettings",
    "Duration",
    "Finding",
    "LoggingSettings",
    "NatsSettings",
    "NonNegative",
    "OptionalPort",
    "OutboxSettings",
    "PluginsSettings",
    "Port",
    "Positive",
    "PositiveDuration",
    "Section",
    "ServerSettings",
    "Settings",
    "WorkerSettings",
    "config_path",
    "decode_section",
    "load_settings",
    "masked_settings",
]

SectionT = TypeVar("SectionT", bound=Section)
_AT = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
_UNKNOWN = re.compile(r"Object contains unknown field `(?P<field>[^`]+)`")
_ABOUT_FIELD = re.compile(r"`(?P<field>\w+)`")
"""A section's own check (`__post_init__`) starts its message with the field it is about."""


def load_settings(
    config_file: str | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    production_rules: bool = True,
) -> Settings:
    """Build `Settings` from defaults < TOML file < environment; `ConfigError` on bad input.

    With `production_rules` (always, except for `hduce config check`) production refuses weak
    secrets and debug mode.
    """
    environ = os.environ if environ is None else environ
    path = config_path(config_file, environ)
    raw = read_toml(path) if path else {}
    raw = merge(raw, read_environment(environ))
    raw = _gather_plugin_sections(raw)
    try:
        settings = decode_section(raw, Settings, origin="")
    except ConfigError as exc:
        raise exc.located(environ, path) from None
    settings = _with_public_url(settings)
    if production_rules:
        _check_production(settings, environ)
    return settings


def decode_section(
    raw: Mapping[str, Any], kind: type[SectionT], origin: str, prefix: str = ""
) -> SectionT:
    """Decode one raw mapping into a settings struct, naming the bad key on failure."""
    try:
        raw = normalise_words(raw, kind)
        return msgspec.convert(raw, kind, strict=False, dec_hook=_decode_custom)
    except msgspec.ValidationError as exc:
        key, reason = _describe(worded(str(exc)), prefix)
        raise ConfigError(f"{origin}: {reason}" if origin else reason, key=key) from None


def _with_public_url(settings: Settings) -> Settings:
    """Fill an empty `server.public_url` with the URL the server listens on."""
    server = settings.server
    if server.public_url:
        return settings
    public_url = listening_url(server.host, server.port)
    return msgspec.structs.replace(
        settings, server=msgspec.structs.replace(server, public_url=public_url)
    )


def _gather_plugin_sections(raw: dict[str, Any]) -> dict[str, Any]:
    plugins = raw.get("plugins")
    if not isinstance(plugins, Mapping):
        return raw
    own_keys = set(PluginsSettings.__struct_fields__)
    flat = {k: v for k, v in plugins.items() if k in own_keys or not isinstance(v, Mapping)}
    sections = {k: dict(v) for k, v in plugins.items() if k not in flat}
    return {**raw, "plugins": {**flat, "sections": sections}}


def _decode_custom(kind: type, value: Any) -> Any:
    if isinstance(kind, type) and issubclass(kind, Duration):
        return kind.parse(value)
    # msgspec's hook protocol: NotImplementedError means "not a type this hook converts",
    # which msgspec reports as an unsupported type.
    raise NotImplementedError(kind)


def _describe(message: str, prefix: str) -> tuple[str, str]:
    """The dotted key a msgspec error is about, and the error in words."""
    path = ""
    if match := _AT.search(message):
        path = match["path"]
        message = message[: match.start()]
    path = path.replace("plugins.sections.", "plugins.")
    if unknown := _UNKNOWN.match(message):
        key = ".".join(p for p in (prefix, path, unknown["field"]) if p)
        return key, f"unknown key `{key}`"
    key = ".".join(p for p in (prefix, path) if p)
    shown = f"`{key}`: {message[0].lower()}{message[1:]}" if key else message
    if about := _ABOUT_FIELD.match(message):
        key = ".".join(p for p in (key, about["field"]) if p)
    return key, shown


def _check_production(settings: Settings, environ: Mapping[str, str]) -> None:
    """Stop at the first thing production refuses (`hduce config check` lists them all)."""
    if settings.is_production and (findings := production_findings(settings, environ)):
        raise ConfigError(findings[0].message, key=findings[0].key)

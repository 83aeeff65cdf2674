import re
import tomllib
from pathlib import Path
from typing import Any

import msgspec
import pytest

from hduce.bootstrap import BUILTIN_PLUGINS
from hduce.core.config import ConfigError, Section, Settings, decode_section, load_settings
from hduce.core.config.sources import SEED_NAMES
from hduce.core.plugin import NoConfig
from tests.conftest import TEST_JWT_SECRET

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "config" / "example.toml"
SECRET = TEST_JWT_SECRET


def load(path: Path, **environ: str) -> Settings:
    return load_settings(config_file=str(path), environ=environ)


def section_fields(kind: type[Section]) -> dict[str, Any]:
    return {f.name: f.type for f in msgspec.structs.fields(kind)}


def test_example_equals_the_defaults() -> None:
    settings = load(EXAMPLE, JWT_SECRET=SECRET)
    defaults = Settings()
    expected = msgspec.structs.replace(
        defaults,
        auth=msgspec.structs.replace(defaults.auth, jwt_secret=SECRET),
        server=msgspec.structs.replace(defaults.server, public_url="http://127.0.0.1:8000"),
        # The example spells out the default (every built-in plugin, in the one list's order).
        plugins=msgspec.structs.replace(defaults.plugins, enabled=tuple(BUILTIN_PLUGINS)),
    )
    loaded_top = msgspec.structs.asdict(settings)
    for name, default in msgspec.structs.asdict(expected).items():
        value = loaded_top[name]
        if isinstance(default, msgspec.Struct):
            assert msgspec.structs.asdict(value) == msgspec.structs.asdict(default), name
        else:
            assert value == default, name


def test_example_names_every_key_and_its_env_var() -> None:
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    text = EXAMPLE.read_text(encoding="utf-8")
    for name, kind in section_fields(Settings).items():
        assert name in raw, f"example.toml lacks `{name}`"
        if isinstance(kind, type) and issubclass(kind, Section):
            keys = set(section_fields(kind))
            keys -= {"jwt_secret", "jwt_previous_secrets"}  # secrets: env-only, rejected in files
            if name == "plugins":
                keys -= {"sections"}  # spelled as [plugins.<name>] tables
            assert set(raw[name]) == keys, name
            for key in keys:
                assert f"HDUCE_{name.upper()}__{key.upper()}" in text, f"{name}.{key}"
        else:
            assert f"HDUCE_{name.upper()}" in text, name


def uncommented_example() -> list[str]:
    """example.toml's lines, the commented-out plugin sections uncommented once."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = lines.index("# [plugins.metrics]")
    return lines[:start] + [re.sub(r"^# ?", "", line) for line in lines[start:]]


def test_every_key_of_the_example_says_what_it_does_and_its_env_var() -> None:
    """Each `key = value` follows its own description, which ends naming its variable.

    The test above checks the variables of core's sections only, anywhere in the file: the
    plugins' keys went unchecked, and `plugins.notifications.retry_max` and `.sms.timeout` had
    neither description nor variable.
    """
    seeds = {path: name for name, path in SEED_NAMES.items()}
    table: list[str] = []
    before = ""
    undescribed = []
    for line in uncommented_example():
        if header := re.fullmatch(r"\[([\w.]+)\]", line):
            table, before = header[1].split("."), ""
        elif assignment := re.match(r"(\w+) = ", line):
            path = (*table, assignment[1])
            names = [f"HDUCE_{'__'.join(path).upper()}", *([seeds[path]] if path in seeds else [])]
            if not (before.startswith("# ") and any(re.search(rf"\b{n}\b", before) for n in names)):
                undescribed.append(".".join(path))
            before = line
        else:
            before = line
    assert undescribed == []


def test_example_plugin_sections_are_complete_and_valid_when_uncommented() -> None:
    sections = tomllib.loads("\n".join(uncommented_example()))["plugins"]
    for name, plugin in BUILTIN_PLUGINS.items():
        if plugin.config_type is NoConfig:
            continue
        raw = sections[name]
        assert set(raw) == set(section_fields(plugin.config_type)), name
        config = decode_section(raw, plugin.config_type, origin="example.toml")
        assert config == plugin.config_type(), name


def test_test_config() -> None:
    settings = load(REPO_ROOT / "config" / "test.toml")
    assert settings.environment == "development"
    assert settings.logging.level == "WARNING"
    assert settings.worker.embedded is True
    assert settings.outbox.poll_interval == 1
    assert settings.nats.ack_wait == 30
    assert settings.nats.retry_backoff == 1


def test_docker_config_needs_a_secret_and_listens_everywhere() -> None:
    path = REPO_ROOT / "config" / "docker.toml"
    with pytest.raises(ConfigError, match="jwt_secret"):
        load(path)
    with pytest.raises(ConfigError, match="HDUCE_SERVER__PUBLIC_URL"):
        load(path, JWT_SECRET=SECRET)
    url = "https://clinic.example"
    settings = load(path, JWT_SECRET=SECRET, HDUCE_SERVER__PUBLIC_URL=url)
    assert settings.server.public_url == url
    assert settings.is_production
    assert (settings.server.host, settings.server.port) == ("0.0.0.0", 8000)
    assert settings.data_dir == "/data"
    assert settings.logging.format == "json"


def test_developer_config() -> None:
    settings = load(REPO_ROOT / "hduce.toml")
    assert settings.environment == "development"
    assert settings.data_dir == "./var"
    assert (settings.server.host, settings.server.port) == ("127.0.0.1", 8000)


@pytest.mark.parametrize(
    "path", ["config/example.toml", "config/test.toml", "config/docker.toml", "hduce.toml"]
)
def test_no_secrets_in_files(path: str) -> None:
    raw = tomllib.loads((REPO_ROOT / path).read_text(encoding="utf-8"))
    assert "jwt_secret" not in raw.get("auth", {})
    assert not re.search(r"(?im)^\s*jwt_secret\s*=", (REPO_ROOT / path).read_text())


def test_a_secret_in_a_file_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('environment = "development"\n[auth]\njwt_secret = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="secret"):
        load(bad)


def test_a_page_cache_size_postgresql_cannot_read_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "hduce.toml"
    config.write_text('[database]\nshared_buffers = "lots"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="shared_buffers"):
        load(config, JWT_SECRET=SECRET)
    config.write_text('[database]\nshared_buffers = "2GB"\n', encoding="utf-8")
    assert load(config, JWT_SECRET=SECRET).database.shared_buffers == "2GB"

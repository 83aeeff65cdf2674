"""A duration 0 would break (a timeout, an interval, a lifetime) is refused in one line naming
its key; 0 stays allowed only where the key documents what it means."""

import typing
from collections.abc import Iterator

import msgspec
import pytest

from hduce.bootstrap import BUILTIN_PLUGINS
from hduce.core.config import ConfigError, Duration, Section, Settings, decode_section
from tests.core.test_config import _empty_cwd, config_error  # noqa: F401 (an autouse fixture)

ZERO_MEANS_SOMETHING = {
    "plugins.appointments.min_notice",  # patients book up to the start
    "plugins.appointments.staff_min_notice",  # a walk-in
    "plugins.appointments.patient_cancel_notice",  # patients cancel up to the start
    "plugins.devices.spool_flush_window",  # no extra wait for a shared fsync
    "plugins.devices.silent_after",  # no silent-device alerts
    "plugins.metrics.health_cache",  # every caller runs the checks
}


def duration_keys(
    kind: type[Section], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], object]]:
    """The path of every duration in `kind` (nested sections included) and a zero for it."""
    hints = typing.get_type_hints(kind)
    for field in msgspec.structs.fields(kind):
        hint, zero = hints[field.name], "0s"
        if typing.get_origin(hint) is tuple:  # reminder offsets: a list of durations
            hint, zero = typing.get_args(hint)[0], ["0s"]
        if isinstance(hint, type) and issubclass(hint, Duration):
            yield (*prefix, field.name), zero
        elif isinstance(hint, type) and issubclass(hint, Section):
            yield from duration_keys(hint, (*prefix, field.name))


def nested(path: tuple[str, ...], value: object) -> dict[str, object]:
    raw: object = value
    for part in reversed(path):
        raw = {part: raw}
    assert isinstance(raw, dict)
    return raw


SECTIONS: list[tuple[str, type[Section]]] = [("", Settings)] + [
    (f"plugins.{name}", plugin.config_type) for name, plugin in BUILTIN_PLUGINS.items()
]
KEYS = [
    (prefix, kind, path, zero) for prefix, kind in SECTIONS for path, zero in duration_keys(kind)
]


def dotted(prefix: str, path: tuple[str, ...]) -> str:
    return ".".join(filter(None, (prefix, *path)))


@pytest.mark.parametrize(
    ("prefix", "kind", "path", "zero"), KEYS, ids=[dotted(p, path) for p, _, path, _ in KEYS]
)
def test_zero_is_refused_unless_it_means_something(
    prefix: str, kind: type[Section], path: tuple[str, ...], zero: object
) -> None:
    key = dotted(prefix, path)
    raw = nested(path, zero)
    if key in ZERO_MEANS_SOMETHING:
        decode_section(raw, kind, origin="hduce.toml", prefix=prefix)
        return
    with pytest.raises(ConfigError) as caught:
        decode_section(raw, kind, origin="hduce.toml", prefix=prefix)
    message = str(caught.value)
    assert "\n" not in message and f"`{key}" in message and "above zero" in message, message


@pytest.mark.parametrize(
    ("variable", "key"),
    [
        ("TOKEN_EXPIRY", "auth.token_expiry"),
        ("HDUCE_OUTBOX__POLL_INTERVAL", "outbox.poll_interval"),
        ("HDUCE_WORKER__HEARTBEAT_INTERVAL", "worker.heartbeat_interval"),
        ("HDUCE_DATABASE__ACQUIRE_TIMEOUT", "database.acquire_timeout"),
    ],
)
def test_a_zero_from_the_environment_names_the_variable_and_the_key(
    variable: str, key: str
) -> None:
    message = config_error(HDUCE_ENVIRONMENT="development", **{variable: "0s"})
    assert message.startswith(f"{variable}: `{key}`: "), message
    assert "above zero" in message and "'0s'" in message


def test_a_short_positive_duration_passes() -> None:
    raw = {"outbox": {"poll_interval": "50ms"}}
    assert decode_section(raw, Settings, origin="").outbox.poll_interval == 0.05

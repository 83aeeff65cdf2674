"""The telemetry format and the topic ACL, without a broker."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from hduce.core.config import ConfigError, decode_section
from hduce.plugins.devices.config import (
    DevicesConfig,
    Range,
    Threshold,
    default_ranges,
    default_thresholds,
)
from hduce.plugins.devices.services._acl import PUBLISH, RECEIVE, SUBSCRIBE, allowed
from hduce.plugins.devices.services._credentials import ClientKind
from hduce.plugins.devices.services._telemetry import InvalidTelemetry, parse

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
SKEW = timedelta(minutes=5)
RANGES = default_ranges()


def test_a_message_with_several_readings_and_a_time() -> None:
    payload = (
        b'{"ts": "2026-12-01T09:29:00Z", "readings": ['
        b'{"metric": "systolic", "value": 128, "unit": "mmHg"},'
        b'{"metric": "temperature", "value": 37.2, "unit": "\xc2\xb0C"}]}'
    )
    parsed = parse(payload, received_at=NOW, max_skew=SKEW, ranges=RANGES)
    assert parsed.ts == NOW - timedelta(minutes=1)
    assert [(r.metric, r.value, r.unit) for r in parsed.readings] == [
        ("systolic", 128.0, "mmHg"),
        ("temperature", 37.2, "°C"),
    ]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{", "truncated"),
        (b'{"readings": []}', "length"),
        (b'{"readings": [{"metric": "spo2", "value": 97}]}', "unit"),
        (b'{"readings": [{"metric": "spo2", "value": 97, "unit": "pct"}]}', "'%'"),
        (b'{"readings": [{"metric": "mood", "value": 1, "unit": ""}]}', "unknown metric"),
        (
            b'{"ts": "2026-12-01T10:30:00Z", "readings": [{"metric": "spo2", "value": 9, '
            b'"unit": "%"}]}',
            "future",
        ),
        (b'{"readings": [{"metric": "spo2", "value": 97, "unit": "%"}], "x": 1}', "unknown field"),
        (
            b'{"readings": [{"metric": "heart_rate", "value": 72, "value": 99, "unit": "bpm"}]}',
            "duplicate key `value`",
        ),
        (
            b'{"readings": [{"metric": "spo2", "value": 97, "unit": "%"}], '
            b'"readings": [{"metric": "spo2", "value": 0, "unit": "%"}]}',
            "duplicate key `readings`",
        ),
        (  # PostgreSQL text cannot hold NUL: the stored `id` would fail every batch
            b'{"id": "a\\u0000b", "readings": [{"metric": "spo2", "value": 97, "unit": "%"}]}',
            "NUL",
        ),
        (  # the same key spelled with an escape
            b'{"id": "a", "readings": [{"metric": "spo2", "value": 97, "unit": "%"}], '
            b'"\\u0069d": "b"}',
            "duplicate key `id`",
        ),
    ],
)
def test_invalid_messages_say_why(payload: bytes, reason: str) -> None:
    with pytest.raises(InvalidTelemetry, match=reason):
        parse(payload, received_at=NOW, max_skew=SKEW, ranges=RANGES)


def test_a_value_that_does_not_repeat_a_key_passes_the_duplicate_check() -> None:
    payload = (
        b'{"id": "value", "readings": [{"metric": "spo2", "value": 97, "unit": "%"}, '
        b'{"metric": "heart_rate", "value": 61, "unit": "bpm"}]}'
    )
    parsed = parse(payload, received_at=NOW, max_skew=SKEW, ranges=RANGES)
    assert [r.value for r in parsed.readings] == [97.0, 61.0]


def test_a_value_just_out_of_range_is_shown_as_sent() -> None:
    payload = b'{"readings": [{"metric": "spo2", "value": 100.0001, "unit": "%"}]}'
    with pytest.raises(InvalidTelemetry, match=r"^spo2 100\.0001 is outside 0\.\.100$"):
        parse(payload, received_at=NOW, max_skew=SKEW, ranges=RANGES)


def test_the_acl() -> None:
    me, other = "d1", "d2"
    device, user = ClientKind.DEVICE, ClientKind.USER
    assert allowed(device, me, f"devices/{me}/telemetry", PUBLISH)
    assert allowed(device, me, f"devices/{me}/status", PUBLISH)
    assert not allowed(device, me, f"devices/{me}/cmd/x", PUBLISH)
    assert not allowed(device, me, f"devices/{other}/telemetry", PUBLISH)
    assert allowed(device, me, f"devices/{me}/cmd/#", SUBSCRIBE)
    assert allowed(device, me, f"devices/{me}/cmd/reboot", RECEIVE)
    assert not allowed(device, me, "devices/+/cmd/#", SUBSCRIBE)
    assert not allowed(device, me, f"devices/{me}/telemetry", SUBSCRIBE)
    assert allowed(user, me, f"users/{me}/#", SUBSCRIBE)
    assert allowed(user, me, f"users/{me}/notifications", RECEIVE)
    assert not allowed(user, me, f"users/{me}/notifications", PUBLISH)
    assert not allowed(user, me, f"users/{other}/#", SUBSCRIBE)
    assert not allowed(user, me, "users/#", SUBSCRIBE)
    assert not allowed(None, me, f"devices/{me}/telemetry", PUBLISH)


def test_a_configured_range_replaces_its_metrics_default_only_and_an_empty_one_is_refused() -> None:
    config = decode_section(
        {"ranges": {"spo2": {"min": 50, "max": 100}}}, DevicesConfig, origin="test"
    )
    payload = b'{"readings": [{"metric": "spo2", "value": 45, "unit": "%"}]}'
    with pytest.raises(InvalidTelemetry, match=r"outside 50\.\.100"):
        parse(payload, received_at=NOW, max_skew=SKEW, ranges=config.ranges)
    assert config.ranges == {**RANGES, "spo2": Range(min=50, max=100)}, "the others still apply"
    with pytest.raises(ConfigError, match="above `max`"):
        decode_section({"ranges": {"spo2": {"min": 5, "max": 1}}}, DevicesConfig, origin="test")


@pytest.mark.parametrize(
    ("threshold", "words"),
    [
        ({"below": float("nan")}, "`below` must be a finite number"),
        ({"above": float("-inf")}, "`above` must be a finite number"),
        ({"above": 90, "below": 95}, "`below` (95) must be less than `above` (90)"),
    ],
)
def test_a_configured_threshold_is_finite_and_in_order(
    threshold: dict[str, float], words: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(words)):
        decode_section({"thresholds": {"spo2": threshold}}, DevicesConfig, origin="test")


def test_a_configured_threshold_replaces_its_metrics_default_only() -> None:
    """Setting spo2 keeps the fever and heart-rate bounds; `{}` drops a metric's bounds."""
    config = decode_section(
        {"thresholds": {"spo2": {"below": 90}, "glucose": {}}}, DevicesConfig, origin="test"
    )
    assert config.thresholds == {
        **default_thresholds(),
        "spo2": Threshold(below=90),
        "glucose": Threshold(),
    }

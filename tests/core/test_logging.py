"""`configure_logging`: JSON lines in production, readable lines in development, quiet libraries."""

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from hduce.core.config import LoggingSettings
from hduce.core.logging import QUIET_LOGGERS, configure_logging, request_id_var

TOUCHED_LOGGERS = (*QUIET_LOGGERS, "uvicorn", "uvicorn.error")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Put the root logger and every logger configure_logging touches back as they were."""
    root = logging.getLogger()
    saved_root = (list(root.handlers), root.level)
    saved = {
        name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers))
        for name in TOUCHED_LOGGERS
    }
    saved_propagate = {name: logging.getLogger(name).propagate for name in TOUCHED_LOGGERS}
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_root[0]:
            root.addHandler(handler)
        root.setLevel(saved_root[1])
        for name, (level, handlers) in saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.handlers[:] = handlers
            logger.propagate = saved_propagate[name]


def json_lines(err: str) -> list[dict[str, Any]]:
    """Every non-empty stderr line must be one JSON object."""
    lines = [line for line in err.splitlines() if line]
    return [json.loads(line) for line in lines]


def test_json_format_emits_one_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LoggingSettings(format="json"), production=True)
    logger = logging.getLogger("hduce.tests.json")
    logger.info("first %s", "entry")
    logger.warning("second entry")
    entries = json_lines(capsys.readouterr().err)
    assert [e["message"] for e in entries] == ["first entry", "second entry"]
    assert [e["level"] for e in entries] == ["INFO", "WARNING"]
    assert {e["logger"] for e in entries} == {"hduce.tests.json"}
    assert all(
        re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", e["ts"]) for e in entries
    )
    assert all("request_id" not in e for e in entries)


def test_json_lines_carry_the_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LoggingSettings(format="json"), production=True)
    logger = logging.getLogger("hduce.tests.json")
    token = request_id_var.set("req-0123456789")
    try:
        logger.info("inside a request")
    finally:
        request_id_var.reset(token)
    logger.info("outside a request")
    inside, outside = json_lines(capsys.readouterr().err)
    assert inside["request_id"] == "req-0123456789"
    assert "request_id" not in outside


def test_json_lines_carry_extras_and_exceptions(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LoggingSettings(format="json"), production=True)
    logger = logging.getLogger("hduce.tests.json")
    logger.info("request done", extra={"status": 201, "duration_ms": 1.5})
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        logger.exception("it failed")
    done, failed = json_lines(capsys.readouterr().err)
    assert done["status"] == 201 and done["duration_ms"] == 1.5
    assert failed["level"] == "ERROR"
    assert "ValueError: bad" in failed["exception"]
    assert "Traceback" in failed["exception"]


def test_auto_format_is_json_in_production(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LoggingSettings(format="auto"), production=True)
    logging.getLogger("hduce.tests.auto").info("hello")
    (entry,) = json_lines(capsys.readouterr().err)
    assert entry["message"] == "hello"


def test_console_format_in_development(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LoggingSettings(format="auto"), production=False)
    logger = logging.getLogger("hduce.tests.console")
    token = request_id_var.set("abcdef0123456789")
    try:
        logger.info("booked %d slots", 3)
    finally:
        request_id_var.reset(token)
    logger.warning("no request here")
    first, second = capsys.readouterr().err.splitlines()
    with pytest.raises(json.JSONDecodeError):
        json.loads(first)
    assert re.match(
        r"^\d\d:\d\d:\d\d INFO +hduce\.tests\.console \[abcdef01\]: booked 3 slots$", first
    )
    assert re.match(r"^\d\d:\d\d:\d\d WARNING hduce\.tests\.console: no request here$", second)


def test_console_format_forced_in_production(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LoggingSettings(format="console"), production=True)
    logging.getLogger("hduce.tests.console").info("plain")
    (line,) = capsys.readouterr().err.splitlines()
    assert line.endswith("hduce.tests.console: plain")


def test_level_filters_records(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LoggingSettings(format="json", level="WARNING"), production=True)
    logger = logging.getLogger("hduce.tests.level")
    logger.info("dropped")
    logger.warning("kept")
    assert [e["message"] for e in json_lines(capsys.readouterr().err)] == ["kept"]


@pytest.mark.parametrize("name", ["amqtt", "amqtt.broker", "transitions", "transitions.core"])
def test_chatty_libraries_are_quiet(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LoggingSettings(format="json", level="DEBUG"), production=True)
    logger = logging.getLogger(name)
    assert logger.getEffectiveLevel() >= logging.WARNING
    logger.info("state changed")
    logger.debug("packet")
    logger.warning("broker trouble")
    assert [e["message"] for e in json_lines(capsys.readouterr().err)] == ["broker trouble"]


def test_quiet_libraries_follow_a_stricter_level() -> None:
    configure_logging(LoggingSettings(format="json", level="ERROR"), production=True)
    for name in ("amqtt", "transitions"):
        assert logging.getLogger(name).getEffectiveLevel() == logging.ERROR


def test_configuring_twice_leaves_one_handler(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LoggingSettings(format="json"), production=True)
    configure_logging(LoggingSettings(format="json"), production=True)
    assert len(logging.getLogger().handlers) == 1
    logging.getLogger("hduce.tests.twice").info("once")
    assert len(json_lines(capsys.readouterr().err)) == 1


def test_uvicorn_logs_go_through_the_root_handler(capsys: pytest.CaptureFixture[str]) -> None:
    logging.getLogger("uvicorn.error").addHandler(logging.NullHandler())
    logging.getLogger("uvicorn").propagate = False
    # What an earlier uvicorn.Config(log_level="warning") in the same process leaves behind.
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    configure_logging(LoggingSettings(format="json"), production=True)
    logging.getLogger("uvicorn.error").info("Started server process")
    (entry,) = json_lines(capsys.readouterr().err)
    assert entry["logger"] == "uvicorn.error"
    assert logging.getLogger("uvicorn.error").handlers == []


def test_json_lines_leave_out_uvicorns_coloured_copy(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LoggingSettings(format="json"), production=True)
    # As uvicorn logs its start: the plain message, and a copy with terminal colour codes.
    coloured = "Started server process [\x1b[36m%d\x1b[0m]"
    logging.getLogger("uvicorn.error").info(
        "Started server process [%d]", 42, extra={"color_message": coloured}
    )
    err = capsys.readouterr().err
    (entry,) = json_lines(err)
    assert entry["message"] == "Started server process [42]"
    assert "color_message" not in entry
    assert "\\u001b" not in err and "\x1b" not in err

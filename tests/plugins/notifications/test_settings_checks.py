"""The plugin reports unsafe e-mail settings and channels set up only partly, through its hooks."""

import json
import logging
from pathlib import Path

import pytest

from hduce.bootstrap import load_plugins
from hduce.cli._startup import log_startup_warnings
from hduce.core.config import load_settings
from hduce.plugins.notifications import NotificationsPlugin
from hduce.plugins.notifications.config import EmailConfig, NotificationsConfig, SmsConfig
from tests.e2e.test_cli_commands import run

SENDER = "Clinic <noreply@clinic.example>"


def plugin(**sections: object) -> NotificationsPlugin:
    """The plugin configured with `sections` (not set up: the hooks read the config only)."""
    return NotificationsPlugin(NotificationsConfig(**sections))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "url",
    ["smtp://mailer:pw@mail.example:25", "smtp://mail.example?starttls=false"],
)
def test_a_remote_relay_without_tls_is_unsafe(url: str) -> None:
    (finding,) = plugin(email=EmailConfig(url=url)).unsafe_settings()
    assert finding.key == "plugins.notifications.email"
    assert "without TLS" in finding.message
    assert "pw" not in finding.message


@pytest.mark.parametrize(
    "url",
    ["", "smtps://mailer:pw@mail.example", "smtp://mail.example?starttls=true", "smtp://localhost"],
)
def test_tls_a_local_relay_or_no_relay_is_safe(url: str) -> None:
    assert plugin(email=EmailConfig(url=url)).unsafe_settings() == []


def test_an_smtp_url_that_does_not_parse_is_a_finding_not_a_crash() -> None:
    (finding,) = plugin(email=EmailConfig(url="http://mail.example")).unsafe_settings()
    assert finding.key == "plugins.notifications.email"
    assert "SMTP_URL" in finding.message and "http://" in finding.message


@pytest.mark.parametrize(
    ("email", "sms", "expected"),
    [
        (EmailConfig(url="smtp://relay.example"), SmsConfig(), "set SMTP_FROM"),
        (EmailConfig(from_address=SENDER), SmsConfig(), "set SMTP_URL"),
        (EmailConfig(), SmsConfig(url="https://sms.example/send"), "sms.sender"),
    ],
    ids=["relay-without-sender", "sender-without-relay", "sms-without-sender"],
)
def test_a_channel_set_up_partly_is_a_startup_warning(
    email: EmailConfig, sms: SmsConfig, expected: str
) -> None:
    (warning,) = plugin(email=email, sms=sms).startup_warnings()
    assert expected in warning


def test_email_connections_as_many_as_the_delivery_places_warn_of_nothing() -> None:
    # They were warned of (e-mail could hold every place); a channel now holds at most half.
    email = EmailConfig(url="smtps://relay.example", from_address=SENDER, connections=8)
    assert plugin(email=email, send_concurrency=4).startup_warnings() == []


def test_complete_or_absent_channels_warn_of_nothing() -> None:
    complete = EmailConfig(url="smtps://relay.example", from_address=SENDER)
    sms = SmsConfig(url="https://sms.example/send", sender="+15550100")
    assert plugin(email=complete, sms=sms).startup_warnings() == []
    assert plugin().startup_warnings() == []
    no_sender_field = SmsConfig(url="https://sms.example/send", body_template={"Body": "{text}"})
    assert plugin(sms=no_sender_field).startup_warnings() == []


def test_serve_logs_the_plugin_warnings_of_the_loaded_settings(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = load_settings(
        environ={"HDUCE_ENVIRONMENT": "development", "SMTP_FROM": SENDER},
    )
    with caplog.at_level(logging.WARNING, logger="hduce.startup"):
        log_startup_warnings(load_plugins(settings))
    assert any("set SMTP_URL" in record.getMessage() for record in caplog.records)


def run_with_override(
    tmp_path: Path, file: str, text: str, command: tuple[str, ...] = ("config", "check")
) -> tuple[Path, int, str]:
    """`hduce <command>` with a clinic template folder holding `file`: its path, exit, output."""
    override = tmp_path / "templates" / file
    override.parent.mkdir(parents=True)
    override.write_text(text, encoding="utf-8")
    folders = json.dumps([str(tmp_path / "templates")])
    code, output = run(list(command), tmp_path, HDUCE_PLUGINS__NOTIFICATIONS__TEMPLATE_DIRS=folders)
    return override, code, output


def test_a_template_override_with_an_unknown_variable_stops_config_check(tmp_path: Path) -> None:
    override, code, output = run_with_override(
        tmp_path, "appointment_booked/subject.txt", "Booked {{ starts_at }} for {{ patient_nam }}"
    )
    assert code != 0
    (line,) = output.strip().splitlines()
    assert str(override) in line and "`patient_nam`" in line


@pytest.mark.parametrize("command", [("config", "check"), ("serve",)])
def test_a_template_override_with_an_unknown_filter_stops_in_one_line(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    # Regression: a raw jinja2 TemplateAssertionError traceback instead of a config error.
    override, code, output = run_with_override(
        tmp_path, "new_login/sms.txt", "{{ clinic_name|nosuchfilter }}: new sign-in", command
    )
    assert code != 0
    assert "Traceback" not in output, output
    (line,) = [line for line in output.splitlines() if str(override) in line]
    assert "No filter named 'nosuchfilter'" in line, output


def test_a_misnamed_override_file_stops_config_check_naming_it(tmp_path: Path) -> None:
    # Seen: `appointment_reminder/sms.text` was ignored without a word; the override never applied.
    misnamed, code, output = run_with_override(
        tmp_path, "appointment_reminder/sms.text", "Reminder {{ starts_at }}"
    )
    assert code != 0
    (line,) = output.strip().splitlines()
    assert str(misnamed) in line and "sms.txt" in line, line


def test_a_misspelt_override_folder_is_a_startup_warning_naming_it(tmp_path: Path) -> None:
    # Seen: `appointment_remindr/` became a template no one sends, its variables never checked.
    folder = tmp_path / "templates" / "appointment_remindr"
    folder.mkdir(parents=True)
    (folder / "subject.txt").write_text("X {{ whatever }}", encoding="utf-8")
    (warning,) = plugin(template_dirs=(str(tmp_path / "templates"),)).startup_warnings()
    assert str(folder) in warning
    assert "no built-in template" in warning and "`appointment_reminder`" in warning

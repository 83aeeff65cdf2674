"""The template renderer and every built-in template."""

import shutil
from pathlib import Path

import pytest

from hduce.plugins.notifications.templates import (
    TEMPLATES_ENV,
    TemplateError,
    TemplateRenderer,
    _folders,
    builtin_template_dir,
)

BUILTIN = builtin_template_dir()
RENDERER = TemplateRenderer([BUILTIN])
BY_EMAIL_ONLY = ("verify_email", "password_reset", "invitation", "registration_attempt")
"""One-time links and sign-up attempt notices: for the address's owner (README)."""
SECURITY = ("new_login", "account_locked")
APPOINTMENTS = (
    "appointment_booked",
    "appointment_reminder",
    "appointment_cancelled",
    "appointment_rescheduled",
    "waitlist_offer",
)
EXPECTED_VARIABLES = {
    "verify_email": {"verify_url", "token", "expires_at", "registered_at"},
    "password_reset": {"reset_url", "token", "expires_at"},
    "invitation": {"reset_url", "token", "expires_at"},
    "new_login": {"when", "ip", "user_agent"},
    "account_locked": {"until"},
    "registration_attempt": {"when", "sign_in_url"},
    "account_approved": set(),
    "appointment_booked": {"practitioner_name", "starts_at", "type_name"},
    "appointment_reminder": {
        "practitioner_name",
        "starts_at",
        "type_name",
        "confirm_url",
        "confirmed",
    },
    "appointment_cancelled": {"practitioner_name", "starts_at", "type_name", "reason"},
    "appointment_rescheduled": {
        "practitioner_name",
        "starts_at",
        "type_name",
        "previous_starts_at",
    },
    "waitlist_offer": {"practitioner_name", "starts_at", "hold_until", "claim_url"},
    "test_message": {"text"},
    "device_alert": {
        "patient_name",
        "metric",
        "value",
        "unit",
        "bound",
        "threshold",
        "measured_at",
        "alert_url",
    },
}


FLAGS = {"confirmed"}
"""Variables that switch a part of a template on or off (false in samples: every part shows)."""


def sample(template: str) -> dict[str, object]:
    """A distinct value for what the template is given and uses, as its sender gives them."""
    names = RENDERER.given(template) | RENDERER.variables(template)
    return {name: False if name in FLAGS else f"[{name} value]" for name in names}


def test_the_built_in_templates_are_all_there() -> None:
    assert RENDERER.names() == sorted(EXPECTED_VARIABLES)


@pytest.mark.parametrize("template", sorted(EXPECTED_VARIABLES))
def test_variables_are_the_documented_ones_plus_name_and_clinic(template: str) -> None:
    expected = EXPECTED_VARIABLES[template] | {"name", "clinic_name"}
    assert RENDERER.variables(template) == expected


@pytest.mark.parametrize("template", sorted(EXPECTED_VARIABLES))
def test_every_template_has_the_channels_its_kind_needs(template: str) -> None:
    channels = RENDERER.channels(template)
    if template in BY_EMAIL_ONLY:  # tokens and links never go anywhere else
        assert channels == {"email"}
        return
    assert {"email", "in_app"} <= channels
    if template in SECURITY:
        assert "sms" in channels
    if template in APPOINTMENTS:
        assert {"sms", "push"} <= channels


@pytest.mark.parametrize(
    ("template", "channel"),
    [(t, c) for t in sorted(EXPECTED_VARIABLES) for c in sorted(RENDERER.channels(t))],
)
def test_every_built_in_renders_on_every_channel_it_has(template: str, channel: str) -> None:
    data = sample(template)
    rendered = RENDERER.render(template, channel, data)
    assert rendered.subject
    assert "\n" not in rendered.subject
    assert rendered.text
    assert rendered.text == rendered.text.strip()
    if channel == "email":
        assert rendered.html is not None
        assert "[clinic_name value]" in rendered.html
        assert "[name value]" in rendered.text
        for name in RENDERER.variables(template) - FLAGS:
            assert data[name] in rendered.subject + rendered.text + rendered.html, name
    else:
        assert rendered.html is None


def test_an_empty_name_greets_without_a_gap() -> None:
    rendered = RENDERER.render("test_message", "email", {**sample("test_message"), "name": ""})
    assert rendered.text.startswith("Hello,\n")


def test_a_missing_variable_is_an_error_naming_it_and_the_file() -> None:
    data = sample("appointment_reminder")
    del data["confirm_url"]
    with pytest.raises(TemplateError) as caught:
        RENDERER.render("appointment_reminder", "sms", data)
    message = str(caught.value)
    assert "`confirm_url`" in message
    assert "appointment_reminder/sms.txt" in message


def test_a_variable_missing_from_a_shared_layout_is_an_error_too() -> None:
    data = sample("test_message")
    del data["clinic_name"]
    with pytest.raises(TemplateError, match="`clinic_name`"):
        RENDERER.render("test_message", "email", data)


def test_unknown_template_and_channel() -> None:
    with pytest.raises(TemplateError, match="unknown template `nope`"):
        RENDERER.render("nope", "email", {})
    with pytest.raises(TemplateError, match=r"unknown template `\.\./verify_email`"):
        RENDERER.channels("../verify_email")
    with pytest.raises(TemplateError, match="unknown channel `fax`"):
        RENDERER.render("test_message", "fax", sample("test_message"))
    with pytest.raises(TemplateError, match="`account_approved` has no push message"):
        RENDERER.render("account_approved", "push", sample("account_approved"))


def test_html_is_escaped_and_text_is_not() -> None:
    data = {**sample("test_message"), "text": "<b>Tom & Jerry</b>", "name": "O'Brien <x>"}
    rendered = RENDERER.render("test_message", "email", data)
    assert "<b>Tom & Jerry</b>" in rendered.text
    assert "O'Brien <x>" in rendered.text
    assert rendered.html is not None
    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in rendered.html
    assert "<b>Tom" not in rendered.html
    assert "O&#39;Brien &lt;x&gt;" in rendered.html
    sms = RENDERER.render("test_message", "sms", data)
    assert "<b>Tom & Jerry</b>" in sms.text


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_clinic_folder_overrides_one_file_and_keeps_the_rest(tmp_path: Path) -> None:
    clinic = write(tmp_path, {"appointment_booked/sms.txt": "{{ clinic_name }}! {{ starts_at }}"})
    renderer = TemplateRenderer([clinic, BUILTIN])
    data = sample("appointment_booked")
    assert renderer.render("appointment_booked", "sms", data).text == (
        "[clinic_name value]! [starts_at value]"
    )
    assert renderer.render("appointment_booked", "email", data) == RENDERER.render(
        "appointment_booked", "email", data
    )
    assert renderer.channels("appointment_booked") == RENDERER.channels("appointment_booked")
    assert renderer.names() == RENDERER.names()


def test_a_clinic_folder_adds_templates_and_channels(tmp_path: Path) -> None:
    clinic = write(
        tmp_path,
        {
            "lab_results_ready/subject.txt": "Results from {{ lab }}",
            "lab_results_ready/in_app.txt": "{{ lab }} sent your results.",
            "account_approved/push.txt": "Welcome, {{ name }}!",
        },
    )
    renderer = TemplateRenderer([clinic, BUILTIN])
    assert "lab_results_ready" in renderer.names()
    assert renderer.channels("lab_results_ready") == {"in_app"}
    assert renderer.variables("lab_results_ready") == {"lab"}
    assert renderer.channels("account_approved") == {"email", "in_app", "push"}
    assert renderer.render("account_approved", "push", sample("account_approved")).text == (
        "Welcome, [name value]!"
    )


def test_a_clinic_can_restyle_every_email_through_the_layout(tmp_path: Path) -> None:
    clinic = write(
        tmp_path, {"_layout/base.txt": "{% block content %}{% endblock %}\n-- {{ clinic_name }}"}
    )
    renderer = TemplateRenderer([clinic, BUILTIN])
    renderer.check()
    text = renderer.render("account_locked", "email", sample("account_locked")).text
    assert text.endswith("-- [clinic_name value]")


def test_broken_folders_fail_at_start(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="not found"):
        TemplateRenderer([tmp_path / "missing", BUILTIN])
    no_subject = write(tmp_path / "a", {"orphan/email.txt": "hi"})
    with pytest.raises(TemplateError, match=r"`orphan` has no subject\.txt"):
        TemplateRenderer([no_subject, BUILTIN])


def test_a_copied_template_folder_with_its_declarations_and_hidden_files_is_fine(
    tmp_path: Path,
) -> None:
    clinic = tmp_path / "clinic"
    shutil.copytree(BUILTIN / "new_login", clinic / "new_login")
    write(clinic, {"new_login/.sms.txt.swp": "", "_layout/footer.txt": "--"})
    renderer = TemplateRenderer([clinic, BUILTIN])
    renderer.check()
    assert renderer.strays() == []


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    clinic = write(tmp_path, {"test_message/sms.txt": "ok\n{{ text "})
    renderer = TemplateRenderer([clinic, BUILTIN])
    with pytest.raises(TemplateError) as caught:
        renderer.render("test_message", "sms", sample("test_message"))
    assert f"{clinic / 'test_message' / 'sms.txt'} line 2: " in str(caught.value)


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ("{{ clinic_name | nosuchfilter }}: new sign-in", "No filter named 'nosuchfilter'"),
        ("{{ when is nosuchtest }}", "No test named 'nosuchtest'"),
        # Jinja leaves these to run time: seen passing the check, then failing every delivery.
        ("{% if ip %}({{ when|nosuchfilter }}){% endif %}", "No filter named 'nosuchfilter'"),
        ("{% if when is nosuchtest %}x{% endif %}", "No test named 'nosuchtest'"),
        ('{{ "x" if when is nosuchtest else "y" }}', "No test named 'nosuchtest'"),
        ("{% filter nosuchfilter %}x{% endfilter %}", "No filter named 'nosuchfilter'"),
    ],
)
def test_an_unknown_filter_or_test_fails_the_check_in_one_line_naming_the_file(
    tmp_path: Path, source: str, said: str
) -> None:
    # Regression: jinja2's TemplateAssertionError ("<introspection>") escaped the check raw.
    clinic = write(tmp_path, {"new_login/sms.txt": "Clinic\n" + source})
    with pytest.raises(TemplateError) as caught:
        TemplateRenderer([clinic, BUILTIN]).check()
    message = str(caught.value)
    assert "\n" not in message
    assert f"{clinic / 'new_login' / 'sms.txt'} line 2: {said}" in message


@pytest.mark.parametrize(
    ("file", "channel"),
    [
        ("sms.txt", "sms"),
        ("subject.txt", "email"),
        ("email.html", "email"),
        ("in_app.txt", "in_app"),
    ],
)
def test_a_file_that_renders_to_nothing_is_an_error_naming_it(
    tmp_path: Path, file: str, channel: str
) -> None:
    # Regression: an override rendering to nothing was sent as a blank message.
    clinic = write(tmp_path, {f"test_message/{file}": "{% if false %}x{% endif %}\n"})
    renderer = TemplateRenderer([clinic, BUILTIN])
    with pytest.raises(TemplateError, match=f"`test_message/{file}` renders to nothing"):
        renderer.render("test_message", channel, sample("test_message"))


def test_an_sms_has_no_subject_so_a_blank_one_does_not_stop_it(tmp_path: Path) -> None:
    clinic = write(tmp_path, {"test_message/subject.txt": " \n"})
    renderer = TemplateRenderer([clinic, BUILTIN])
    assert renderer.render("test_message", "sms", sample("test_message")).text


def test_builtin_dir_from_the_environment_wins(tmp_path: Path) -> None:
    copy = tmp_path / "templates"
    shutil.copytree(BUILTIN, copy)
    assert builtin_template_dir({TEMPLATES_ENV: str(copy)}) == copy
    assert builtin_template_dir({}) == BUILTIN


def test_builtin_dir_found_from_the_working_directory_like_the_image(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The image installs the package into a venv and runs in /app, beside /app/config."""
    site = tmp_path / "venv/lib/python3.11/site-packages"
    monkeypatch.setattr(
        _folders, "__file__", str(site / "hduce/plugins/notifications/templates/_folders.py")
    )
    app = tmp_path / "app"
    shutil.copytree(BUILTIN, app / "config/templates/notifications")
    monkeypatch.chdir(app)
    assert builtin_template_dir({}) == app / "config/templates/notifications"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TemplateError, match=TEMPLATES_ENV):
        builtin_template_dir({})


@pytest.mark.parametrize("template", RENDERER.names())
def test_rendering_every_channel_at_once_gives_each_channel_s_message(template: str) -> None:
    data = sample(template)
    together = RENDERER.render_all(template, data)
    assert set(together) == RENDERER.channels(template)
    for channel, rendered in together.items():
        assert rendered == RENDERER.render(template, channel, data)


def test_the_built_ins_use_only_what_they_are_given() -> None:
    RENDERER.check()
    for template in RENDERER.names():
        assert RENDERER.variables(template) <= RENDERER.given(template), template


def test_an_override_using_a_variable_its_template_is_not_given_fails_the_check(
    tmp_path: Path,
) -> None:
    # Seen: `{{ patient_nam }}` in a clinic's subject: every booking a 500, start-up silent.
    clinic = write(
        tmp_path, {"appointment_booked/subject.txt": "Booked {{ starts_at }} for {{ patient_nam }}"}
    )
    with pytest.raises(TemplateError) as caught:
        TemplateRenderer([clinic, BUILTIN]).check()
    message = str(caught.value)
    assert "\n" not in message
    assert str(clinic / "appointment_booked" / "subject.txt") in message
    assert "`patient_nam`" in message


def test_an_override_may_use_any_variable_its_template_is_given(tmp_path: Path) -> None:
    clinic = write(
        tmp_path, {"appointment_booked/sms.txt": "{{ type_name }} until {{ ends_at }} ({{ mode }})"}
    )
    TemplateRenderer([clinic, BUILTIN]).check()


def test_a_shared_layout_override_is_checked_for_every_template_using_it(tmp_path: Path) -> None:
    clinic = write(tmp_path, {"_layout/base.txt": "{% block content %}{% endblock %}\n{{ site }}"})
    with pytest.raises(TemplateError, match=r"_layout/base\.txt.*`site`"):
        TemplateRenderer([clinic, BUILTIN]).check()


def test_a_sender_that_gives_less_than_the_template_is_given_is_an_error() -> None:
    data = sample("appointment_booked")
    del data["ends_at"]  # not used by the built-in files, yet a clinic's may use it
    with pytest.raises(TemplateError, match="`ends_at`, which the sender left out"):
        RENDERER.render("appointment_booked", "email", data)

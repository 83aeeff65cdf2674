"""A refused form says what the field takes, in words, never the validator's regex or path."""

import html
import re

from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import Browser, registration, signed_in

INTERNALS = re.compile(r"regex|\$\.|Expected `|<Role\.")


async def test_registration_errors_name_the_rule_of_the_field(clinic: Clinic) -> None:
    cases = (
        ({"username": "john smith"}, "Usernames are 3-64 letters, digits, '.', '_' or '-'"),
        ({"email": "john.smith"}, "E-mail addresses look like name@example.com"),
        (
            {"email": "john@clinic.example."},
            "Not a usable e-mail address: the domain starts or ends with a dot. E-mail addresses",
        ),
        ({"first_name": ""}, "Give a first name"),
        ({"password": "Correct-Horse-Battery-Staple-" * 9}, "up to 256 characters"),
    )
    for changes, rule in cases:
        answer = await Browser(clinic).submit(
            "/register", registration("John", "Smith", **changes), page="/register"
        )
        assert answer.status_code == 422, answer.text
        assert rule in html.unescape(answer.text), answer.text
        assert not INTERNALS.search(answer.text), answer.text
        assert 'value="Smith"' in answer.text, "the form is kept"


async def test_the_forms_help_before_they_are_sent(clinic: Clinic) -> None:
    page = (await Browser(clinic).get("/register")).text
    username = re.search(r'<input id="username"[^>]*>', page)
    assert username, page
    assert 'pattern="[A-Za-z0-9][A-Za-z0-9_.\\-]{2,63}"' in username[0]
    assert 'aria-describedby="username-hint"' in username[0]
    assert 'id="username-hint"' in page
    assert re.search(r'<input id="first_name"[^>]*minlength="1"[^>]*required', page)


async def test_profile_and_roles_errors_are_in_words(clinic: Clinic) -> None:
    _, patient = await signed_in(clinic, "patient")
    data = {"first_name": "", "last_name": "X", "timezone": "UTC"}
    answer = await patient.submit("/portal/account", data, page="/portal/account")
    assert answer.status_code == 422, answer.text
    assert "Give a first name" in answer.text, answer.text
    assert not INTERNALS.search(answer.text), answer.text
    nurse = await clinic.member("nurse")
    _, admin = await signed_in(clinic, "admin")
    emptied = await admin.submit(f"/admin/users/{nurse.id}/roles", {}, page="/admin/users")
    assert emptied.status_code == 422
    assert "Choose at least one role" in emptied.text, emptied.text
    assert not INTERNALS.search(emptied.text), emptied.text

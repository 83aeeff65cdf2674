"""Refused settings (quiet hours, two-factor sign-in) come back on their own page, in words."""

import re

import pyotp

from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import signed_in
from tests.plugins.web.test_form_refusals import refused_as_typed

SECRET = re.compile(r'<code id="secret">([A-Z2-7]+)</code>')


async def test_bad_quiet_hours_keep_the_form(clinic: Clinic) -> None:
    _, browser = await signed_in(clinic, "patient")
    url = "/portal/notifications"
    ticked = {"appointments.sms": "on"}
    for times, reason in (
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "is not a time like 22:00"),
        ({"quiet_start": "22:00", "quiet_end": "22:00"}, "two different times"),
        ({"quiet_start": "22:00", "quiet_end": ""}, "a start and an end"),
    ):
        answer = await browser.submit(url, {**ticked, **times}, page=url)
        page = refused_as_typed(answer, reason, times["quiet_start"])
        assert "Save my settings" in page
        assert re.search(r'name="appointments\.sms"[^>]* checked', page), "ticks kept"
        assert not re.search(r'name="appointments\.email"[^>]* checked', page)


async def test_two_factor_refusals_are_the_security_page_in_words(clinic: Clinic) -> None:
    _, browser = await signed_in(clinic, "patient")
    early = await browser.submit("/portal/security/confirm", {"code": "123456"}, page="/portal")
    page = refused_as_typed(early, "Set up two-factor sign-in first", status=409)
    assert "POST" not in page and "/auth/" not in page, "no API words"
    enrolment = await browser.submit("/portal/security/enroll", {}, page="/portal/security")
    secret = SECRET.search(enrolment.text)
    assert secret, enrolment.text
    code = pyotp.TOTP(secret[1]).now()
    on = await browser.submit("/portal/security/confirm", {"code": code}, page="/portal")
    assert on.status_code == 200, on.text
    again = await browser.submit("/portal/security/enroll", {}, page="/portal/security")
    page = refused_as_typed(again, "already on", status=409)
    assert "MFA" not in page
    twice = await browser.submit("/portal/security/confirm", {"code": code}, page="/portal")
    refused_as_typed(twice, "already on", status=409)

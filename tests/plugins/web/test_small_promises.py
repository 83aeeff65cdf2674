"""Pages the README and the messages promise: sign-out by link, the lockout's wait, offer links."""

from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import CSRF, Browser, new_id, signed_in


async def test_the_sign_out_link_shows_a_one_button_form_that_signs_out(clinic: Clinic) -> None:
    signed_out = await Browser(clinic).get("/logout")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/login"
    _, browser = await signed_in(clinic, "patient")
    page = await browser.get("/logout")
    assert page.status_code == 200, page.text
    assert '<form method="post" action="/logout"' in page.text
    token = CSRF.search(page.text)
    assert token, page.text
    done = await browser.request("POST", "/logout", data={"csrf_token": token[1]})
    assert done.status_code == 303, done.text
    assert (await browser.get("/portal")).headers["location"].startswith("/login")


async def test_the_web_lockout_says_when_to_try_again(clinic: Clinic) -> None:
    browser = Browser(clinic)
    ghost = f"ghost-{new_id()[:8]}"
    for _ in range(6):
        answer = await browser.submit(
            "/login", {"login": ghost, "password": "wrong"}, page="/login"
        )
    assert answer.status_code == 429, answer.text
    assert int(answer.headers["retry-after"]) >= 1
    assert "locked for 1 minute." in answer.text, "the first lock lasts lockout_base (60 s)"


async def test_the_default_offer_link_leads_to_the_portals_waitlist(clinic: Clinic) -> None:
    link = f"/appointments/waitlist/{new_id()}/claim"
    signed_out = await Browser(clinic).get(link, headers={"Accept": "text/html"})
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == f"/login?next={link}"
    _, browser = await signed_in(clinic, "patient")
    answer = await browser.get(link, headers={"Accept": "text/html"})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/portal/waitlist"

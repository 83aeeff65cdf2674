"""Pages the README and the messages promise: sign-out by link, the lockout's wait, offer links."""

from tests.plugins.devices.helpers import eventually
from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import (
    CSRF,
    PASSWORD,
    Browser,
    new_id,
    person,
    registration,
    signed_in,
)
from tests.support.mail import token_in

NEW_PASSWORD = "Velvet-Harbor-Cactus-9315"
MAILED = (
    "SELECT d.body_text FROM delivery d JOIN notification n ON n.id = d.notification "
    "WHERE n.recipient = $1 AND n.template = $2 AND d.channel = 'email'"
)


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


async def test_the_pages_of_the_mailed_links_lead_to_the_sign_in_page(clinic: Clinic) -> None:
    browser = Browser(clinic)
    form = registration("Noor", "Haddad")
    assert (await browser.submit("/register", form, page="/register")).status_code == 200
    (account,) = await clinic.fetch("SELECT id FROM account WHERE email = $1", form["email"])
    mail = await eventually(clinic, MAILED, account["id"], "verify_email")
    verified = await browser.request(
        "POST", "/verify-email", data={"token": token_in(mail["body_text"])}
    )
    assert verified.status_code == 200, verified.text
    assert '<a href="/login">Sign in</a>' in verified.text
    member = await person(clinic, "patient")
    await browser.submit("/forgot-password", {"email": member.email}, page="/forgot-password")
    mail = await eventually(clinic, MAILED, member.id, "password_reset")
    new = {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    token = {"token": token_in(mail["body_text"])}
    changed = await browser.request("POST", "/reset-password", data=token | new)
    assert changed.status_code == 200, changed.text
    assert '<a href="/login">Sign in</a>' in changed.text


async def test_signing_in_leads_back_to_the_page_with_its_query(clinic: Clinic) -> None:
    # Seen: /desk?day=…&view=week while signed out led to /desk, the day and view lost.
    browser = Browser(clinic)
    page = "/desk?day=2030-01-07&view=week"
    signed_out = await browser.get(page)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/login?next=/desk%3Fday%3D2030-01-07%26view%3Dweek"
    form = await browser.get(signed_out.headers["location"])
    assert 'name="next" value="/desk?day=2030-01-07&amp;view=week"' in form.text
    member = await person(clinic, "receptionist")
    data = {"login": member.email, "password": PASSWORD, "next": page}
    signed_in_again = await browser.submit("/login", data, page="/login")
    assert signed_in_again.headers["location"] == page

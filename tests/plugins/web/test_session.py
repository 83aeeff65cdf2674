"""Sign-in: cookies bound to the API session, CSRF on every form, revocation ends the session."""

import uuid

import pytest
from httpx import Response

from hduce.core.config import Settings
from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import PASSWORD, Browser, bearer, person, registration, signed_in
from tests.support.context import fresh_rate_limits
from tests.support.mail import mailed_token


@pytest.fixture(autouse=True)
async def fresh_sign_in_budget(settings: Settings) -> None:
    """The module's clinic is shared, so is its per-address sign-in limit: afresh per test."""
    await fresh_rate_limits(settings.database.url)


async def test_root_leads_to_sign_in_and_then_to_the_roles_page(clinic: Clinic) -> None:
    browser = Browser(clinic)
    assert (await browser.get("/")).headers["location"] == "/login"
    member = await person(clinic, "receptionist")
    answer = await browser.sign_in(member.email)
    assert answer.headers["location"] == "/desk"
    assert (await browser.get("/")).headers["location"] == "/desk"
    assert (await browser.get("/desk")).status_code == 200
    assert (await clinic.client.get("/docs")).status_code == 200


async def test_sign_in_goes_on_only_to_a_clean_path_of_this_site(clinic: Clinic) -> None:
    # Seen: htmx's sign-in with CR/LF in `next` dropped the connection once signed in, and
    # `/<tab>/evil.example` was sent as HX-Redirect, which a browser reads as //evil.example.
    for target in ("/portal\r\nX: y", "/\t/evil.example", "/ /evil.example", "/\x7f/x"):
        page = await Browser(clinic).get("/login", params={"next": target})
        assert 'name="next" value="/"' in page.text, target
    member = await person(clinic, "patient")
    targets = (("/portal\r\nX: y", "/portal"), ("/portal/inbox?q=Zoë", "/portal/inbox?q=Zo%C3%AB"))
    for target, destination in targets:
        browser = Browser(clinic)
        data = {"login": member.email, "password": PASSWORD, "next": target}
        data["csrf_token"] = await browser.csrf("/login")
        headers = {"HX-Request": "true"}
        answer = await browser.request("POST", "/login", data=data, headers=headers)
        assert answer.status_code == 204, answer.text
        assert answer.headers["hx-redirect"] == destination


async def test_session_cookies_are_http_only_and_same_site(clinic: Clinic) -> None:
    member = await person(clinic, "patient")
    answer = await Browser(clinic).sign_in(member.email)
    cookies = [v for k, v in answer.headers.multi_items() if k == "set-cookie"]
    session = [c for c in cookies if c.startswith(("hduce_access=", "hduce_refresh="))]
    assert len(session) == 2
    for cookie in session:
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain HTTP here


async def test_cookies_are_secure_over_https(clinic: Clinic) -> None:
    member = await person(clinic, "patient")
    browser = Browser(clinic)
    token = await browser.csrf("https://testserver.local/login")
    data = {"csrf_token": token, "login": member.email, "password": PASSWORD}
    answer = await browser.request("POST", "https://testserver.local/login", data=data)
    assert answer.status_code == 303, answer.text
    cookies = [v for k, v in answer.headers.multi_items() if k == "set-cookie"]
    assert all("Secure" in c for c in cookies if c.startswith("hduce_access="))


async def test_wrong_password_shows_the_apis_answer(clinic: Clinic) -> None:
    member = await person(clinic, "patient")
    browser = Browser(clinic)
    data = {"login": member.email, "password": "not-the-password"}
    answer = await browser.submit("/login", data, page="/login")
    assert answer.status_code == 401
    assert "Wrong e-mail address, username or password." in answer.text
    assert "hduce_access" not in browser.cookies


async def test_an_error_the_database_raises_is_a_page_not_problem_json(clinic: Clinic) -> None:
    # A NUL in a form field (PostgreSQL refuses it) answered the browser with problem+json.
    browser = Browser(clinic)
    data = {"login": "front\x00desk", "password": "not-the-password"}
    answer = await browser.submit("/login", data, page="/login")
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    # Refused before the database now (as any control character), the form says why.
    assert "text may not contain control characters (here U+0000)" in answer.text
    assert "<h1>Sign in</h1>" in answer.text


async def test_a_form_field_that_does_not_decode_is_the_400_page(clinic: Clinic) -> None:
    # Seen: a field that is not UTF-8 (or names a charset Python lacks) was a 500, signed out.
    browser = Browser(clinic)
    token = await browser.csrf("/login")
    headers = {"Content-Type": "multipart/form-data; boundary=XX"}
    for path in ("/login", "/register", "/forgot-password"):
        for field in (
            b"\r\n\r\n\xff",
            b"\r\nContent-Type: text/plain; charset=bogus\r\n\r\nx",
            b"\r\nContent-Type: text/plain; charset=undefined\r\n\r\nx",
        ):
            form = (
                b'--XX\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                + token.encode()
                + b'\r\n--XX\r\nContent-Disposition: form-data; name="email"'
                + field
                + b"\r\n--XX--\r\n"
            )
            page = await browser.request("POST", path, content=form, headers=headers)
            assert page.status_code == 400, (path, page.text)
            assert page.headers["content-type"].startswith("text/html")
            assert "does not parse" in page.text, page.text


async def test_an_unknown_address_is_a_page_for_a_browser_and_a_problem_for_the_api(
    clinic: Clinic,
) -> None:
    # A mistyped address (or a malformed id) answered the browser with problem+json.
    browser = Browser(clinic)
    html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for address in ("/portal/no-such-page", "/portal/documents/not-an-id"):
        page = await browser.get(address, headers=html)
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "There is no page at this address." in page.text
    api = await browser.get("/api/v1/no-such-thing", headers=html)
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    script = await browser.get("/portal/no-such-page")  # asks for no HTML
    assert script.headers["content-type"] == "application/problem+json"
    wrong_method = await browser.request("DELETE", "/login", headers=html)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"].startswith("text/html")
    assert "GET" in wrong_method.headers["allow"]


async def test_a_form_without_the_csrf_token_is_refused(clinic: Clinic) -> None:
    _, browser = await signed_in(clinic, "patient")
    refused = await browser.request("POST", "/logout", data={})
    assert refused.status_code == 403
    assert "did not come from this site" in refused.text
    # The session survives the refused request.
    assert (await browser.get("/portal")).status_code == 200


async def test_another_sessions_csrf_token_is_refused(clinic: Clinic) -> None:
    _, mallory = await signed_in(clinic, "patient")
    stolen = await mallory.csrf("/portal")
    _, victim = await signed_in(clinic, "patient")
    refused = await victim.request("POST", "/logout", data={"csrf_token": stolen})
    assert refused.status_code == 403
    assert (await victim.get("/portal")).status_code == 200


async def test_sign_in_form_needs_its_csrf_token(clinic: Clinic) -> None:
    member = await person(clinic, "patient")
    browser = Browser(clinic)
    data = {"login": member.email, "password": PASSWORD}
    refused = await browser.request("POST", "/login", data=data)
    assert refused.status_code == 403
    assert "hduce_access" not in browser.cookies


async def test_a_session_revoked_through_the_api_ends_the_web_session(clinic: Clinic) -> None:
    _, browser = await signed_in(clinic, "patient")
    sessions = await clinic.client.get("/api/v1/auth/sessions", headers=bearer(browser))
    assert sessions.status_code == 200, sessions.text
    (current,) = [s for s in sessions.json() if s["current"]]
    revoked = await clinic.client.delete(
        f"/api/v1/auth/sessions/{current['id']}", headers=bearer(browser)
    )
    assert revoked.status_code == 204, revoked.text
    for _ in range(100):
        answer = await browser.get("/portal")
        if answer.status_code == 303:
            break
    assert answer.headers["location"] == "/login?next=/portal"
    assert "hduce_refresh" not in browser.cookies


async def test_sign_out_ends_the_api_session_too(clinic: Clinic) -> None:
    _, browser = await signed_in(clinic, "patient")
    headers = bearer(browser)
    assert (await clinic.client.get("/api/v1/users/me", headers=headers)).status_code == 200
    answer = await browser.submit("/logout", {}, page="/portal")
    assert answer.headers["location"] == "/login"
    assert (await clinic.client.get("/api/v1/users/me", headers=headers)).status_code == 401
    assert (await browser.get("/portal")).status_code == 303


async def test_an_expired_access_cookie_is_renewed_with_the_refresh_cookie(clinic: Clinic) -> None:
    _, browser = await signed_in(clinic, "patient")
    old_refresh = browser.cookies["hduce_refresh"]
    browser.cookies["hduce_access"] = "expired.or.forged"
    assert (await browser.get("/portal")).status_code == 200
    assert browser.cookies["hduce_refresh"] != old_refresh
    assert (await browser.get("/portal")).status_code == 200


async def test_pages_are_not_stored_and_allow_no_inline_script(clinic: Clinic) -> None:
    _, browser = await signed_in(clinic, "patient")
    page = await browser.get("/portal")
    assert page.headers["cache-control"] == "no-store"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in page.text
    assert " style=" not in page.text


async def test_forgot_password_mails_a_reset_link_and_says_the_same_for_strangers(
    clinic: Clinic,
) -> None:
    member = await person(clinic, "patient")
    browser = Browser(clinic)
    assert 'href="/forgot-password"' in (await browser.get("/login")).text
    known = await browser.submit(
        "/forgot-password", {"email": member.email}, page="/forgot-password"
    )
    stranger = await browser.submit(
        "/forgot-password", {"email": "nobody-here@example.org"}, page="/forgot-password"
    )
    assert known.status_code == stranger.status_code == 200, known.text
    assert "a link to choose a new password is on its way" in known.text
    assert "a link to choose a new password is on its way" in stranger.text
    await mailed_token(clinic, member.id, "password_reset")  # mailed by a task, after the page
    (tokens,) = await clinic.fetch(
        "SELECT count(*) AS n FROM one_time_token "
        "WHERE account = $1 AND purpose = 'reset_password'",
        member.id,
    )
    assert tokens["n"] == 1
    refused = await browser.request("POST", "/forgot-password", data={"email": member.email})
    assert refused.status_code == 403  # no CSRF token


async def test_a_taken_username_marks_the_username_field(clinic: Clinic) -> None:
    # Seen: "This username is taken" focused the reason, the username field not marked.
    browser = Browser(clinic)
    first = registration("Ivo", "Marsh")
    assert (await browser.submit("/register", first, page="/register")).status_code == 200
    again = registration("Ivo", "Marsh", username=first["username"])
    taken = await browser.submit("/register", again, page="/register")
    assert taken.status_code == 409, taken.text
    assert 'data-fields="username"' in taken.text


async def test_registering_a_known_address_shows_the_page_a_new_one_gets(clinic: Clinic) -> None:
    member = await person(clinic, "patient")
    browser = Browser(clinic)
    fresh_form = registration("Nia", "Obi")
    fresh = await browser.submit("/register", fresh_form, page="/register")
    known = await browser.submit(
        "/register", registration("Nia", "Obi", email=member.email), page="/register"
    )
    assert known.status_code == fresh.status_code == 200, known.text
    assert known.text.replace(member.email, "ADDRESS").count("We sent an e-mail to") == 1
    masked = [page.text.split("<main", 1)[1] for page in (fresh, known)]
    assert masked[0].replace(fresh_form["email"], "X") == masked[1].replace(member.email, "X")
    (accounts,) = await clinic.fetch(
        "SELECT count(*) AS n FROM account WHERE email = $1", member.email
    )
    assert accounts["n"] == 1


async def test_a_form_sent_after_the_session_ended_asks_to_sign_in_and_shows_the_text(
    clinic: Clinic,
) -> None:
    # Seen: signed out in another tab, the form's Save answered 403 "did not come from this
    # site" at the POST address, the typed text gone and no way to sign in from there.
    _, browser = await signed_in(clinic, "patient")
    token = await browser.csrf("/portal/account")
    await browser.submit("/logout", {}, page="/portal/account")
    form = {"csrf_token": token, "address": "12 <Quiet> Lane", "phone": ""}
    referer = {"Referer": "http://testserver.local/portal/account?from=menu"}
    answer = await browser.request("POST", "/portal/account", data=form, headers=referer)
    asks_to_sign_in_again(answer, "Your session ended", "/portal/account?from=menu", token)


def asks_to_sign_in_again(answer: Response, said: str, back: str, token: str) -> None:
    """The sign-in page for a form of an ended session: `said`, leading `back`, the text shown.

    The text: an address of "12 <Quiet> Lane"; `token`, the ended session's, is not shown again.
    """
    assert answer.status_code == 401, answer.text
    assert "did not come from this site" not in answer.text
    assert said in answer.text
    assert 'action="/login"' in answer.text
    assert f'name="next" value="{back}"' in answer.text
    assert "12 &lt;Quiet&gt; Lane" in answer.text
    assert token not in answer.text


async def test_a_live_update_after_the_session_ended_leads_back_to_the_page(
    clinic: Clinic,
) -> None:
    # Seen: the desk's patient finder, signed out, sent the browser to sign in with `next` set
    # to the fragment's address: after signing in, a bare unstyled fragment.
    _, browser = await signed_in(clinic, "receptionist")
    await browser.submit("/logout", {}, page="/desk")
    page = "http://testserver.local/desk/book?reason=x"
    headers = {"HX-Request": "true", "HX-Current-URL": page}
    # Later seen: that redirect replaced the whole page, and what the form held with it; the
    # refusal now takes the fragment's place with a way to sign in, the page left as it is.
    answer = await browser.get("/desk/patients?q=Ali", headers=headers)
    assert answer.status_code == 401
    assert "hx-redirect" not in answer.headers
    assert 'id="refusal"' in answer.text
    assert "Your session ended" in answer.text
    assert 'href="/login?next=/desk/book%3Freason%3Dx"' in answer.text
    foreign = {"HX-Request": "true", "HX-Current-URL": "https://evil.example/desk"}
    elsewhere = await browser.get("/desk/patients?q=Ali", headers=foreign)
    assert 'href="/login?next=/desk"' in elsewhere.text


async def test_signing_in_again_never_leads_to_an_address_that_only_takes_forms(
    clinic: Clinic,
) -> None:
    # Seen: a refusal is shown at its form's POST address; a form sent from it after the
    # session ended set `next` to that address, and signing in led to 405 "Method Not Allowed".
    _, browser = await signed_in(clinic, "receptionist", "admin")
    token = await browser.csrf("/desk")
    await browser.submit("/logout", {}, page="/desk")
    visit, practitioner = uuid.uuid4(), uuid.uuid4()
    reschedule = f"/desk/visits/{visit}/reschedule?day=2026-12-07"  # a page as well
    pages = {
        f"/desk/visits/{visit}/cancel": "/desk",
        f"/admin/hours/{practitioner}?x=1": "/admin/hours",
        reschedule: reschedule,
    }
    for page, destination in pages.items():
        form = {"csrf_token": token, "reason": "Feeling better"}
        referer = {"Referer": f"http://testserver.local{page}"}
        answer = await browser.request(
            "POST", f"/desk/visits/{visit}/cancel", data=form, headers=referer
        )
        assert answer.status_code == 401, answer.text
        assert f'name="next" value="{destination}"' in answer.text, page


async def test_signing_out_after_the_session_ended_lands_on_the_sign_in_page(
    clinic: Clinic,
) -> None:
    # Seen: "Sign out" on a page left open after signing out in another tab answered 401 "Your
    # session ended, so this was not saved" though nothing was being saved.
    _, browser = await signed_in(clinic, "patient")
    forged = await browser.request("POST", "/logout", data={"csrf_token": "0" * 64})
    assert forged.status_code == 403  # signed in, the token still guards the sign-out
    token = await browser.csrf("/portal")
    await browser.submit("/logout", {}, page="/portal")
    answer = await browser.request("POST", "/logout", data={"csrf_token": token})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/login"
    assert (await browser.get("/portal")).headers["location"].startswith("/login")


async def test_an_address_opened_the_wrong_way_says_so_in_plain_words_with_a_way_back(
    clinic: Clinic,
) -> None:
    # Seen: a cancel button's address opened as a link (or a form sent twice) showed
    # "Method Not Allowed" and "GET is not allowed on this path; it allows POST".
    _, browser = await signed_in(clinic, "receptionist")
    html = {"Accept": "text/html"}
    visit = uuid.uuid4()
    for method, address, back in (
        ("GET", f"/desk/visits/{visit}/cancel", "/desk"),
        ("DELETE", "/portal/account", "/portal/account"),
    ):
        page = await browser.request(method, address, headers=html)
        assert page.status_code == 405, page.text
        # The API's promise kept for a client that reads it, as OPTIONS says it (it said
        # "POST, OPTIONS, GET" where OPTIONS said "GET, HEAD, OPTIONS, POST").
        options = await browser.request("OPTIONS", address)
        assert page.headers["allow"] == options.headers["allow"], options.headers
        shown = page.text.split("<main", 1)[1]
        for jargon in ("Method", "method", "GET", "POST", "DELETE", "path"):
            assert jargon not in shown, (address, jargon, shown)
        assert "This page cannot be opened this way" in shown
        assert f'<a href="{back}">' in shown, shown


async def test_a_form_sent_after_another_sign_in_in_the_browser_is_shown_not_saved(
    clinic: Clinic,
) -> None:
    # Seen: someone else signed in in a second tab; the first tab's Save answered 403 "did not
    # come from this site" and the typed text was lost. It must never be saved as the other.
    _, first = await signed_in(clinic, "patient")
    token = await first.csrf("/portal/account")
    _, second = await signed_in(clinic, "patient")
    first.cookies = dict(second.cookies)  # one browser: the second sign-in's cookies now
    form = {"csrf_token": token, "address": "12 <Quiet> Lane", "first_name": "Ann"}
    referer = {"Referer": "http://testserver.local/portal/account"}
    answer = await first.request("POST", "/portal/account", data=form, headers=referer)
    said = "The session this page was opened in has ended"
    asks_to_sign_in_again(answer, said, "/portal/account", token)
    me = await clinic.client.get("/api/v1/users/me", headers=bearer(second))
    assert me.json()["address"] is None  # nothing saved as the one signed in now
    assert (await first.get("/portal/account")).status_code == 200  # still signed in

"""The pages e-mailed links open: confirm an address and choose a new password, in plain HTML."""

from tests.plugins.auth.helpers import PASSWORD, AuthApp
from tests.plugins.auth.test_passwords import reset_token

NEW_PASSWORD = "Velvet-Harbor-Cactus-9315"


async def test_the_verification_link_confirms_with_a_button(app: AuthApp) -> None:
    user = await app.register()
    token = await app.mailed_token("verify_email", user["email"])

    shown = await app.client.get("/verify-email", params={"token": token})
    assert shown.status_code == 200
    assert shown.headers["content-type"].startswith("text/html")
    assert shown.headers["cache-control"] == "no-store"
    assert shown.headers["referrer-policy"] == "no-referrer"
    assert f'value="{token}"' in shown.text
    assert (await app.login(user["email"])).status_code == 403, "a GET alone confirms nothing"

    confirmed = await app.client.post("/verify-email", data={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    assert "confirmed" in confirmed.text
    assert 'href="/login"' not in confirmed.text, "no web console here: no sign-in page to link"
    assert (await app.login(user["email"])).status_code == 200

    again = await app.client.post("/verify-email", data={"token": token})
    assert again.status_code == 400
    assert 'class="error"' in again.text


async def test_the_reset_link_sets_a_new_password_and_explains_refusals(app: AuthApp) -> None:
    user = await app.active_user()
    token = await reset_token(app, user["email"])
    shown = await app.client.get("/reset-password", params={"token": token})
    assert shown.status_code == 200 and 'name="new_password"' in shown.text

    form = {"token": token, "new_password": NEW_PASSWORD, "confirm_password": "something else"}
    differ = await app.client.post("/reset-password", data=form)
    assert (differ.status_code, "differ" in differ.text) == (422, True)
    weak = {"token": token, "new_password": "password1234", "confirm_password": "password1234"}
    refused = await app.client.post("/reset-password", data=weak)
    assert refused.status_code == 422
    assert 'class="error"' in refused.text and f'value="{token}"' in refused.text

    good = {"token": token, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    changed = await app.client.post("/reset-password", data=good)
    assert changed.status_code == 200, changed.text
    assert (await app.login(user["email"], NEW_PASSWORD)).status_code == 200
    assert (await app.login(user["email"], PASSWORD)).status_code == 401
    reused = await app.client.post("/reset-password", data=good)
    assert reused.status_code == 400


async def test_markup_in_a_token_is_escaped_and_a_missing_token_is_explained(
    app: AuthApp,
) -> None:
    hostile = '"><script>alert(1)</script>'
    shown = await app.client.get("/verify-email", params={"token": hostile})
    assert "<script>" not in shown.text and "&lt;script&gt;" in shown.text
    missing = await app.client.get("/reset-password")
    assert missing.status_code == 400 and "no token" in missing.text


async def test_the_pages_put_their_content_in_a_main_landmark(app: AuthApp) -> None:
    # Seen: axe's landmark-one-main and region: the content sat in no landmark.
    for path in ("/verify-email", "/reset-password"):
        for params in ({"token": "t"}, {}):
            shown = await app.client.get(path, params=params)
            content = shown.text.split("<main>", 1)[-1]
            assert shown.text.count("<main>") == 1 and "<h1>" in content, path
            assert content.rstrip().endswith("</main></body></html>"), path

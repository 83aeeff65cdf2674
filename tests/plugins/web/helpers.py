"""A clinic with the web plugin, and browsers-in-miniature that keep their own cookies."""

import re
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import msgspec
from argon2 import PasswordHasher
from httpx import Response

from hduce.core.config import Settings
from tests.plugins.appointments.helpers import appointment_settings
from tests.plugins.users.clinic import Clinic, Member

PASSWORD = "quiet-lantern-orbit-97"
PASSWORD_HASH = PasswordHasher(memory_cost=1024, time_cost=1, parallelism=1).hash(PASSWORD)
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def web_settings(settings: Settings, **auth: Any) -> Settings:
    """Identity, notifications, appointments and web on; no global rate limit."""
    server = msgspec.structs.replace(settings.server, rate_limit_per_minute=100_000)
    base = appointment_settings(msgspec.structs.replace(settings, server=server), notifications={})
    sections = {**base.plugins.sections, "auth": {**base.plugins.sections["auth"], **auth}}
    enabled = (*base.plugins.enabled, "web")
    plugins = msgspec.structs.replace(base.plugins, enabled=enabled, sections=sections)
    return msgspec.structs.replace(base, plugins=plugins)


@dataclass
class Browser:
    """One person's browser: its own cookie jar over the shared test client."""

    clinic: Clinic
    cookies: dict[str, str] = field(default_factory=dict)

    async def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """Send with this browser's cookies and keep the ones the answer sets."""
        client = self.clinic.client
        client.cookies.clear()
        jar = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        headers = {**kwargs.pop("headers", {}), **({"Cookie": jar} if jar else {})}
        response = await client.request(
            method, url, headers=headers, follow_redirects=False, **kwargs
        )
        client.cookies.clear()
        for header in response.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    async def get(self, url: str, **kwargs: Any) -> Response:
        """GET `url`."""
        return await self.request("GET", url, **kwargs)

    async def csrf(self, url: str) -> str:
        """The CSRF token of the forms on the page at `url`."""
        page = await self.get(url)
        assert page.status_code == 200, page.text
        found = CSRF.search(page.text)
        assert found, page.text
        return found[1]

    async def submit(self, url: str, data: dict[str, str], *, page: str = "/") -> Response:
        """POST a form with the token of the page at `page`."""
        return await self.request("POST", url, data={"csrf_token": await self.csrf(page), **data})

    async def sign_in(self, login: str, password: str = PASSWORD) -> Response:
        """Sign in through the form; returns the redirect."""
        data = {"login": login, "password": password, "next": "/"}
        response = await self.submit("/login", data, page="/login")
        assert response.status_code == 303, response.text
        return response


async def person(clinic: Clinic, *roles: str, **profile: Any) -> Member:
    """An active, verified account whose password is `PASSWORD`."""
    return await clinic.member(*roles, password_hash=PASSWORD_HASH, **profile)


async def signed_in(clinic: Clinic, *roles: str, **profile: Any) -> tuple[Member, Browser]:
    """A new account and a browser signed in as it."""
    member = await person(clinic, *roles, **profile)
    browser = Browser(clinic)
    await browser.sign_in(member.email)
    return member, browser


def bearer(browser: Browser) -> dict[str, str]:
    """The browser's access cookie used as an API bearer token (it is the API's token)."""
    return {"Authorization": f"Bearer {browser.cookies['hduce_access']}"}


def registration(first_name: str, last_name: str, /, **changes: str) -> dict[str, str]:
    """The fields of a `/register` form that would be accepted, with `changes`."""
    tag = new_id()[:8]
    form = {
        "email": f"{first_name.lower()}.{tag}@example.test",
        "username": f"{first_name.lower()}_{tag}",
        "password": "a-long-enough-passphrase",
        "first_name": first_name,
        "last_name": last_name,
    }
    return form | changes


def new_id() -> str:
    """A random id that names nothing."""
    return str(uuid.uuid4())

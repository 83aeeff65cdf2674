"""The admin API of webhooks: who may use it, what it refuses, and the secret shown once."""

import functools
import uuid

import httpx
import pytest

from hduce.contracts.audit import AuditLog
from hduce.core.errors import PROBLEM_JSON
from hduce.plugins.webhooks import WebhooksPlugin
from hduce.plugins.webhooks.errors import InvalidWebhook
from hduce.plugins.webhooks.schemas import WebhookCreate
from hduce.plugins.webhooks.services import WebhookService
from hduce.plugins.webhooks.store import WebhookStore
from tests.plugins.users.clinic import Clinic, Member

API = "/api/v1/webhooks"
BODY = {"url": "http://127.0.0.1:9/hook", "events": ["appointment.*"]}


@pytest.mark.parametrize("role", ["patient", "doctor", "nurse", "receptionist"])
async def test_only_admins_manage_webhooks(clinic: Clinic, role: str) -> None:
    member = await clinic.member(role)
    created = await clinic.client.post(API, json=BODY, headers=member.headers)
    listed = await clinic.client.get(API, headers=member.headers)
    assert (created.status_code, listed.status_code) == (403, 403)


async def test_anonymous_callers_get_401(clinic: Clinic) -> None:
    assert (await clinic.client.get(API)).status_code == 401


async def test_the_secret_is_shown_once(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    created = await clinic.client.post(API, json=BODY, headers=admin.headers)
    assert created.status_code == 201, created.text
    assert created.json()["secret"].startswith("whsec_")
    webhook_id = created.json()["id"]
    read = await clinic.client.get(f"{API}/{webhook_id}", headers=admin.headers)
    listed = await clinic.client.get(API, headers=admin.headers)
    assert "secret" not in read.json()
    assert all("secret" not in item for item in listed.json()["items"])
    assert "appointment.booked" in listed.json()["event_names"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({**BODY, "events": ["appointment.booke"]}, "matches no event"),
        ({**BODY, "events": ["user.login"]}, "matches no event"),
        ({**BODY, "url": "ftp://example.test/hook"}, "http(s) URL"),
        ({**BODY, "url": "https://user:pw@example.test/hook"}, "credentials"),
        # A host with an empty or too long label: taken, then each delivery crashed on it.
        ({**BODY, "url": "https://a..b/x"}, "empty label"),
        ({**BODY, "url": "https://" + "a" * 64 + ".example/x"}, "longer than 63"),
        ({**BODY, "url": "https://\u2603.example/x"}, "Invalid IDNA hostname"),
        # An unclosed IPv6 bracket was a 500 (urlsplit's ValueError).
        ({**BODY, "url": "https://[::1/x"}, "not a valid URL"),
        # Names no resolver can find were taken, then failed every delivery.
        ({**BODY, "url": "https://a b.example/x"}, "cannot be in a host name"),
        ({**BODY, "url": "https://a%20b.example/x"}, "cannot be in a host name"),
        ({**BODY, "url": "https://xn--zz.example/x"}, "not valid punycode"),
    ],
)
async def test_bad_webhooks_are_422_problems(
    clinic: Clinic, body: dict[str, object], words: str
) -> None:
    admin = await clinic.member("admin")
    response = await clinic.client.post(API, json=body, headers=admin.headers)
    assert_problem(response, words)


async def test_a_bad_url_in_a_change_is_a_422_problem(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    assert_problem(await changed(clinic, admin, {"url": "https://[::1/x"}), "not a valid URL")


def assert_problem(response: httpx.Response, words: str) -> None:
    """A 422 problem whose detail says `words`."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert words in response.json()["detail"]


async def changed(clinic: Clinic, admin: Member, change: dict[str, object]) -> httpx.Response:
    """Register a webhook, then PATCH `change` onto it; the PATCH's answer."""
    webhook_id = (await clinic.client.post(API, json=BODY, headers=admin.headers)).json()["id"]
    return await clinic.client.patch(f"{API}/{webhook_id}", json=change, headers=admin.headers)


async def audited(clinic: Clinic, webhook_id: str) -> list[tuple[str, object]]:
    rows = await clinic.fetch(
        "SELECT action, actor_id FROM audit_event WHERE detail->>'webhook_id' = $1 ORDER BY id",
        webhook_id,
    )
    return [(row["action"], row["actor_id"]) for row in rows]


async def test_changes_are_audited(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    response = await changed(clinic, admin, {"description": "billing"})
    assert response.status_code == 200, response.text
    webhook_id = response.json()["id"]
    await clinic.client.delete(f"{API}/{webhook_id}", headers=admin.headers)
    assert await audited(clinic, webhook_id) == [
        ("webhook.created", admin.id),
        ("webhook.updated", admin.id),
        ("webhook.deleted", admin.id),
    ]


async def test_unknown_webhook_is_404_and_delete_removes(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    created = await clinic.client.post(API, json=BODY, headers=admin.headers)
    webhook_id = created.json()["id"]
    assert (
        await clinic.client.delete(f"{API}/{webhook_id}", headers=admin.headers)
    ).status_code == 204
    missing = await clinic.client.get(f"{API}/{webhook_id}", headers=admin.headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith(PROBLEM_JSON)


def production_service(clinic: Clinic) -> WebhookService:
    """The webhooks service as production builds it (https to public hosts only)."""
    env = clinic.client.app.plugins.get(WebhooksPlugin).env
    grace = float(env.config.rotation_grace)
    store, audit = WebhookStore(env.db), env.require(AuditLog)
    return WebhookService(env.db, store, audit, https_only=True, rotation_grace=grace)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://hooks.example.test/in", "an https URL"),
        ("https://127.0.0.1/in", "public host"),
        ("https://169.254.169.254/latest/meta-data", "public host"),
        ("https://[::1]:8443/in", "public host"),
        ("https://10.1.2.3/in", "public host"),
        ("https://localhost/in", "public host"),
        # Names that resolve to this machine without DNS (inet_aton's forms, a trailing dot):
        # they passed as names and were delivered to loopback.
        ("https://2130706433/in", "127.0.0.1"),
        ("https://127.1:8443/in", "127.0.0.1"),
        ("https://0x7f000001/in", "127.0.0.1"),
        ("https://localhost./in", "public host"),
        ("https://hooks.example.test:99999/in", "invalid port"),
        # These were a 500.
        ("https://a..b/x", "empty label"),
        ("https://" + "a" * 64 + ".example/x", "longer than 63"),
        # IPv4 inside IPv6 (NAT64, 6to4), and multicast: they were taken as public.
        ("https://[64:ff9b::a00:1]/x", "10.0.0.1"),
        ("https://[64:ff9b::a9fe:a9fe]/x", "169.254.169.254"),
        ("https://[2002:c0a8:101::1]/x", "192.168.1.1"),
        ("https://[64:ff9b:1::a00:1]/x", "public host"),
        ("https://224.0.0.1/x", "public host"),
        ("https://[ff0e::1]/x", "public host"),
        # Site-local (deprecated, still routed inside some networks) and documentation
        # (RFC 9637) addresses, which Python's `is_global` takes as public.
        ("https://[fec0::1]/x", "public host"),
        ("https://[3fff::1]/x", "public host"),
        ("https://[::1/x", "not a valid URL"),
        ("https://xn--zz.example/x", "not valid punycode"),
    ],
)
async def test_production_requires_https_to_a_public_host(
    clinic: Clinic, url: str, words: str
) -> None:
    service = production_service(clinic)
    refused = WebhookCreate(url=url, events=["appointment.*"])
    with pytest.raises(InvalidWebhook, match=words):
        await clinic.in_app(functools.partial(service.create, refused, by=uuid.uuid4()))


async def test_production_takes_a_public_ipv4_through_nat64(clinic: Clinic) -> None:
    service = production_service(clinic)
    taken = WebhookCreate(url="https://[64:ff9b::808:808]/in", events=["appointment.*"])
    created = await clinic.in_app(functools.partial(service.create, taken, by=uuid.uuid4()))
    assert created.url == taken.url


async def test_production_resolves_the_name_delivery_connects_to(clinic: Clinic) -> None:
    # The Unicode name went to getaddrinfo, whose IDNA 2003 codec refuses a label that long
    # once mapped (`ß` is `ss` there): a 500. The sender resolves httpx's IDNA 2008 form.
    service = production_service(clinic)
    taken = WebhookCreate(url="https://" + "\u00df" * 40 + ".example.com/", events=["user.*"])
    created = await clinic.in_app(functools.partial(service.create, taken, by=uuid.uuid4()))
    assert created.url == taken.url

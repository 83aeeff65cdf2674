"""One strict check of the e-mail addresses accounts are opened with (API, CLI, import)."""

import uuid

import pytest

from hduce.core.email_address import address_problem
from tests.plugins.auth.helpers import AuthApp
from tests.plugins.auth.test_register import registration

# Seen accepted, then undeliverable or delivered to another mailbox than the one typed.
REFUSED = {
    "dot@clinic.example.": "the domain starts or ends with a dot",
    "dd@clinic..example": "two dots in a row in the domain",
    "sc;x@clinic.example": "`;` is not allowed before the @",
    'q"x@clinic.example': '`"` is not allowed before the @',
    "cm(x)@clinic.example": "`(` is not allowed before the @",
    ".lead@clinic.example": "the name before the @ starts or ends with a dot",
    "two..dots@clinic.example": "two dots in a row before the @",
    "no-at.clinic.example": "has no @",
    "@clinic.example": "nothing before the @",
    "local@": "the domain after the @ has no dot",
    "local@localhost": "the domain after the @ has no dot",
    "sp ace@clinic.example": "` ` is not allowed before the @",
    "x@cli_nic.example": "`_` is not allowed in the domain",
    "x@[10.0.0.1]": "`[` is not allowed in the domain",
    "x@-clinic.example": "a name in the domain starts or ends with a hyphen",
    f"x@{'a' * 64}.example": "a name in the domain is longer than 63 characters",
    f"{'a' * 60}@{'b' * 60}.{'c' * 60}.{'d' * 60}.{'e' * 60}.org": "254",
}
ACCEPTED = [
    "ada.lovelace@example.org",
    "zoé.patient@exämple.org",
    "o'brien+clinic@mail.example.co.uk",
    "a!#$%&*/=?^_`{|}~-b@x-1.example",
    "用户@例子.广告",
    f"x@{'a' * 63}.example",
]


@pytest.mark.parametrize(("address", "why"), REFUSED.items())
def test_addresses_that_cannot_be_delivered_as_typed_are_refused(address: str, why: str) -> None:
    problem = address_problem(address)
    assert problem is not None and why in problem, problem


@pytest.mark.parametrize("address", ACCEPTED)
def test_dot_atoms_and_international_addresses_are_accepted(address: str) -> None:
    assert address_problem(address) is None


async def test_registration_refuses_them_with_a_422_saying_why(app: AuthApp) -> None:
    for address, why in REFUSED.items():
        response = await app.client.post("/api/v1/auth/register", json=registration(email=address))
        assert response.status_code == 422, (address, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["detail"].startswith("email: "), problem
        assert why in problem["detail"], problem
        assert [error["key"] for error in problem["errors"]] == ["email"], problem
        count = "SELECT count(*) FROM account WHERE email = $1"
        assert await app.pool.fetchval(count, address.lower()) == 0


async def test_registration_keeps_accepting_international_addresses(app: AuthApp) -> None:
    address = f"zoé.{uuid.uuid4().hex[:8]}@exämple.org"
    response = await app.client.post("/api/v1/auth/register", json=registration(email=address))
    assert response.status_code == 202, response.text

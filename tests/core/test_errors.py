"""Every error answers RFC 9457 problem+json and carries the request id."""

import logging
import re
import uuid
from datetime import date, timedelta
from typing import Annotated, Any

import httpx
import msgspec
import pytest
from litestar import Litestar, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import InternalServerException
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import Body, FromPath, FromQuery, JSONBody
from litestar.testing import AsyncTestClient

from hduce.core.error_answers import exception_handlers
from hduce.core.errors import PROBLEM_JSON, PROBLEM_TYPE_BASE, Conflict
from hduce.core.json_bodies import StrictJsonRequest
from hduce.core.request_path import install_request_path

BODY_CAP = 100
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
LEAKED_TEXT = "db password is hunter2"


class ItemCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A payload with constraints."""

    name: Annotated[str, msgspec.Meta(min_length=2, max_length=20)]
    quantity: Annotated[int, msgspec.Meta(ge=1)]


class OrderLine(msgspec.Struct):
    """A part of a body checking itself, as `Input`'s control-character check does."""

    name: str

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("may not be blank - at `$.name`")


class Order(msgspec.Struct):
    """A body holding bodies."""

    lines: list[OrderLine]


@get("/conflict")
async def conflicting() -> None:
    """Raise a domain error with an extra problem member."""
    raise Conflict("the slot is already booked", slot_id="slot-7")


@get("/conflict-with-status")
async def conflicting_with_status() -> None:
    """Raise a domain error whose extra member is called `status` (an appointment status)."""
    raise Conflict("cannot cancel a completed appointment", status="completed")


@get("/boom")
async def boom() -> None:
    """Fail unexpectedly with a message that must not reach the client."""
    raise RuntimeError(LEAKED_TEXT)


@get("/litestar-500")
async def litestar_500() -> None:
    """Fail the way Litestar itself does (e.g. a dependency it cannot give the handler)."""
    raise InternalServerException("dependency 'principal' is not a Principal")


@get("/days-after")
async def days_after(day: FromQuery[date], days: FromQuery[int]) -> str:
    """Date arithmetic on the client's values (as a schedule or a search window does)."""
    return (day + timedelta(days=days)).isoformat()


@post("/items")
async def create_item(data: JSONBody[ItemCreate]) -> ItemCreate:
    """Accept only POST with a strict body."""
    return data


@post("/orders")
async def create_order(data: JSONBody[Order]) -> None:
    """Accept an order."""


@post("/forms")
async def post_form(
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.MULTI_PART)],
) -> dict[str, str]:
    """Accept a multipart form."""
    return data


@post("/read-forms")
async def read_form(request: Request) -> dict[str, str]:
    """Read a form from the request (as the web pages do)."""
    return {name: str(value) for name, value in (await request.form()).items()}


@get("/things/{thing_id:uuid}")
async def thing(thing_id: FromPath[uuid.UUID]) -> str:
    """One thing by its id."""
    return str(thing_id)


_RATE_LIMIT = RateLimitConfig(rate_limit=("minute", 2), store="t_rl")


@get("/limited", middleware=[_RATE_LIMIT.middleware])
async def limited() -> str:
    """Two calls a minute."""
    return "ok"


def make_app(*, debug: bool = False, form_parts: int = 1000, body_cap: int = BODY_CAP) -> Litestar:
    """A fresh app (fresh rate-limit store) wired like HDuce's."""
    app = Litestar(
        route_handlers=[
            conflicting,
            conflicting_with_status,
            boom,
            litestar_500,
            days_after,
            create_item,
            create_order,
            post_form,
            read_form,
            thing,
            limited,
        ],
        exception_handlers=exception_handlers(),
        request_class=StrictJsonRequest,
        request_max_body_size=body_cap,
        multipart_form_part_limit=form_parts,
        debug=debug,
        logging_config=None,
    )
    return install_request_path(app, body_timeout=15.0)


@pytest.fixture
async def client() -> Any:
    async with AsyncTestClient(make_app()) as test_client:
        yield test_client


def assert_problem(response: httpx.Response, status: int, path: str) -> dict[str, Any]:
    """Check the RFC 9457 shape and return the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith(PROBLEM_TYPE_BASE)
    assert isinstance(body["title"], str) and body["title"]
    assert body["instance"] == path
    return body


def assert_request_id(response: httpx.Response) -> str:
    """The response names its request id, and the problem body agrees with the header."""
    request_id = response.headers.get("x-request-id")
    assert request_id, f"no X-Request-ID on a {response.status_code} response"
    if response.headers["content-type"] == PROBLEM_JSON:
        assert response.json().get("request_id") == request_id
    return request_id


async def test_unknown_path_is_404_problem(client: AsyncTestClient) -> None:
    response = await client.get("/no/such/path")
    body = assert_problem(response, 404, "/no/such/path")
    assert body["type"] == PROBLEM_TYPE_BASE + "not-found"
    assert body["detail"] == "no route matches this path"
    response = await client.get("/things/not-a-uuid")
    body = assert_problem(response, 404, "/things/not-a-uuid")
    assert body["detail"].startswith("no route matches this path: a path parameter is malformed")


async def test_unknown_path_carries_request_id(client: AsyncTestClient) -> None:
    assert_request_id(await client.get("/no/such/path"))


async def test_wrong_method_is_405_problem_with_allow(client: AsyncTestClient) -> None:
    response = await client.get("/items")
    body = assert_problem(response, 405, "/items")
    assert body["type"] == PROBLEM_TYPE_BASE + "method-not-allowed"
    assert "POST" in response.headers["allow"]
    allowed = response.headers["allow"]
    assert body["detail"] == f"GET is not allowed on this path; it allows {allowed}"


async def test_wrong_method_carries_request_id(client: AsyncTestClient) -> None:
    assert_request_id(await client.get("/items"))


async def test_body_over_the_cap_is_413_problem(client: AsyncTestClient) -> None:
    payload = b'{"name": "' + b"x" * (BODY_CAP * 2) + b'", "quantity": 1}'
    response = await client.post(
        "/items", content=payload, headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 413, "/items")
    assert body["detail"] == f"the request body is over the {BODY_CAP} bytes this route accepts"
    assert_request_id(response)


async def test_body_just_under_the_cap_is_accepted(client: AsyncTestClient) -> None:
    response = await client.post("/items", json={"name": "gauze", "quantity": 3})
    assert response.status_code == 201
    assert response.json() == {"name": "gauze", "quantity": 3}
    assert_request_id(response)


async def test_non_json_body_under_wrong_content_type_is_400_problem(
    client: AsyncTestClient,
) -> None:
    # Litestar does not answer 415 for a struct body: it decodes the bytes as JSON whatever the
    # Content-Type says, so a non-JSON body is a 400 "malformed" problem.
    response = await client.post(
        "/items", content=b"name=gauze&quantity=3", headers={"content-type": "text/plain"}
    )
    body = assert_problem(response, 400, "/items")
    assert body["type"] == PROBLEM_TYPE_BASE + "bad-request"
    assert "malformed" in body["detail"].lower()
    assert_request_id(response)


async def test_json_body_under_wrong_content_type_is_decoded_anyway(
    client: AsyncTestClient,
) -> None:
    # Pins Litestar's behaviour (no Content-Type enforcement, no 415) so a change is noticed.
    response = await client.post(
        "/items",
        content=b'{"name": "gauze", "quantity": 3}',
        headers={"content-type": "text/plain"},
    )
    assert response.status_code == 201


async def test_malformed_json_is_400_problem(client: AsyncTestClient) -> None:
    response = await client.post(
        "/items", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 400, "/items")
    assert body["detail"] == "the JSON body does not parse: Input data was truncated"


@pytest.mark.parametrize(
    ("content_type", "reason"),
    [
        ("multipart/form-data; boundary=b", "Unexpected end of multipart stream"),
        ("application/json", "Empty boundary"),
    ],
)
async def test_a_body_that_is_no_form_is_400_problem_saying_why(
    client: AsyncTestClient, content_type: str, reason: str
) -> None:
    # Like malformed JSON, a broken form is a syntax error (400), not invalid values (422).
    response = await client.post(
        "/forms", content=b"--b\r\nno headers", headers={"content-type": content_type}
    )
    body = assert_problem(response, 400, "/forms")
    assert body["detail"].startswith("the multipart/form-data body does not parse: ")
    assert reason.lower() in body["detail"].lower(), body["detail"]


@pytest.mark.parametrize("path", ["/forms", "/read-forms"])
@pytest.mark.parametrize(
    ("part_type", "value", "reason"),
    [
        ("", b"\xff", "'utf-8' codec can't decode byte 0xff"),
        ("Content-Type: x;charset=bogus\r\n", b"abc", "unknown encoding: bogus"),
        ("Content-Type: x;charset=utf-16\r\n", b"abc", "'utf-16"),
        # These decoders raise a plain UnicodeError (UnicodeDecodeError's base): it was a 500.
        ("Content-Type: x;charset=undefined\r\n", b"abc", "undefined encoding"),
        ("Content-Type: x;charset=punycode\r\n", b"a-zz", "punicode"),
        ("Content-Type: x;charset=idna\r\n", b"xn--zz", "does not decode"),
    ],
)
async def test_a_form_field_that_does_not_decode_is_400_problem_saying_why(
    client: AsyncTestClient, path: str, part_type: str, value: bytes, reason: str
) -> None:
    head = f'--b\r\nContent-Disposition: form-data; name="t"\r\n{part_type}\r\n'
    form = head.encode() + value + b"\r\n--b--\r\n"
    content_type = "multipart/form-data; boundary=b"
    response = await client.post(path, content=form, headers={"content-type": content_type})
    body = assert_problem(response, 400, path)
    assert body["detail"].startswith("the multipart/form-data body does not parse: "), body
    assert reason in body["detail"], body["detail"]


@pytest.mark.parametrize("path", ["/forms", "/read-forms"])
async def test_a_form_with_too_many_fields_is_400_problem_naming_the_limit(
    path: str,
) -> None:
    async with AsyncTestClient(make_app(form_parts=2, body_cap=1000)) as small_forms:
        form = b"".join(
            f'--b\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n\r\n'.encode() for n in "xyz"
        )
        headers = {"content-type": "multipart/form-data; boundary=b"}
        response = await small_forms.post(path, content=form + b"--b--\r\n", headers=headers)
    body = assert_problem(response, 400, path)
    assert body["detail"] == "the multipart/form-data body has more than 2 fields", body


@pytest.mark.parametrize(
    ("payload", "bad_field"),
    [
        ({"name": "x", "quantity": 1}, "name"),
        ({"name": "gauze", "quantity": 0}, "quantity"),
        ({"name": "gauze", "quantity": "three"}, "quantity"),
        ({"name": "gauze"}, "quantity"),
        ({"name": "gauze", "quantity": 1, "price": 3}, "price"),
    ],
)
async def test_bad_payload_is_422_problem_naming_the_field(
    client: AsyncTestClient, payload: dict[str, Any], bad_field: str
) -> None:
    response = await client.post("/items", json=payload)
    body = assert_problem(response, 422, "/items")
    assert body["type"] == PROBLEM_TYPE_BASE + "validation-error"
    assert bad_field in body["detail"]
    assert isinstance(body["errors"], list) and body["errors"]
    assert all("message" in error for error in body["errors"])
    assert_request_id(response)


async def test_an_unknown_field_is_named_but_not_echoed_at_any_length() -> None:
    # Seen: a 5 MB unknown key came back twice (in `detail` and in `errors`), a 10 MB answer.
    key = "k" * 100_000
    async with AsyncTestClient(make_app(body_cap=1_000_000)) as roomy:
        response = await roomy.post("/items", json={"name": "gauze", "quantity": 1, key: 1})
    body = assert_problem(response, 422, "/items")
    assert len(response.content) < 2_000, len(response.content)
    (error,) = body["errors"]
    assert error["message"].startswith("Object contains unknown field `kkkk"), error
    assert error["message"].endswith("…"), error
    assert body["detail"].endswith(error["message"]), body["detail"]


async def test_rate_limit_is_429_problem(client: AsyncTestClient) -> None:
    for _ in range(2):
        assert (await client.get("/limited")).status_code == 200
    response = await client.get("/limited")
    body = assert_problem(response, 429, "/limited")
    assert body["type"] == PROBLEM_TYPE_BASE + "too-many-requests"
    # Litestar sets no Retry-After; it sends the RateLimit-* headers, which must survive.
    assert int(response.headers["ratelimit-reset"]) > 0
    assert response.headers["ratelimit-remaining"] == "0"


async def test_rate_limited_response_carries_request_id(client: AsyncTestClient) -> None:
    for _ in range(2):
        await client.get("/limited")
    response = await client.get("/limited", headers={"x-request-id": "limited-1"})
    assert response.status_code == 429
    assert assert_request_id(response) == "limited-1"


async def test_rate_limited_request_is_logged_as_429(
    client: AsyncTestClient, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(2):
        await client.get("/limited")
    with caplog.at_level(logging.INFO, logger="hduce.access"):
        response = await client.get("/limited")
    assert response.status_code == 429
    statuses = [r.status for r in caplog.records if r.name == "hduce.access"]  # type: ignore[attr-defined]
    assert statuses == [429]


async def test_domain_error_is_its_own_problem(client: AsyncTestClient) -> None:
    response = await client.get("/conflict")
    body = assert_problem(response, 409, "/conflict")
    assert body["type"] == PROBLEM_TYPE_BASE + "conflict"
    assert body["title"] == "Conflict"
    assert body["detail"] == "the slot is already booked"
    assert body["slot_id"] == "slot-7"
    assert_request_id(response)


async def test_domain_error_extra_cannot_clobber_standard_members(
    client: AsyncTestClient,
) -> None:
    response = await client.get("/conflict-with-status")
    body = assert_problem(response, 409, "/conflict-with-status")
    assert body["type"] == PROBLEM_TYPE_BASE + "conflict"
    assert body["detail"] == "cannot cancel a completed appointment"


async def test_unexpected_error_is_500_problem_without_internals(
    client: AsyncTestClient,
) -> None:
    response = await client.get("/boom")
    body = assert_problem(response, 500, "/boom")
    assert body["type"] == PROBLEM_TYPE_BASE + "internal-error"
    assert LEAKED_TEXT not in response.text
    assert "RuntimeError" not in response.text
    assert "Traceback" not in response.text
    assert_request_id(response)


async def test_a_date_pushed_past_the_calendar_is_a_422_not_a_500(
    client: AsyncTestClient,
) -> None:
    response = await client.get("/days-after", params={"day": "9999-12-30", "days": 7})
    body = assert_problem(response, 422, "/days-after")
    assert body["detail"] == "a date or number is out of the range the server can handle"
    response = await client.get("/days-after", params={"day": "9999-12-30", "days": 1})
    assert response.text == "9999-12-31"


async def test_unexpected_error_in_debug_names_the_exception() -> None:
    async with AsyncTestClient(make_app(debug=True)) as debug_client:
        response = await debug_client.get("/boom")
    body = assert_problem(response, 500, "/boom")
    assert "RuntimeError" in body["detail"]
    assert LEAKED_TEXT in body["detail"]


async def test_valid_incoming_request_id_is_echoed(client: AsyncTestClient) -> None:
    response = await client.get("/conflict", headers={"X-Request-ID": "abc.DEF_123-xyz"})
    assert assert_request_id(response) == "abc.DEF_123-xyz"


@pytest.mark.parametrize(
    "incoming",
    ["has space", "semi;colon", "x" * 129, "", "ünïcode"],
)
async def test_invalid_incoming_request_id_is_replaced(
    client: AsyncTestClient, incoming: str
) -> None:
    headers = {"X-Request-ID": incoming.encode("utf-8")}  # httpx accepts bytes values
    response = await client.get("/conflict", headers=headers)  # type: ignore[arg-type]
    request_id = assert_request_id(response)
    assert request_id != incoming
    assert GENERATED_ID.match(request_id)


async def test_each_request_gets_its_own_id(client: AsyncTestClient) -> None:
    first = assert_request_id(await client.get("/conflict"))
    second = assert_request_id(await client.get("/conflict"))
    assert GENERATED_ID.match(first) and GENERATED_ID.match(second)
    assert first != second


async def test_successful_response_carries_exactly_one_request_id(
    client: AsyncTestClient,
) -> None:
    response = await client.post(
        "/items", json={"name": "gauze", "quantity": 1}, headers={"X-Request-ID": "one"}
    )
    assert response.headers.get_list("x-request-id") == ["one"]


async def test_a_server_error_litestar_raises_is_logged_with_its_traceback(
    client: AsyncTestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="hduce.errors"):
        response = await client.get("/litestar-500")
    assert_problem(response, 500, "/litestar-500")
    (record,) = [r for r in caplog.records if r.name == "hduce.errors"]
    assert record.levelno == logging.ERROR and "/litestar-500" in record.getMessage()
    assert record.exc_info and isinstance(record.exc_info[1], InternalServerException)


async def test_a_check_of_a_body_inside_the_body_names_the_whole_path(
    client: AsyncTestClient,
) -> None:
    response = await client.post("/orders", json={"lines": [{"name": "tea"}, {"name": " "}]})
    body = assert_problem(response, 422, "/orders")
    assert body["errors"] == [
        {"message": "may not be blank", "key": "lines[1].name", "source": "body"}
    ]

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import pytest
from litestar import Litestar, get
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
    DefineMiddleware,
)
from litestar.testing import AsyncTestClient

from hduce.core.openapi import DOCS_ASSETS_PATH, docs_route_handlers, openapi_config

EXPECTED_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
}


@get("/api/v1/ping", sync_to_thread=False)
def ping() -> dict[str, str]:
    """Answer pong so the docs have something to show."""
    return {"ping": "pong"}


class DenyEveryone(AbstractAuthenticationMiddleware):
    """Reject every request that is not excluded from authentication."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        raise NotAuthorizedException()


class AssetRefs(HTMLParser):
    """Collect `<script src>` and `<link href>` values from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href"}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.refs.append(value)


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = Litestar(
        route_handlers=[ping, *docs_route_handlers()], openapi_config=openapi_config("0.1.0")
    )
    async with AsyncTestClient(app) as client:
        yield client


@pytest.mark.parametrize(
    ("page", "marker"), [("/docs", "SwaggerUIBundle("), ("/redoc", "Redoc.init(")]
)
async def test_docs_page_is_fully_local(
    client: AsyncTestClient[Litestar], page: str, marker: str
) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert marker in html
    assert "/api/v1/ping" in html  # the spec is embedded inline
    assert not re.search(r"https?://|(?:src|href)=[\"']//", html), html[:2000]
    for host in ("cdn.jsdelivr.net", "cdn.redoc.ly", "fonts.googleapis.com", "unpkg.com"):
        assert host not in html
    assert "default-src 'self'" in response.headers["content-security-policy"]

    parser = AssetRefs()
    parser.feed(html)
    assert parser.refs, "the page loads no assets?"
    assert any(ref.endswith(".js") for ref in parser.refs)
    for ref in parser.refs:
        assert ref.startswith(f"{DOCS_ASSETS_PATH}/"), ref
        asset = await client.get(ref)
        assert asset.status_code == 200, ref
        suffix = ref[ref.rfind(".") :]
        assert asset.headers["content-type"].split(";")[0] in EXPECTED_TYPES[suffix], ref
        assert len(asset.content) > 100, ref


async def test_openapi_json_lists_the_sample_path(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"] == {"title": "HDuce", "version": "0.1.0"}
    assert "/api/v1/ping" in schema["paths"]
    operation = schema["paths"]["/api/v1/ping"]["get"]
    assert operation["description"].startswith("Answer pong")
    # Only the API is documented, not the docs machinery.
    assert not any(
        path.startswith(("/docs", "/redoc", "/static", "/schema")) for path in schema["paths"]
    )


async def test_schema_uis_under_schema_path_are_local_too(
    client: AsyncTestClient[Litestar],
) -> None:
    for page in ("/schema", "/schema/swagger", "/schema/redoc"):
        response = await client.get(page)
        assert response.status_code == 200, page
        assert "cdn." not in response.text and "googleapis" not in response.text, page


async def test_docs_bypass_authentication() -> None:
    app = Litestar(
        route_handlers=[ping, *docs_route_handlers()],
        openapi_config=openapi_config("0.1.0"),
        middleware=[DefineMiddleware(DenyEveryone, exclude_from_auth_key="exclude_from_auth")],
    )
    async with AsyncTestClient(app) as client:
        assert (await client.get("/api/v1/ping")).status_code == 401
        for path in (
            "/docs",
            "/redoc",
            f"{DOCS_ASSETS_PATH}/swagger-ui.css",
            "/schema/openapi.json",
        ):
            assert (await client.get(path)).status_code == 200, path

"""OpenAPI schema config and offline API docs: Swagger UI at `/docs`, ReDoc at `/redoc`."""

from pathlib import Path

from litestar import Request, get
from litestar.datastructures import CacheControlHeader
from litestar.enums import MediaType
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import (
    JsonRenderPlugin,
    OpenAPIRenderPlugin,
    RedocRenderPlugin,
    SwaggerRenderPlugin,
    YamlRenderPlugin,
)
from litestar.openapi.spec import Components, SecurityScheme
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from hduce.core.openapi_contract import operation_id

SCHEMA_PATH = "/schema"
DOCS_ASSETS_PATH = "/static/docs"
DOCS_ASSETS_DIR = Path(__file__).resolve().parent.parent / "static" / "docs"

# The pages must work offline and must not leak a clinic's visits to third parties: the CSP
# blocks anything off-host the bundles might fetch at runtime (ReDoc's footer loads its logo
# from cdn.redoc.ly). Inline scripts carry the embedded spec; ReDoc's search runs in a blob: worker.
DOCS_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "frame-ancestors 'self'",
    )
)
_PUBLIC = {"exclude_from_auth": True}
_FAVICON = f'<link rel="icon" type="image/png" href="{DOCS_ASSETS_PATH}/favicon-32x32.png">'


def _swagger_plugin(path: str = "/swagger") -> SwaggerRenderPlugin:
    """Swagger UI render plugin that loads its assets from this server."""
    return SwaggerRenderPlugin(
        js_url=f"{DOCS_ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{DOCS_ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{DOCS_ASSETS_PATH}/swagger-ui-standalone-preset.js",
        path=path,
        favicon=_FAVICON,
    )


def _redoc_plugin(path: str = "/redoc") -> RedocRenderPlugin:
    """ReDoc render plugin that loads its bundle from this server, without Google Fonts."""
    return RedocRenderPlugin(
        js_url=f"{DOCS_ASSETS_PATH}/redoc.standalone.js",
        google_fonts=False,
        path=path,
        favicon=_FAVICON,
    )


def openapi_config(version: str) -> OpenAPIConfig:
    """OpenAPI config: schema under `/schema` (`/schema/openapi.json`), offline UIs, public."""
    router = Router(
        SCHEMA_PATH,
        route_handlers=[],
        include_in_schema=False,
        opt=_PUBLIC,
        response_headers={"Content-Security-Policy": DOCS_CSP},
    )
    return OpenAPIConfig(
        title="HDuce",
        version=version,
        use_handler_docstrings=True,
        operation_id_creator=operation_id,
        # The first plugin is also served at `/schema` itself.
        render_plugins=[_swagger_plugin(), _redoc_plugin(), JsonRenderPlugin(), YamlRenderPlugin()],
        openapi_router=router,
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description="Access token from `POST /api/v1/auth/login`.",
                )
            }
        ),
        security=[{"BearerToken": []}],
    )


def docs_route_handlers() -> list[ControllerRouterHandler]:
    """`GET /docs`, `GET /redoc`, `GET /openapi.json` and the router serving the UIs' assets."""
    swagger, redoc, document = _swagger_plugin("/docs"), _redoc_plugin("/redoc"), JsonRenderPlugin()

    @get(
        "/openapi.json",
        include_in_schema=False,
        media_type=document.media_type,
        opt=_PUBLIC,
        sync_to_thread=False,
    )
    def openapi_json(request: Request) -> bytes:
        """The OpenAPI document, where generators and older clients look for it."""
        return _render(document, request)

    @get(
        "/docs",
        include_in_schema=False,
        media_type=MediaType.HTML,
        opt=_PUBLIC,
        response_headers={"Content-Security-Policy": DOCS_CSP},
        sync_to_thread=False,
    )
    def swagger_ui(request: Request) -> bytes:
        """Swagger UI over this application's OpenAPI schema."""
        return _render(swagger, request)

    @get(
        "/redoc",
        include_in_schema=False,
        media_type=MediaType.HTML,
        opt=_PUBLIC,
        response_headers={"Content-Security-Policy": DOCS_CSP},
        sync_to_thread=False,
    )
    def redoc_ui(request: Request) -> bytes:
        """ReDoc over this application's OpenAPI schema."""
        return _render(redoc, request)

    assets = create_static_files_router(
        path=DOCS_ASSETS_PATH,
        directories=[DOCS_ASSETS_DIR],
        name="docs_assets",
        opt=_PUBLIC,
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=86400, public=True),
    )
    return [openapi_json, swagger_ui, redoc_ui, assets]


def _render(plugin: OpenAPIRenderPlugin, request: Request) -> bytes:
    return plugin.render(request, request.app.openapi_schema.to_schema())

"""OpenAPI schema config and offline API docs: Swagger UI at `/docs`, ReDoc at `/redoc`."""

from pathlib import Path

from litestar import Request, get
from litestar.datastructures import CacheControlHeader
from litestar.handlers import HTTPRouteHandler
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
    ui_headers = {"Content-Security-Policy": DOCS_CSP}
    assets = create_static_files_router(
        path=DOCS_ASSETS_PATH,
        directories=[DOCS_ASSETS_DIR],
        name="docs_assets",
        opt=_PUBLIC,
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=86400, public=True),
    )
    return [
        # The OpenAPI document, where generators and older clients look for it.
        _schema_page("/openapi.json", "openapi_json", JsonRenderPlugin(), {}),
        _schema_page("/docs", "swagger_ui", _swagger_plugin("/docs"), ui_headers),
        _schema_page("/redoc", "redoc_ui", _redoc_plugin("/redoc"), ui_headers),
        assets,
    ]


def _schema_page(
    path: str, name: str, plugin: OpenAPIRenderPlugin, headers: dict[str, str]
) -> HTTPRouteHandler:
    """`GET path`: this application's OpenAPI schema as `plugin` renders it, public."""

    def page(request: Request) -> bytes:
        return _render(plugin, request)

    return get(
        path,
        name=name,
        include_in_schema=False,
        media_type=plugin.media_type,
        opt=_PUBLIC,
        response_headers=headers,
        sync_to_thread=False,
    )(page)


def _render(plugin: OpenAPIRenderPlugin, request: Request) -> bytes:
    return plugin.render(request, request.app.openapi_schema.to_schema())

"""The fhir plugin: a FHIR R4 REST facade over the other plugins' contracts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hduce.core.plugin import HducePlugin
from hduce.plugins.fhir.config import FhirConfig

if TYPE_CHECKING:
    from litestar.config.app import AppConfig
    from litestar.di import Provide
    from litestar.types import ControllerRouterHandler

    from hduce.core.context import AppContext


class FhirPlugin(HducePlugin):
    """`/fhir/R4`: FHIR resources read, searched and written through other plugins' contracts."""

    name = "fhir"
    description = "FHIR R4 API under /fhir/R4 (application/fhir+json)"
    requires = ("audit", "auth", "users")
    # After `web`, whose handlers of unknown addresses the FHIR base's wrap.
    after = ("appointments", "devices", "documents", "web")
    config_type = FhirConfig

    def setup(self, context: AppContext) -> None:
        """Build the services over the contracts of the plugins enabled here."""
        from hduce.plugins.fhir.services import FhirServices

        super().setup(context)
        self.services = FhirServices.build(self.env)

    def root_route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """The `/fhir/R4` router."""
        from hduce.plugins.fhir.routes import fhir_router

        return (fhir_router(self.services, self.env.settings.server),)

    def dependencies(self) -> dict[str, Provide]:
        """The services under `fhir`."""
        return self.provide_as_name(self.services)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        """Also answer an unknown address or method under `/fhir/R4` with an `OperationOutcome`."""
        from hduce.plugins.fhir.routes import unrouted_handlers

        app_config = super().on_app_init(app_config)
        app_config.exception_handlers.update(unrouted_handlers(app_config.exception_handlers))
        return app_config

"""The metrics plugin: detailed health, Prometheus metrics and task counters."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from hduce.core.plugin import HducePlugin
from hduce.plugins.metrics.config import MetricsConfig, weak_health_token

if TYPE_CHECKING:
    from litestar.config.app import AppConfig
    from litestar.di import Provide
    from litestar.plugins.prometheus import PrometheusConfig
    from litestar.types import ControllerRouterHandler

    from hduce.core.config import Finding
    from hduce.core.context import AppContext


@cache
def http_metrics() -> PrometheusConfig:
    """The Prometheus config of the HTTP metrics (one per process)."""
    from litestar.plugins.prometheus import PrometheusConfig

    from hduce.plugins.metrics.routes import HttpMetricsMiddleware

    return PrometheusConfig(
        app_name="hduce",
        prefix="hduce",
        group_path=True,
        exclude=["^/metrics$", "^/health", "^/docs$", "^/redoc$", "^/schema", "^/static/"],
        middleware_class=HttpMetricsMiddleware,
    )


class MetricsPlugin(HducePlugin):
    """Health, readiness, Prometheus metrics and clinic analytics."""

    name = "metrics"
    description = "Health checks, Prometheus metrics and clinic analytics"
    config_type = MetricsConfig

    def setup(self, context: AppContext) -> None:
        """Build the health probe and count tasks run in this process."""
        from hduce.plugins.metrics.services import MetricsServices, TaskMetricsMiddleware

        super().setup(context)
        self.services = MetricsServices.build(self.env)
        self.env.tasks.add_middlewares(TaskMetricsMiddleware())

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """`/api/v1/analytics`."""
        from hduce.plugins.metrics.routes import AnalyticsController

        return (AnalyticsController,)

    def root_route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """Health and metrics live at the root, outside `/api/v1`."""
        from hduce.plugins.metrics.routes import HealthController

        return (HealthController,)

    def dependencies(self) -> dict[str, Provide]:
        """Provide the services bundle as `metrics`."""
        return self.provide_as_name(self.services)

    def unsafe_settings(self) -> list[Finding]:
        """A health token short or plain enough to guess (`hduce config check`)."""
        return self.production_refusals()

    def production_refusals(self) -> list[Finding]:
        """A weak health token: it opens health details and metrics, never rate limited."""
        assert isinstance(self.config, MetricsConfig)
        return weak_health_token(self.config)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        """Also count every HTTP request by route template, outermost: the guard's refusals too."""
        app_config.middleware.insert(0, http_metrics().middleware)
        return super().on_app_init(app_config)

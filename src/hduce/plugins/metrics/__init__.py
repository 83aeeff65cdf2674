"""The metrics plugin: health endpoints, Prometheus metrics and task counters."""

from collections.abc import Sequence

from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import ControllerRouterHandler

from hduce.core.context import AppContext
from hduce.core.plugin import HducePlugin
from hduce.plugins.metrics.access import HealthAccess
from hduce.plugins.metrics.analytics import ClinicAnalyst
from hduce.plugins.metrics.config import MetricsConfig
from hduce.plugins.metrics.gauges import TaskMetricsMiddleware
from hduce.plugins.metrics.http import HttpMetricsMiddleware
from hduce.plugins.metrics.probe import HealthProbe
from hduce.plugins.metrics.routes import AnalyticsController, HealthController

HTTP_METRICS = PrometheusConfig(
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
        super().setup(context)
        assert isinstance(self.config, MetricsConfig)
        self.probe = HealthProbe(context, self.config)
        self.health_access = HealthAccess(context.tokens, self.config.health_token)
        self.analyst = ClinicAnalyst(context.registry, self.config)
        context.broker.add_middlewares(TaskMetricsMiddleware())

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """`/api/v1/analytics`."""
        return (AnalyticsController,)

    def root_route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """Health and metrics live at the root, outside `/api/v1`."""
        return (HealthController,)

    def dependencies(self) -> dict[str, Provide]:
        """Provide `metrics_probe`, `metrics_health_access` and the analyst as `clinic_analyst`."""
        return {
            "metrics_probe": Provide(self._provide_probe, sync_to_thread=False, use_cache=True),
            "metrics_health_access": Provide(
                self._provide_access, sync_to_thread=False, use_cache=True
            ),
            "clinic_analyst": Provide(self._provide_analyst, sync_to_thread=False, use_cache=True),
        }

    def _provide_probe(self) -> HealthProbe:
        return self.probe

    def _provide_access(self) -> HealthAccess:
        return self.health_access

    def _provide_analyst(self) -> ClinicAnalyst:
        return self.analyst

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        """Also count every HTTP request by route template."""
        app_config.middleware.append(HTTP_METRICS.middleware)
        return super().on_app_init(app_config)

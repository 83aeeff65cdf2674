"""HTTP routes of the metrics plugin: health and Prometheus at the root, analytics under the API."""

from hduce.plugins.metrics.routes._analytics import AnalyticsController
from hduce.plugins.metrics.routes._health import HealthController
from hduce.plugins.metrics.routes._http_metrics import HttpMetricsMiddleware

__all__ = ["AnalyticsController", "HealthController", "HttpMetricsMiddleware"]

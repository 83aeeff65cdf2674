"""Settings of the metrics plugin (`[plugins.metrics]`)."""

from hduce.core.config import Duration, Section


class MetricsConfig(Section):
    """Health thresholds, check timeouts, who reads health details, the analytics period."""

    check_timeout: Duration = Duration(2)
    health_cache: Duration = Duration(1)
    """How long one run of the checks answers `/health/detailed` (and `/metrics`) callers."""
    health_token: str = ""
    """Environment only (`HDUCE_PLUGINS__METRICS__HEALTH_TOKEN`): a bearer token for probes."""
    max_outbox_age: Duration = Duration(300)
    max_task_lag: int = 10_000
    analytics_default_period: Duration = Duration(30 * 86400)
    """How far back `GET /api/v1/analytics` looks when no `start` is given.

    Also the least a `start` given alone covers, when it is later than the default end.
    """
    analytics_default_ahead: Duration = Duration(30 * 86400)
    """How far ahead it looks when no `end` is given (upcoming appointments count)."""
    analytics_max_period: Duration = Duration(366 * 86400)
    """The longest period one analytics request may cover."""

"""Settings of the metrics plugin (`[plugins.metrics]`)."""

from hduce.core.config import Duration, Section


class MetricsConfig(Section):
    """Health thresholds and check timeouts."""

    check_timeout: Duration = Duration(2)
    max_outbox_age: Duration = Duration(300)
    max_task_lag: int = 10_000

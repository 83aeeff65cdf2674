"""Settings of the webhooks plugin (`[plugins.webhooks]`)."""

from hduce.core.config import Positive, PositiveDuration, Section


class WebhooksConfig(Section):
    """Delivery timeout, retries with exponential backoff, and automatic disabling."""

    timeout: PositiveDuration = PositiveDuration(10)
    """How long one attempt may take in all (resolving the name, connecting, sending, the answer's
    status and headers) before it counts as failed; the answer's body is not waited for."""
    max_attempts: Positive = 6
    """Attempts per delivery before it is given up as `failed`."""
    retry_base: PositiveDuration = PositiveDuration(30)
    """Wait before the first retry; doubled after each further failure."""
    retry_max: PositiveDuration = PositiveDuration(3600)
    """Longest wait between two attempts."""
    rotation_grace: PositiveDuration = PositiveDuration(86400)
    """How long, after an admin rotates a webhook's secret, deliveries are signed with the old
    secret too (one `v1` signature each), for the receiver to switch without missing any."""
    disable_after_failures: Positive = 20
    """Consecutive failed attempts (across deliveries) after which a webhook is switched off."""
    send_concurrency: Positive = 3
    """Deliveries one process sends at once, one at most per webhook (keep it well below
    `worker.concurrency`): one more is put off for a moment, not queued in a task slot, so slow
    receivers leave the workers to other tasks. Webhooks whose last attempt failed share at most
    `send_concurrency - 1` of them: one is always left to webhooks whose receivers answer."""

"""Reaching NATS JetStream: the check before a process starts, and the error when it cannot."""

import asyncio
import logging

import nats

from hduce.core.config.masking import mask_url

logger = logging.getLogger("hduce.tasks")


async def log_nats_error(error: Exception) -> None:
    """Log an error nats-py reports (its `error_cb`)."""
    logger.warning("nats: %r", error)


class BrokerUnavailable(RuntimeError):
    """NATS JetStream could not be reached."""


async def check_jetstream(url: str, connect_timeout: float) -> None:
    """Connect once and ask JetStream for account info; raise `BrokerUnavailable` if that fails."""
    try:
        # nats-py retries a first connection forever unless its attempts are bounded.
        client = await asyncio.wait_for(
            nats.connect(
                url,
                connect_timeout=connect_timeout,
                allow_reconnect=False,
                max_reconnect_attempts=1,
                error_cb=log_nats_error,
            ),
            connect_timeout * 3,
        )
    except Exception as exc:
        raise BrokerUnavailable(f"cannot connect to NATS at {mask_url(url)}: {exc!r}") from exc
    try:
        await client.jetstream(timeout=connect_timeout).account_info()
    except Exception as exc:
        raise BrokerUnavailable(
            f"NATS at {mask_url(url)} has no usable JetStream: {exc!r}"
        ) from exc
    finally:
        await client.close()

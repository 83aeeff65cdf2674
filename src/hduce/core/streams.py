"""Create a JetStream stream, or bring an existing one's limits up to the configured ones."""

import logging

from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import BadRequestError

logger = logging.getLogger("hduce.tasks")

_STREAM_EXISTS = 10058
"""JetStream's error code for a stream name taken with another configuration."""


async def add_or_update_stream(js: JetStreamContext, config: StreamConfig) -> None:
    """Add the stream; one made earlier (by an older HDuce, other settings) is updated to it.

    An update JetStream refuses (a change it cannot make in place, such as the storage type)
    leaves the stream as it is, with a warning.
    """
    try:
        await js.add_stream(config=config)
    except BadRequestError as exc:
        if exc.err_code != _STREAM_EXISTS:
            raise
        try:
            await js.update_stream(config=config)
        except BadRequestError as refused:
            logger.warning("stream %s kept as it is: %s", config.name, refused.description)

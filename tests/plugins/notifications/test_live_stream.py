"""The live inbox stream ends once its access token no longer verifies, keep-alives meanwhile."""

import gc
import time
import uuid

import pytest

from hduce.core.config import AuthSettings
from hduce.core.config.durations import Duration
from hduce.core.db import Database, HduceEngine
from hduce.core.security import Principal, TokenService
from hduce.plugins.notifications.config import NotificationsConfig
from hduce.plugins.notifications.errors import TooManyStreams
from hduce.plugins.notifications.services import InboxFeed, LiveInbox
from hduce.plugins.notifications.services import _live as live
from hduce.plugins.notifications.store import Inbox


def stream(tokens: TokenService, principal: Principal) -> LiveInbox:
    """A 30-second stream for `principal` (nothing is delivered: no database is needed)."""
    token, _ = tokens.issue(principal)
    config = NotificationsConfig(stream_max_duration=Duration(30))
    unused = Inbox(Database(HduceEngine()))  # never connected: no item arrives, not started
    return LiveInbox(principal, token, unused, InboxFeed(unused, tokens), config)


async def test_the_stream_ends_within_a_recheck_of_its_session_ending(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live, "KEEPALIVE_SECONDS", 0.2)
    tokens = TokenService(AuthSettings(jwt_secret="s" * 48))
    principal = Principal(id=uuid.uuid4(), roles=frozenset({"patient"}), session_id=uuid.uuid4())
    events = stream(tokens, principal).events()
    assert (await anext(events)).comment == "connected"
    assert (await anext(events)).comment == "keep-alive"  # still valid: the stream goes on

    tokens.revocations.end_session(principal.session_id)  # type: ignore[arg-type]
    ended_at = time.monotonic()
    rest = [message async for message in events]
    assert all(message.comment == "keep-alive" for message in rest)
    assert time.monotonic() - ended_at < live.TOKEN_RECHECK_SECONDS + 1


async def test_comments_are_frames_without_data_so_event_source_dispatches_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Regression: each comment carried an empty `data:` line, an empty `message` event.
    monkeypatch.setattr(live, "KEEPALIVE_SECONDS", 0.2)
    tokens = TokenService(AuthSettings(jwt_secret="s" * 48))
    principal = Principal(id=uuid.uuid4(), roles=frozenset({"patient"}))
    events = stream(tokens, principal).events()
    assert (await anext(events)).encode() == b": connected\r\n\r\n"
    assert (await anext(events)).encode() == b": keep-alive\r\n\r\n"
    await events.aclose()


async def test_each_user_holds_at_most_max_streams_and_an_ended_one_frees_its_place() -> None:
    tokens = TokenService(AuthSettings(jwt_secret="s" * 48))
    unused = Inbox(Database(HduceEngine()))
    feed = InboxFeed(unused, tokens)
    config = NotificationsConfig(stream_max_duration=Duration(30), max_streams_per_user=2)
    alice, bob = (Principal(id=uuid.uuid4(), roles=frozenset({"patient"})) for _ in range(2))

    def open_stream(principal: Principal) -> LiveInbox:
        token, _ = tokens.issue(principal)
        return LiveInbox(principal, token, unused, feed, config)

    first, second = open_stream(alice), open_stream(alice)
    with pytest.raises(TooManyStreams) as refused:
        open_stream(alice)
    assert refused.value.status_code == 429
    open_stream(bob)  # a cap per user, not per process

    events = first.events()
    assert (await anext(events)).comment == "connected"
    await events.aclose()
    third = open_stream(alice)  # the ended stream gave its place back
    with pytest.raises(TooManyStreams):
        open_stream(alice)

    del second  # never started: its client left before the first byte
    gc.collect()
    assert open_stream(alice) is not third

"""amqtt's session table, with each session bound to the identity that created it."""

from amqtt.broker import Broker
from amqtt.session import Session
from amqtt.utils import gen_client_id

# Taken from the new CONNECT when a persistent session is resumed (amqtt 0.12.1 forgets
# `will_retain`, so a resumed client's will lost its retain flag).
_RENEWED = (
    "will_flag",
    "will_message",
    "will_topic",
    "will_qos",
    "will_retain",
    "keep_alive",
    "username",
    "password",
)


class BoundSessions(Broker):
    """Sessions found by client id only for the identity (username) that created them.

    amqtt 0.12.1 looks sessions up by client id alone: anyone signed in could resume another
    client's persistent session (and read its queued messages) or, with a clean session, delete
    it. It also keeps an ended clean session for up to a second (until its session monitor runs),
    so a quick reconnect with clean_session=0 resumed it and got session-present=1.
    """

    def _live_session(self, client_id: str | None) -> Session | None:
        """The stored session of `client_id`, unless it was a clean one that has ended."""
        stored = self._sessions.get(client_id or "", (None, None))[0]
        if stored is None:
            return None
        if stored.clean_session and stored.transitions.state != "connected":
            return None  # it ended with its connection; amqtt's monitor drops it later
        return stored

    def bound_elsewhere(self, session: Session) -> bool:
        """Whether the CONNECT's client id names a session another identity owns."""
        stored = self._live_session(session.client_id)
        return stored is not None and stored.username != session.username

    async def _session_for(self, session: Session) -> Session:
        """The session a signed-in client gets: a new one, or its own persistent one resumed."""
        stored = self._live_session(session.client_id)
        if session.clean_session or stored is None or stored.clean_session:
            if session.client_id:
                await self._delete_session(session.client_id)
            else:
                session.client_id = gen_client_id()
            session.parent = 0
        else:
            for name in _RENEWED:
                setattr(stored, name, getattr(session, name))
            stored.parent = 1
            session = stored
        delay = self.config.get("timeout-disconnect-delay", 0)
        if session.keep_alive > 0 and isinstance(delay, int):
            session.keep_alive += delay
        return session

"""Revoked access tokens: ended sessions and changed account access, even for cached tokens."""

import uuid

import msgspec
import pytest

from hduce.core.config import AuthSettings
from hduce.core.security import InvalidToken, Principal, TokenService
from hduce.core.security import revocations as revocations_module
from hduce.core.security.revocations import PRUNE_EVERY, Revocations, TokenRevoked

NURSE = Principal(id=uuid.uuid4(), roles=frozenset({"nurse"}), session_id=uuid.uuid4())


def test_an_ended_session_refuses_its_tokens_only() -> None:
    revocations = Revocations(token_lifetime=1800)
    revocations.check(NURSE)
    revocations.end_session(uuid.uuid4())
    revocations.check(NURSE)
    revocations.end_session(NURSE.session_id)  # type: ignore[arg-type]
    with pytest.raises(TokenRevoked, match="session has ended"):
        revocations.check(NURSE)
    revocations.check(msgspec.structs.replace(NURSE, session_id=uuid.uuid4()))


def test_changed_roles_refuse_tokens_carrying_other_roles() -> None:
    revocations = Revocations(token_lifetime=1800)
    revocations.set_access(NURSE.id, frozenset({"nurse", "doctor"}))
    with pytest.raises(TokenRevoked, match="roles changed"):
        revocations.check(NURSE)
    promoted = msgspec.structs.replace(NURSE, roles=frozenset({"doctor", "nurse"}))
    revocations.check(promoted)
    revocations.set_access(NURSE.id, frozenset({"nurse"}))  # changed back: old tokens fit again
    revocations.check(NURSE)
    revocations.set_access(NURSE.id, None)
    with pytest.raises(TokenRevoked, match="deactivated"):
        revocations.check(NURSE)


def test_entries_are_forgotten_one_token_lifetime_after_they_arrived(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1_000.0]
    monkeypatch.setattr(revocations_module, "monotonic", lambda: now[0])
    revocations = Revocations(token_lifetime=PRUNE_EVERY * 2)
    revocations.end_session(uuid.uuid4(), age=PRUNE_EVERY * 2 - 1)  # ended long ago
    revocations.set_access(NURSE.id, None)
    assert len(revocations) == 2
    now[0] += PRUNE_EVERY
    revocations.end_session(uuid.uuid4())  # the sweep runs on an arrival
    assert len(revocations) == 2  # the old session is gone; the fresh ones stay
    with pytest.raises(TokenRevoked):
        revocations.check(NURSE)
    now[0] += PRUNE_EVERY * 2
    revocations.end_session(uuid.uuid4())
    assert len(revocations) == 1
    revocations.check(NURSE)


def test_token_service_refuses_a_revoked_token_even_from_its_cache() -> None:
    tokens = TokenService(AuthSettings(jwt_secret="s" * 48))
    token, _ = tokens.issue(NURSE)
    assert tokens.verify(token).session_id == NURSE.session_id  # now cached
    tokens.revocations.end_session(NURSE.session_id)  # type: ignore[arg-type]
    with pytest.raises(InvalidToken, match="session has ended"):
        tokens.verify(token)
    with pytest.raises(InvalidToken, match="session has ended"):
        tokens.verify_until(token)

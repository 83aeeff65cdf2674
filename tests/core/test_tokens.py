"""Access tokens: what `verify` rejects, key rotation, and the cache of verified tokens."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import msgspec
import pytest

from hduce.core.config import AuthSettings
from hduce.core.security import InvalidToken, Principal, TokenService, key_id
from tests.support.jwt_tokens import signed_token

SECRET = "current-secret-" + "c" * 40
OLD_SECRET = "previous-secret-" + "p" * 40
OTHER_SECRET = "someone-elses-secret-" + "o" * 40
PRINCIPAL = Principal(
    id=uuid.uuid4(), roles=frozenset({"patient"}), session_id=uuid.uuid4(), token_id="jti-1"
)


def service(secret: str = SECRET, *previous: str, **options: Any) -> TokenService:
    """A token service signing with `secret` and still accepting `previous`."""
    kept = options.pop("kept", 4096)
    settings = AuthSettings(jwt_secret=secret, jwt_previous_secrets=previous, **options)
    return TokenService(settings, kept=kept)


def cached(tokens: TokenService) -> int:
    """How many verified tokens the service remembers."""
    return len(tokens._verified)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def encoded(claims: dict[str, Any], *, secret: str = SECRET, **kw: Any) -> str:
    """A token for `SECRET` with valid defaults, `claims` and `kw` (headers, algorithm) on top."""
    return signed_token(claims, key=SECRET, secret=secret, **kw)


def unsigned() -> str:
    """An `alg: none` token, built by hand since PyJWT will not make one with a key id."""
    header = {"alg": "none", "typ": "JWT", "kid": key_id(SECRET)}
    now = int(time.time())
    body = {"sub": str(uuid.uuid4()), "roles": ["admin"], "iat": now, "exp": now + 300}
    body |= {"jti": "x", "iss": "hduce", "aud": "hduce-api"}
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(body).encode())}."


def resigned(token: str, secret: str) -> str:
    """The same header and payload under an HS256 signature made with `secret`."""
    signing_input = token.rsplit(".", 1)[0]
    digest = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(digest)}"


BAD_TOKENS: dict[str, Callable[[], str]] = {
    "alg-none": unsigned,
    "other-alg": lambda: encoded({}, algorithm="HS512"),
    "bad-signature": lambda: encoded({}, secret=OTHER_SECRET),
    "wrong-aud": lambda: encoded({"aud": "someone-else"}),
    "wrong-iss": lambda: encoded({"iss": "evil"}),
    "expired": lambda: encoded({"exp": datetime.now(UTC) - timedelta(seconds=5)}),
    "unknown-kid": lambda: encoded({}, headers={"kid": "unknown-key"}),
    "no-kid": lambda: jwt.encode({"sub": "x"}, SECRET, algorithm="HS256"),
    "missing-jti": lambda: encoded({"jti": None}),
    "tampered": lambda: encoded({})[:-4] + "AAAA",
    "header-not-an-object": lambda: b64(b"[1]") + "." + encoded({}).split(".", 1)[1],
    "garbage": lambda: "not.a.token",
    "empty": lambda: "",
}


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("make_token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_bad_tokens_are_rejected_and_never_cached(make_token: Callable[[], str]) -> None:
    tokens = service()
    good, _ = tokens.issue(PRINCIPAL)
    assert tokens.verify(good) == PRINCIPAL
    bad = make_token()
    for _ in range(2):
        with pytest.raises(InvalidToken):
            tokens.verify(bad)
    assert cached(tokens) == 1


def test_issued_token_round_trips() -> None:
    tokens = service()
    token, lifetime = tokens.issue(PRINCIPAL)
    assert lifetime == 1800
    assert tokens.verify(token) == PRINCIPAL
    assert tokens.verify(token) is tokens.verify(token)  # the second answer comes from the cache


def test_previous_secrets_still_verify_until_dropped() -> None:
    old_token, _ = service(OLD_SECRET).issue(PRINCIPAL)
    assert service(SECRET, OLD_SECRET).verify(old_token) == PRINCIPAL
    with pytest.raises(InvalidToken, match="unknown signing key"):
        service(SECRET).verify(old_token)
    new_token, _ = service(SECRET, OLD_SECRET).issue(PRINCIPAL)
    assert jwt.get_unverified_header(new_token)["kid"] == key_id(SECRET)


def test_a_cached_token_is_rejected_once_it_expires() -> None:
    tokens = service(token_expiry=1)
    token, _ = tokens.issue(PRINCIPAL)
    assert tokens.verify(token) == PRINCIPAL
    assert cached(tokens) == 1
    expires_at = jwt.decode(token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, expires_at - time.time()) + 0.05)
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify(token)
    assert cached(tokens) == 0


def test_a_known_payload_under_another_signature_is_not_served_from_cache() -> None:
    tokens = service()
    token, _ = tokens.issue(PRINCIPAL)
    assert tokens.verify(token) == PRINCIPAL
    forged = resigned(token, OTHER_SECRET)
    assert forged.rsplit(".", 1)[0] == token.rsplit(".", 1)[0] and forged != token
    with pytest.raises(InvalidToken, match="Signature verification failed"):
        tokens.verify(forged)
    assert resigned(token, SECRET) == token  # the forgery differs only by its key


def test_the_cache_is_bounded_and_forgets_the_least_recently_used() -> None:
    tokens = service(kept=3)
    principals = [msgspec.structs.replace(PRINCIPAL, token_id=f"jti-{n}") for n in range(4)]
    issued = [tokens.issue(principal)[0] for principal in principals]
    for token in issued[:3]:
        tokens.verify(token)
    first = tokens.verify(issued[0])  # now the most recently used
    tokens.verify(issued[3])
    assert cached(tokens) == 3
    assert tokens.verify(issued[0]) is first  # kept
    assert tokens._verified.get(issued[1]) is None  # evicted; verifying again still works
    assert tokens.verify(issued[1]) == principals[1]
    assert cached(tokens) == 3


def test_the_cache_needs_room() -> None:
    with pytest.raises(ValueError, match="at least one"):
        service(kept=0)

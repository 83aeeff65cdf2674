"""A bounded memory of verified access tokens, so each token's signature is checked once."""

from collections import OrderedDict
from time import time

from hduce.core.security.principal import Principal


class VerifiedTokens:
    """Principals of tokens that passed verification, each until its `exp`; LRU-bounded.

    Keyed by the whole token string, signature included: a token that differs in any byte
    (a forged signature on a copied payload) is a miss and gets verified in full. Only
    successes are stored; an expired entry is dropped on the hit that finds it.
    """

    def __init__(self, max_entries: int) -> None:
        if max_entries < 1:
            raise ValueError("the token cache needs room for at least one entry")
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str) -> tuple[Principal, float] | None:
        """The principal of `token` and its `exp` if it was verified and is still valid."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        if time() >= entry[1]:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return entry

    def put(self, token: str, principal: Principal, expires_at: float) -> None:
        """Remember a verified token until `expires_at` (epoch seconds), evicting the oldest."""
        self._entries[token] = (principal, expires_at)
        self._entries.move_to_end(token)
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

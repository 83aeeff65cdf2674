"""One policy for every signing secret: long, varied, not a known placeholder."""

import math
import re
from collections import Counter

MIN_LENGTH = 32
MIN_BITS = 80
"""Estimated entropy a secret needs (32 random hex digits score 93 to 125 in 300,000 draws)."""
MIN_DISTINCT = 10
SUGGESTION = "use a long random value, e.g. `openssl rand -hex 32`"
# Compared without case or punctuation, so `Change_Me` is `changeme`.
PLACEHOLDERS = frozenset(
    {
        "changeme",
        "changemeplease",
        "pleasechangeme",
        "secret",
        "secretkey",
        "mysecret",
        "supersecret",
        "password",
        "yoursecretkey",
        "yoursupersecretjwtkeychangeinproduction",
        "jwtsecret",
        "test",
        "testsecret",
        "development",
        "default",
    }
)
PLACEHOLDER_WORDS = ("changeme", "changeinproduction", "yoursecret", "yoursupersecret")


def _folded(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.lower())


def _period(value: str) -> int:
    """The length of the shortest pattern that, repeated, makes `value`."""
    size = len(value)
    return next(p for p in range(1, size + 1) if value == (value[:p] * (size // p + 1))[:size])


def estimated_bits(value: str) -> float:
    """Shannon entropy of the characters times the length: a generous upper bound."""
    counts, size = Counter(value), len(value)
    return -size * sum(n / size * math.log2(n / size) for n in counts.values())


def secret_problem(value: str) -> str | None:
    """Why `value` is not a safe signing secret, or None when it is."""
    folded = _folded(value)
    if not value:
        return "is not set"
    if folded in PLACEHOLDERS or any(word in folded for word in PLACEHOLDER_WORDS):
        return "is a known placeholder"
    if len(value) < MIN_LENGTH:
        return f"is too short ({len(value)} characters; at least {MIN_LENGTH})"
    if _period(value) <= len(value) // 2:
        return "repeats a short pattern"
    distinct, bits = len(set(value)), estimated_bits(value)
    if distinct < MIN_DISTINCT or bits < MIN_BITS:
        return (
            f"is too predictable ({distinct} different characters, about {bits:.0f} bits; "
            f"at least {MIN_DISTINCT} and {MIN_BITS})"
        )
    return None

"""argon2id hashing off the event loop with bounded concurrency, and the password policy."""

import asyncio
import functools
import secrets
from collections.abc import Callable, Iterable
from typing import TypeVar

import anyio.to_thread
from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError

from hduce.plugins.auth.config import AuthConfig
from hduce.plugins.auth.errors import WeakPassword

T = TypeVar("T")

# zxcvbn refuses longer input; the first 72 characters decide the score of a longer password.
ZXCVBN_MAX_LENGTH = 72
CONTEXT_WORDS = ("hduce", "clinic")
NO_PASSWORD = "!no-password"
"""The `password_hash` of an account opened with none (an import): no password matches it."""


class PasswordHasher:
    """Hashes and verifies passwords in worker threads, at most `hash_concurrency` at once."""

    def __init__(self, config: AuthConfig) -> None:
        self._config = config
        self._hasher = Argon2Hasher(
            time_cost=config.argon2_time_cost,
            memory_cost=config.argon2_memory_kib,
            parallelism=config.argon2_parallelism,
            type=Type.ID,
        )
        self._slots = asyncio.Semaphore(config.hash_concurrency)
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        """The argon2id hash of `password` with the configured parameters."""
        return await self._run(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether `password` matches.

        With no hash (or `NO_PASSWORD`) the same work is spent on a dummy one: the time does not
        tell an account without a password (or no account) from others.
        """
        if password_hash is None or password_hash == NO_PASSWORD:
            if self._dummy_hash is None:
                self._dummy_hash = await self.hash(secrets.token_urlsafe(32))
            await self._run(self._check, self._dummy_hash, password)
            return False
        return await self._run(self._check, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with other parameters than the configured ones."""
        return self._hasher.check_needs_rehash(password_hash)

    async def check_policy(self, password: str, *, user_inputs: Iterable[str | None]) -> None:
        """Raise `WeakPassword` unless the password is long and hard enough to guess."""
        minimum = self._config.password_min_length
        if len(password) < minimum:
            raise WeakPassword(f"The password must have at least {minimum} characters.")
        words = [*_expand(user_inputs), *CONTEXT_WORDS]
        # Its dictionaries (13 MB) load with the first password set, not with every start.
        from zxcvbn import zxcvbn

        # zxcvbn takes tens of milliseconds on long input: too long for the event loop.
        result = await anyio.to_thread.run_sync(
            functools.partial(zxcvbn, password[:ZXCVBN_MAX_LENGTH], user_inputs=words)
        )
        if result["score"] >= self._config.password_min_score:
            return
        feedback = result["feedback"]
        warning = feedback.get("warning") or "This password is easy to guess."
        suggestions = list(feedback.get("suggestions") or ["Add another word or two."])
        raise WeakPassword(
            " ".join([warning, *suggestions]),
            warning=warning,
            suggestions=suggestions,
            score=result["score"],
        )

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        async with self._slots:
            return await anyio.to_thread.run_sync(function, *args)


def _expand(user_inputs: Iterable[str | None]) -> list[str]:
    """The inputs plus the local part and domain words of e-mail addresses."""
    words: list[str] = []
    for value in user_inputs:
        if not value:
            continue
        words.append(value)
        if "@" in value:
            local, _, domain = value.partition("@")
            words.extend([local, *domain.split(".")[:-1]])
    return words

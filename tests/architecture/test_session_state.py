"""No SQL in the code changes a pooled connection's session (see `hduce.core.pool_reset`).

Pooled connections go back without asyncpg's reset query after a plain read or an ended
transaction, so nothing may outlive the statement or the transaction that set it.
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import hduce

SRC = Path(hduce.__file__).resolve().parent
SESSION_STATE = [
    re.compile(
        r"(^|;)\s*SET\s+(?!LOCAL\b)"
    ),  # SQL keywords are upper case; `UPDATE ... SET` is not first
    re.compile(r"(^|;)\s*(LISTEN|DECLARE|PREPARE)\s"),
    re.compile(r"pg_(try_)?advisory_lock(_shared)?\s*\(", re.IGNORECASE),
    re.compile(r"set_config\s*\([^)]*,\s*false\s*\)", re.IGNORECASE),
]
OWN_CONNECTIONS = {Path("core/migrations.py")}
"""Modules whose session state lives on a connection of their own, closed after use (the
migration lock); LISTEN connections are opened by `asyncpg.connect`, never by a statement."""


def strings(path: Path) -> Iterator[tuple[int, str]]:
    """Every string constant of a module but its docstrings (f-string parts included)."""
    tree = ast.parse(path.read_text(), str(path))
    prose = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            yield node.lineno, node.value


def test_no_statement_keeps_session_state_on_a_pooled_connection() -> None:
    found = [
        f"{path.relative_to(SRC)}:{line}: {text.strip()[:80]!r}"
        for path in sorted(SRC.rglob("*.py"))
        if path.relative_to(SRC) not in OWN_CONNECTIONS
        for line, text in strings(path)
        if any(pattern.search(text) for pattern in SESSION_STATE)
    ]
    assert found == []


def test_the_check_sees_session_state() -> None:
    for statement in (
        "SET statement_timeout = 0",
        "SELECT 1; SET search_path TO x",
        "SELECT pg_advisory_lock(1)",
        "SELECT set_config('a.b', 'c', false)",
        "LISTEN channel",
    ):
        assert any(pattern.search(statement) for pattern in SESSION_STATE), statement
    for statement in (
        "SET LOCAL hnsw.ef_search = 40",
        "UPDATE account SET status = $1",
        "SELECT pg_advisory_xact_lock(1)",
        "SELECT set_config('a.b', 'c', true)",
    ):
        assert not any(pattern.search(statement) for pattern in SESSION_STATE), statement

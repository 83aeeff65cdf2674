"""Handler dependencies resolved one after another instead of in a task group.

Litestar resolves a batch of two or more independent dependencies concurrently in an anyio task
group. Every authenticated handler has such a batch (the `principal` and its plugin's services
bundle), and the task group alone cost ~100 µs of CPU per request (`bench/request_path.py`:
`/users/me` 229 → 342 µs) while both providers are plain lookups with nothing to overlap. In
order, the outcome is the same: every dependency is resolved, the first failure is raised, and
generator dependencies still register their clean-up.
"""

from typing import Any

from litestar._kwargs import kwargs_model
from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar.connection import ASGIConnection


async def _resolve_in_order(
    self: kwargs_model.KwargsModel, connection: ASGIConnection, kwargs: dict[str, Any]
) -> DependencyCleanupGroup:
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


def resolve_dependencies_in_order() -> None:
    """Make every Litestar handler resolve its dependencies in order (idempotent)."""
    kwargs_model.KwargsModel.resolve_dependencies = _resolve_in_order  # type: ignore[method-assign]

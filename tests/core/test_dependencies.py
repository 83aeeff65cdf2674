"""Handler dependencies are resolved in order, in the request's own task (no task group)."""

import asyncio
from collections.abc import AsyncIterator

from litestar import Litestar, get
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.testing import AsyncTestClient

from hduce.core.dependencies import resolve_dependencies_in_order

tasks: list[asyncio.Task[object] | None] = []
cleaned: list[str] = []


async def caller() -> str:
    tasks.append(asyncio.current_task())
    return "caller"


async def bundle() -> AsyncIterator[str]:
    tasks.append(asyncio.current_task())
    yield "bundle"
    cleaned.append("bundle")


def refuse() -> str:
    raise NotAuthorizedException("no caller")


@get("/both", sync_to_thread=False)
def both(first: NamedDependency[str], second: NamedDependency[str]) -> str:
    tasks.append(asyncio.current_task())
    return f"{first}+{second}"


@get("/refused", sync_to_thread=False)
def refused(first: NamedDependency[str], denied: NamedDependency[str]) -> str:
    return denied


def app() -> Litestar:
    resolve_dependencies_in_order()
    dependencies = {
        "first": Provide(caller),
        "second": Provide(bundle),
        "denied": Provide(refuse, sync_to_thread=False),
    }
    return Litestar([both, refused], dependencies=dependencies, logging_config=None)


async def test_two_dependencies_resolve_in_the_requests_task_and_clean_up() -> None:
    tasks.clear()
    cleaned.clear()
    async with AsyncTestClient(app()) as client:
        answer = await client.get("/both")
    assert answer.text == "caller+bundle"
    assert len(tasks) == 3 and len(set(tasks)) == 1, "a task group runs each in its own task"
    assert cleaned == ["bundle"]


async def test_a_failing_dependency_answers_with_its_error() -> None:
    async with AsyncTestClient(app()) as client:
        answer = await client.get("/refused")
    assert answer.status_code == 401

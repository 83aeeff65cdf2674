"""A single-valued query parameter given twice is a 422 naming it, not its last value."""

from litestar import Litestar, get
from litestar.params import FromPath, FromQuery

from hduce.core.config import Settings
from hduce.core.query_repeats import single_valued_query_names
from tests.plugins.users.clinic import identity_settings, running_clinic


@get("/things/{thing_id:int}")
async def things(
    thing_id: FromPath[int],
    status: FromQuery[str | None] = None,
    tag: FromQuery[list[str] | None] = None,
) -> int:
    """A route with a path parameter, a single-valued and a repeatable query parameter."""
    return thing_id


def test_only_parameters_that_take_one_value_are_single_valued() -> None:
    Litestar(route_handlers=[things])
    assert single_valued_query_names(things, frozenset({"thing_id"})) == frozenset({"status"})


async def test_a_repeated_parameter_of_any_api_route_is_refused(settings: Settings) -> None:
    async with running_clinic(identity_settings(settings)) as clinic:
        admin = await clinic.member("admin")
        once = await clinic.client.get("/api/v1/users?limit=5", headers=admin.headers)
        assert once.status_code == 200, once.text
        twice = await clinic.client.get("/api/v1/users?limit=5&limit=1", headers=admin.headers)
        assert twice.status_code == 422, twice.text
        problem = twice.json()
        assert "`limit` is given more than once" in problem["detail"]
        assert problem["errors"] == [
            {"message": "given more than once", "key": "limit", "source": "query"}
        ]
        # Parameters a route does not know are left alone, as before.
        other = await clinic.client.get("/api/v1/users?x=1&x=2", headers=admin.headers)
        assert other.status_code == 200, other.text

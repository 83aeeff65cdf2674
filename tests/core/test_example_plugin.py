"""The example plugin under `examples/` loads through `plugins.extra` and works end to end."""

import msgspec
import pytest

from hduce.bootstrap import load_plugins
from hduce.core.config import ConfigError, Settings
from tests.plugins.users.clinic import identity_settings, running_clinic

EXAMPLE = "examples.opening_hours:OpeningHoursPlugin"


def with_example(settings: Settings, **section: str) -> Settings:
    """The identity plugins plus the example, configured by `section`."""
    base = identity_settings(settings)
    plugins = msgspec.structs.replace(
        base.plugins,
        extra=(EXAMPLE,),
        sections={**base.plugins.sections, "opening_hours": dict(section)},
    )
    return msgspec.structs.replace(base, plugins=plugins)


async def test_the_example_answers_a_signed_in_caller_with_its_config(settings: Settings) -> None:
    async with running_clinic(with_example(settings, hours="Mon-Sat 07:30-20:00")) as clinic:
        patient = await clinic.member("patient", username="ada_example")
        answer = await clinic.client.get("/api/v1/opening-hours", headers=patient.headers)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"hours": "Mon-Sat 07:30-20:00", "for_username": "ada_example"}
        anonymous = await clinic.client.get("/api/v1/opening-hours")
        assert anonymous.status_code == 401
        assert "opening_hours" in {
            tag["name"] for tag in clinic.client.app.openapi_schema.to_schema()["tags"]
        }


def test_the_example_refuses_unknown_config_keys(settings: Settings) -> None:
    with pytest.raises(ConfigError, match=r"plugins\.opening_hours"):
        load_plugins(with_example(settings, hour="typo"))


def test_the_example_needs_the_auth_plugin(settings: Settings) -> None:
    alone = with_example(settings)
    plugins = msgspec.structs.replace(alone.plugins, enabled=("metrics",))
    with pytest.raises(ConfigError, match="requires auth"):
        load_plugins(msgspec.structs.replace(alone, plugins=plugins))

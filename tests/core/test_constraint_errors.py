"""A unique or foreign key a plugin's write breaks, and the plugin does not catch, is a 409.

It was a 500 with an ERROR traceback. The answer names the key's column(s), never the values
(they may be personal data), and the log line is one WARNING.
"""

import logging
import uuid

import msgspec
import pytest

from hduce.core.config import Settings
from hduce.core.errors import PROBLEM_JSON
from tests.plugins.users.clinic import identity_settings, running_clinic
from tests.support.constraint_plugin import EMAIL

PROBE = "tests.support.constraint_plugin:ConstraintPlugin"


def with_probe(settings: Settings) -> Settings:
    """The identity plugins plus the constraint-breaking one."""
    base = identity_settings(settings)
    return msgspec.structs.replace(
        base, plugins=msgspec.structs.replace(base.plugins, extra=(PROBE,))
    )


@pytest.mark.parametrize(
    ("kind", "named"),
    [
        ("unique", "email"),
        ("unique-expression", "lower(nickname)"),
        ("foreign-key", "person"),
    ],
)
async def test_a_broken_constraint_is_a_409_naming_columns_not_values(
    settings: Settings, caplog: pytest.LogCaptureFixture, kind: str, named: str
) -> None:
    async with running_clinic(with_probe(settings)) as clinic:
        with caplog.at_level(logging.INFO):
            anyone = clinic.headers(uuid.uuid4(), ("patient",))
            answer = await clinic.client.post(f"/api/v1/constraint-probe/{kind}", headers=anyone)
    assert answer.status_code == 409, answer.text
    assert answer.headers["content-type"] == PROBLEM_JSON
    problem = answer.json()
    assert problem["type"].endswith("/conflict")
    assert named in problem["detail"]
    assert EMAIL not in answer.text
    errors = [r for r in caplog.records if r.name == "hduce.errors"]
    assert [r.levelname for r in errors] == ["WARNING"], [r.getMessage() for r in errors]
    assert errors[0].exc_info is None
    assert EMAIL not in caplog.text

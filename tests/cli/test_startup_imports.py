"""`hduce --help`, `version` and `config` load none of the app's libraries (a quick start).

Every command paid ~2 s of imports (Litestar, NATS, TaskIQ with FastAPI, Piccolo, every
plugin's routes and services) before click read its arguments; the test suite and operators
run hundreds of them. The timings are `bench/cli_startup.py`'s; this checks what is loaded.
"""

import os

import pytest

from tests.support.processes import REPO_ROOT, loaded_after

NOT_AT_START = ("litestar", "nats", "taskiq", "fastapi", "piccolo", "asyncpg", "psutil")
RUN_THE_COMMAND = """
import sys
from hduce.cli import main
sys.argv = ["hduce", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["version"],
        ["--config", "config/test.toml", "config", "show"],
        ["--config", "config/test.toml", "config", "check"],
    ],
    ids=["help", "version", "config-show", "config-check"],
)
def test_a_command_without_server_loads_no_app_library(args: list[str]) -> None:
    assert loaded_after(RUN_THE_COMMAND, NOT_AT_START, *args, timeout=60) == []


def test_the_example_plugins_load_no_app_library_either(monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples follow the import rule an outside plugin's `__init__` follows."""
    extras = '["examples.opening_hours:OpeningHoursPlugin", "staff_notes:StaffNotesPlugin"]'
    monkeypatch.setenv("HDUCE_PLUGINS__EXTRA", extras)
    path = os.pathsep.join(
        filter(None, [str(REPO_ROOT / "examples"), os.environ.get("PYTHONPATH")])
    )
    monkeypatch.setenv("PYTHONPATH", path)
    args = ("--config", "config/test.toml", "config", "show")
    assert loaded_after(RUN_THE_COMMAND, NOT_AT_START, *args, timeout=60) == []

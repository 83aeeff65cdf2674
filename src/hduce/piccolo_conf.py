"""Piccolo's configuration: the one engine (configured from `Settings` at start) and every app."""

from collections.abc import Sequence
from pathlib import Path

from piccolo.conf.apps import AppRegistry

from hduce import plugins
from hduce.core.db import HduceEngine

DB = HduceEngine()
CORE_APP = "hduce.core.piccolo_app"

APP_REGISTRY = AppRegistry(
    apps=[
        CORE_APP,
        *(
            f"hduce.plugins.{name}.piccolo_app"
            for name in plugins.BUILTIN_PLUGINS
            if (Path(plugins.__file__).parent / name / "piccolo_app.py").is_file()
        ),
    ]
)
"""Every built-in app, until `use_apps` narrows it to the configured plugins' apps."""


def use_apps(modules: Sequence[str]) -> AppRegistry:
    """Make Piccolo migrate core's app and `modules` (plugins' `piccolo_app` modules) from now on.

    Raises ImportError (or AttributeError: no `APP_CONFIG`) when a module cannot be used.
    """
    global APP_REGISTRY
    APP_REGISTRY = AppRegistry(apps=[CORE_APP, *modules])
    return APP_REGISTRY

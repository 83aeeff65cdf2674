"""Piccolo's configuration: the one engine (configured from `Settings` at start) and every app."""

from pathlib import Path

from piccolo.conf.apps import AppRegistry

from hduce import plugins
from hduce.core.db import HduceEngine

DB = HduceEngine()

APP_REGISTRY = AppRegistry(
    apps=[
        "hduce.core.piccolo_app",
        *(
            f"hduce.plugins.{name}.piccolo_app"
            for name in plugins.BUILTIN_PLUGINS
            if (Path(plugins.__file__).parent / name / "piccolo_app.py").is_file()
        ),
    ]
)

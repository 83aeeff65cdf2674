"""The Piccolo app of clashing_tables (named `CLASHING_APP_NAME`, by default its plugin's)."""

import os
from pathlib import Path

from hduce.core.migrations import app_config

APP_CONFIG = app_config(
    os.environ.get("CLASHING_APP_NAME", "clashing_tables"),
    [],
    after="auth",
    migrations=Path(__file__).parent / "migrations",
)

"""The Piccolo app of staff_notes: its table, and its migrations in the folder beside this file."""

from pathlib import Path

from hduce.core.migrations import app_config
from staff_notes.tables import StaffNote

APP_CONFIG = app_config(
    "staff_notes", [StaffNote], after="auth", migrations=Path(__file__).parent / "migrations"
)

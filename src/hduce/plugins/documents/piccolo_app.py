"""Piccolo app for the documents table."""

from hduce.core.migrations import app_config
from hduce.plugins.documents.tables import Document

APP_CONFIG = app_config("documents", [Document], after="auth")

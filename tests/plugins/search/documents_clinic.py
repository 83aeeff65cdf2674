"""A running clinic with search and documents, and text documents indexed through it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.documents.helpers import extracted, uploaded
from tests.plugins.search.helpers import search_settings, wait_for_entry
from tests.plugins.users.clinic import Clinic, Member, running_clinic


def documents_settings(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory, **search: Any
) -> Settings:
    """Search (with `search` settings) and the documents plugin (one extraction worker)."""
    base = search_settings(settings, **search)
    storage = tmp_path_factory.mktemp("search-documents")
    sections = {
        **base.plugins.sections,
        "documents": {"storage_dir": str(storage), "extraction_workers": 1},
    }
    enabled = (*base.plugins.enabled, "documents")
    plugins = msgspec.structs.replace(base.plugins, enabled=enabled, sections=sections)
    return msgspec.structs.replace(base, plugins=plugins)


@asynccontextmanager
async def documents_clinic(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Clinic]:
    """Search with the documents plugin enabled too (one extraction worker)."""
    async with running_clinic(documents_settings(settings, tmp_path_factory)) as running:
        yield running


async def text_document(
    clinic: Clinic,
    uploader: Member,
    patient: Member,
    text: str,
    title: str,
    kind: str = "lab_result",
) -> dict[str, Any]:
    """Upload a text file for `patient` and wait until its text is extracted and indexed."""
    document = await uploaded(
        clinic,
        uploader,
        text.encode(),
        patient=patient,
        content_type="text/plain",
        title=title,
        kind=kind,
    )
    assert (await extracted(clinic, document["id"]))["status"] == "done"
    pool = clinic.context.db.shared_pool
    await clinic.in_app(wait_for_entry, pool, "document", document["id"], "body <> ''")
    return document

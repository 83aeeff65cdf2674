"""The documents section of a person's data export: their documents' details and found facts.

The files themselves are linked (`download`), not copied into the export.
"""

DOCUMENT_DATA = {
    "documents": (
        "SELECT id, title, kind, filename, content_type, size, status, page_count, note, "
        "entities::text AS entities, created_at, "
        "'/api/v1/documents/' || id || '/content' AS download "
        "FROM document WHERE patient = $1 AND deleted_at IS NULL ORDER BY created_at"
    ),
}
JSON_COLUMNS = frozenset({"entities"})

"""Values built from an OpenAPI schema: plausible enough to get past validation to the service."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

SCHEMA_REF = "#/components/schemas/"
MAX_DEPTH = 6


def sample(schema: dict[str, Any], schemas: dict[str, Any], depth: int = 0) -> Any:
    """A value `schema` accepts (its first example if it has one); `schemas` resolve `$ref`s."""
    if "$ref" in schema:
        return sample(schemas[schema["$ref"].removeprefix(SCHEMA_REF)], schemas, depth)
    if schema.get("examples"):
        return schema["examples"][0]
    if "enum" in schema:
        return schema["enum"][0]
    choices = schema.get("oneOf") or schema.get("anyOf") or schema.get("allOf") or []
    options = [o for o in choices if o.get("type") != "null"]
    if options:
        return sample(options[0], schemas, depth)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object" and depth < MAX_DEPTH:
        properties = schema.get("properties", {})
        return {
            name: sample(properties[name], schemas, depth + 1)
            for name in schema.get("required", [])
        }
    if kind == "array" and depth < MAX_DEPTH:
        count = schema.get("minItems", 0)
        return [sample(schema.get("items", {}), schemas, depth + 1) for _ in range(count)]
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return None


def _string(schema: dict[str, Any]) -> str:
    tomorrow = datetime.now(UTC) + timedelta(days=2)
    by_format = {
        "uuid": str(uuid.uuid4()),
        "date-time": tomorrow.replace(hour=9, minute=0, second=0, microsecond=0).isoformat(),
        "date": tomorrow.date().isoformat(),
        "email": f"probe-{uuid.uuid4().hex[:12]}@example.test",
        "uri": "https://example.test/hook",
    }
    if schema.get("format") in by_format:
        return by_format[schema["format"]]
    text = f"Probe-{uuid.uuid4().hex}"
    return text.ljust(schema.get("minLength", 1), "x")[: schema.get("maxLength", len(text))]

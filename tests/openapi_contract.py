"""Check a real API response against the OpenAPI document the app publishes (status listed, body matches schema)."""

from __future__ import annotations

from typing import Any

import jsonschema


def _json_schema(node: Any, components: dict) -> Any:
    """OpenAPI 3.0 schema → JSON Schema: resolve $ref, turn `nullable` into a null type."""
    if isinstance(node, list):
        return [_json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _json_schema(components[node["$ref"].rsplit("/", 1)[1]], components)
    converted = {key: _json_schema(value, components) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
    return converted


def check_response(spec: dict, method: str, path: str, response) -> None:
    """Fail unless `response` (a test client response) is documented for `method path` and its JSON body matches
    the documented schema. `path` is the template as in the document, e.g. /api/v1/supervision/workers."""
    operation = spec["paths"][path][method.lower()]
    assert "operationId" in operation, f"{method} {path} has no operationId"
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {path} answered {status}, not in the document"
    documented = operation["responses"][status]
    content = documented.get("content", {}).get("application/json")
    if content is None:
        assert not response.data or response.status_code == 204, f"{method} {path} {status}: body not documented"
        return
    schema = _json_schema(content["schema"], spec["components"]["schemas"])
    jsonschema.validate(response.get_json(), schema)

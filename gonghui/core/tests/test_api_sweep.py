"""Every operation of the OpenAPI document, fed hostile input: a body nested 100,000 levels deep, 5,000
nested objects, and bodies whose every string is a lone surrogate, a terminal escape, a direction
override or a zero-width space — anonymously and as the city administrator. Not one answer is a 5xx,
and every refusal is the API's error shape."""

import json
import re
from typing import Any

import pytest
from django.test import Client

from gonghui.api import api

DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
DEEP_OBJECTS = '{"a":' * 5_000 + "1" + "}" * 5_000
HOSTILE_STRINGS = {
    "lone-surrogate": "名\ud800",
    "terminal-escape": "名\x1b[2J",
    "direction-override": "名\u202e称",
    "zero-width": "名\u200b称",
    "line-break": "名\n称",
}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    document = api.get_openapi_schema()
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def sample(schema: dict[str, Any], components: dict[str, Any], text: str, depth: int = 0) -> Any:
    """A value of the schema's shape with `text` in every string (enums keep a valid value, so that
    the hostile text reaches the fields that hold free text)."""
    schema = resolve(schema, components)
    if depth > 6:
        return None
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if resolve(s, components).get("type") != "null"]
            return sample(options[0], components, text, depth + 1) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            name: sample(prop, components, text, depth + 1)
            for name, prop in schema.get("properties", {}).items()
        } or {text: text}
    if kind == "array":
        return [sample(schema.get("items", {}), components, text, depth + 1)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return text


def url_for(path: str, ids: dict[str, int]) -> str:
    return re.sub(
        r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)) if m.group(1) != "token" else "x" * 22, path
    )


@pytest.fixture
def clients(personas):  # type: ignore[no-untyped-def]
    ids = {
        "unit_id": personas.unit("BJ-TZ-LY").pk,
        "enterprise_id": personas.enterprise("yunrui").pk if "yunrui" in personas.story.enterprises else 1,
        "staff_id": personas.luyuan_officer.pk,
    }
    return {"anonymous": Client(), "city_admin": personas.client(personas.city_admin)}, ids


def assert_no_server_error(response: Any, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.content[:300])
    if response.status_code >= 400 and response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        assert "code" in body and "message" in body, (what, body)


def test_deep_bodies_are_refused_by_every_operation_before_login(clients):
    by_role, ids = clients
    for method, path, _operation in operations():
        for role, client in by_role.items():
            for name, body in (("deep-array", DEEP_ARRAY), ("deep-objects", DEEP_OBJECTS)):
                response = client.generic(method, url_for(path, ids), body, content_type="application/json")
                what = f"{role} {method} {path} {name}"
                assert_no_server_error(response, what)
                if method in ("POST", "PUT", "PATCH"):
                    assert response.json()["code"] == "json_too_deep", what


@pytest.mark.parametrize("variant", list(HOSTILE_STRINGS))
def test_hostile_text_in_every_string_of_every_operation_is_never_a_server_error(clients, variant):
    by_role, ids = clients
    text = HOSTILE_STRINGS[variant]
    document = api.get_openapi_schema()
    components = document.get("components", {}).get("schemas", {})
    checked = 0
    for method, path, operation in operations():
        content = operation.get("requestBody", {}).get("content", {})
        query = {
            p["name"]: text
            for p in operation.get("parameters", [])
            if p["in"] == "query" and resolve(p.get("schema", {}), components).get("type") == "string"
        }
        if variant == "lone-surrogate":
            query = {}  # a web address cannot carry one: it is not UTF-8 (Django decodes it as U+FFFD)
        for role, client in by_role.items():
            url = url_for(path, ids)
            if "application/json" in content:
                body = json.dumps(sample(content["application/json"]["schema"], components, text))
                response = client.generic(method, url, body, content_type="application/json")
            elif "multipart/form-data" in content and variant != "lone-surrogate":
                # (Form fields travel as UTF-8 bytes, which cannot hold one; JSON's \ud800 escape can.)
                form = sample(content["multipart/form-data"]["schema"], components, text)
                fields = {k: v for k, v in form.items() if isinstance(v, str | int)}
                response = client.post(url, fields)
            elif method == "GET" and query:
                response = client.get(url, query)
            else:
                continue
            assert_no_server_error(response, f"{role} {method} {path} {variant}")
            checked += 1
    assert checked >= 60  # every operation that takes text, both roles

"""``/api/openapi.json``: a valid OpenAPI 3 document describing every route of SPEC section 4,
whose schemas the real answers of the API match."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from tests.conftest import ApiClient, bearer

PREFIX = "/settings/tokens"
API = f"{PREFIX}/api"
METHODS = {"get", "post", "put", "patch", "delete"}
PROJECTS = [
    {"id": 1, "name": "One", "public": False},
    {"id": "b", "name": "Bee", "public": True},
]


@pytest.fixture
def document(app: Flask) -> dict[str, Any]:
    response = app.test_client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    doc: dict[str, Any] = response.get_json()
    return doc


def routes_of(app: Flask) -> set[tuple[str, str]]:
    """``(OpenAPI path, method)`` of every route of the API blueprint but its catch-all."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("pat.api.") or rule.endpoint == "pat.api.not_found":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        found |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def documented(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in doc["paths"].items()
        for method in item
        if method in METHODS
    }


def schema_errors(doc: dict[str, Any], name: str, instance: Any) -> list[str]:
    """Why ``instance`` does not match the document's component schema ``name`` (none: it does)."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
    validator = OAS31Validator(schema, format_checker=OAS31Validator.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def test_the_document_needs_no_sign_in_and_is_valid_openapi_3(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.")
    validate(document)


def test_the_document_is_served_to_token_requests_too(
    app: Flask, user: Any, make_token: Any
) -> None:
    _, secret = make_token(user)
    for headers in (bearer(secret), bearer("pat_not_a_token")):
        response = app.test_client().get(f"{API}/openapi.json", headers=headers)
        assert response.status_code == 200
        assert response.get_json()["openapi"].startswith("3.")


def test_every_route_and_method_is_documented(app: Flask, document: dict[str, Any]) -> None:
    expected = {
        (f"{API}/meta", "get"),
        (f"{API}/tokens", "get"),
        (f"{API}/tokens", "post"),
        (f"{API}/tokens/revoke-all", "post"),
        (f"{API}/tokens/self", "get"),
        (f"{API}/tokens/self/rotate", "post"),
        (f"{API}/tokens/revoke-all", "post"),
        (f"{API}/tokens/{{token_id}}", "get"),
        (f"{API}/tokens/{{token_id}}", "patch"),
        (f"{API}/tokens/{{token_id}}", "delete"),
        (f"{API}/tokens/{{token_id}}/revoke", "post"),
        (f"{API}/tokens/{{token_id}}/restore", "post"),
        (f"{API}/tokens/{{token_id}}/rotate", "post"),
        (f"{API}/tokens/{{token_id}}/ide/{{fmt}}", "get"),
        (f"{API}/tokens/{{token_id}}/events", "get"),
        (f"{API}/admin/tokens", "get"),
        (f"{API}/admin/tokens/{{token_id}}/revoke", "post"),
        (f"{API}/admin/users/{{user}}/revoke-all", "post"),
        (f"{API}/admin/events", "get"),
        (f"{API}/openapi.json", "get"),
        (f"{API}/leaks/github", "post"),
        (f"{API}/credentials/revoke", "post"),
    }
    assert routes_of(app) == expected
    assert documented(document) == expected


def test_path_parameters_are_declared(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        for method in set(item) & METHODS:
            parameters = item.get("parameters", []) + item[method].get("parameters", [])
            declared = {p["name"] for p in parameters if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (path, method)


def test_the_document_follows_the_url_prefix(host_app: Any) -> None:
    app, _, _, _ = host_app(PAT_URL_PREFIX="/me/tokens")
    response = app.test_client().get("/me/tokens/api/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    validate(doc)
    assert documented(doc) == routes_of(app)
    assert all(path.startswith("/me/tokens/api/") for path in doc["paths"])


def test_documented_responses_include_the_errors_of_each_route(document: dict[str, Any]) -> None:
    paths = document["paths"]
    create = paths[f"{API}/tokens"]["post"]["responses"]
    assert {"201", "400", "401", "403", "409", "422"} <= set(create)
    assert {"200", "401", "404"} <= set(paths[f"{API}/tokens/{{token_id}}"]["get"]["responses"])
    assert "409" in paths[f"{API}/tokens/{{token_id}}/restore"]["post"]["responses"]
    assert "204" in paths[f"{API}/tokens/{{token_id}}"]["delete"]["responses"]
    assert "201" in paths[f"{API}/tokens/{{token_id}}/rotate"]["post"]["responses"]
    ide = paths[f"{API}/tokens/{{token_id}}/ide/{{fmt}}"]["get"]["responses"]
    assert {"200", "404", "409", "422"} <= set(ide)


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "PAT_PROJECTS": lambda user: PROJECTS,
            "PAT_INTEGRATIONS": [{"uid": "u", "name": "U", "model": "m"}],
        }
    ],
)
def test_real_answers_match_the_documented_schemas(
    document: dict[str, Any], api: ApiClient
) -> None:
    meta = api.get("/meta").get_json()
    assert schema_errors(document, "Meta", meta) == []

    answers = [
        api.create("int project", project_id=1, scopes=["notes:read"]),
        api.create("text project", project_id="b", expiration={"unit": "never"}),
        api.create("plain", expiration={"unit": "minutes", "value": 5}),
    ]
    for created in answers:
        assert schema_errors(document, "TokenSecret", created) == []
    token_id = answers[0]["token"]["id"]
    assert schema_errors(document, "Token", api.get(f"/tokens/{token_id}").get_json()) == []
    revoked = api.post(f"/tokens/{token_id}/revoke").get_json()
    assert schema_errors(document, "Token", revoked) == []
    rotated = api.post(f"/tokens/{token_id}/rotate").get_json()
    assert schema_errors(document, "TokenSecret", rotated) == []

    listing = api.get("/tokens").get_json()
    assert len(listing["items"]) == 3
    assert schema_errors(document, "TokenList", listing) == []
    assert schema_errors(document, "TokenList", api.get("/tokens?q=none").get_json()) == []


def test_the_token_schema_lists_exactly_the_answered_fields(
    document: dict[str, Any], api: ApiClient
) -> None:
    token = api.create("x")["token"]
    schema = document["components"]["schemas"]["Token"]
    assert set(schema["properties"]) == set(token)
    assert set(schema["required"]) == set(token)
    assert set(schema["properties"]["status"]["enum"]) == {
        "active",
        "expiring",
        "expired",
        "revoked",
    }
    # A made-up field or status does not pass, so the checks above have teeth.
    assert schema_errors(document, "Token", {**token, "secret": "pat_x"}) != []
    assert schema_errors(document, "Token", {**token, "status": "dead"}) != []


def test_error_answers_match_the_error_schema(
    app: Flask, document: dict[str, Any], api: ApiClient
) -> None:
    errors = [
        api.post("/tokens", json={"name": ""}),
        api.post("/tokens", data="{", content_type="application/json"),
        api.get("/tokens/999"),
        api.post("/tokens", json={"name": "x"}, headers={"X-CSRF-Token": "bad"}),
        app.test_client().get(f"{API}/tokens"),
        api.client.put(f"{API}/tokens"),
        api.get("/nowhere"),
    ]
    for response in errors:
        assert response.status_code >= 400
        assert schema_errors(document, "Error", response.get_json()) == [], response.status_code


def test_request_bodies_the_api_accepts_match_the_create_schema(
    document: dict[str, Any], api: ApiClient
) -> None:
    bodies = [
        {"name": "a"},
        {"name": "b", "expiration": {"unit": "never"}},
        {"name": "c", "expiration": {"unit": "days", "value": 3}, "scopes": ["notes:read"]},
    ]
    for body in bodies:
        assert api.post("/tokens", json=body).status_code == 201
        assert schema_errors(document, "TokenCreate", body) == []
    assert schema_errors(document, "TokenCreate", {"name": "d", "extra": 1}) != []


@pytest.mark.parametrize("app_config", [{"PAT_ADMIN": lambda user: True}])
def test_audit_and_admin_answers_match_the_documented_schemas(
    document: dict[str, Any], api: ApiClient
) -> None:
    token_id = api.create("audited")["token"]["id"]
    api.post(f"/tokens/{token_id}/revoke")
    trail = api.get(f"/tokens/{token_id}/events").get_json()
    assert len(trail["items"]) == 2
    assert schema_errors(document, "EventList", trail) == []
    inventory = api.get("/admin/tokens").get_json()
    assert len(inventory["items"]) == 1
    assert schema_errors(document, "AdminTokenList", inventory) == []
    revoked = api.post(f"/admin/tokens/{token_id}/revoke").get_json()
    assert schema_errors(document, "AdminToken", revoked) == []
    everyone = api.get("/admin/events").get_json()
    assert schema_errors(document, "EventList", everyone) == []
    assert schema_errors(document, "Event", {**trail["items"][0], "event": "exploded"}) != []
    admin = document["paths"][f"{API}/admin/tokens"]["get"]
    assert {p["name"] for p in admin["parameters"]} >= {"user", "q", "status", "sort"}


def test_the_document_cache_stays_small_whatever_the_forwarded_prefix(app: Flask) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    from flask_pat.api.openapi import CACHED_SPECS, build_spec

    app.wsgi_app = ProxyFix(app.wsgi_app, x_prefix=1)  # type: ignore[method-assign]
    client = app.test_client()
    for n in range(3 * CACHED_SPECS):
        response = client.get(
            "/settings/tokens/api/openapi.json", headers={"X-Forwarded-Prefix": f"/p{n}"}
        )
        assert response.status_code == 200
        assert f"/p{n}/settings/tokens/api/meta" in response.get_json()["paths"]
    assert build_spec.cache_info().currsize <= CACHED_SPECS


def test_the_new_fields_and_bodies_are_described(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert "description" in schemas["Token"]["required"]
    assert "description" in schemas["TokenCreate"]["properties"]
    assert set(schemas["TokenEdit"]["properties"]) == {"name", "description"}
    assert schemas["TokenEdit"]["minProperties"] == 1
    assert {"total", "total_exact"} <= set(schemas["AdminTokenList"]["required"])
    assert "total_exact" not in schemas["TokenList"]["properties"]
    token = document["paths"][f"{API}/tokens/{{token_id}}"]
    assert token["patch"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TokenEdit"
    }
    rotate = document["paths"][f"{API}/tokens/{{token_id}}/rotate"]["post"]
    assert rotate["requestBody"]["required"] is False
    assert "expiration" in schemas["Rotate"]["properties"]

"""A token's description, ``PATCH /api/tokens/<id>`` (name and description), and the
listing's search of both (SPEC sections 2 and 4)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask

from tests.api.test_tokens import API, PREFIX, error_of, outcome
from tests.conftest import ApiClient, bearer, require_server, sign_in


def patch(api: ApiClient, token_id: int, body: Any, **kwargs: Any) -> Any:
    headers = kwargs.pop("headers", {"X-CSRF-Token": api.csrf})
    return api.client.patch(api.url(f"/tokens/{token_id}"), json=body, headers=headers, **kwargs)


def names_found(api: ApiClient, q: str) -> list[str]:
    response = api.get("/tokens", query_string={"q": q, "sort": "name"})
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


def test_a_description_is_kept_from_creation_and_shown_in_every_answer(api: ApiClient) -> None:
    made = api.create("deploy", description="  Pushes the site\r\nfrom CI.  ")
    assert made["token"]["description"] == "Pushes the site\nfrom CI."
    token_id = made["token"]["id"]
    assert api.get(f"/tokens/{token_id}").get_json()["description"] == "Pushes the site\nfrom CI."
    listed = api.get("/tokens").get_json()["items"]
    assert [item["description"] for item in listed] == ["Pushes the site\nfrom CI."]
    assert api.create("plain")["token"]["description"] == ""
    assert api.create("null", description=None)["token"]["description"] == ""


def test_a_bad_description_is_422_and_makes_nothing(api: ApiClient) -> None:
    cases = {
        "too long": "x" * 501,
        "a tab": "a\tb",
        "a NUL": "a\x00b",
        "an escape": "a\x1b[31mb",
        "a lone CR": "a\rb",
        "not text": 5,
        "a list": ["a"],
    }
    seen = {
        case: outcome(api.post("/tokens", json={"name": case, "description": value}))
        for case, value in cases.items()
    }
    assert seen == {case: (422, "invalid", ("description",)) for case in cases}
    assert api.get("/tokens").get_json()["total"] == 0
    assert api.create("longest", description="é" * 500)["token"]["description"] == "é" * 500


def test_patch_renames_and_records_it(api: ApiClient) -> None:
    token_id = api.create("old name", description="kept")["token"]["id"]
    response = patch(api, token_id, {"name": "  New name  "})
    assert response.status_code == 200, response.get_json()
    token = response.get_json()
    assert (token["name"], token["description"]) == ("New name", "kept")
    events = api.get(f"/tokens/{token_id}/events").get_json()["items"]
    assert (events[0]["event"], events[0]["actor"]) == ("renamed", "owner")
    assert events[0]["detail"] == {"from": "old name", "to": "New name"}
    assert api.get(f"/tokens/{token_id}").get_json()["name"] == "New name"


def test_patch_changes_the_description_alone_without_an_event(api: ApiClient) -> None:
    token_id = api.create("ci", description="before")["token"]["id"]
    response = patch(api, token_id, {"description": "after\nsecond line"})
    assert response.status_code == 200
    assert response.get_json()["description"] == "after\nsecond line"
    assert response.get_json()["name"] == "ci"
    assert patch(api, token_id, {"description": "", "name": "ci"}).get_json()["description"] == ""
    events = api.get(f"/tokens/{token_id}/events").get_json()["items"]
    assert [event["event"] for event in events] == ["created"]


def test_patch_may_change_only_the_case_of_the_name(api: ApiClient) -> None:
    token_id = api.create("deploy")["token"]["id"]
    response = patch(api, token_id, {"name": "Deploy"})
    assert response.status_code == 200
    assert response.get_json()["name"] == "Deploy"


def test_patch_to_another_tokens_name_is_409_and_changes_nothing(api: ApiClient) -> None:
    api.create("taken")
    token_id = api.create("mine", description="as it was")["token"]["id"]
    error = error_of(patch(api, token_id, {"name": "TAKEN", "description": "new"}), 409, "conflict")
    assert error["fields"] == {"name": [error["fields"]["name"][0]]}
    token = api.get(f"/tokens/{token_id}").get_json()
    assert (token["name"], token["description"]) == ("mine", "as it was")
    events = api.get(f"/tokens/{token_id}/events").get_json()["items"]
    assert [event["event"] for event in events] == ["created"]


def test_bad_patches_are_refused_and_change_nothing(api: ApiClient) -> None:
    token_id = api.create("stays", description="same")["token"]["id"]
    cases = {
        "empty name": ({"name": "   "}, (422, "invalid", ("name",))),
        "long name": ({"name": "n" * 101}, (422, "invalid", ("name",))),
        "null name": ({"name": None}, (422, "invalid", ("name",))),
        "long description": ({"description": "d" * 501}, (422, "invalid", ("description",))),
        "control character": ({"description": "a\x07"}, (422, "invalid", ("description",))),
        "unknown field": ({"name": "x", "scopes": ["notes:read"]}, (422, "invalid", ("scopes",))),
        "expiry": ({"expires_at": None}, (422, "invalid", ("expires_at",))),
        "nothing": ({}, (422, "invalid", ("_schema",))),
        "not an object": (["name"], (422, "invalid", ("_schema",))),
    }
    seen = {case: outcome(patch(api, token_id, body)) for case, (body, _) in cases.items()}
    assert seen == {case: expected for case, (_, expected) in cases.items()}
    not_json = api.client.patch(
        api.url(f"/tokens/{token_id}"), data="name=x", headers={"X-CSRF-Token": api.csrf}
    )
    assert outcome(not_json) == (400, "bad_request", ())
    token = api.get(f"/tokens/{token_id}").get_json()
    assert (token["name"], token["description"]) == ("stays", "same")


def test_patch_needs_csrf_and_a_token_of_ones_own(
    app: Flask, api: ApiClient, other_user: Any
) -> None:
    token_id = api.create("mine")["token"]["id"]
    error_of(patch(api, token_id, {"name": "x"}, headers={}), 403, "csrf_failed")
    other = ApiClient(sign_in(app, other_user), api.prefix)
    error_of(patch(other, token_id, {"name": "stolen"}), 404, "not_found")
    error_of(patch(api, 999999, {"name": "x"}), 404, "not_found")
    anonymous = app.test_client().patch(f"{API}/tokens/{token_id}", json={"name": "x"})
    assert anonymous.status_code == 401
    assert api.get(f"/tokens/{token_id}").get_json()["name"] == "mine"


@pytest.mark.parametrize("app_config", [{"PAT_ALLOW_TOKEN_MANAGEMENT": True}])
def test_a_token_edits_only_what_it_could_manage(app: Flask, api: ApiClient) -> None:
    manager = api.create("manager", scopes=["notes:read"], expiration={"unit": "days", "value": 7})
    narrow = api.create("narrow", scopes=["notes:read"], expiration={"unit": "days", "value": 1})
    wide = api.create("wide", scopes=["notes:write"], expiration={"unit": "days", "value": 1})
    longer = api.create("longer", scopes=["notes:read"], expiration={"unit": "days", "value": 30})
    client = app.test_client()

    def edit(target: dict[str, Any], name: str) -> Any:
        return client.patch(
            f"{API}/tokens/{target['token']['id']}",
            json={"name": name},
            headers=bearer(manager["secret"]),
        )

    assert edit(narrow, "renamed by a token").status_code == 200
    assert outcome(edit(wide, "x")) == (403, "insufficient_scope", ())
    assert outcome(edit(longer, "x")) == (403, "forbidden", ())
    assert outcome(edit(manager, "x")) == (403, "forbidden", ())
    events = api.get(f"/tokens/{narrow['token']['id']}/events").get_json()["items"]
    assert (events[0]["event"], events[0]["actor"]) == ("renamed", "token")
    assert names_found(api, "") == ["longer", "manager", "renamed by a token", "wide"]


def test_search_matches_name_or_description_ignoring_case(api: ApiClient) -> None:
    api.create("Deploy site", description="Pushes to production")
    api.create("backup", description="Nightly über-DEPLOY of the database")
    api.create("reader", description="Reads notes")
    api.create("Über", description="")
    assert names_found(api, "deploy") == ["backup", "Deploy site"]
    assert names_found(api, "PRODUCTION") == ["Deploy site"]
    assert names_found(api, "ÜBER") == ["backup", "Über"]
    assert names_found(api, "notes") == ["reader"]
    assert names_found(api, "nothing like it") == []


def test_search_takes_percent_and_underscore_literally(api: ApiClient) -> None:
    api.create("one", description="100% coverage")
    api.create("two", description="100 percent")
    api.create("three", description="snake_case")
    api.create("four", description="snakeXcase")
    assert names_found(api, "100%") == ["one"]
    assert names_found(api, "e_c") == ["three"]
    assert names_found(api, "%") == ["one"]
    assert names_found(api, "_") == ["three"]


def test_a_token_found_by_name_and_description_counts_once(api: ApiClient) -> None:
    api.create("deploy one", description="deploys the site")
    api.create("deploy two")
    api.create("three", description="a DEPLOY key")
    api.create("four", description="other")
    body = api.get("/tokens", query_string={"q": "deploy", "per_page": 5}).get_json()
    assert (body["total"], body["pages"]) == (3, 1)
    assert sorted(item["name"] for item in body["items"]) == ["deploy one", "deploy two", "three"]
    revoked = api.get("/tokens", query_string={"q": "deploy", "status": "revoked"}).get_json()
    assert (revoked["total"], revoked["items"]) == (0, [])


def test_concurrent_renames_to_one_name_let_exactly_one_through(
    app: Flask, user: Any, database_url: str
) -> None:
    require_server(database_url, "postgresql", "mysql")
    clients = [ApiClient(sign_in(app, user), PREFIX) for _ in range(3)]
    ids = [clients[0].create(f"token {n}")["token"]["id"] for n in range(3)]
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[int, Any]] = []

    def rename(api: ApiClient, token_id: int) -> None:
        barrier.wait()
        response = patch(api, token_id, {"name": "Shared name"})
        answers.append((response.status_code, response.get_json()))

    threads = [
        threading.Thread(target=rename, args=pair) for pair in zip(clients, ids, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _ in answers) == [200, 409, 409], answers
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"conflict"}
    assert sorted(names_found(clients[0], "")) == sorted(
        ["Shared name", *(f"token {n}" for n in range(3) if ids[n] not in _winner(answers))]
    )


def _winner(answers: list[tuple[int, Any]]) -> set[int]:
    return {body["id"] for status, body in answers if status == 200}

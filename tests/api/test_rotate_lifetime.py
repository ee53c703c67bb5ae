"""``POST /api/tokens/<id>/rotate`` with an optional new lifetime (SPEC sections 2 and 4):
the page's presets (7, 30, 60, 90 days) and its custom date (sent as whole days)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask

from tests.api.test_tokens import API, START, at, later, outcome
from tests.conftest import ApiClient, bearer


@pytest.fixture
def clock() -> Iterator[Any]:
    """The clock, frozen at ``START``; requested before ``api`` so sign-in happens then."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def rotate(api: ApiClient, token_id: int, **kwargs: Any) -> Any:
    return api.post(f"/tokens/{token_id}/rotate", **kwargs)


def works(app: Flask, secret: str) -> bool:
    return int(app.test_client().get("/whoami", headers=bearer(secret)).status_code) == 200


@pytest.mark.parametrize("days", [7, 30, 60, 90, 45])
def test_rotation_may_choose_a_new_lifetime_which_later_rotations_keep(
    clock: Any, api: ApiClient, days: int
) -> None:
    token_id = api.create("ci", expiration={"unit": "hours", "value": 2})["token"]["id"]
    clock.shift(timedelta(hours=1))
    response = rotate(api, token_id, json={"expiration": {"unit": "days", "value": days}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert at(body["token"]["expires_at"]) == START + timedelta(hours=1, days=days)
    assert body["token"]["status"] == ("expiring" if days <= 7 else "active")
    later(clock, api, timedelta(days=1))
    again = rotate(api, token_id).get_json()
    assert at(again["token"]["expires_at"]) == START + timedelta(hours=1, days=1 + days)


def test_rotation_without_a_lifetime_keeps_the_tokens_own(clock: Any, api: ApiClient) -> None:
    token_id = api.create("ci", expiration={"unit": "hours", "value": 5})["token"]["id"]
    bodies = {
        "no body": {},
        "empty JSON object": {"json": {}},
        "null expiration": {"json": {"expiration": None}},
        "empty body with a JSON type": {"data": b"", "content_type": "application/json"},
    }
    for case, kwargs in bodies.items():
        clock.shift(timedelta(minutes=10))
        response = rotate(api, token_id, **kwargs)
        assert response.status_code == 201, (case, response.get_json())
        expires = at(response.get_json()["token"]["expires_at"])
        assert expires is not None and expires - START == timedelta(hours=5) + (
            timedelta(minutes=10) * (list(bodies).index(case) + 1)
        ), case


def test_rotation_may_make_a_token_never_expire_or_expire(clock: Any, api: ApiClient) -> None:
    token_id = api.create("ci")["token"]["id"]
    never = rotate(api, token_id, json={"expiration": {"unit": "never"}}).get_json()
    assert never["token"]["expires_at"] is None
    # A second rotation within a second of the first would count as concurrent with it.
    clock.shift(timedelta(seconds=2))
    again = rotate(api, token_id, json={"expiration": {"unit": "weeks", "value": 2}}).get_json()
    assert again["token"]["expires_at"] is not None


@pytest.mark.parametrize("app_config", [{"PAT_MAX_LIFETIME": timedelta(days=90)}])
def test_a_bad_lifetime_is_refused_and_the_old_secret_keeps_working(
    app: Flask, api: ApiClient
) -> None:
    made = api.create("ci", expiration={"unit": "days", "value": 30})
    token_id = made["token"]["id"]
    cases = {
        "over the maximum": ({"expiration": {"unit": "days", "value": 91}}, 422, "invalid"),
        "never under a maximum": ({"expiration": {"unit": "never"}}, 422, "invalid"),
        "zero": ({"expiration": {"unit": "days", "value": 0}}, 422, "invalid"),
        "a unit not offered": ({"expiration": {"unit": "years", "value": 1}}, 422, "invalid"),
        "a text value": ({"expiration": {"unit": "days", "value": "7"}}, 422, "invalid"),
        "an unknown field": ({"expires_at": "2031-02-01T00:00:00+00:00"}, 422, "invalid"),
        "not an object": ([7], 422, "invalid"),
    }
    seen = {
        case: outcome(rotate(api, token_id, json=body))[:2] for case, (body, *_) in cases.items()
    }
    assert seen == {case: (status, code) for case, (_, status, code) in cases.items()}
    assert outcome(rotate(api, token_id, data="days=7"))[:2] == (400, "bad_request")
    assert outcome(rotate(api, token_id, data="{", content_type="application/json"))[:2] == (
        400,
        "bad_request",
    )
    assert works(app, made["secret"])
    token = api.get(f"/tokens/{token_id}").get_json()
    assert (token["last4"], token["expires_at"]) == (
        made["token"]["last4"],
        made["token"]["expires_at"],
    )
    longest = rotate(api, token_id, json={"expiration": {"unit": "days", "value": 90}})
    assert longest.status_code == 201
    assert not works(app, made["secret"])


@pytest.mark.parametrize("app_config", [{"PAT_ALLOW_TOKEN_MANAGEMENT": True}])
def test_a_token_rotates_another_only_to_a_lifetime_within_its_own(
    clock: Any, app: Flask, api: ApiClient
) -> None:
    manager = api.create("manager", scopes=["notes:read"], expiration={"unit": "days", "value": 7})
    target = api.create("target", scopes=["notes:read"], expiration={"unit": "days", "value": 1})
    path = f"{API}/tokens/{target['token']['id']}/rotate"
    client = app.test_client()

    def by_token(expiration: dict[str, Any]) -> Any:
        return client.post(path, json={"expiration": expiration}, headers=bearer(manager["secret"]))

    assert outcome(by_token({"unit": "days", "value": 8})) == (403, "forbidden", ())
    assert outcome(by_token({"unit": "never"})) == (403, "forbidden", ())
    assert works(app, target["secret"])
    response = by_token({"unit": "days", "value": 6})
    assert response.status_code == 201
    assert at(response.get_json()["token"]["expires_at"]) == START + timedelta(days=6)

"""The audit trail (SPEC section 4): the new Token fields, ``GET /api/tokens/<id>/events``,
one event per change, and events outliving their token."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_pat import service
from tests.conftest import ApiClient, bearer, sign_in

API = "/settings/tokens/api"
EVENT_FIELDS = {"id", "token_id", "user_id", "event", "at", "actor", "ip", "user_agent", "detail"}


def events_of(api: ApiClient, token_id: int, **query: Any) -> Any:
    response = api.get(f"/tokens/{token_id}/events", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_token_shows_its_usage_and_revocation_reason(
    app: Flask, api: ApiClient, user: Any
) -> None:
    created = api.create("ci")["token"]
    assert created["last_used_ip"] is None
    assert created["last_used_user_agent"] is None
    assert created["revoked_reason"] is None
    revoked = api.post(f"/tokens/{created['id']}/revoke").get_json()
    assert revoked["revoked_reason"] == "user"
    restored = api.post(f"/tokens/{created['id']}/restore").get_json()
    assert restored["revoked_reason"] is None
    listed = api.get("/tokens").get_json()["items"][0]
    assert {"last_used_ip", "last_used_user_agent", "revoked_reason"} <= set(listed)


def test_usage_columns_are_shown_as_stored(app: Flask, api: ApiClient) -> None:
    token_id = api.create("ci")["token"]["id"]
    pat = app.extensions["pat"]
    with app.app_context():
        token = pat.db.session.get(pat.Token, token_id)
        token.last_used_ip = "203.0.113.9"
        token.last_used_user_agent = "curl/8.5.0"
        pat.db.session.commit()
    body = api.get(f"/tokens/{token_id}").get_json()
    assert (body["last_used_ip"], body["last_used_user_agent"]) == ("203.0.113.9", "curl/8.5.0")


def test_each_change_is_an_event_newest_first(api: ApiClient) -> None:
    token_id = api.create("ci")["token"]["id"]
    api.post(f"/tokens/{token_id}/revoke")
    api.post(f"/tokens/{token_id}/revoke")  # already revoked: nothing happens, nothing recorded
    api.post(f"/tokens/{token_id}/restore")
    api.post(f"/tokens/{token_id}/rotate")
    body = events_of(api, token_id)
    assert [e["event"] for e in body["items"]] == ["rotated", "restored", "revoked", "created"]
    assert (body["total"], body["pages"], body["page"], body["per_page"]) == (4, 1, 1, 10)
    first = body["items"][-1]
    assert set(first) == EVENT_FIELDS
    assert first["token_id"] == token_id
    assert first["actor"] == "owner"
    assert first["ip"] == "127.0.0.1"
    assert first["at"].endswith("+00:00")
    assert body["items"][2]["detail"] == {"reason": "user"}


def test_events_are_paged_like_the_token_list(api: ApiClient) -> None:
    token_id = api.create("ci")["token"]["id"]
    for _ in range(6):
        api.post(f"/tokens/{token_id}/revoke")
        api.post(f"/tokens/{token_id}/restore")
    first = events_of(api, token_id, per_page=5)
    assert (first["total"], first["pages"], len(first["items"])) == (13, 3, 5)
    last = events_of(api, token_id, per_page=5, page=3)
    assert [e["event"] for e in last["items"]] == ["restored", "revoked", "created"]
    assert events_of(api, token_id, per_page=5, page=4)["items"] == []
    pages = [events_of(api, token_id, per_page=5, page=p)["items"] for p in (1, 2, 3)]
    ids = [event["id"] for page in pages for event in page]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 13


@pytest.mark.parametrize("query", [{"per_page": "7"}, {"page": "0"}, {"page": "x"}, {"sort": "id"}])
def test_bad_event_queries_are_422(api: ApiClient, query: dict[str, str]) -> None:
    token_id = api.create("ci")["token"]["id"]
    response = api.get(f"/tokens/{token_id}/events", query_string=query)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid"


def test_another_users_or_a_deleted_tokens_events_are_404(
    app: Flask, api: ApiClient, other_user: Any, make_token: Any
) -> None:
    theirs, _ = make_token(other_user, "theirs")
    mine = api.create("mine")["token"]["id"]
    assert api.delete(f"/tokens/{mine}").status_code == 204
    for token_id in (theirs, mine, 2**63, "abc"):
        response = api.get(f"/tokens/{token_id}/events")
        assert response.status_code == 404, token_id
        assert response.get_json()["error"]["code"] == "not_found"


def test_events_need_a_session(app: Flask, user: Any, make_token: Any) -> None:
    token_id, secret = make_token(user)
    client = app.test_client()
    assert client.get(f"{API}/tokens/{token_id}/events").status_code == 401
    by_token = client.get(f"{API}/tokens/{token_id}/events", headers=bearer(secret))
    assert by_token.status_code == 403


def test_events_outlive_their_token_and_go_with_their_user(
    app: Flask, api: ApiClient, user: Any, other_user: Any, make_token: Any
) -> None:
    token_id = api.create("ci")["token"]["id"]
    api.delete(f"/tokens/{token_id}")
    theirs, _ = make_token(other_user, "theirs")
    pat = app.extensions["pat"]
    with app.app_context():
        Event = pat.Event
        rows = pat.db.session.scalars(
            sa.select(Event).where(Event.token_id == token_id).order_by(Event.id)
        ).all()
        assert [(e.event, e.actor) for e in rows] == [("created", "owner"), ("deleted", "owner")]
        assert rows[1].detail == {"name": "ci"}
        pat.db.session.execute(sa.delete(pat.user_model).where(pat.user_pk == other_user.id))
        pat.db.session.commit()
        left = pat.db.session.scalars(sa.select(Event.token_id)).all()
    assert theirs not in left and token_id in left


def test_cli_changes_are_recorded_with_their_actor(app: Flask, user: Any) -> None:
    with app.app_context():
        token, _ = service.create(user, "ci", actor="cli")
        service.revoke(user, token, actor="cli")
        token_id = token.id
    client = sign_in(app, user)
    api = ApiClient(client, "/settings/tokens")
    actors = [(e["event"], e["actor"]) for e in events_of(api, token_id)["items"]]
    assert actors == [("revoked", "cli"), ("created", "cli")]


def test_a_token_revoked_by_an_admin_or_for_a_leak_cannot_be_restored(
    app: Flask, api: ApiClient, user: Any
) -> None:
    """Only its owner's revocation restores; a leaked or reused secret is rotated away by
    the owner; an administrator's revocation, or a changed user's, is never undone by
    the owner: rotating it is 409 ``not_restorable`` too, and changes nothing."""
    for reason in ("admin", "leaked", "reused", "user_changed"):
        token_id = api.create(f"ci {reason}")["token"]["id"]
        pat = app.extensions["pat"]
        with app.app_context():
            token = pat.db.session.get(pat.Token, token_id)
            actor = "admin" if reason == "admin" else "system"
            service.revoke(user, token, reason=reason, actor=actor)
        shown = api.get(f"/tokens/{token_id}").get_json()
        assert (shown["status"], shown["revoked_reason"]) == ("revoked", reason)
        response = api.post(f"/tokens/{token_id}/restore")
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == "not_restorable"
        assert api.get(f"/tokens/{token_id}").get_json() == shown
        response = api.post(f"/tokens/{token_id}/rotate")
        event = "leaked" if reason == "leaked" else "revoked"
        if reason in ("admin", "user_changed"):
            assert response.status_code == 409
            assert response.get_json()["error"]["code"] == "not_restorable"
            assert "only be deleted" in response.get_json()["error"]["message"]
            assert api.get(f"/tokens/{token_id}").get_json() == shown
            assert [e["event"] for e in events_of(api, token_id)["items"]][0] == event
            continue
        # Rotation is the way back.
        rotated = response.get_json()["token"]
        assert (rotated["status"], rotated["revoked_reason"]) == ("active", None)
        assert [e["event"] for e in events_of(api, token_id)["items"]][:2] == ["rotated", event]


def test_a_new_token_never_inherits_a_deleted_ones_trail(
    app: Flask, api: ApiClient, other_user: Any
) -> None:
    # The newest token's id is the one a database reusing ids would hand out next.
    old = api.create("old")["token"]["id"]
    api.post(f"/tokens/{old}/revoke")
    assert api.delete(f"/tokens/{old}").status_code == 204
    for client in (api, ApiClient(sign_in(app, other_user), "/settings/tokens")):
        new = client.create("new")["token"]["id"]
        assert new != old
        assert [e["event"] for e in events_of(client, new)["items"]] == ["created"]
        client.delete(f"/tokens/{new}")

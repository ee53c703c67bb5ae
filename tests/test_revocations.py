"""Revoking every token of a user at once: ``pat.revoke_all``, ``POST
/api/tokens/revoke-all``, ``flask pat revoke --user ID --all`` and the administrator's
``POST /api/admin/users/<user>/revoke-all``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_pat import service, signals
from tests.conftest import ApiClient, _add_user, bearer, cli_runner, sign_in

PREFIX = "/settings/tokens"
API = f"{PREFIX}/api"


def is_admin(user: Any) -> bool:
    return bool(user.email.startswith("admin"))


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"PAT_ADMIN": is_admin, "PAT_ALLOW_TOKEN_MANAGEMENT": True}


@contextmanager
def revoked_signals() -> Iterator[list[tuple[int, str]]]:
    seen: list[tuple[int, str]] = []

    def on_revoked(sender: Any, **extra: Any) -> None:
        seen.append((extra["token"].id, extra["by"]))

    with signals.token_revoked.connected_to(on_revoked):
        yield seen


def reasons(app: Flask, user: Any) -> dict[int, str | None]:
    pat = app.extensions["pat"]
    with app.app_context():
        table = pat.Token.__table__
        rows = pat.db.session.execute(
            sa.select(table.c.id, table.c.revoked_reason).where(table.c.user_id == user.id)
        )
        return dict(rows.all())  # type: ignore[arg-type]


def revoked_events(app: Flask, user: Any) -> list[tuple[int, str]]:
    pat = app.extensions["pat"]
    with app.app_context():
        Event = pat.Event
        rows = pat.db.session.execute(
            sa.select(Event.token_id, Event.actor)
            .where(Event.user_id == user.id, Event.event == "revoked")
            .order_by(Event.token_id)
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


@pytest.fixture
def tokens(app: Flask, user: Any, other_user: Any, make_token: Any) -> dict[str, Any]:
    """Three live tokens of ``user``, one it revoked itself, and another user's."""
    made = {name: make_token(user, name) for name in ("a", "b", "c", "mine revoked")}
    with app.app_context():
        pat = app.extensions["pat"]
        token = pat.db.session.get(pat.Token, made["mine revoked"][0])
        service.revoke(user, token)
    made["theirs"] = make_token(other_user, "theirs")
    return made


def works(app: Flask, secret: str) -> bool:
    return app.test_client().get("/whoami", headers=bearer(secret)).status_code == 200


def test_a_user_revokes_all_their_tokens_from_a_session(
    app: Flask, api: ApiClient, user: Any, other_user: Any, tokens: dict[str, Any]
) -> None:
    live = sorted(tokens[name][0] for name in ("a", "b", "c"))
    with revoked_signals() as seen:
        response = api.post("/tokens/revoke-all")
    assert (response.status_code, response.get_json()) == (200, {"revoked": 3})
    assert sorted(seen) == [(token_id, "owner") for token_id in live]
    # One event each, besides the one of the token its owner had revoked before.
    everyone = sorted([*live, tokens["mine revoked"][0]])
    assert revoked_events(app, user) == [(token_id, "owner") for token_id in everyone]
    for name in ("a", "b", "c"):
        assert not works(app, tokens[name][1])
    assert set(reasons(app, user).values()) == {"user"}
    # Restorable, as any revocation of one's own; another user's token is untouched.
    assert api.post(f"/tokens/{live[0]}/restore").status_code == 200
    assert works(app, tokens["theirs"][1])
    # Nothing left to revoke but the restored one.
    assert api.post("/tokens/revoke-all").get_json() == {"revoked": 1}


def test_revoke_all_needs_a_session_and_its_csrf_token(
    app: Flask, api: ApiClient, user: Any, tokens: dict[str, Any]
) -> None:
    client = app.test_client()
    response = client.post(f"{API}/tokens/revoke-all", headers=bearer(tokens["a"][1]))
    assert response.status_code == 403
    response = api.client.post(f"{API}/tokens/revoke-all")
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert client.post(f"{API}/tokens/revoke-all").status_code == 401
    assert all(works(app, tokens[name][1]) for name in ("a", "b", "c"))


def test_an_administrator_revokes_all_of_a_taken_over_account(
    app: Flask, db: Any, User: Any, api: ApiClient, user: Any, tokens: dict[str, Any]
) -> None:
    with app.app_context():
        admin = ApiClient(sign_in(app, _add_user(db, User, "admin@example.com")), PREFIX)
    with revoked_signals() as seen:
        response = admin.post(f"/admin/users/{user.id}/revoke-all")
    assert (response.status_code, response.get_json()) == (200, {"revoked": 4})
    assert {by for _, by in seen} == {"admin"}
    # The owner (or whoever holds the account) can neither restore nor rotate them back.
    assert set(reasons(app, user).values()) == {"admin"}
    for token_id, _ in (tokens[name] for name in ("a", "mine revoked")):
        for action in ("restore", "rotate"):
            response = api.post(f"/tokens/{token_id}/{action}")
            assert response.get_json()["error"]["code"] == "not_restorable"
    assert works(app, tokens["theirs"][1])
    for bad, status in (("99999", 404), ("x", 422)):
        assert admin.post(f"/admin/users/{bad}/revoke-all").status_code == status
    # Not for a non-admin, however signed in.
    assert api.post(f"/admin/users/{user.id}/revoke-all").status_code == 403


def test_flask_pat_revoke_user_all(app: Flask, user: Any, tokens: dict[str, Any]) -> None:
    runner = cli_runner(app)

    def cli(*args: str) -> Any:
        with app.app_context():
            return runner.invoke(args=["pat", "revoke", *args])

    result = cli("--user", str(user.id), "--all")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Revoked 3 tokens of user {user.id}.\n"
    assert not any(works(app, tokens[name][1]) for name in ("a", "b", "c"))
    assert cli("--user", str(user.id), "--all").stdout == f"Revoked 0 tokens of user {user.id}.\n"
    for bad in (["--user", str(user.id)], ["--all"], ["1", "--all"], ["--user", "999", "--all"]):
        result = cli(*bad)
        assert result.exit_code == 2, (bad, result.output)
        assert result.stdout == ""
    assert works(app, tokens["theirs"][1])

"""``PAT_USER_BINDING`` on a plain host: a token stays with the user value it was made for."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_pat import signals
from tests.conftest import bearer


def set_email(app: Flask, user: Any, email: str) -> None:
    pat = app.extensions["pat"]
    with app.app_context():
        User = pat.user_model
        pat.db.session.execute(sa.update(User).where(User.id == user.id).values(email=email))
        pat.db.session.commit()


def refusal(app: Flask, secret: str) -> str | None:
    response = app.test_client().get("/whoami", headers=bearer(secret))
    if response.status_code == 200:
        return None
    assert response.status_code == 401
    return str(response.headers["WWW-Authenticate"])


@pytest.mark.parametrize("app_config", [{"PAT_USER_BINDING": lambda user: user.email}])
def test_a_changed_user_value_stops_the_token_for_good(
    app: Flask, user: Any, make_token: Any
) -> None:
    token_id, secret = make_token(user, "ci")
    assert refusal(app, secret) is None
    set_email(app, user, "someone.else@example.com")
    revoked: list[tuple[int, Any, str]] = []

    def receiver(sender: Flask, token: Any, user: Any, by: str) -> None:
        revoked.append((token.id, user.id, by))

    with signals.token_revoked.connected_to(receiver, app):
        assert "The token's user has changed" in (refusal(app, secret) or "")
    # The host hears of it, with the user whose token it was.
    assert revoked == [(token_id, user.id, "system")]
    # Revoked: changing the value back does not revive it.
    set_email(app, user, "ada@example.com")
    assert "The token has been revoked." in (refusal(app, secret) or "")
    pat = app.extensions["pat"]
    with app.app_context():
        token = pat.db.session.get(pat.Token, token_id)
        assert token.revoked_reason == "user_changed"


def test_tokens_made_before_the_setting_are_bound_at_their_next_rotation(
    app: Flask, user: Any, make_token: Any, api: Any
) -> None:
    token_id, secret = make_token(user, "ci")
    app.config["PAT_USER_BINDING"] = lambda u: u.email
    set_email(app, user, "ada+1@example.com")
    assert refusal(app, secret) is None  # not bound: made before the setting
    rotated = api.post(f"/tokens/{token_id}/rotate").get_json()["secret"]
    assert refusal(app, rotated) is None
    set_email(app, user, "ada+2@example.com")
    assert "The token's user has changed" in (refusal(app, rotated) or "")

"""What a token may read through the management API (``PAT_ALLOW_TOKEN_MANAGEMENT``): only
itself and tokens it could have created, as for actions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from flask import Flask

from tests.conftest import bearer, sign_in

API = "/settings/tokens/api"


@pytest.mark.parametrize("app_config", [{"PAT_ALLOW_TOKEN_MANAGEMENT": True}])
def test_a_token_reads_only_tokens_within_its_rights(
    app: Flask, user: Any, make_token: Any
) -> None:
    own_id, secret = make_token(user, "reader", expiration=("days", 7), scopes=["notes:read"])
    wide_id, _ = make_token(user, "writer", expiration=("days", 1), scopes=["notes:write"])
    long_id, _ = make_token(user, "long", expiration=("days", 30), scopes=["notes:read"])
    never_id, _ = make_token(user, "forever", expiration=("never", None), scopes=[])
    narrow_id, _ = make_token(user, "narrow", expiration=("days", 2), scopes=["notes:read"])
    client = app.test_client()
    paths = ("", "/events", "/ide/vscode")
    for target, code in (
        (wide_id, "insufficient_scope"),
        (long_id, "forbidden"),
        (never_id, "forbidden"),
    ):
        for path in paths:
            response = client.get(f"{API}/tokens/{target}{path}", headers=bearer(secret))
            assert response.status_code == 403, (target, path, response.get_json())
            body = response.get_json()
            assert body["error"]["code"] == code
            if code == "forbidden":
                assert body["error"]["message"] == (
                    "This token outlives the one you are using: sign in to read it."
                )
            # Nothing of the wider token leaks in the refusal.
            assert "writer" not in response.get_data(as_text=True)
            assert "last_used_ip" not in body
    for target in (own_id, narrow_id):
        for path in paths:
            response = client.get(f"{API}/tokens/{target}{path}", headers=bearer(secret))
            assert response.status_code == 200, (target, path, response.get_json())
    # A session still reads everything of its own.

    browser = sign_in(app, user)
    for target in (wide_id, long_id, never_id):
        assert browser.get(f"{API}/tokens/{target}").status_code == 200
        assert browser.get(f"{API}/tokens/{target}/events").status_code == 200


@pytest.mark.parametrize("app_config", [{"PAT_ALLOW_TOKEN_MANAGEMENT": True}])
def test_a_token_reads_one_ending_at_the_same_instant(
    app: Flask, user: Any, make_token: Any
) -> None:
    """As for creating: ending when the reader ends is not outliving it."""
    with time_machine.travel(datetime(2030, 1, 1, tzinfo=UTC), tick=False):
        _, secret = make_token(user, "reader", expiration=("days", 7))
        twin_id, _ = make_token(user, "twin", expiration=("days", 7))
        response = app.test_client().get(f"{API}/tokens/{twin_id}", headers=bearer(secret))
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["expires_at"].startswith("2030-01-08T00:00:00")

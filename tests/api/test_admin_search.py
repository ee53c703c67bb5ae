"""The admin inventory's search of owners (``q`` matches the user's label columns,
``PAT_ADMIN_USER_SEARCH``) and its bounded total past 10,000 matching tokens (SPEC 10)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_pat.inventory import COUNT_LIMIT
from flask_pat.settings import SettingError
from tests.api.test_admin import PREFIX, is_admin
from tests.conftest import ApiClient, _add_user, make_app, sign_in
from tests.support.bulk import token_rows


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"PAT_ADMIN": is_admin}


@pytest.fixture
def admin(app: Flask, db: Any, User: Any) -> ApiClient:
    with app.app_context():
        admin_user = _add_user(db, User, "admin@example.com")
    return ApiClient(sign_in(app, admin_user), PREFIX)


def found(admin: ApiClient, **query: Any) -> list[tuple[str, str]]:
    response = admin.get("/admin/tokens", query_string={"sort": "name", **query})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total_exact"] is True
    return [(item["user_label"], item["name"]) for item in body["items"]]


def test_q_matches_the_owners_email_name_or_description(
    app: Flask, db: Any, User: Any, admin: ApiClient, make_token: Any
) -> None:
    with app.app_context():
        carol = _add_user(db, User, "Carol_100%@Example.org")
        dave = _add_user(db, User, "dave@example.org")
    make_token(carol, "alpha")
    make_token(dave, "beta")
    make_token(dave, "carol's helper")
    assert found(admin, q="carol") == [
        (str(carol), "alpha"),
        (str(dave), "carol's helper"),
    ]
    assert found(admin, q="DAVE@EXAMPLE") == [(str(dave), "beta"), (str(dave), "carol's helper")]
    assert found(admin, q="_100%") == [(str(carol), "alpha")]
    assert found(admin, q="l%1") == []  # % is a literal percent sign, not a wildcard
    assert found(admin, q="example.org", user=str(carol.id)) == [(str(carol), "alpha")]


@pytest.mark.parametrize("app_config", [{"PAT_ADMIN": is_admin, "PAT_ADMIN_USER_SEARCH": ()}])
def test_no_user_columns_searches_names_and_descriptions_only(
    app: Flask, db: Any, User: Any, admin: ApiClient, make_token: Any
) -> None:
    with app.app_context():
        carol = _add_user(db, User, "carol@example.org")
    make_token(carol, "alpha")
    assert found(admin, q="carol") == []
    assert found(admin, q="alph") == [(str(carol), "alpha")]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (("nickname",), "has no text column 'nickname'"),
        (("active",), "has no text column 'active'"),
        ("email", r"Write \('email',\) instead"),
        ((1,), "column names"),
    ],
)
def test_the_user_search_setting_is_checked_at_start_up(
    database_url: str, value: Any, message: str
) -> None:
    with pytest.raises(SettingError, match=message):
        make_app(database_url, PAT_ADMIN_USER_SEARCH=value)


def _many_tokens(app: Flask, db: Any, owner: Any, count: int) -> None:
    """``count`` tokens of ``owner``, written in one statement (the service would take
    minutes for ten thousand)."""
    Token = app.extensions["pat"].Token
    rows = token_rows(owner.id, count)
    with app.app_context():
        db.session.execute(sa.insert(Token), rows)
        db.session.commit()


def test_past_ten_thousand_matches_the_total_is_a_bound(
    app: Flask, db: Any, user: Any, admin: ApiClient, make_token: Any
) -> None:
    make_token(user, "the newest", ("days", 1))
    _many_tokens(app, db, user, COUNT_LIMIT + 1)

    first = admin.get("/admin/tokens", query_string={"per_page": 10}).get_json()
    assert (first["total"], first["total_exact"], first["pages"]) == (COUNT_LIMIT, False, 1000)
    assert first["items"][0]["name"] == "the newest"
    assert len(first["items"]) == 10
    # Past the bound, the pages go on: the tokens are there.
    beyond = admin.get("/admin/tokens", query_string={"per_page": 100, "page": 101}).get_json()
    assert [item["name"] for item in beyond["items"]] == ["bulk 09999", "bulk 10000"]
    assert beyond["total_exact"] is False
    # A narrower search counts exactly.
    narrow = admin.get("/admin/tokens", query_string={"q": "bulk 0999"}).get_json()
    assert (narrow["total"], narrow["total_exact"]) == (10, True)
    expiring = admin.get("/admin/tokens", query_string={"status": "expiring"}).get_json()
    assert (expiring["total"], expiring["total_exact"]) == (1, True)
    # The user's own listing keeps its exact total.
    own = ApiClient(sign_in(app, user), PREFIX).get("/tokens").get_json()
    assert own["total"] == COUNT_LIMIT + 2
    assert "total_exact" not in own


def test_exactly_ten_thousand_is_exact(app: Flask, db: Any, user: Any, admin: ApiClient) -> None:
    _many_tokens(app, db, user, COUNT_LIMIT)
    body = admin.get("/admin/tokens").get_json()
    assert (body["total"], body["total_exact"]) == (COUNT_LIMIT, True)

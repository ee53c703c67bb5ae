from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy

from flask_pat import PersonalAccessTokens, service
from tests.conftest import bearer, sign_in


def test_registration_follows_extension_conventions(app: Flask, pat: PersonalAccessTokens) -> None:
    assert app.extensions["pat"] is pat
    assert "pat" in app.blueprints
    assert app.config["PAT_URL_PREFIX"] == "/settings/tokens"
    assert app.config["PAT_DEFAULT_EXPIRATION"] == ("days", 30)
    assert "pat" in app.cli.commands
    assert not hasattr(pat, "app")


def test_registering_twice_is_a_clear_error(app: Flask, pat: PersonalAccessTokens) -> None:
    with pytest.raises(RuntimeError, match="already registered"):
        pat.init_app(app)


def test_settings_given_before_init_are_kept(host_app: Any) -> None:
    app, _, _, _ = host_app(PAT_URL_PREFIX="/me/tokens", PAT_TOKEN_PREFIX="acme")
    assert app.config["PAT_URL_PREFIX"] == "/me/tokens"
    assert any(rule.rule == "/me/tokens/api/meta" for rule in app.url_map.iter_rules())


def test_bad_prefix_is_refused(host_app: Any) -> None:
    with pytest.raises(RuntimeError, match="PAT_TOKEN_PREFIX"):
        host_app(PAT_TOKEN_PREFIX="Bad_Prefix")


def test_flask_login_is_required() -> None:
    app = Flask(__name__)
    db = SQLAlchemy()

    class Person(db.Model):  # type: ignore[name-defined]
        id = db.Column(db.Integer, primary_key=True)

    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db.init_app(app)
    with pytest.raises(RuntimeError, match="Flask-Login"):
        PersonalAccessTokens(app, db=db, user_model=Person)


def test_db_and_user_model_are_required() -> None:
    app = Flask(__name__)
    LoginManager(app)
    with pytest.raises(RuntimeError, match="user model"):
        PersonalAccessTokens(app)


def test_table_is_on_the_host_metadata_with_a_cascading_key(
    app: Flask, pat: PersonalAccessTokens
) -> None:
    table = pat.Token.__table__
    assert table.name == "personal_access_token"
    assert table in app.extensions["sqlalchemy"].metadata.tables.values()
    (fk,) = table.c.user_id.foreign_keys
    assert fk.column.table.name == "pat_test_user"
    assert fk.ondelete == "CASCADE"
    with app.app_context():
        inspector = sa.inspect(app.extensions["sqlalchemy"].engine)
        unique = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table.name)}
        unique |= {
            tuple(i["column_names"]) for i in inspector.get_indexes(table.name) if i["unique"]
        }
        assert ("user_id", "name_key") in unique
        assert ("token_hash",) in unique


def test_string_primary_key_on_another_table(host_app: Any) -> None:
    app, db, pat, User = host_app(string_user_pk=True)
    with app.app_context():
        user = User(uuid="0b6f6d1e-4b5e-4c39-9b51-2d3b2f6b7a10", email="s@example.com")
        db.session.add(user)
        db.session.commit()
        _, secret = service.create(user, "string-key")
        (fk,) = pat.Token.__table__.c.user_id.foreign_keys
        assert fk.column.table.name == "pat_test_account"
        assert isinstance(pat.Token.__table__.c.user_id.type, sa.String)
    client = app.test_client()
    response = client.get("/whoami", headers=bearer(secret))
    assert response.status_code == 200
    assert response.get_json()["user"] == "0b6f6d1e-4b5e-4c39-9b51-2d3b2f6b7a10"


def test_deleting_a_user_deletes_their_tokens(
    app: Flask, db: Any, pat: Any, user: Any, make_token: Any
) -> None:
    make_token(user, "a")
    make_token(user, "b")
    with app.app_context():
        db.session.execute(sa.delete(pat.user_model).where(pat.user_pk == user.id))
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(pat.Token)) == 0


def test_page_requires_sign_in(app: Flask, user: Any) -> None:
    client = app.test_client()
    assert client.get("/settings/tokens/").status_code == 401
    signed_in = sign_in(app, user)
    response = signed_in.get("/settings/tokens/")
    assert response.status_code == 200
    assert "text/html" in response.content_type

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_login import LoginManager, UserMixin
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


# -- wiring mistakes say what to pass ------------------------------------------------------


def _bare_app(database_url: str = "sqlite://") -> tuple[Flask, SQLAlchemy, type[Any]]:
    db = SQLAlchemy()

    class Member(UserMixin, db.Model):  # type: ignore[name-defined]
        id = db.Column(db.Integer, primary_key=True)

    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="x")
    db.init_app(app)
    return app, db, Member


def test_a_session_instead_of_db_says_what_to_pass() -> None:
    app, db, Member = _bare_app()
    LoginManager(app)
    with app.app_context():
        session = sa.orm.scoped_session(sa.orm.sessionmaker(bind=db.engine))
    with pytest.raises(RuntimeError, match=r"Flask-SQLAlchemy object .* not a sqlalchemy\.orm"):
        PersonalAccessTokens(app, db=session, user_model=Member)


def test_a_db_not_on_this_app_says_to_init_it_first() -> None:
    app, _, Member = _bare_app()
    LoginManager(app)
    other = SQLAlchemy()
    with pytest.raises(RuntimeError, match=r"db\.init_app\(app\) before pat\.init_app"):
        PersonalAccessTokens(app, db=other, user_model=Member)


@pytest.mark.parametrize("model", ["user", object, UserMixin], ids=["text", "object", "mixin"])
def test_an_unmapped_user_model_says_what_to_pass(model: Any) -> None:
    app, db, _ = _bare_app()
    LoginManager(app)
    with pytest.raises(RuntimeError, match="mapped model class of the app's users"):
        PersonalAccessTokens(app, db=db, user_model=model)


def test_no_login_manager_yet_says_where_it_comes_from() -> None:
    app, db, Member = _bare_app()
    with pytest.raises(RuntimeError) as raised:
        PersonalAccessTokens(app, db=db, user_model=Member)
    message = str(raised.value)
    assert "login_manager.init_app(app)" in message
    assert "AppBuilder(app" in message and "Security(app" in message
    assert "pat" not in app.extensions and "pat" not in app.blueprints


# -- tables on the host's own MetaData -----------------------------------------------------


def test_tables_on_the_host_metadata(database_url: str) -> None:
    """An app framework's declarative base: its create_all and its Alembic see the tables."""

    class Base(sa.orm.DeclarativeBase):
        pass

    class Account(UserMixin, Base):
        __tablename__ = "fw_account"
        id: sa.orm.Mapped[int] = sa.orm.mapped_column(primary_key=True)

    app, db, _ = _bare_app(database_url)
    login_manager = LoginManager(app)
    login_manager.user_loader(lambda user_id: db.session.get(Account, int(user_id)))
    app.config["PAT_TOKEN_ROUTES"] = "all"
    pat = PersonalAccessTokens()
    pat.init_app(app, db=db, user_model=Account, metadata=Base.metadata)

    @app.get("/me")
    def me() -> dict[str, Any]:
        from flask_login import current_user

        return {"id": current_user.get_id() if current_user.is_authenticated else None}

    assert "personal_access_token" in Base.metadata.tables
    assert "personal_access_token_event" in Base.metadata.tables
    assert "personal_access_token" not in db.metadata.tables
    with app.app_context():
        Base.metadata.create_all(db.engine)  # the framework's own create-db
        try:
            assert {"personal_access_token", "personal_access_token_event"} <= set(
                sa.inspect(db.engine).get_table_names()
            )
            # Its Alembic environment (target_metadata = Base.metadata) wants no change.
            from alembic.autogenerate import compare_metadata
            from alembic.migration import MigrationContext

            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection)
                assert [
                    diff
                    for diff in compare_metadata(context, Base.metadata)
                    if diff[0] in ("remove_table", "add_table")
                ] == []
            account = Account(id=7)
            db.session.add(account)
            db.session.commit()
            _, secret = service.create(account, "framework")
            db.session.remove()
            response = app.test_client().get("/me", headers=bearer(secret))
            assert response.get_json() == {"id": "7"}
        finally:
            db.session.remove()
            Base.metadata.drop_all(db.engine)
            db.engine.dispose()


# -- a deleted user's tokens never sign in the next user with the same id -----------------


@pytest.mark.parametrize("how", ["orm", "sql"])
def test_a_deleted_users_tokens_do_not_sign_in_a_new_user_with_the_same_id(
    database_url: str, how: str
) -> None:
    # As the README's quick start: no PRAGMA foreign_keys of the host's own on SQLite.
    app, db, Member = _bare_app(database_url)
    app.config["PAT_TOKEN_ROUTES"] = "all"
    login_manager = LoginManager(app)
    login_manager.user_loader(lambda user_id: db.session.get(Member, int(user_id)))
    pat = PersonalAccessTokens(app, db=db, user_model=Member)

    @app.get("/me")
    def me() -> dict[str, Any]:
        from flask_login import current_user

        return {"id": current_user.get_id() if current_user.is_authenticated else None}

    with app.app_context():
        db.create_all()
    try:
        with app.app_context():
            first = Member(id=5)
            db.session.add(first)
            db.session.commit()
            _, secret = service.create(first, "old")
            if how == "orm":
                db.session.delete(first)
            else:
                db.session.execute(sa.text("DELETE FROM member WHERE id = 5"))
            db.session.commit()
            db.session.add(Member(id=5))
            db.session.commit()
            assert db.session.scalar(sa.select(sa.func.count()).select_from(pat.Token)) == 0
            assert db.session.scalar(sa.select(sa.func.count()).select_from(pat.Event)) == 0
            db.session.remove()
        response = app.test_client().get("/me", headers=bearer(secret))
        assert response.status_code == 200
        assert response.get_json() == {"id": None}
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def test_tables_drop_as_a_generated_downgrade_drops_them(app: Flask, pat: Any) -> None:
    """Alembic's generated downgrade drops each index, then the table: MariaDB refuses to
    drop the last key its foreign key uses, so that key is a constraint of the table."""
    db = app.extensions["sqlalchemy"]
    with app.app_context(), db.engine.begin() as connection:
        for model in (pat.Event, pat.RetiredSecret, pat.Token):
            for index in model.__table__.indexes:
                index.drop(connection)
            model.__table__.drop(connection)
    with app.app_context():
        db.create_all()  # for the fixture's own drop_all

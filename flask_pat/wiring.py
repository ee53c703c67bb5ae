"""What ``init_app`` needs from the host, checked with messages that say what to pass; and
the host database's guard against tokens outliving their user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

if TYPE_CHECKING:
    from .extension import PersonalAccessTokens


def check(app: Flask, db: Any, user_model: Any, metadata: Any) -> None:
    """Raise :class:`RuntimeError` saying what to pass, where a piece is missing or wrong."""
    if db is None or user_model is None:
        raise RuntimeError(
            "flask-pat needs the app's Flask-SQLAlchemy db and user model:"
            " pat.init_app(app, db=db, user_model=User)."
        )
    if not isinstance(db, SQLAlchemy):
        raise RuntimeError(
            f"flask-pat needs db= to be the Flask-SQLAlchemy object the app's models use"
            f" (db = SQLAlchemy(); db.init_app(app)), not a {type(db).__module__}."
            f"{type(db).__qualname__}. A session or an engine is not enough: flask-pat defines"
            f" its models with it and reads through db.session. (Flask-AppBuilder's SQLA()"
            f" is a Flask-SQLAlchemy object: pass that.)"
        )
    if app.extensions.get("sqlalchemy") is not db:
        raise RuntimeError(
            "flask-pat needs db registered on this app first: call db.init_app(app) before"
            " pat.init_app(app)."
        )
    if not isinstance(user_model, type) or sa.inspect(user_model, raiseerr=False) is None:
        raise RuntimeError(
            f"flask-pat needs user_model= to be the mapped model class of the app's users"
            f" (class User(UserMixin, db.Model)), the one its login manager loads;"
            f" got {user_model!r}."
        )
    if metadata is not None and not isinstance(metadata, sa.MetaData):
        raise RuntimeError(
            f"flask-pat needs metadata= to be a sqlalchemy.MetaData (Base.metadata of the app's"
            f" declarative base), or None for db.metadata; got {metadata!r}."
        )
    if getattr(app, "login_manager", None) is None:
        raise RuntimeError(
            "flask-pat needs Flask-Login's LoginManager on this app, and there is none yet:"
            " call login_manager.init_app(app) (or LoginManager(app)) before pat.init_app(app)."
            " App frameworks that make their own login manager (Flask-AppBuilder,"
            " Flask-Security-Too) attach it when they are set up: call pat.init_app(app) after"
            " AppBuilder(app, ...) or Security(app, ...)."
        )


def _foreign_keys_on(dbapi_connection: Any, record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def enforce_sqlite_foreign_keys(app: Flask, db: SQLAlchemy) -> None:
    """Turn on SQLite's foreign keys for each new connection of the app's SQLite engines.

    SQLite ignores ``ON DELETE CASCADE`` unless each connection asks for it, so a user
    deleted with a plain SQL ``DELETE`` would leave tokens that sign in the next user given
    the same id. This also makes SQLite enforce the host's own foreign keys, as PostgreSQL
    and MariaDB always do.
    """
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite" and not sa.event.contains(
            engine, "connect", _foreign_keys_on
        ):
            sa.event.listen(engine, "connect", _foreign_keys_on)


def forget_deleted_users(pat: PersonalAccessTokens) -> None:
    """Delete a user's tokens and events in the same flush that deletes the user.

    The foreign keys cascade already; this covers a connection opened without SQLite's
    foreign keys (before ``init_app``, or by the host's own engine).
    """
    token, event = pat.Token, pat.Event

    def delete_tokens(mapper: Any, connection: sa.Connection, user: Any) -> None:
        user_id = sa.inspect(user).identity
        if not user_id:
            return
        for model in (token, event):
            connection.execute(sa.delete(model).where(model.user_id == user_id[0]))

    sa.event.listen(pat.user_model, "after_delete", delete_tokens, propagate=True)

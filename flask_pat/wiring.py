"""What ``init_app`` needs from the host, checked with messages that say what to pass; and
the host database's guard against tokens outliving their user."""

from __future__ import annotations

import logging
import weakref
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.dialects import sqlite

if TYPE_CHECKING:
    from .extension import PersonalAccessTokens

logger = logging.getLogger(__name__)


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


def sqlite_user_trigger(pat: PersonalAccessTokens) -> str:
    """The SQLite trigger that deletes a user's tokens, their rotated-out secrets and their
    events when the user's row goes, whoever deletes it.

    A trigger lives in the database file, so it fires for every connection: another
    program's (the ``sqlite3`` shell, a script) with foreign keys off too, where the
    cascade does not, and SQLite would give the next user the deleted one's id.
    """
    quote = sqlite.dialect().identifier_preparer.quote
    token, event = pat.Token.__table__, pat.Event.__table__
    retired = pat.RetiredSecret.__table__
    user_table = pat.user_pk.table
    old = f"OLD.{quote(pat.user_pk.name)}"
    return (
        f"CREATE TRIGGER IF NOT EXISTS {quote(token.name + '_forget_user')}"
        f" AFTER DELETE ON {quote(user_table.name)} BEGIN"
        f" DELETE FROM {quote(retired.name)} WHERE token_id IN"
        f" (SELECT id FROM {quote(token.name)} WHERE user_id = {old});"
        f" DELETE FROM {quote(token.name)} WHERE user_id = {old};"
        f" DELETE FROM {quote(event.name)} WHERE user_id = {old};"
        " END"
    )


def install_sqlite_user_trigger(app: Flask, pat: PersonalAccessTokens) -> None:
    """Make sure the trigger of :func:`sqlite_user_trigger` exists on the app's SQLite
    databases: created with the tables (``create_all``), and on each new connection to a
    database whose tables a migration made."""
    trigger = _TRIGGERS.get(pat)
    if trigger is None:
        trigger = _TRIGGERS[pat] = _UserTrigger(pat)
        sa.event.listen(pat.Token.__table__, "after_create", trigger.after_create)
    with app.app_context():
        engines = list(pat.db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite" and not sa.event.contains(
            engine, "connect", trigger.on_connect
        ):
            sa.event.listen(engine, "connect", trigger.on_connect)


class _UserTrigger:
    def __init__(self, pat: PersonalAccessTokens) -> None:
        self.statement = sqlite_user_trigger(pat)
        self.name = f"{pat.Token.__table__.name}_forget_user"
        self.tables = {pat.Token.__table__.name, pat.user_pk.table.name}

    def after_create(self, target: sa.Table, connection: sa.Connection, **kw: Any) -> None:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(self.statement)

    def on_connect(self, dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            rows = cursor.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
            )
            names = {row[0] for row in rows}
            if self.tables <= names and self.name not in names:
                cursor.execute(self.statement)
        except Exception as error:  # a locked or read-only database: the next connection
            logger.warning("flask-pat: could not install the SQLite user trigger: %s", error)
        finally:
            cursor.close()


_TRIGGERS: weakref.WeakKeyDictionary[Any, _UserTrigger] = weakref.WeakKeyDictionary()

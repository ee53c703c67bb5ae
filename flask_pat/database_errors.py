"""What a database error means for the person who meets it.

A missing table (the migrations were not run) is permanent until someone acts: it answers
503 ``not_installed`` naming the table and the command that creates it. Anything else
that reaches here is the database being away: 503 ``unavailable``, worth a retry. The log
says the database's own words ("no such table: ..."), never only the exception's class,
and never the statement's parameters.
"""

from __future__ import annotations

import logging
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app, jsonify
from flask.wrappers import Response
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from .errors import error_body
from .i18n import gettext as _

logger = logging.getLogger(__name__)

#: SQLSTATEs (PostgreSQL) and error numbers (MariaDB) of a missing table or column.
_PG_MISSING = {"42P01", "42703"}
_MYSQL_MISSING = {1146, 1054}


def reason(error: BaseException) -> str:
    """The database's own first line about ``error``, without the SQL or its parameters."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()
    return f"{type(original).__name__}: {text[0] if text else ''}".rstrip(": ")


def is_missing_schema(error: BaseException) -> bool:
    """Whether ``error`` says a table or column does not exist (migrations not run)."""
    if not isinstance(error, DBAPIError):
        return False
    original: Any = error.orig
    if getattr(original, "sqlstate", None) in _PG_MISSING:
        return True
    if getattr(original, "pgcode", None) in _PG_MISSING:
        return True
    args = getattr(original, "args", ())
    if args and isinstance(args[0], int) and args[0] in _MYSQL_MISSING:
        return True
    text = str(original).lower()
    return "no such table" in text or "no such column" in text


def _table_named(error: BaseException) -> str:
    table: str = current_app.config["PAT_TABLE_NAME"]
    tables = [f"{table}_event", table]
    text = str(getattr(error, "orig", error))
    # The event table's name contains the token table's: look for it first.
    return next((name for name in tables if name in text), table)


def create_command() -> str:
    """How this app creates its tables: for tables on a framework's own ``MetaData``
    (``metadata=``), the framework's ``create-db`` command or that metadata's
    ``create_all``; else Flask-Migrate's upgrade, or ``db.create_all()``."""
    if current_app.extensions["pat"].metadata is not None:
        command = _framework_create_db()
        if command is not None:
            return command
        return "<metadata>.create_all(db.engine), with the MetaData passed as metadata="
    if "migrate" in current_app.extensions:
        return "flask db upgrade"
    return "db.create_all() (or flask db upgrade, with Flask-Migrate)"


def _framework_create_db() -> str | None:
    """``flask <group> create-db`` where an app framework registered one (Flask-AppBuilder's
    ``flask fab create-db``)."""
    for name, command in current_app.cli.commands.items():
        if isinstance(command, click.Group) and "create-db" in command.commands:
            return f"flask {name} create-db"
    return None


def not_installed_message(error: BaseException) -> str:
    """What to do about a missing table or column, naming both the table and the command."""
    return _(
        "flask-pat is not installed in this database: the table %(table)s is missing or"
        " out of date. Create it with %(command)s.",
        table=_table_named(error),
        command=create_command(),
    )


def classify(error: SQLAlchemyError) -> tuple[str, str]:
    """The API error code for ``error`` and the message a person reads."""
    if is_missing_schema(error):
        return "not_installed", not_installed_message(error)
    return "unavailable", _("The database is unavailable: try again shortly.")


def describe(error: SQLAlchemyError) -> tuple[str, str]:
    """:func:`classify`, and a log line with the database's own words."""
    code, message = classify(error)
    if code == "not_installed":
        logger.error("flask-pat: %s (%s)", message, reason(error))
    else:
        logger.warning("flask-pat: database unavailable: %s", reason(error))
    return code, message


def rollback() -> None:
    """Leave the session usable for the rest of the request, whatever state it is in."""
    try:
        current_app.extensions["pat"].db.session.rollback()
    except SQLAlchemyError as error:  # the connection itself is gone
        logger.warning("flask-pat: rollback failed: %s", reason(error))


def json_response(error: SQLAlchemyError) -> Response:
    """503 JSON for ``error``: ``not_installed``, or ``unavailable`` with ``Retry-After``."""
    rollback()
    code, message = describe(error)
    response = jsonify(error_body(code, message))
    response.status_code = 503
    if code == "unavailable":
        response.headers["Retry-After"] = "5"
    return response


def page_not_installed() -> Response | None:
    """503 for the page, in words, where flask-pat's tables are missing; else ``None``."""
    pat = current_app.extensions["pat"]
    try:
        for model in (pat.Token, pat.Event):
            pat.db.session.execute(sa.select(model.__table__).limit(0))
    except SQLAlchemyError as error:
        rollback()
        code, message = describe(error)
        response = current_app.response_class(message, status=503, mimetype="text/plain")
        if code == "unavailable":
            response.headers["Retry-After"] = "5"
        return response
    return None

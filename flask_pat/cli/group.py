"""The ``flask pat`` command group: database errors end a command with a message, not a
traceback."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from .. import database_errors
from ..i18n import gettext as _


def reporting_database_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """``command``, with a database error turned into ``Error: <what to do>`` and exit 1."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SQLAlchemyError as error:
            database_errors.rollback()
            code, message = database_errors.classify(error)
            if code == "unavailable":
                message = _(
                    "The database is unavailable (%(reason)s): try again when it is back.",
                    reason=database_errors.reason(error),
                )
            raise click.ClickException(message) from None

    return run


class PatGroup(AppGroup):
    """An :class:`~flask.cli.AppGroup` whose commands report database errors plainly."""

    def command(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], click.Command]:
        register = super().command(*args, **kwargs)

        def decorator(command: Callable[..., Any]) -> click.Command:
            return register(reporting_database_errors(command))

        return decorator


#: ``flask pat``: each module of this package adds its commands.
pat_cli = PatGroup("pat", help="Manage personal access tokens.")

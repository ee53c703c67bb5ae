"""What the commands take: durations, ages, users and tokens by id, and the errors they
exit with (status 2, nothing changed)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click
import sqlalchemy as sa
from flask import current_app

from .. import rules
from ..errors import PatError
from ..i18n import gettext as _
from ..settings.defaults import HARD_MAX_LIFETIME

if TYPE_CHECKING:
    from ..extension import PersonalAccessTokens

    # click 8.2 made ParamType generic; subscripting it at run time would break older clicks.
    _ExpirationType = click.ParamType[tuple[str, int | None]]
    _AgeType = click.ParamType[timedelta]
else:
    _ExpirationType = _AgeType = click.ParamType

P = ParamSpec("P")
T = TypeVar("T")

_DURATION = re.compile(r"([0-9]{1,18})([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_INTEGER = re.compile(r"-?[0-9]{1,19}")
_TOKEN_ID = re.compile(r"[1-9][0-9]{0,18}")
_MAX_ID = 2**63 - 1


class CommandError(click.ClickException):
    """Bad input found after parsing (unknown user or token, a rule of the service).

    Shown as ``Error: <message>`` on stderr, with exit status 2 like click's own usage
    errors, so scripts tell bad input (2) from a failure (1).
    """

    exit_code = 2


class Duration(_ExpirationType):
    """``30d``, ``12h``, ``90m``, ``2w`` (or ``never``): an expiration ``(unit, value)``."""

    name = "duration"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, int | None]:
        if isinstance(value, tuple):
            return value
        text = str(value).strip()
        if text == "never":
            return ("never", None)
        match = _DURATION.fullmatch(text)
        if match is None:
            self.fail(
                _(
                    "%(value)s is not a duration: write it like 30d, 12h, 90m, 2w or never.",
                    value=repr(value),
                ),
                param,
                ctx,
            )
        return (_UNITS[match[2]], int(match[1]))


class Age(_AgeType):
    """``30d``, ``12h``, ``90m`` or ``2w`` as a ``timedelta`` of at most 100 years."""

    name = "duration"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> timedelta:
        if isinstance(value, timedelta):
            return value
        match = _DURATION.fullmatch(str(value).strip())
        if match is None:
            self.fail(
                _(
                    "%(value)s is not a duration: write it like 30d, 12h, 90m or 2w.",
                    value=repr(value),
                ),
                param,
                ctx,
            )
        seconds = int(match[1]) * rules.UNIT_SECONDS[_UNITS[match[2]]]
        if seconds > HARD_MAX_LIFETIME.total_seconds():
            self.fail(
                _(
                    "%(value)s is too long: use at most %(days)dd.",
                    value=repr(value),
                    days=HARD_MAX_LIFETIME.days,
                ),
                param,
                ctx,
            )
        return timedelta(seconds=seconds)


def extension() -> PersonalAccessTokens:
    ext: PersonalAccessTokens = current_app.extensions["pat"]
    return ext


def user_key(raw: str) -> Any:
    """``raw`` as a value of the user primary key's type; ``None`` when it cannot be one."""
    try:
        python_type = extension().user_pk.type.python_type
    except NotImplementedError:
        return raw
    if python_type is int:
        if not _INTEGER.fullmatch(raw) or abs(int(raw)) > _MAX_ID:
            return None
        return int(raw)
    if python_type is str:
        return raw
    try:
        return python_type(raw)
    except (TypeError, ValueError):
        return None


def find_user(raw: str) -> Any:
    ext = extension()
    key = user_key(raw.strip())
    user = None
    if key is not None:
        try:
            user = ext.db.session.get(ext.user_model, key)
        except sa.exc.DataError:
            # An id out of the column's range (PostgreSQL's 32-bit INTEGER) names no one.
            ext.db.session.rollback()
    lookup = current_app.config["PAT_CLI_USER_LOOKUP"]
    if user is None and lookup is not None:
        user = lookup(raw.strip())
        if user is not None and not isinstance(user, ext.user_model):
            raise click.ClickException(
                _(
                    "PAT_CLI_USER_LOOKUP returned %(value)s for %(id)s: it must return a"
                    " %(model)s or None.",
                    value=repr(user),
                    id=repr(raw),
                    model=ext.user_model.__name__,
                )
            )
    if user is None:
        if lookup is not None:
            raise CommandError(
                _(
                    "No user with id %(id)s, and PAT_CLI_USER_LOOKUP finds none: check the id or"
                    " what the lookup accepts (an email, a username).",
                    id=repr(raw),
                )
            )
        raise CommandError(
            _(
                "No user with id %(id)s: --user takes the user's primary key. To name users by"
                " email or username too, set PAT_CLI_USER_LOOKUP.",
                id=repr(raw),
            )
        )
    return user


def find_token(raw: str) -> tuple[Any, Any]:
    """The token with id ``raw``, whoever owns it, and its user."""
    ext = extension()
    token = None
    if _TOKEN_ID.fullmatch(raw) and int(raw) <= _MAX_ID:
        token = ext.db.session.get(ext.Token, int(raw))
    if token is None:
        raise CommandError(
            _("No token with id %(id)s: see the ids with 'flask pat list'.", id=repr(raw))
        )
    return token, ext.db.session.get(ext.user_model, token.user_id)


def run(action: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``action(...)``, with the service's refusals turned into bad-input errors."""
    try:
        return action(*args, **kwargs)
    except PatError as error:
        raise CommandError(error.message) from None


# -- commands ---------------------------------------------------------------------------

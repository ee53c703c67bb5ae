"""``flask pat ...``: token commands for operators.

``create`` and ``rotate`` print the secret alone, so ``TOKEN=$(flask pat create ...)``
works; ``list`` and ``expiring`` print an aligned table or, with ``--json``, one JSON
object per line. Bad input prints a message on stderr and exits with status 2, having
changed nothing.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click
import sqlalchemy as sa
from flask import current_app

from . import events, listing, maintenance, rules, service
from .cli_group import PatGroup
from .cli_output import print_tokens
from .config import HARD_MAX_LIFETIME
from .errors import PatError
from .i18n import gettext as _
from .i18n import ngettext

if TYPE_CHECKING:
    from .extension import PersonalAccessTokens

    # click 8.2 made ParamType generic; subscripting it at run time would break older clicks.
    _ExpirationType = click.ParamType[tuple[str, int | None]]
    _AgeType = click.ParamType[timedelta]
else:
    _ExpirationType = _AgeType = click.ParamType

P = ParamSpec("P")
T = TypeVar("T")

pat_cli = PatGroup("pat", help="Manage personal access tokens.")

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


def _ext() -> PersonalAccessTokens:
    ext: PersonalAccessTokens = current_app.extensions["pat"]
    return ext


def _user_key(raw: str) -> Any:
    """``raw`` as a value of the user primary key's type; ``None`` when it cannot be one."""
    try:
        python_type = _ext().user_pk.type.python_type
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


def _find_user(raw: str) -> Any:
    ext = _ext()
    key = _user_key(raw.strip())
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
            _("No user with id %(id)s: check the id (the user's primary key).", id=repr(raw))
        )
    return user


def _find_token(raw: str) -> tuple[Any, Any]:
    """The token with id ``raw``, whoever owns it, and its user."""
    ext = _ext()
    token = None
    if _TOKEN_ID.fullmatch(raw) and int(raw) <= _MAX_ID:
        token = ext.db.session.get(ext.Token, int(raw))
    if token is None:
        raise CommandError(
            _("No token with id %(id)s: see the ids with 'flask pat list'.", id=repr(raw))
        )
    return token, ext.db.session.get(ext.user_model, token.user_id)


def _run(action: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``action(...)``, with the service's refusals turned into bad-input errors."""
    try:
        return action(*args, **kwargs)
    except PatError as error:
        raise CommandError(error.message) from None


# -- commands ---------------------------------------------------------------------------


@pat_cli.command("create")
@click.option(
    "--user",
    "user_id",
    required=True,
    help="The user's id (primary key), or what PAT_CLI_USER_LOOKUP finds (an email...).",
)
@click.option("--name", required=True, help="1 to 100 characters, unique for the user.")
@click.option(
    "--expires",
    type=Duration(),
    default=None,
    help="30d, 12h, 90m, 2w or never. Default: PAT_DEFAULT_EXPIRATION.",
)
@click.option("--scope", "scopes", multiple=True, help="A scope from PAT_SCOPES; repeatable.")
def create_command(
    user_id: str, name: str, expires: tuple[str, int | None] | None, scopes: tuple[str, ...]
) -> None:
    """Create a token and print its secret alone on stdout."""
    user = _find_user(user_id)
    _token, secret = _run(service.create, user, name, expires, list(scopes))
    click.echo(secret)


@pat_cli.command("list")
@click.option("--user", "user_id", default=None, help="Only this user's tokens.")
@click.option("--status", type=click.Choice(listing.STATUSES), default=None)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_command(user_id: str | None, status: str | None, as_json: bool) -> None:
    """List tokens, oldest first: a table, or JSON lines."""
    owner = None
    if user_id is not None:
        owner = getattr(_find_user(user_id), _ext().user_pk_attr)
    print_tokens(maintenance.all_tokens(owner, status), as_json)


@pat_cli.command("revoke")
@click.argument("token_id")
def revoke_command(token_id: str) -> None:
    """Revoke a token: it stops working at once."""
    token, user = _find_token(token_id)
    _run(service.revoke, user, token)
    click.echo(_("Revoked token %(id)s (%(name)s).", id=token.id, name=token.name))


@pat_cli.command("restore")
@click.argument("token_id")
def restore_command(token_id: str) -> None:
    """Make a revoked token work again, unless it has expired."""
    token, user = _find_token(token_id)
    _run(service.restore, user, token)
    click.echo(_("Restored token %(id)s (%(name)s).", id=token.id, name=token.name))


@pat_cli.command("rotate")
@click.argument("token_id")
def rotate_command(token_id: str) -> None:
    """Give a token a new secret and print it; the old one stops working."""
    token, user = _find_token(token_id)
    _token, secret = _run(service.rotate, user, token)
    click.echo(secret)


@pat_cli.command("delete")
@click.argument("token_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_command(token_id: str, yes: bool) -> None:
    """Delete a token for good."""
    token, user = _find_token(token_id)
    names = {"id": token.id, "name": token.name, "user": token.user_id}
    if not yes:
        question = _("Delete token %(id)s (%(name)s) of user %(user)s for good?", **names)
        click.confirm(question, abort=True, err=True)
    _run(service.delete, user, token)
    click.echo(_("Deleted token %(id)s (%(name)s) of user %(user)s.", **names))


@pat_cli.command("expiring")
@click.option(
    "--within",
    type=Age(),
    default="7d",
    show_default=True,
    help="How soon: 30d, 12h, 90m or 2w.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def expiring_command(within: timedelta, as_json: bool) -> None:
    """List tokens that expire soon, with their user's id."""
    print_tokens(maintenance.expiring(within), as_json)


def _on_terminal() -> bool:
    return sys.stdout.isatty()


@pat_cli.command("prune")
@click.option(
    "--older-than",
    type=Age(),
    default="30d",
    show_default=True,
    help="How long ago a token must have expired or been revoked.",
)
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
def prune_command(older_than: timedelta, dry_run: bool) -> None:
    """Delete tokens that expired or were revoked long ago, and old audit events."""
    retention: timedelta = current_app.config["PAT_EVENT_RETENTION"]
    if dry_run:
        tokens, old_events = maintenance.count_prunable(older_than), events.count_old(retention)
        click.echo(ngettext("Would delete %(num)d token.", "Would delete %(num)d tokens.", tokens))
        click.echo(
            ngettext("Would delete %(num)d event.", "Would delete %(num)d events.", old_events)
        )
        return
    deleted = 0
    if _on_terminal():
        with click.progressbar(
            length=maintenance.count_prunable(older_than), label=_("Deleting tokens")
        ) as bar:
            for count in maintenance.prune(older_than):
                deleted += count
                bar.update(count)
    else:
        for count in maintenance.prune(older_than):
            deleted += count
    click.echo(ngettext("Deleted %(num)d token.", "Deleted %(num)d tokens.", deleted))
    old_events = sum(events.prune(retention))
    if old_events:
        click.echo(ngettext("Deleted %(num)d event.", "Deleted %(num)d events.", old_events))


# More commands, each in a module of its own, register themselves on pat_cli.
from . import audit_cli, scan_cli  # noqa: E402,F401

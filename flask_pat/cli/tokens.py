"""``flask pat ...``: token commands for operators.

``create`` and ``rotate`` print the secret alone, so ``TOKEN=$(flask pat create ...)``
works; ``list`` and ``expiring`` print an aligned table or, with ``--json``, one JSON
object per line. Bad input prints a message on stderr and exits with status 2, having
changed nothing.
"""

from __future__ import annotations

import click

from .. import listing, maintenance, revocations, service
from ..i18n import gettext as _
from ..i18n import ngettext
from .arguments import CommandError, Duration, extension, find_token, find_user, run
from .group import pat_cli
from .output import print_tokens


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
@click.option("--description", default=None, help="What the token is for: up to 500 characters.")
def create_command(
    user_id: str,
    name: str,
    expires: tuple[str, int | None] | None,
    scopes: tuple[str, ...],
    description: str | None,
) -> None:
    """Create a token and print its secret alone on stdout."""
    user = find_user(user_id)
    _token, secret = run(
        service.create, user, name, expires, list(scopes), description=description, actor="cli"
    )
    click.echo(secret)


@pat_cli.command("list")
@click.option("--user", "user_id", default=None, help="Only this user's tokens.")
@click.option("--status", type=click.Choice(listing.STATUSES), default=None)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_command(user_id: str | None, status: str | None, as_json: bool) -> None:
    """List tokens, oldest first: a table, or JSON lines."""
    owner = None
    if user_id is not None:
        owner = getattr(find_user(user_id), extension().user_pk_attr)
    print_tokens(maintenance.all_tokens(owner, status), as_json)


@pat_cli.command("revoke")
@click.argument("token_id", required=False)
@click.option("--user", "user_id", default=None, help="With --all: whose tokens.")
@click.option("--all", "every", is_flag=True, help="Revoke every live token of --user.")
def revoke_command(token_id: str | None, user_id: str | None, every: bool) -> None:
    """Revoke a token (TOKEN_ID), or every live token of a user (--user ID --all): they
    stop working at once."""
    if every or user_id is not None:
        if token_id is not None or not every or user_id is None:
            raise CommandError(
                _("Give either a token id, or --user ID --all to revoke all of a user's tokens.")
            )
        user = find_user(user_id)
        count = run(revocations.revoke_all, user, "user", actor="cli")
        click.echo(
            ngettext(
                "Revoked %(num)d token of user %(user)s.",
                "Revoked %(num)d tokens of user %(user)s.",
                count,
                user=user_id,
            )
        )
        return
    if token_id is None:
        raise CommandError(
            _("Give either a token id, or --user ID --all to revoke all of a user's tokens.")
        )
    token, user = find_token(token_id)
    run(service.revoke, user, token, actor="cli")
    click.echo(_("Revoked token %(id)s (%(name)s).", id=token.id, name=token.name))


@pat_cli.command("restore")
@click.argument("token_id")
def restore_command(token_id: str) -> None:
    """Make a revoked token work again, unless it has expired."""
    token, user = find_token(token_id)
    run(service.restore, user, token, actor="cli")
    click.echo(_("Restored token %(id)s (%(name)s).", id=token.id, name=token.name))


@pat_cli.command("rotate")
@click.argument("token_id")
def rotate_command(token_id: str) -> None:
    """Give a token a new secret and print it; the old one stops working."""
    token, user = find_token(token_id)
    _token, secret = run(service.rotate, user, token, actor="cli")
    click.echo(secret)


@pat_cli.command("delete")
@click.argument("token_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_command(token_id: str, yes: bool) -> None:
    """Delete a token for good."""
    token, user = find_token(token_id)
    names = {"id": token.id, "name": token.name, "user": token.user_id}
    if not yes:
        question = _("Delete token %(id)s (%(name)s) of user %(user)s for good?", **names)
        click.confirm(question, abort=True, err=True)
    run(service.delete, user, token, actor="cli")
    click.echo(_("Deleted token %(id)s (%(name)s) of user %(user)s.", **names))

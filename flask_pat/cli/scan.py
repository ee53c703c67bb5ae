"""``flask pat scan PATH... [--revoke]``: this app's tokens in files, before they are pushed."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from .. import tokens as token_text
from ..i18n import gettext as _
from ..i18n import ngettext
from ..leaks import revoke as leaks
from ..leaks import scan
from .group import pat_cli


@pat_cli.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=True))
@click.option("--revoke", is_flag=True, help="Also revoke each token found (reason: leaked).")
def scan_command(paths: tuple[str, ...], revoke: bool) -> None:
    """Find this app's tokens in files and folders (.git and binary files skipped).

    Prints path:line and the token's last four characters for each one found, never the
    token. Exits with 1 when any is found, 0 when none.
    """
    findings = list(scan.scan(paths, current_app.config["PAT_TOKEN_PREFIX"]))
    for finding in findings:
        click.echo(finding.masked())
    if not findings:
        return
    click.echo(
        ngettext(
            "%(num)d token found: revoke it and remove it from the files.",
            "%(num)d tokens found: revoke them and remove them from the files.",
            len(findings),
        ),
        err=True,
    )
    if revoke:
        found: dict[str, leaks.Leak] = {}
        for finding in findings:
            location = f"{finding.path}:{finding.line}"
            found.setdefault(
                token_text.digest(finding.token), leaks.Leak("scan", location=location)
            )
        try:
            revoked = leaks.revoke_leaked(found).revoked
        except SQLAlchemyError as error:
            raise click.ClickException(
                _("The tokens could not be revoked: %(error)s", error=type(error).__name__)
            ) from None
        click.echo(
            ngettext(
                "%(num)d token revoked (reason: leaked).",
                "%(num)d tokens revoked (reason: leaked).",
                len(revoked),
            ),
            err=True,
        )
    raise click.exceptions.Exit(1)

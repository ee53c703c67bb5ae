"""``flask pat expiring`` and ``flask pat prune``: what a cron job runs."""

from __future__ import annotations

import sys
from datetime import timedelta

import click
from flask import current_app

from .. import events, maintenance
from ..i18n import gettext as _
from ..i18n import ngettext
from .arguments import Age
from .group import pat_cli
from .output import print_tokens


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

"""``flask pat notify``: the expiry notices, for a cron job."""

from __future__ import annotations

import click

from .. import notices
from ..i18n import ngettext
from .group import pat_cli


@pat_cli.command("notify")
@click.option("--dry-run", is_flag=True, help="Count the notices due; send and record nothing.")
def notify_command(dry_run: bool) -> None:
    """Send token_expiring for each PAT_EXPIRY_NOTICES threshold a token has reached.

    Each notice goes once per token and threshold, even when two runs overlap.
    """
    count = notices.notify(dry_run=dry_run)
    if dry_run:
        click.echo(ngettext("%(num)d notice is due.", "%(num)d notices are due.", count))
    else:
        click.echo(ngettext("Sent %(num)d notice.", "Sent %(num)d notices.", count))

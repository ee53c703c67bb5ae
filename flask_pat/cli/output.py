"""What ``flask pat list`` and ``expiring`` print: an aligned table, or JSON lines."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import click
from flask import current_app

from .. import context
from ..api.schemas import TokenSchema
from ..i18n import gettext as _


def _token_dict(token: Any, schema: TokenSchema) -> dict[str, Any]:
    data: dict[str, Any] = {"user_id": token.user_id}
    data.update(schema.dump(token))
    return data


def _schema() -> TokenSchema:
    warning: timedelta = current_app.config["PAT_EXPIRY_WARNING"]
    return TokenSchema(now=context.utcnow(), warning_seconds=warning.total_seconds())


def _when(moment: datetime | None, empty: str) -> str:
    return empty if moment is None else moment.isoformat(timespec="seconds")


def _first_line(text: str, limit: int = 40) -> str:
    """A description's first line, cut to ``limit`` characters, so rows stay one line."""
    lines = text.splitlines()
    line = lines[0] if lines else ""
    cut = len(line) > limit or len(lines) > 1
    return (line[:limit].rstrip() + "...") if cut else line or "-"


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide characters two, combining ones none."""
    width = 0
    for char in text:
        if unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    rows = [header, *rows]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)]
        click.echo("  ".join(cells).rstrip())


def print_tokens(tokens: Iterable[Any], as_json: bool) -> None:
    """Print ``tokens`` as an aligned table, or one JSON object per line."""
    schema = _schema()
    if as_json:
        for token in tokens:
            click.echo(json.dumps(_token_dict(token, schema), default=str))
        return
    header = (
        _("ID"),
        _("USER"),
        _("NAME"),
        _("TOKEN"),
        _("CREATED"),
        _("EXPIRES"),
        _("LAST USED"),
        _("STATUS"),
        _("SCOPES"),
        _("DESCRIPTION"),
    )
    rows = []
    for token in tokens:
        rows.append(
            (
                str(token.id),
                str(token.user_id),
                token.name,
                f"...{token.last4}",
                _when(token.created_at, "-"),
                _when(token.expires_at, _("never")),
                _when(token.last_used_at, _("never")),
                schema.get_status(token),
                " ".join(token.scopes) or "-",
                _first_line(token.description),
            )
        )
    _table(header, rows)

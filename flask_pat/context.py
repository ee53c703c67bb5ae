"""The extension, database, clock and signal sender of the current app."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask import current_app

if TYPE_CHECKING:
    from flask_sqlalchemy import SQLAlchemy

    from .extension import PersonalAccessTokens


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def ext() -> PersonalAccessTokens:
    """The :class:`PersonalAccessTokens` registered on the current app."""
    extension: PersonalAccessTokens = current_app.extensions["pat"]
    return extension


def db() -> SQLAlchemy:
    """The host's Flask-SQLAlchemy ``db``."""
    return ext().db


def send(signal: Any, **kwargs: Any) -> None:
    """Send ``signal`` with the current app as sender."""
    signal.send(current_app._get_current_object(), **kwargs)  # type: ignore[attr-defined]

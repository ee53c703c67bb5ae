"""Translations: gettext through Flask-Babel where the host uses it, English otherwise."""

from __future__ import annotations

from typing import Any


def gettext(message: str, **variables: Any) -> str:
    """``message`` in the current locale, with ``%(name)s`` placeholders filled."""
    return message % variables if variables else message


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """``singular`` or ``plural`` for ``num`` in the current locale (``%(num)d`` is set)."""
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables


def lazy_gettext(message: str, **variables: Any) -> str:
    """Like :func:`gettext`, translated when the text is used (module-level messages)."""
    return gettext(message, **variables)

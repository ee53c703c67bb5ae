"""The rules for what a token may be: its name, lifetime, scopes and project.

Each function returns the clean value or raises a 422 that says what to change.
"""

from __future__ import annotations

import json
import math
import unicodedata
from datetime import timedelta
from typing import Any

from flask import current_app

from .config import HARD_MAX_LIFETIME
from .errors import PatError, invalid
from .i18n import gettext as _
from .i18n import ngettext

UNIT_SECONDS = {"minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}
MAX_NAME_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 500
#: The length of the ``project_key`` column.
MAX_PROJECT_KEY_LENGTH = 200
# Bidirectional embeddings, overrides and isolates reorder how a name is displayed, which
# lets one token pass for another; line and paragraph separators break one-line displays.
_REFUSED_CHARS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")


def clean_name(raw: object) -> tuple[str, str]:
    """The stored name and its case-folded key, or a 422 saying what to change."""
    if not isinstance(raw, str):
        raise invalid("name", _("Enter the token's name as text."))
    name = unicodedata.normalize("NFC", raw).strip()
    if not name:
        raise invalid("name", _("Enter a name for the token."))
    if len(name) > MAX_NAME_LENGTH:
        raise invalid(
            "name", _("Use at most %(count)d characters for the name.", count=MAX_NAME_LENGTH)
        )
    for index, char in enumerate(name):
        category = unicodedata.category(char)
        if category in ("Cc", "Cs") or char in _REFUSED_CHARS:
            raise invalid("name", _("Remove control and text-direction characters from the name."))
        if category == "Cf" and not _joins_emoji(name, index):
            raise invalid(
                "name",
                _(
                    "Remove invisible characters (U+%(code)s) from the name: zero-width"
                    " characters, direction marks and tags make one name look like another.",
                    code=format(ord(char), "04X"),
                ),
            )
    return name, name.casefold()


def clean_description(raw: object) -> tuple[str, str]:
    """The stored description and its case-folded key, or a 422 saying what to change.

    ``None`` is no description. Lines are kept (a form's CR LF becomes LF); other control
    characters are refused.
    """
    if raw is None:
        return "", ""
    if not isinstance(raw, str):
        raise invalid("description", _("Enter the description as text."))
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n")).strip()
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise invalid(
            "description",
            _(
                "Use at most %(count)d characters for the description.",
                count=MAX_DESCRIPTION_LENGTH,
            ),
        )
    if any(unicodedata.category(c) in ("Cc", "Cs") and c != "\n" for c in text):
        raise invalid(
            "description", _("Remove control characters from the description (lines are fine).")
        )
    return text, text.casefold()


def _pictographic(char: str) -> bool:
    code = ord(char)
    return 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or char == "\ufe0f"


def _joins_emoji(name: str, index: int) -> bool:
    """Whether ``name[index]`` is a zero-width joiner inside an emoji (👩‍💻), where it is
    the only invisible character with a visible effect."""
    return (
        name[index] == "\u200d"
        and 0 < index < len(name) - 1
        and _pictographic(name[index - 1])
        and _pictographic(name[index + 1])
    )


def lifetime(unit: object, value: object) -> timedelta | None:
    """The lifetime for an expiration ``unit`` and ``value``; ``None`` never expires."""
    config = current_app.config
    units = tuple(config["PAT_EXPIRATION_UNITS"])
    max_lifetime: timedelta | None = config["PAT_MAX_LIFETIME"]
    if not isinstance(unit, str) or unit not in units:
        raise PatError(
            "invalid",
            _("Choose an expiration unit among: %(units)s.", units=", ".join(units)),
            {"expiration": [_("Choose one of: %(units)s.", units=", ".join(units))]},
        )
    if unit == "never":
        if value is not None:
            raise invalid("expiration", _("A token that never expires takes no value."))
        if max_lifetime is not None:
            raise invalid("expiration", _("Tokens must expire here: choose a unit and a value."))
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid("expiration", _("Enter the number of units as a whole number from 1."))
    limit = max_lifetime if max_lifetime is not None else HARD_MAX_LIFETIME
    # Compare in whole seconds: a huge value would overflow timedelta.
    if value * UNIT_SECONDS[unit] > limit.total_seconds():
        raise invalid(
            "expiration", _("Choose a lifetime of at most %(span)s.", span=_describe(limit))
        )
    return timedelta(seconds=value * UNIT_SECONDS[unit])


def _describe(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds % 604800 == 0:
        return ngettext("%(num)d week", "%(num)d weeks", seconds // 604800)
    if seconds % 86400 == 0:
        return ngettext("%(num)d day", "%(num)d days", seconds // 86400)
    if seconds % 3600 == 0:
        return ngettext("%(num)d hour", "%(num)d hours", seconds // 3600)
    return ngettext("%(num)d minute", "%(num)d minutes", math.ceil(seconds / 60))


def clean_scopes(raw: object) -> list[str]:
    """The requested scopes, each declared in ``PAT_SCOPES``, in declaration order."""
    declared: dict[str, str] = current_app.config["PAT_SCOPES"]
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        raise invalid("scopes", _("Send the scopes as a list of scope names."))
    unknown = sorted(set(raw) - set(declared))
    if unknown:
        if not declared:
            raise invalid("scopes", _("This application has no scopes: send an empty list."))
        raise invalid(
            "scopes",
            _(
                "Unknown scope(s) %(unknown)s; choose among %(declared)s.",
                unknown=", ".join(unknown),
                declared=", ".join(declared),
            ),
        )
    return [name for name in declared if name in raw]


def integrations_for(user: Any) -> list[dict[str, Any]]:
    """The integration choices offered to ``user``."""
    setting = current_app.config["PAT_INTEGRATIONS"]
    return list(setting(user) if callable(setting) else setting or [])


def projects_for(user: Any) -> list[dict[str, Any]] | None:
    """The projects ``user`` may bind tokens to; ``None`` where the host has none."""
    setting = current_app.config["PAT_PROJECTS"]
    return None if setting is None else list(setting(user))


def find_project(user: Any, project_id: object) -> dict[str, Any] | None:
    """The user's project whose id is ``project_id`` (compared as text), if any."""
    for project in projects_for(user) or []:
        if str(project["id"]) == str(project_id):
            return project
    return None


def project_key(user: Any, project_id: object) -> str | None:
    if project_id is None:
        return None
    if projects_for(user) is None:
        raise invalid("project_id", _("This application has no projects: leave it out."))
    if isinstance(project_id, bool) or not isinstance(project_id, (str, int)):
        raise invalid("project_id", _("Send the project's id as a string or an integer."))
    project = find_project(user, project_id)
    if project is None:
        raise invalid("project_id", _("Choose one of your projects."))
    key = json.dumps(project["id"])
    if len(key) > MAX_PROJECT_KEY_LENGTH:
        raise invalid("project_id", _("This project's id is too long to bind a token to."))
    return key

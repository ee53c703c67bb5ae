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

UNIT_SECONDS = {"minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}
MAX_NAME_LENGTH = 100
#: The length of the ``project_key`` column.
MAX_PROJECT_KEY_LENGTH = 200
# Bidirectional embeddings, overrides and isolates reorder how a name is displayed, which
# lets one token pass for another; line and paragraph separators break one-line displays.
_REFUSED_CHARS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")


def clean_name(raw: object) -> tuple[str, str]:
    """The stored name and its case-folded key, or a 422 saying what to change."""
    if not isinstance(raw, str):
        raise invalid("name", "Enter the token's name as text.")
    name = unicodedata.normalize("NFC", raw).strip()
    if not name:
        raise invalid("name", "Enter a name for the token.")
    if len(name) > MAX_NAME_LENGTH:
        raise invalid("name", f"Use at most {MAX_NAME_LENGTH} characters for the name.")
    for char in name:
        if unicodedata.category(char) in ("Cc", "Cs") or char in _REFUSED_CHARS:
            raise invalid("name", "Remove control and text-direction characters from the name.")
    return name, name.casefold()


def lifetime(unit: object, value: object) -> timedelta | None:
    """The lifetime for an expiration ``unit`` and ``value``; ``None`` never expires."""
    config = current_app.config
    units = tuple(config["PAT_EXPIRATION_UNITS"])
    max_lifetime: timedelta | None = config["PAT_MAX_LIFETIME"]
    if not isinstance(unit, str) or unit not in units:
        raise PatError(
            "invalid",
            f"Choose an expiration unit among: {', '.join(units)}.",
            {"expiration": [f"Choose one of: {', '.join(units)}."]},
        )
    if unit == "never":
        if value is not None:
            raise invalid("expiration", "A token that never expires takes no value.")
        if max_lifetime is not None:
            raise invalid("expiration", "Tokens must expire here: choose a unit and a value.")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid("expiration", "Enter the number of units as a whole number from 1.")
    limit = max_lifetime if max_lifetime is not None else HARD_MAX_LIFETIME
    # Compare in whole seconds: a huge value would overflow timedelta.
    if value * UNIT_SECONDS[unit] > limit.total_seconds():
        raise invalid("expiration", f"Choose a lifetime of at most {_describe(limit)}.")
    return timedelta(seconds=value * UNIT_SECONDS[unit])


def _describe(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    for unit, size in (("weeks", 604800), ("days", 86400), ("hours", 3600)):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{math.ceil(seconds / 60)} minutes"


def clean_scopes(raw: object) -> list[str]:
    """The requested scopes, each declared in ``PAT_SCOPES``, in declaration order."""
    declared: dict[str, str] = current_app.config["PAT_SCOPES"]
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        raise invalid("scopes", "Send the scopes as a list of scope names.")
    unknown = sorted(set(raw) - set(declared))
    if unknown:
        if not declared:
            raise invalid("scopes", "This application has no scopes: send an empty list.")
        raise invalid(
            "scopes",
            f"Unknown scope(s) {', '.join(unknown)}; choose among {', '.join(declared)}.",
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
        raise invalid("project_id", "This application has no projects: leave it out.")
    if isinstance(project_id, bool) or not isinstance(project_id, (str, int)):
        raise invalid("project_id", "Send the project's id as a string or an integer.")
    project = find_project(user, project_id)
    if project is None:
        raise invalid("project_id", "Choose one of your projects.")
    key = json.dumps(project["id"])
    if len(key) > MAX_PROJECT_KEY_LENGTH:
        raise invalid("project_id", "This project's id is too long to bind a token to.")
    return key

"""Checks of the ``PAT_*`` settings, run by ``init_app``.

A wrong setting raises :class:`RuntimeError` at start-up, naming the key, what it accepts
and what to write instead, rather than failing later in a request or, worse, quietly
doing something else (``PAT_AUTH_SCHEMES = "Bearer"`` would accept ``r <token>``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from .config import DEFAULTS, HARD_MAX_LIFETIME
from .ide import BUILTIN_FORMATS
from .model import SCOPE_TEXT_LENGTH
from .tokens import PREFIX_PATTERN

#: What a scope name may be: it is stored space-separated, and read in headers.
SCOPE_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
#: An HTTP authentication scheme (RFC 9110 ``token``).
_SCHEME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: Index names add up to 19 characters to the table name; MariaDB allows 64.
MAX_TABLE_NAME_LENGTH = 40
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UNITS = ("never", "days", "weeks", "hours", "minutes")
_UNIT_SECONDS = {"minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}


class SettingError(RuntimeError):
    """A ``PAT_*`` setting that flask-pat cannot work with."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _callable_or_none(key: str, value: Any, shape: str) -> None:
    if value is not None and not callable(value):
        raise SettingError(
            key, f"expected a function {shape}, or None; got {value!r}. Pass the function itself."
        )


def _boolean(key: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise SettingError(key, f"expected True or False; got {value!r}.")


def _span(key: str, value: Any, *, zero: bool) -> None:
    if not isinstance(value, timedelta):
        raise SettingError(
            key, f"expected a datetime.timedelta, e.g. timedelta(days=7); got {value!r}."
        )
    if value < timedelta(0) or (not zero and value == timedelta(0)):
        least = "zero or longer" if zero else "longer than zero"
        raise SettingError(key, f"expected a timedelta {least}; got {value!r}.")


def _url_prefix(value: Any) -> None:
    if not isinstance(value, str) or not (value == "" or value.startswith("/")):
        raise SettingError(
            "PAT_URL_PREFIX",
            f"expected a path that starts with '/', e.g. '/settings/tokens'; got {value!r}.",
        )
    if any(char.isspace() for char in value) or "<" in value:
        raise SettingError(
            "PAT_URL_PREFIX", f"expected a plain path without spaces or variables; got {value!r}."
        )


def _token_prefix(value: Any) -> None:
    if not isinstance(value, str) or not PREFIX_PATTERN.fullmatch(value):
        raise SettingError(
            "PAT_TOKEN_PREFIX", f"expected 1 to 10 of [a-z0-9], e.g. 'acme'; got {value!r}."
        )


def _table_name(value: Any) -> None:
    if (
        not isinstance(value, str)
        or not _TABLE_NAME.fullmatch(value)
        or len(value) > MAX_TABLE_NAME_LENGTH
    ):
        raise SettingError(
            "PAT_TABLE_NAME",
            f"expected a table name of 1 to {MAX_TABLE_NAME_LENGTH} letters, digits and"
            f" underscores, not starting with a digit, e.g. 'personal_access_token';"
            f" got {value!r}.",
        )


def _expiration_units(value: Any) -> None:
    if (
        not _is_sequence(value)
        or not value
        or not all(isinstance(unit, str) and unit in _UNITS for unit in value)
        or len(set(value)) != len(value)
    ):
        raise SettingError(
            "PAT_EXPIRATION_UNITS",
            f"expected a list or tuple of distinct units among {', '.join(_UNITS)}, e.g."
            f" ('days', 'weeks'); got {value!r}.",
        )


def _max_lifetime(value: Any) -> None:
    if value is None:
        return
    _span("PAT_MAX_LIFETIME", value, zero=False)
    if value > HARD_MAX_LIFETIME:
        raise SettingError(
            "PAT_MAX_LIFETIME",
            f"expected at most {HARD_MAX_LIFETIME.days} days; for no limit write None.",
        )


def _default_expiration(value: Any, config: Mapping[str, Any]) -> None:
    key = "PAT_DEFAULT_EXPIRATION"
    units = config["PAT_EXPIRATION_UNITS"]
    if not _is_sequence(value) or len(value) != 2 or value[0] not in units:
        raise SettingError(
            key,
            f"expected a pair (unit, value) with a unit of PAT_EXPIRATION_UNITS"
            f" ({', '.join(units)}), e.g. ('days', 30) or ('never', None); got {value!r}.",
        )
    unit, amount = value
    max_lifetime: timedelta | None = config["PAT_MAX_LIFETIME"]
    if unit == "never":
        if amount is not None:
            raise SettingError(key, "a token that never expires takes no value: ('never', None).")
        if max_lifetime is not None:
            raise SettingError(
                key, "PAT_MAX_LIFETIME is set, so tokens must expire: choose a unit."
            )
        return
    if not _is_int(amount) or amount < 1:
        raise SettingError(key, f"expected a whole number from 1 as value; got {amount!r}.")
    limit = max_lifetime if max_lifetime is not None else HARD_MAX_LIFETIME
    if amount * _UNIT_SECONDS[unit] > limit.total_seconds():
        raise SettingError(
            key, f"{value!r} is longer than PAT_MAX_LIFETIME ({limit}): choose a shorter one."
        )


def _scopes(value: Any) -> None:
    key = "PAT_SCOPES"
    if not isinstance(value, Mapping):
        raise SettingError(
            key,
            f"expected a dict of scope name -> description, e.g. {{'notes:read': 'Read your"
            f" notes'}}; got {value!r}.",
        )
    for name, description in value.items():
        if not isinstance(name, str) or not SCOPE_NAME.fullmatch(name):
            raise SettingError(
                key,
                f"scope names are 1 to 64 of [A-Za-z0-9_.:-] (no spaces); {name!r} is not one."
                f" Write it with '_' or ':' instead, e.g. {_suggest_scope(name)!r}.",
            )
        if not isinstance(description, str):
            raise SettingError(
                key, f"the description of {name!r} must be text; got {description!r}."
            )
    joined = len(" ".join(value))
    if joined > SCOPE_TEXT_LENGTH:
        raise SettingError(
            key,
            f"a token may hold every scope, and their names take {joined} characters joined"
            f" by spaces; at most {SCOPE_TEXT_LENGTH} fit. Use shorter names or fewer scopes.",
        )


def _suggest_scope(name: Any) -> str:
    text = re.sub(r"[^A-Za-z0-9_.:-]+", "_", str(name)).strip("_")
    return text[:64] or "read"


def _positive_int(key: str, value: Any) -> None:
    if not _is_int(value) or value < 1:
        raise SettingError(key, f"expected a whole number from 1; got {value!r}.")


def _auth_schemes(value: Any) -> None:
    if (
        not _is_sequence(value)
        or not value
        or not all(isinstance(s, str) and _SCHEME.fullmatch(s) for s in value)
    ):
        hint = f" Write ({value!r},) instead." if isinstance(value, str) else ""
        raise SettingError(
            "PAT_AUTH_SCHEMES",
            f"expected a list or tuple of scheme names, e.g. ('Bearer',); got {value!r}.{hint}",
        )


def _base_template(value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise SettingError(
            "PAT_BASE_TEMPLATE",
            f"expected a template name, e.g. 'base.html', or None for a standalone page;"
            f" got {value!r}.",
        )


_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def _url(key: str, value: Any, schemes: tuple[str, ...], example: str) -> None:
    if value is None:
        return
    parts = urlsplit(value) if isinstance(value, str) else None
    # Plain http stays possible on this machine, where a test server answers.
    local = parts is not None and parts.scheme == "http" and parts.hostname in _LOOPBACK
    if parts is None or (parts.scheme not in schemes and not local) or not parts.netloc:
        raise SettingError(
            key, f"expected a {' or '.join(schemes)} URL, e.g. {example!r}, or None; got {value!r}."
        )
    if any(char.isspace() for char in value):
        raise SettingError(key, f"expected a URL without spaces; got {value!r}.")


def _integrations(value: Any) -> None:
    if callable(value):
        return
    key = "PAT_INTEGRATIONS"
    if not _is_sequence(value) or not all(
        isinstance(item, Mapping) and {"uid", "name", "model"} <= set(item) for item in value
    ):
        raise SettingError(
            key,
            "expected a list of {'uid', 'name', 'model'} dicts, or a function(user) returning"
            f" one; got {value!r}.",
        )


def _ide_formats(value: Any) -> None:
    if not _is_sequence(value) or not all(isinstance(v, str) for v in value):
        raise SettingError(
            "PAT_IDE_FORMATS",
            f"expected a list or tuple of format names among {sorted(BUILTIN_FORMATS)}, e.g."
            f" ('vscode',), or () for none; got {value!r}.",
        )
    unknown = set(value) - set(BUILTIN_FORMATS)
    if unknown:
        raise SettingError(
            "PAT_IDE_FORMATS",
            f"unknown formats {sorted(unknown)}; built in: {sorted(BUILTIN_FORMATS)}."
            " Register others with pat.ide_format().",
        )


def _choice(key: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise SettingError(
            key, f"expected one of {', '.join(repr(c) for c in choices)}; got {value!r}."
        )


def _expiry_notices(value: Any) -> None:
    if not _is_sequence(value) or not all(_is_int(days) and days >= 1 for days in value):
        raise SettingError(
            "PAT_EXPIRY_NOTICES",
            f"expected a list or tuple of days, whole numbers from 1, e.g. (30, 7, 1), or () for"
            f" no notices; got {value!r}.",
        )


def _column_names(key: str, value: Any) -> None:
    if value is None:
        return
    if not _is_sequence(value) or not all(isinstance(name, str) and name for name in value):
        hint = f" Write ({value!r},) instead." if isinstance(value, str) else ""
        raise SettingError(
            key,
            f"expected a list or tuple of the user model's column names, e.g. ('email',),"
            f" or None; got {value!r}.{hint}",
        )


#: The check of each setting, given its value and the whole config.
CHECKS: dict[str, Callable[[Any, Mapping[str, Any]], None]] = {
    "PAT_URL_PREFIX": lambda v, c: _url_prefix(v),
    "PAT_TOKEN_PREFIX": lambda v, c: _token_prefix(v),
    "PAT_TABLE_NAME": lambda v, c: _table_name(v),
    "PAT_EXPIRATION_UNITS": lambda v, c: _expiration_units(v),
    "PAT_MAX_LIFETIME": lambda v, c: _max_lifetime(v),
    "PAT_DEFAULT_EXPIRATION": _default_expiration,
    "PAT_EXPIRY_WARNING": lambda v, c: _span("PAT_EXPIRY_WARNING", v, zero=True),
    "PAT_SCOPES": lambda v, c: _scopes(v),
    "PAT_MAX_TOKENS_PER_USER": lambda v, c: _positive_int("PAT_MAX_TOKENS_PER_USER", v),
    "PAT_LAST_USED_RESOLUTION": lambda v, c: _span("PAT_LAST_USED_RESOLUTION", v, zero=True),
    "PAT_AUTH_SCHEMES": lambda v, c: _auth_schemes(v),
    "PAT_ALLOW_TOKEN_MANAGEMENT": lambda v, c: _boolean("PAT_ALLOW_TOKEN_MANAGEMENT", v),
    "PAT_BASE_TEMPLATE": lambda v, c: _base_template(v),
    "PAT_SERVER_URL": lambda v, c: _url(
        "PAT_SERVER_URL", v, ("https", "http"), "https://example.com"
    ),
    "PAT_INTEGRATIONS": lambda v, c: _integrations(v),
    "PAT_PROJECTS": lambda v, c: _callable_or_none(
        "PAT_PROJECTS", v, "(user) returning [{'id', 'name', 'public'}]"
    ),
    "PAT_IDE_FORMATS": lambda v, c: _ide_formats(v),
    "PAT_TOKEN_ROUTES": lambda v, c: _choice("PAT_TOKEN_ROUTES", v, ("marked", "all")),
    "PAT_USER_ALLOWED": lambda v, c: _callable_or_none(
        "PAT_USER_ALLOWED", v, "(user) returning True or False"
    ),
    "PAT_TEMPLATE_CONTEXT": lambda v, c: _callable_or_none(
        "PAT_TEMPLATE_CONTEXT", v, "() returning a dict of template variables"
    ),
    "PAT_CLI_USER_LOOKUP": lambda v, c: _callable_or_none(
        "PAT_CLI_USER_LOOKUP", v, "(text) returning a user or None"
    ),
    "PAT_THEME": lambda v, c: _choice("PAT_THEME", v, ("auto", "light", "dark")),
    "PAT_RECORD_USAGE": lambda v, c: _boolean("PAT_RECORD_USAGE", v),
    "PAT_EXPIRY_NOTICES": lambda v, c: _expiry_notices(v),
    "PAT_ADMIN": lambda v, c: _callable_or_none("PAT_ADMIN", v, "(user) returning True or False"),
    "PAT_ADMIN_USER_SEARCH": lambda v, c: _column_names("PAT_ADMIN_USER_SEARCH", v),
    "PAT_REQUIRE_FRESH_LOGIN": lambda v, c: _boolean("PAT_REQUIRE_FRESH_LOGIN", v),
    "PAT_EVENT_RETENTION": lambda v, c: _span("PAT_EVENT_RETENTION", v, zero=False),
    "PAT_USER_BINDING": lambda v, c: _callable_or_none(
        "PAT_USER_BINDING", v, "(user) returning a string that changes when the user does"
    ),
    "PAT_SECRET_SCANNING_KEYS_URL": lambda v, c: _url(
        "PAT_SECRET_SCANNING_KEYS_URL",
        v,
        ("https",),
        "https://api.github.com/meta/public_keys/secret_scanning",
    ),
}


def fit_default_expiration(config: dict[str, Any]) -> None:
    """Where the host left ``PAT_DEFAULT_EXPIRATION`` unset, make flask-pat's own default
    (30 days) fit the host's units and ``PAT_MAX_LIFETIME``: the longest that does."""
    units = config.get("PAT_EXPIRATION_UNITS", DEFAULTS["PAT_EXPIRATION_UNITS"])
    max_lifetime = config.get("PAT_MAX_LIFETIME")
    if not _is_sequence(units) or not (max_lifetime is None or isinstance(max_lifetime, timedelta)):
        return  # the checks will say what is wrong
    unit, value = DEFAULTS["PAT_DEFAULT_EXPIRATION"]
    wanted = value * _UNIT_SECONDS[unit]
    if max_lifetime is not None:
        wanted = min(wanted, int(max_lifetime.total_seconds()))
    fitting = [
        (unit, wanted // _UNIT_SECONDS[unit])
        for unit in ("days", "weeks", "hours", "minutes")
        if unit in units and wanted >= _UNIT_SECONDS[unit]
    ]
    exact = [(unit, n) for unit, n in fitting if n * _UNIT_SECONDS[unit] == wanted]
    if exact or fitting:
        config["PAT_DEFAULT_EXPIRATION"] = (exact or fitting)[0]
    elif "never" in units and max_lifetime is None:
        config["PAT_DEFAULT_EXPIRATION"] = ("never", None)


def check(config: Mapping[str, Any]) -> None:
    """Raise :class:`SettingError` for the first ``PAT_*`` setting flask-pat cannot use.

    A key that looks like a misspelt setting (``PAT_SCOPE``) is refused too, since it would
    otherwise be ignored without a word.
    """
    for key in config:
        if key.startswith("PAT_") and key not in DEFAULTS:
            close = difflib.get_close_matches(key, DEFAULTS, n=1, cutoff=0.85)
            if close:
                raise SettingError(key, f"flask-pat has no such setting: did you mean {close[0]}?")
    for key, checker in CHECKS.items():
        if key in config:
            checker(config[key], config)

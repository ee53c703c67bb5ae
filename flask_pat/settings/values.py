"""The check of each ``PAT_*`` value: what it accepts, and what to write instead."""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from ..ide import BUILTIN_FORMATS
from ..model import SCOPE_TEXT_LENGTH
from ..tokens import PREFIX_PATTERN
from . import SettingError
from .defaults import HARD_MAX_LIFETIME

logger = logging.getLogger(__name__)

#: What a scope name may be: it is stored space-separated, and read in headers.
SCOPE_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
#: An HTTP authentication scheme (RFC 9110 ``token``).
_SCHEME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: Index names add up to 19 characters to the table name; MariaDB allows 64.
MAX_TABLE_NAME_LENGTH = 40
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UNITS = ("never", "days", "weeks", "hours", "minutes")
UNIT_SECONDS = {"minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}


def is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_callable_or_none(key: str, value: Any, shape: str) -> None:
    if value is not None and not callable(value):
        raise SettingError(
            key, f"expected a function {shape}, or None; got {value!r}. Pass the function itself."
        )


def check_boolean(key: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise SettingError(key, f"expected True or False; got {value!r}.")


def check_span(key: str, value: Any, *, zero: bool) -> None:
    if not isinstance(value, timedelta):
        raise SettingError(
            key, f"expected a datetime.timedelta, e.g. timedelta(days=7); got {value!r}."
        )
    if value < timedelta(0) or (not zero and value == timedelta(0)):
        least = "zero or longer" if zero else "longer than zero"
        raise SettingError(key, f"expected a timedelta {least}; got {value!r}.")


def check_url_prefix(value: Any) -> None:
    if not isinstance(value, str) or not (value == "" or value.startswith("/")):
        raise SettingError(
            "PAT_URL_PREFIX",
            f"expected a path that starts with '/', e.g. '/settings/tokens'; got {value!r}.",
        )
    if any(char.isspace() for char in value) or "<" in value:
        raise SettingError(
            "PAT_URL_PREFIX", f"expected a plain path without spaces or variables; got {value!r}."
        )


def check_token_prefix(value: Any) -> None:
    if not isinstance(value, str) or not PREFIX_PATTERN.fullmatch(value):
        raise SettingError(
            "PAT_TOKEN_PREFIX", f"expected 1 to 10 of [a-z0-9], e.g. 'acme'; got {value!r}."
        )


def check_table_name(value: Any) -> None:
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


def check_expiration_units(value: Any) -> None:
    if (
        not is_sequence(value)
        or not value
        or not all(isinstance(unit, str) and unit in _UNITS for unit in value)
        or len(set(value)) != len(value)
    ):
        raise SettingError(
            "PAT_EXPIRATION_UNITS",
            f"expected a list or tuple of distinct units among {', '.join(_UNITS)}, e.g."
            f" ('days', 'weeks'); got {value!r}.",
        )


def check_max_lifetime(value: Any) -> None:
    if value is None:
        return
    check_span("PAT_MAX_LIFETIME", value, zero=False)
    if value > HARD_MAX_LIFETIME:
        raise SettingError(
            "PAT_MAX_LIFETIME",
            f"expected at most {HARD_MAX_LIFETIME.days} days; for no limit write None.",
        )


def check_default_expiration(value: Any, config: Mapping[str, Any]) -> None:
    key = "PAT_DEFAULT_EXPIRATION"
    units = config["PAT_EXPIRATION_UNITS"]
    if not is_sequence(value) or len(value) != 2 or value[0] not in units:
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
    if amount * UNIT_SECONDS[unit] > limit.total_seconds():
        raise SettingError(
            key, f"{value!r} is longer than PAT_MAX_LIFETIME ({limit}): choose a shorter one."
        )


def check_scopes(value: Any) -> None:
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


def check_positive_int(key: str, value: Any) -> None:
    if not _is_int(value) or value < 1:
        raise SettingError(key, f"expected a whole number from 1; got {value!r}.")


def check_auth_schemes(value: Any) -> None:
    if (
        not is_sequence(value)
        or not value
        or not all(isinstance(s, str) and _SCHEME.fullmatch(s) for s in value)
    ):
        hint = f" Write ({value!r},) instead." if isinstance(value, str) else ""
        raise SettingError(
            "PAT_AUTH_SCHEMES",
            f"expected a list or tuple of scheme names, e.g. ('Bearer',); got {value!r}.{hint}",
        )


def check_base_template(value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise SettingError(
            "PAT_BASE_TEMPLATE",
            f"expected a template name, e.g. 'base.html', or None for a standalone page;"
            f" got {value!r}.",
        )


_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def check_url(key: str, value: Any, schemes: tuple[str, ...], example: str) -> None:
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


def check_login_url(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value):
        raise SettingError(
            "PAT_LOGIN_URL",
            f"expected the URL of the sign-in page ('/login', 'https://sso.example.com/login')"
            f" or an endpoint name ('auth.login'), or None for the login_view; got {value!r}.",
        )


def check_cache(value: Any) -> None:
    if value is None or value == "postgresql":
        return
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in _CACHE_SCHEMES or not (parts.netloc or parts.path):
        raise SettingError(
            "PAT_CACHE",
            "expected None, 'postgresql' (LISTEN/NOTIFY on the app's PostgreSQL database) or"
            f" a Redis URL, e.g. 'redis://127.0.0.1:6379/0'; got {value!r}.",
        )
    if importlib.util.find_spec("redis") is None:
        raise SettingError(
            "PAT_CACHE",
            "a Redis URL needs the redis package: pip install 'flask-pat[redis]'.",
        )


_CACHE_SCHEMES = ("redis", "rediss", "unix")


def check_integrations(value: Any) -> None:
    if callable(value):
        return
    key = "PAT_INTEGRATIONS"
    if not is_sequence(value) or not all(
        isinstance(item, Mapping) and {"uid", "name", "model"} <= set(item) for item in value
    ):
        raise SettingError(
            key,
            "expected a list of {'uid', 'name', 'model'} dicts, or a function(user) returning"
            f" one; got {value!r}.",
        )


def check_ide_formats(value: Any) -> None:
    if not is_sequence(value) or not all(isinstance(v, str) for v in value):
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


def check_choice(key: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise SettingError(
            key, f"expected one of {', '.join(repr(c) for c in choices)}; got {value!r}."
        )


def check_expiry_notices(value: Any) -> None:
    if not is_sequence(value) or not all(_is_int(days) and days >= 1 for days in value):
        raise SettingError(
            "PAT_EXPIRY_NOTICES",
            f"expected a list or tuple of days, whole numbers from 1, e.g. (30, 7, 1), or () for"
            f" no notices; got {value!r}.",
        )


def check_column_names(key: str, value: Any) -> None:
    if value is None:
        return
    if not is_sequence(value) or not all(isinstance(name, str) and name for name in value):
        hint = f" Write ({value!r},) instead." if isinstance(value, str) else ""
        raise SettingError(
            key,
            f"expected a list or tuple of the user model's column names, e.g. ('email',),"
            f" or None; got {value!r}.{hint}",
        )

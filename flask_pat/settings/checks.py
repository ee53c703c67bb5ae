"""The check ``init_app`` runs over the ``PAT_*`` settings: each key's value, keys flask-pat
does not know, and a default expiration that fits the host's units."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from . import SettingError
from .defaults import DEFAULTS
from .values import (
    UNIT_SECONDS,
    check_auth_schemes,
    check_base_template,
    check_boolean,
    check_cache,
    check_callable_or_none,
    check_choice,
    check_column_names,
    check_default_expiration,
    check_expiration_units,
    check_expiry_notices,
    check_ide_formats,
    check_integrations,
    check_login_url,
    check_max_lifetime,
    check_positive_int,
    check_scopes,
    check_span,
    check_table_name,
    check_token_prefix,
    check_url,
    check_url_prefix,
    is_sequence,
)

logger = logging.getLogger(__name__)


#: The check of each setting, given its value and the whole config.
CHECKS: dict[str, Callable[[Any, Mapping[str, Any]], None]] = {
    "PAT_URL_PREFIX": lambda v, c: check_url_prefix(v),
    "PAT_TOKEN_PREFIX": lambda v, c: check_token_prefix(v),
    "PAT_TABLE_NAME": lambda v, c: check_table_name(v),
    "PAT_EXPIRATION_UNITS": lambda v, c: check_expiration_units(v),
    "PAT_MAX_LIFETIME": lambda v, c: check_max_lifetime(v),
    "PAT_DEFAULT_EXPIRATION": check_default_expiration,
    "PAT_EXPIRY_WARNING": lambda v, c: check_span("PAT_EXPIRY_WARNING", v, zero=True),
    "PAT_SCOPES": lambda v, c: check_scopes(v),
    "PAT_MAX_TOKENS_PER_USER": lambda v, c: check_positive_int("PAT_MAX_TOKENS_PER_USER", v),
    "PAT_LAST_USED_RESOLUTION": lambda v, c: check_span("PAT_LAST_USED_RESOLUTION", v, zero=True),
    "PAT_AUTH_SCHEMES": lambda v, c: check_auth_schemes(v),
    "PAT_ALLOW_TOKEN_MANAGEMENT": lambda v, c: check_boolean("PAT_ALLOW_TOKEN_MANAGEMENT", v),
    "PAT_BASE_TEMPLATE": lambda v, c: check_base_template(v),
    "PAT_SERVER_URL": lambda v, c: check_url(
        "PAT_SERVER_URL", v, ("https", "http"), "https://example.com"
    ),
    "PAT_INTEGRATIONS": lambda v, c: check_integrations(v),
    "PAT_PROJECTS": lambda v, c: check_callable_or_none(
        "PAT_PROJECTS", v, "(user) returning [{'id', 'name', 'public'}]"
    ),
    "PAT_IDE_FORMATS": lambda v, c: check_ide_formats(v),
    "PAT_TOKEN_ROUTES": lambda v, c: check_choice("PAT_TOKEN_ROUTES", v, ("marked", "all")),
    "PAT_USER_ALLOWED": lambda v, c: check_callable_or_none(
        "PAT_USER_ALLOWED", v, "(user) returning True or False"
    ),
    "PAT_TEMPLATE_CONTEXT": lambda v, c: check_callable_or_none(
        "PAT_TEMPLATE_CONTEXT", v, "() returning a dict of template variables"
    ),
    "PAT_CLI_USER_LOOKUP": lambda v, c: check_callable_or_none(
        "PAT_CLI_USER_LOOKUP", v, "(text) returning a user or None"
    ),
    "PAT_THEME": lambda v, c: check_choice("PAT_THEME", v, ("auto", "light", "dark")),
    "PAT_RECORD_USAGE": lambda v, c: check_boolean("PAT_RECORD_USAGE", v),
    "PAT_EXPIRY_NOTICES": lambda v, c: check_expiry_notices(v),
    "PAT_ADMIN": lambda v, c: check_callable_or_none(
        "PAT_ADMIN", v, "(user) returning True or False"
    ),
    "PAT_ADMIN_USER_SEARCH": lambda v, c: check_column_names("PAT_ADMIN_USER_SEARCH", v),
    "PAT_REQUIRE_FRESH_LOGIN": lambda v, c: check_boolean("PAT_REQUIRE_FRESH_LOGIN", v),
    "PAT_EVENT_RETENTION": lambda v, c: check_span("PAT_EVENT_RETENTION", v, zero=False),
    "PAT_LOGIN_URL": lambda v, c: check_login_url(v),
    "PAT_CACHE": lambda v, c: check_cache(v),
    "PAT_CACHE_TTL": lambda v, c: check_span("PAT_CACHE_TTL", v, zero=False),
    "PAT_USER_BINDING": lambda v, c: check_callable_or_none(
        "PAT_USER_BINDING", v, "(user) returning a string that changes when the user does"
    ),
    "PAT_SECRET_SCANNING_KEYS_URL": lambda v, c: check_url(
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
    if not is_sequence(units) or not (max_lifetime is None or isinstance(max_lifetime, timedelta)):
        return  # the checks will say what is wrong
    unit, value = DEFAULTS["PAT_DEFAULT_EXPIRATION"]
    wanted = value * UNIT_SECONDS[unit]
    if max_lifetime is not None:
        wanted = min(wanted, int(max_lifetime.total_seconds()))
    fitting = [
        (unit, wanted // UNIT_SECONDS[unit])
        for unit in ("days", "weeks", "hours", "minutes")
        if unit in units and wanted >= UNIT_SECONDS[unit]
    ]
    exact = [(unit, n) for unit, n in fitting if n * UNIT_SECONDS[unit] == wanted]
    if exact or fitting:
        config["PAT_DEFAULT_EXPIRATION"] = (exact or fitting)[0]
    elif "never" in units and max_lifetime is None:
        config["PAT_DEFAULT_EXPIRATION"] = ("never", None)


def check(config: Mapping[str, Any]) -> None:
    """Raise :class:`SettingError` for the first ``PAT_*`` setting flask-pat cannot use.

    A ``PAT_*`` key that looks like a misspelt setting (``PAT_SCOPE``) is refused too, and
    one close to no real key is named in a warning, since either would otherwise be ignored
    without a word.
    """
    for key in config:
        if key.startswith("PAT_") and key not in DEFAULTS:
            close = difflib.get_close_matches(key, DEFAULTS, n=1, cutoff=0.85)
            if close:
                raise SettingError(key, f"flask-pat has no such setting: did you mean {close[0]}?")
            # Too far from any real key to be a typo: maybe the host's own setting.
            logger.warning(
                "flask-pat: %s is no flask-pat setting, and is ignored by it; if it is meant"
                " for flask-pat, see the configuration page for the keys it knows.",
                key,
            )
    for key, checker in CHECKS.items():
        if key in config:
            checker(config[key], config)

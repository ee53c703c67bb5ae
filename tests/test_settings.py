"""Every ``PAT_*`` setting is checked by ``init_app``: a wrong one stops the app at start-up
with a message naming the key, what it accepts and what to write instead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy

from flask_pat import PersonalAccessTokens
from flask_pat.settings.checks import CHECKS
from flask_pat.settings.defaults import DEFAULTS


def _init(**config: Any) -> Flask:
    """A bare host app with ``config``, and flask-pat registered on it."""
    db = SQLAlchemy()

    class Person(db.Model):  # type: ignore[name-defined]
        id = db.Column(db.Integer, primary_key=True)

    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY="x", **config)
    db.init_app(app)
    LoginManager(app)
    PersonalAccessTokens(app, db=db, user_model=Person)
    return app


def test_every_setting_has_a_check() -> None:
    assert set(DEFAULTS) <= set(CHECKS)


def test_the_defaults_pass() -> None:
    app = _init()
    assert app.config["PAT_SCOPES"] == {}


GOOD = [
    {"PAT_SCOPES": {"notes:read": "Read", "admin.users_x-1": "Admin"}},
    {"PAT_AUTH_SCHEMES": ["Bearer", "Token"]},
    {"PAT_MAX_LIFETIME": timedelta(days=90), "PAT_DEFAULT_EXPIRATION": ("weeks", 2)},
    {"PAT_DEFAULT_EXPIRATION": ("never", None)},
    {"PAT_EXPIRATION_UNITS": ["days"], "PAT_DEFAULT_EXPIRATION": ("days", 7)},
    {"PAT_THEME": "dark", "PAT_TOKEN_ROUTES": "all"},
    {"PAT_EXPIRY_NOTICES": (), "PAT_IDE_FORMATS": ()},
    {"PAT_SECRET_SCANNING_KEYS_URL": "https://api.github.com/meta/public_keys/secret_scanning"},
    {"PAT_SERVER_URL": "http://localhost:8080"},
    # A test server on this machine may serve the keys over plain http.
    {"PAT_SECRET_SCANNING_KEYS_URL": "http://127.0.0.1:8123/keys"},
    {"PAT_INTEGRATIONS": lambda user: [], "PAT_PROJECTS": lambda user: []},
    {"PAT_USER_ALLOWED": lambda user: True, "PAT_TEMPLATE_CONTEXT": dict},
    {"PAT_CLI_USER_LOOKUP": lambda text: None, "PAT_ADMIN": lambda user: False},
    {"PAT_USER_BINDING": lambda user: user.email},
    {"PAT_URL_PREFIX": "/me/tokens", "PAT_TABLE_NAME": "api_token"},
    {"PAT_BASE_TEMPLATE": "layout.html", "PAT_RECORD_USAGE": False},
    {"PAT_LOGIN_URL": "/login/", "PAT_CACHE": "redis://127.0.0.1:6379/0"},
    {"PAT_LOGIN_URL": "https://sso.example.com/login"},
    {"PAT_CACHE": "redis://127.0.0.1:6379/0", "PAT_CACHE_TTL": timedelta(seconds=5)},
    # A host setting that merely starts with PAT_ is the host's business.
    {"PAT_TIENT_PORTAL_URL": "https://example.com"},
]


@pytest.mark.parametrize("config", GOOD)
def test_good_settings_pass(config: dict[str, Any]) -> None:
    _init(**config)


@pytest.mark.parametrize("value", [None, "redis://127.0.0.1:6379/0", "rediss://cache.example.com"])
def test_the_cache_settings_accepted_values_pass(value: Any) -> None:
    _init(PAT_CACHE=value)


def test_a_pat_key_close_to_no_setting_is_named_in_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("WARNING", logger="flask_pat"):
        _init(PAT_TIENT_PORTAL_URL="https://example.com")
    assert "PAT_TIENT_PORTAL_URL is no flask-pat setting" in caplog.text


BAD = [
    # (key, value, words the message must contain)
    ("PAT_SCOPES", {"user admin": "Both?"}, ["[A-Za-z0-9_.:-]", "'user admin'", "'user_admin'"]),
    ("PAT_SCOPES", {"": "Empty"}, ["1 to 64"]),
    ("PAT_SCOPES", {"x" * 65: "Long"}, ["1 to 64"]),
    ("PAT_SCOPES", ["read", "write"], ["dict of scope name -> description"]),
    ("PAT_SCOPES", {"read": None}, ["description of 'read'"]),
    ("PAT_SCOPES", {f"scope{i:02d}-" + "x" * 43: "S" for i in range(30)}, ["at most 1000 fit"]),
    ("PAT_AUTH_SCHEMES", "Bearer", ["list or tuple", "('Bearer',)"]),
    ("PAT_AUTH_SCHEMES", [], ["list or tuple"]),
    ("PAT_AUTH_SCHEMES", ["Bearer token"], ["list or tuple"]),
    ("PAT_TOKEN_PREFIX", "Bad_Prefix", ["[a-z0-9]"]),
    ("PAT_URL_PREFIX", "settings/tokens", ["starts with '/'"]),
    ("PAT_TABLE_NAME", "my tokens", ["table name"]),
    ("PAT_TABLE_NAME", "t" * 41, ["1 to 40"]),
    ("PAT_EXPIRATION_UNITS", "days", ["list or tuple of distinct units"]),
    ("PAT_EXPIRATION_UNITS", ("days", "months"), ["never, days, weeks, hours, minutes"]),
    ("PAT_DEFAULT_EXPIRATION", ("days", 0), ["whole number from 1"]),
    ("PAT_DEFAULT_EXPIRATION", "30d", ["pair (unit, value)", "('days', 30)"]),
    ("PAT_DEFAULT_EXPIRATION", ("never", 3), ["('never', None)"]),
    ("PAT_MAX_LIFETIME", 90, ["datetime.timedelta", "timedelta(days=7)"]),
    ("PAT_MAX_LIFETIME", timedelta(0), ["longer than zero"]),
    ("PAT_EXPIRY_WARNING", "7d", ["datetime.timedelta"]),
    ("PAT_LAST_USED_RESOLUTION", timedelta(seconds=-1), ["zero or longer"]),
    ("PAT_EVENT_RETENTION", 365, ["datetime.timedelta"]),
    ("PAT_MAX_TOKENS_PER_USER", 0, ["whole number from 1"]),
    ("PAT_MAX_TOKENS_PER_USER", True, ["whole number from 1"]),
    ("PAT_ALLOW_TOKEN_MANAGEMENT", "yes", ["True or False"]),
    ("PAT_RECORD_USAGE", 1, ["True or False"]),
    ("PAT_BASE_TEMPLATE", "", ["template name"]),
    ("PAT_SERVER_URL", "example.com", ["https or http URL"]),
    ("PAT_SECRET_SCANNING_KEYS_URL", "http://example.com/keys", ["https URL"]),
    ("PAT_SECRET_SCANNING_KEYS_URL", "ftp://example.com/keys", ["https URL"]),
    ("PAT_INTEGRATIONS", [{"uid": "x"}], ["{'uid', 'name', 'model'}"]),
    ("PAT_PROJECTS", [{"id": 1, "name": "p", "public": False}], ["function", "or None"]),
    ("PAT_USER_ALLOWED", True, ["function", "True or False"]),
    ("PAT_TEMPLATE_CONTEXT", {"brand": "x"}, ["function () returning a dict"]),
    ("PAT_CLI_USER_LOOKUP", "email", ["function (text) returning a user"]),
    ("PAT_ADMIN", "admin", ["function"]),
    ("PAT_USER_BINDING", "fs_uniquifier", ["function (user) returning a string"]),
    ("PAT_IDE_FORMATS", "vscode", ["list or tuple of format names"]),
    ("PAT_IDE_FORMATS", ("vscode", "emacs"), ["unknown formats ['emacs']", "pat.ide_format()"]),
    ("PAT_TOKEN_ROUTES", "some", ["'marked', 'all'"]),
    ("PAT_THEME", "blue", ["'auto', 'light', 'dark'"]),
    ("PAT_EXPIRY_NOTICES", (30, 0), ["whole numbers from 1"]),
    ("PAT_EXPIRY_NOTICES", 7, ["list or tuple of days"]),
    ("PAT_SCOPE", {"read": "Read"}, ["did you mean PAT_SCOPES?"]),
    ("PAT_CACHE", "bogus-value", ["None", "'postgresql'", "redis://"]),
    ("PAT_CACHE", "memcached://localhost", ["Redis URL"]),
    ("PAT_CACHE", True, ["'postgresql'"]),
    ("PAT_LOGIN_URL", "", ["URL of the sign-in page", "endpoint name"]),
    ("PAT_LOGIN_URL", 42, ["or None"]),
    ("PAT_CACHE", "redis", ["None, 'postgresql'", "'redis://127.0.0.1:6379/0'"]),
    ("PAT_CACHE", True, ["None, 'postgresql'"]),
    ("PAT_CACHE", "memcached://127.0.0.1", ["a Redis URL"]),
    # LISTEN/NOTIFY needs the app's own database on PostgreSQL.
    ("PAT_CACHE", "postgresql", ["needs the app's database on PostgreSQL", "Redis URL"]),
    ("PAT_CACHE_TTL", 30, ["datetime.timedelta"]),
    ("PAT_CACHE_TTL", timedelta(0), ["longer than zero"]),
]


@pytest.mark.parametrize(
    ("key", "value", "words"), BAD, ids=[f"{key}={value!r}"[:60] for key, value, _ in BAD]
)
def test_bad_settings_are_refused_at_start_up(key: str, value: Any, words: list[str]) -> None:
    with pytest.raises(RuntimeError) as raised:
        _init(**{key: value})
    message = str(raised.value)
    assert message.startswith(f"{key}: ")
    for word in words:
        assert word in message, message


def test_default_expiration_must_fit_max_lifetime() -> None:
    with pytest.raises(RuntimeError, match="PAT_DEFAULT_EXPIRATION: .*shorter"):
        _init(PAT_MAX_LIFETIME=timedelta(days=7), PAT_DEFAULT_EXPIRATION=("days", 30))
    with pytest.raises(RuntimeError, match="PAT_DEFAULT_EXPIRATION: .*must expire"):
        _init(PAT_MAX_LIFETIME=timedelta(days=7), PAT_DEFAULT_EXPIRATION=("never", None))
    with pytest.raises(RuntimeError, match="PAT_DEFAULT_EXPIRATION: .*PAT_EXPIRATION_UNITS"):
        _init(PAT_EXPIRATION_UNITS=("weeks",), PAT_DEFAULT_EXPIRATION=("days", 30))


@pytest.mark.parametrize(
    ("config", "default"),
    [
        ({}, ("days", 30)),
        ({"PAT_MAX_LIFETIME": timedelta(days=7)}, ("days", 7)),
        ({"PAT_MAX_LIFETIME": timedelta(hours=12)}, ("hours", 12)),
        ({"PAT_MAX_LIFETIME": timedelta(seconds=90)}, ("minutes", 1)),
        ({"PAT_EXPIRATION_UNITS": ("weeks", "hours")}, ("hours", 720)),
        ({"PAT_EXPIRATION_UNITS": ("weeks",)}, ("weeks", 4)),
        ({"PAT_EXPIRATION_UNITS": ("never",)}, ("never", None)),
    ],
)
def test_flask_pats_own_default_expiration_fits_the_hosts_limits(
    config: dict[str, Any], default: tuple[str, int | None]
) -> None:
    assert _init(**config).config["PAT_DEFAULT_EXPIRATION"] == default

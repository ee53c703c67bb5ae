"""Default settings of flask-pat. Every key can be overridden in ``app.config``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

#: Where the page (``<prefix>/``) and the JSON API (``<prefix>/api/...``) are mounted.
PAT_URL_PREFIX = "/settings/tokens"
#: The text every token starts with, before an underscore: ``[a-z0-9]{1,10}``.
PAT_TOKEN_PREFIX = "pat"
#: The name of the table that holds the token records.
PAT_TABLE_NAME = "personal_access_token"
#: The expiration preselected in the form and used when a create request omits it.
PAT_DEFAULT_EXPIRATION = ("days", 30)
#: The expiration units offered and accepted, in the order the form lists them.
PAT_EXPIRATION_UNITS = ("never", "days", "weeks", "hours", "minutes")
#: The longest lifetime a token may have (a ``timedelta``); when set, ``never`` is refused.
PAT_MAX_LIFETIME: timedelta | None = None
#: How long before its expiry a token counts as ``expiring``.
PAT_EXPIRY_WARNING = timedelta(days=7)
#: Scope name -> description. Empty hides scopes on the page and in the API.
PAT_SCOPES: dict[str, str] = {}
#: How many tokens one user may hold; creating one more answers 409 ``limit_reached``.
PAT_MAX_TOKENS_PER_USER = 100
#: ``last_used_at`` is written at most once per this period per token.
PAT_LAST_USED_RESOLUTION = timedelta(minutes=1)
#: ``Authorization`` schemes that carry a token, compared case-insensitively.
PAT_AUTH_SCHEMES = ("Bearer",)
#: Whether a request authenticated by a token may use the token management API.
PAT_ALLOW_TOKEN_MANAGEMENT = False
#: A host template the page extends (block ``content``); ``None`` renders a standalone page.
PAT_BASE_TEMPLATE: str | None = None
#: The server URL written into IDE settings; ``None`` uses the request's root URL.
PAT_SERVER_URL: str | None = None
#: ``[{"uid", "name", "model"}]`` or a callable(user) returning that list.
PAT_INTEGRATIONS: Any = []
#: A callable(user) returning ``[{"id", "name", "public"}]``; ``None`` disables projects.
PAT_PROJECTS: Any = None
#: The built-in IDE settings formats offered.
PAT_IDE_FORMATS = ("vscode", "jetbrains")
#: Where a valid token signs its user in: ``"marked"`` (routes marked with
#: ``@accepts_tokens`` or ``@scopes_required``, blueprints passed to
#: ``pat.accepts_tokens(bp)``, flask-pat's own token routes) or ``"all"`` (every route).
PAT_TOKEN_ROUTES = "marked"
#: A callable(user) -> bool: who may hold and use tokens; ``None``: every active user.
PAT_USER_ALLOWED: Any = None
#: A callable() -> dict of extra variables for ``PAT_BASE_TEMPLATE``.
PAT_TEMPLATE_CONTEXT: Any = None
#: A callable(str) -> user or None, so ``flask pat ... --user`` accepts an email or a name.
PAT_CLI_USER_LOOKUP: Any = None
#: ``"auto"``: the standalone page follows ``prefers-color-scheme`` and, inside
#: ``PAT_BASE_TEMPLATE``, takes the host page's own light or dark look;
#: ``"light"``, ``"dark"``: fixed.
PAT_THEME = "auto"
#: Record each token's last client address and user agent.
PAT_RECORD_USAGE = True
#: Days before expiry at which ``flask pat notify`` sends ``token_expiring``.
PAT_EXPIRY_NOTICES = (30, 7, 1)
#: A callable(user) -> bool: who may use the admin inventory; ``None``: nobody.
PAT_ADMIN: Any = None
#: The user model's columns (names) the admin inventory's search also matches, case
#: aside; ``None``: its ``email``, ``username`` and ``name`` columns, those it has.
PAT_ADMIN_USER_SEARCH: tuple[str, ...] | None = None
#: Creating, rotating, revoking, restoring and deleting need a fresh sign-in (Flask-Login's
#: ``login_fresh()``), else the API answers 403 ``fresh_login_required``.
PAT_REQUIRE_FRESH_LOGIN = False
#: ``flask pat prune`` also deletes audit events older than this.
PAT_EVENT_RETENTION = timedelta(days=365)
#: A callable(user) -> str (Flask-Security: ``lambda u: u.fs_uniquifier``): a token whose
#: user's value changed since it was made is refused and revoked (``user_changed``).
PAT_USER_BINDING: Any = None
#: Where the leak receiver gets GitHub's signing keys; ``None``: the receiver answers 404.
PAT_SECRET_SCANNING_KEYS_URL: str | None = None

#: Page sizes the list API and the page accept.
PAGE_SIZES = (5, 10, 50, 100)
#: The longest lifetime accepted when ``PAT_MAX_LIFETIME`` is unset.
HARD_MAX_LIFETIME = timedelta(days=36525)

DEFAULTS: dict[str, Any] = {
    name: value for name, value in globals().items() if name.startswith("PAT_")
}

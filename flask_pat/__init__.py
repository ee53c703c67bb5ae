"""Personal access tokens for Flask: a settings page, a JSON API and Bearer authentication."""

from __future__ import annotations

from . import signals
from .extension import PersonalAccessTokens
from .ide import IdeFormat
from .signin.marking import (
    accepts_tokens,
    current_token,
    scopes_required,
    token_scopes_required,
)

__all__ = [
    "IdeFormat",
    "PersonalAccessTokens",
    "accepts_tokens",
    "current_token",
    "scopes_required",
    "signals",
    "token_scopes_required",
]

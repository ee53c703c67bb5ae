"""The ``PAT_*`` settings: their defaults (``defaults``), the check of each value
(``values``) and the check ``init_app`` runs over them all (``checks``).

A wrong setting raises :class:`SettingError` (a :class:`RuntimeError`) at start-up, naming
the key, what it accepts and what to write instead, rather than failing later in a request
or, worse, quietly doing something else (``PAT_AUTH_SCHEMES = "Bearer"`` would accept
``r <token>``).
"""

from __future__ import annotations


class SettingError(RuntimeError):
    """A ``PAT_*`` setting that flask-pat cannot work with."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key

"""Many tokens at once, for tests of what lists them: rows for one ``INSERT`` (the service
would take minutes for ten thousand)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any


def token_rows(owner_id: Any, count: int) -> list[dict[str, Any]]:
    """``count`` live token rows of ``owner_id``, named ``bulk 00000`` on, newest first."""
    now = datetime.now(UTC)
    return [
        {
            "user_id": owner_id,
            "name": f"bulk {n:05d}",
            "name_key": f"bulk {n:05d}",
            "token_hash": hashlib.sha256(f"bulk {n}".encode()).hexdigest(),
            "last4": f"{n % 10000:04d}",
            "scope_text": "",
            "created_at": now - timedelta(hours=1, seconds=n),
            "expires_at": None,
        }
        for n in range(count)
    ]

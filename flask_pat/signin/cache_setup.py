"""Setting up ``PAT_CACHE`` on an app: the channel its processes hear each other on, and
the session events that feed it."""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import cache_changes
from .cache import KEY, Channel, TokenCache
from .cache_postgres import PostgresChannel, conninfo
from .cache_redis import RedisChannel


def init_app(app: Flask, pat: Any) -> None:
    """Set up ``PAT_CACHE`` on ``app``: its channel, and the session events that feed it.
    Nothing at all where it is ``None``."""
    setting = app.config["PAT_CACHE"]
    if setting is None:
        return
    table = app.config["PAT_TABLE_NAME"]
    channel: Channel
    if setting == "postgresql":
        with app.app_context():
            url = pat.db.engine.url
        if url.get_backend_name() != "postgresql":
            raise RuntimeError(
                "PAT_CACHE: 'postgresql' needs the app's database on PostgreSQL; this one is"
                f" {url.get_backend_name()}. Use a Redis URL (pip install 'flask-pat[redis]')."
            )
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise RuntimeError(
                "PAT_CACHE: 'postgresql' listens with psycopg 3: pip install 'flask-pat[postgres]'."
            ) from None
        channel = PostgresChannel(conninfo(url), f"flask_pat_{table}")
    else:
        channel = RedisChannel(setting, f"flask-pat:{table}")
    app.extensions[KEY] = TokenCache(channel)
    cache_changes.install()

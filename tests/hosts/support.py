"""What the host app tests share: cleaning a server database, reading a form's CSRF token,
serving an app for the browser, and signal recorders."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from flask_pat import signals


def drop_all_tables(url: str) -> None:
    """Drop every table of the database at ``url`` (the zoo shares one database per server
    with the rest of the suite, and migrations leave ``alembic_version`` behind)."""
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        metadata.drop_all(engine)
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def form_csrf(html: str) -> str:
    """The value of a form's hidden ``csrf_token`` field."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, html
    return match.group(1)


class SignalLog:
    """Records flask-pat's token_authenticated and token_rejected signals."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def _authenticated(self, sender: Any, **kwargs: Any) -> None:
        self.sent.append(("token_authenticated", kwargs))

    def _rejected(self, sender: Any, **kwargs: Any) -> None:
        self.sent.append(("token_rejected", kwargs))

    @contextmanager
    def listening(self) -> Iterator[SignalLog]:
        signals.token_authenticated.connect(self._authenticated)
        signals.token_rejected.connect(self._rejected)
        try:
            yield self
        finally:
            signals.token_authenticated.disconnect(self._authenticated)
            signals.token_rejected.disconnect(self._rejected)


class _QuietHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        pass


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free port of 127.0.0.1 in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="host-app", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

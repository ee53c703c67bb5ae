"""The test host app, served by a real gunicorn in test_concurrency.py.

``gunicorn tests.gunicorn_app:app`` with ``PAT_GUNICORN_DATABASE_URL`` set. Each answer
names the worker that served it in ``X-Worker-Pid``; a request with ``?hold=1`` keeps its
worker busy for a second before the app sees it, so that a request sent meanwhile goes to
the other worker.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any

from flask.wrappers import Response

from tests.conftest import make_app

app, db, pat, User = make_app(os.environ["PAT_GUNICORN_DATABASE_URL"])
app.config["TESTING"] = False
app.config["PAT_SECRET_SCANNING_KEYS_URL"] = os.environ.get("PAT_GUNICORN_KEYS_URL")
_wsgi_app = app.wsgi_app


def held(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    if "hold=1" in environ.get("QUERY_STRING", ""):
        time.sleep(1)
    return _wsgi_app(environ, start_response)


app.wsgi_app = held  # type: ignore[method-assign]


@app.after_request
def name_the_worker(response: Response) -> Response:
    response.headers["X-Worker-Pid"] = str(os.getpid())
    return response


if os.environ.get("PAT_GUNICORN_LEAK_GATE"):
    from pathlib import Path

    from flask_pat import signals

    _gate = Path(os.environ["PAT_GUNICORN_LEAK_GATE"])

    def _slow_leak_receiver(sender: Any, **extra: Any) -> None:
        """A host's slow receiver (a mail, a webhook): it holds until the test opens the
        gate, so the test sees what waits for it."""
        _gate.with_suffix(".started").touch()
        deadline = time.monotonic() + 60
        while not _gate.exists() and time.monotonic() < deadline:
            time.sleep(0.01)

    signals.token_leaked.connect(_slow_leak_receiver, app)

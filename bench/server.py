"""The app gunicorn serves in benchmarks 5 and 7: ``gunicorn 'bench.server:create_app()'``."""

from __future__ import annotations

import os
import time

from flask import Flask
from flask.wrappers import Response

from .apps import make_host


def create_app() -> Flask:
    """The benchmark host with flask-pat, on BENCH_SERVER_URL's table BENCH_SERVER_TABLE;
    with BENCH_SERVER_CACHE, that ``PAT_CACHE``, and each answer names its worker
    (``X-Worker-Pid``), how many tokens the worker holds (``X-Cached-Tokens``) and when its
    listener last handled a message (``X-Heard-At``, ``time.monotonic()``)."""
    cache = os.environ.get("BENCH_SERVER_CACHE")
    config = {"PAT_CACHE": cache} if cache else {}
    host = make_host(
        os.environ["BENCH_SERVER_URL"], pat_table=os.environ["BENCH_SERVER_TABLE"], **config
    )
    app = host.app
    if cache:
        token_cache = app.extensions["pat_cache"]
        # When this worker's listener last handled a message (``time.monotonic()``, one clock
        # for every process of the machine): each forked worker has its own copy.
        heard_at = [0.0]
        heard = token_cache.heard

        def heard_and_noted(payload: str) -> None:
            heard(payload)
            heard_at[0] = time.monotonic()

        setattr(token_cache, "heard", heard_and_noted)  # noqa: B010 (a method replaced)

        @app.after_request
        def name_the_worker(response: Response) -> Response:
            response.headers["X-Worker-Pid"] = str(os.getpid())
            response.headers["X-Cached-Tokens"] = str(len(token_cache))
            response.headers["X-Heard-At"] = f"{heard_at[0]:.6f}"
            return response

    # Loaded before the fork (--preload): no worker may inherit the master's connections.
    with app.app_context():
        host.db.engine.dispose()
    return app

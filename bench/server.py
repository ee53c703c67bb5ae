"""The app gunicorn serves in benchmarks 5 and 7: ``gunicorn 'bench.server:create_app()'``."""

from __future__ import annotations

import os

from flask import Flask
from flask.wrappers import Response

from .apps import make_host


def create_app() -> Flask:
    """The benchmark host with flask-pat, on BENCH_SERVER_URL's table BENCH_SERVER_TABLE;
    with BENCH_SERVER_CACHE, that ``PAT_CACHE``, and each answer names its worker
    (``X-Worker-Pid``) and how many tokens the worker holds (``X-Cached-Tokens``)."""
    cache = os.environ.get("BENCH_SERVER_CACHE")
    config = {"PAT_CACHE": cache} if cache else {}
    host = make_host(
        os.environ["BENCH_SERVER_URL"], pat_table=os.environ["BENCH_SERVER_TABLE"], **config
    )
    app = host.app
    if cache:

        @app.after_request
        def name_the_worker(response: Response) -> Response:
            response.headers["X-Worker-Pid"] = str(os.getpid())
            response.headers["X-Cached-Tokens"] = str(len(app.extensions["pat_cache"]))
            return response

    # Loaded before the fork (--preload): no worker may inherit the master's connections.
    with app.app_context():
        host.db.engine.dispose()
    return app

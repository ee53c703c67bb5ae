"""The app gunicorn serves in benchmark 5: ``gunicorn 'bench.server:create_app()'``."""

from __future__ import annotations

import os

from flask import Flask

from .apps import make_host


def create_app() -> Flask:
    """The benchmark host with flask-pat, on BENCH_SERVER_URL's table BENCH_SERVER_TABLE."""
    return make_host(os.environ["BENCH_SERVER_URL"], pat_table=os.environ["BENCH_SERVER_TABLE"]).app

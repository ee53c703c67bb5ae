"""Real servers for the tests: the test host app under gunicorn, on a free local port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(log_dir: Path, options: tuple[str, ...] = (), **env: str) -> Iterator[str]:
    """``tests.gunicorn_app`` under a real gunicorn with two workers; its base URL.

    ``env`` is added to the workers' environment (``PAT_GUNICORN_DATABASE_URL`` and the
    like); ``options`` to gunicorn's command line, after the defaults (``--workers=1``,
    ``--worker-class=gthread``...). Fails the test if a worker logged a traceback.
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers=2",
        f"--bind=127.0.0.1:{port}",
        "--timeout=30",
        "--graceful-timeout=5",
        *options,
        "tests.gunicorn_app:app",
    ]
    environment = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    log = log_dir / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=output)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                requests.get(f"{base}/whoami", timeout=5).close()
                break
            except (requests.ConnectionError, requests.Timeout):
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    assert "Traceback" not in log.read_text(), log.read_text()

"""The example app under a real gunicorn whose workers all boot at once on an empty
database: each one creates the tables it finds missing, and none may fail for another's."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.hosts.support import drop_all_tables
from tests.servers import ROOT, free_port

WORKERS = 4
HOOKS = """
def post_worker_init(worker):
    worker.log.info("worker %s ready", worker.pid)
"""


def test_workers_booting_together_on_an_empty_database_all_start(
    database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("sqlite"):
        drop_all_tables(database_url)
    config = tmp_path / "gunicorn_hooks.py"
    config.write_text(HOOKS)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        f"--workers={WORKERS}",
        f"--bind=127.0.0.1:{port}",
        "--timeout=60",
        "--graceful-timeout=5",
        f"--config={config}",
        "example_app:create_app()",
    ]
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + 120
        while True:
            text = log.read_text(errors="replace")
            ready = set(re.findall(r"worker (\d+) ready", text))
            if len(ready) >= WORKERS or process.poll() is not None:
                break
            assert time.monotonic() < deadline, text
            time.sleep(0.2)
        assert "Traceback" not in text and "failed to boot" not in text, text
        assert process.poll() is None, text
        assert len(ready) == WORKERS, text
        # Every worker answers.
        for _ in range(2 * WORKERS):
            page = requests.get(f"http://127.0.0.1:{port}/login", timeout=10)
            assert page.status_code == 200
            assert "demo@example.com" in page.text
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if not database_url.startswith("sqlite"):
            drop_all_tables(database_url)

"""``PAT_CACHE`` under real gunicorn workers, forked from a preloaded app: each worker listens
on its own, and a change made in one worker is refused by every other within moments."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from flask_pat import service
from tests.conftest import _add_user, _dispose, make_app
from tests.signin.cache_world import channel_setting, unique_table
from tests.support.servers import gunicorn

WORKERS = 4


def _spray(base: str, secret: str, rounds: int = 16) -> list[tuple[str, int, int]]:
    """Concurrent requests, so that every worker gets some: (worker, status, cached)."""

    def one(_: int) -> tuple[str, int, int]:
        response = requests.get(
            f"{base}/whoami", headers={"Authorization": f"Bearer {secret}"}, timeout=10
        )
        return (
            response.headers["X-Worker-Pid"],
            response.status_code,
            int(response.headers.get("X-Cached-Tokens", "0")),
        )

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(rounds)))


def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"


def _sign_in(base: str, user_id: int) -> tuple[requests.Session, str]:
    session = requests.Session()
    assert session.post(f"{base}/test-login/{user_id}", timeout=10).status_code == 200
    meta = session.get(f"{base}/settings/tokens/api/meta", timeout=10).json()
    return session, meta["csrf_token"]


@pytest.mark.parametrize("kind", ["postgresql", "redis"])
def test_a_revoke_in_one_worker_is_refused_by_every_worker(
    database_url: str, tmp_path: Path, kind: str
) -> None:
    setting = channel_setting(kind, database_url)
    if database_url.startswith("sqlite"):
        pytest.skip("many processes on one SQLite file: not a cache deployment")
    table = unique_table()
    app, db, pat, User = make_app(database_url, PAT_TABLE_NAME=table)
    try:
        with app.app_context():
            user = _add_user(db, User, "ada@example.com")
            token, secret = service.create(user, "ci", ("days", 1))
            token_id, user_id = token.id, user.id
        environment = {
            "PAT_GUNICORN_DATABASE_URL": database_url,
            "PAT_GUNICORN_CACHE": setting,
            "PAT_GUNICORN_TABLE_NAME": table,
        }
        with gunicorn(tmp_path, workers=WORKERS, preload=True, **environment) as base:
            holding: set[str] = set()
            seen: set[str] = set()

            def all_cached() -> bool:
                for worker, status, cached in _spray(base, secret):
                    assert status == 200
                    seen.add(worker)
                    if cached:
                        holding.add(worker)
                return len(holding) == WORKERS

            _until(all_cached, 60, "every worker to cache the token")
            session, csrf = _sign_in(base, user_id)
            response = session.post(
                f"{base}/settings/tokens/api/tokens/{token_id}/revoke",
                headers={"X-CSRF-Token": csrf},
                timeout=10,
            )
            assert response.status_code == 200
            refused: set[str] = set()

            def all_refuse() -> bool:
                for worker, status, _ in _spray(base, secret):
                    if status == 401:
                        refused.add(worker)
                    else:
                        # Never again once a worker has refused it.
                        assert status == 200 and worker not in refused
                return refused == holding

            _until(all_refuse, 10, "every worker to refuse the revoked token")
    finally:
        _dispose(app, db)

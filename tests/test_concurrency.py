"""Races on PostgreSQL and MariaDB: one name created 20 times at once, 20 clients filling the
per-user limit, and a token revoked in one gunicorn worker refused by the other."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from . import servers
from .conftest import ApiClient, bearer, require_server, sign_in

THREADS = 20
ROUNDS = 3


@pytest.fixture
def app_config() -> dict[str, Any]:
    # One connection per thread, so the race is decided by the database, not the pool.
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": THREADS + 2}}


@pytest.fixture
def server(database_url: str) -> str:
    require_server(database_url, "postgresql", "mysql")
    return database_url


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` in threads released together; their results, in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait(timeout=30)
        try:
            results[index] = calls[index]()
        except BaseException as error:  # reported below, in the test's thread
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


def rows(app: Flask, **where: Any) -> list[Any]:
    pat = app.extensions["pat"]
    with app.app_context():
        table = pat.Token.__table__
        stmt = sa.select(table).where(*(table.c[k] == v for k, v in where.items()))
        return list(pat.db.session.execute(stmt).all())


def clients(app: Flask, user: Any, count: int) -> list[ApiClient]:
    """``count`` API clients signed in as ``user``, each with its own cookie jar."""
    made = []
    for _ in range(count):
        with app.app_context():
            made.append(ApiClient(sign_in(app, user), app.config["PAT_URL_PREFIX"]))
    return made


def post_in_own_context(app: Flask, api: ApiClient, body: dict[str, Any]) -> tuple[int, Any]:
    with app.app_context():
        response = api.post("/tokens", json=body)
        return response.status_code, response.get_json()


def test_one_name_created_20_times_at_once(server: str, app: Flask, user: Any) -> None:
    apis = clients(app, user, THREADS)
    for round_ in range(ROUNDS):
        name = f"Deploy {round_}"
        # The same name in other cases and with spaces: the same name to the rules.
        bodies = [
            {"name": [name, name.upper(), f" {name.lower()} "][i % 3]} for i in range(THREADS)
        ]
        results = race(
            [partial(post_in_own_context, app, a, b) for a, b in zip(apis, bodies, strict=True)]
        )
        statuses = Counter(status for status, _ in results)
        assert statuses == {201: 1, 409: THREADS - 1}, results
        assert {body["error"]["code"] for status, body in results if status == 409} == {"conflict"}
        assert len(rows(app, user_id=user.id, name_key=name.casefold())) == 1
    assert len(rows(app, user_id=user.id)) == ROUNDS


@pytest.mark.parametrize("limit", [7, 12])
def test_parallel_clients_never_pass_the_limit(
    server: str, app: Flask, user: Any, other_user: Any, limit: int
) -> None:
    app.config["PAT_MAX_TOKENS_PER_USER"] = limit
    apis = clients(app, user, THREADS)
    others = clients(app, other_user, 2)
    for round_ in range(ROUNDS):
        before = len(rows(app, user_id=user.id))
        calls = [
            partial(post_in_own_context, app, a, {"name": f"r{round_} t{i}"})
            for i, a in enumerate(apis)
        ]
        # Another user's creates run alongside: the limit is per user.
        calls += [
            partial(post_in_own_context, app, a, {"name": f"theirs {round_} {i}"})
            for i, a in enumerate(others)
        ]
        results = race(calls)
        mine, theirs = results[:THREADS], results[THREADS:]
        created = sum(1 for status, _ in mine if status == 201)
        assert created == max(0, limit - before), (before, mine)
        refused = {body["error"]["code"] for status, body in mine if status != 201}
        assert refused <= {"limit_reached"}, mine
        assert len(rows(app, user_id=user.id)) == min(limit, before + THREADS)
        assert all(status == 201 for status, _ in theirs), theirs
    assert len(rows(app, user_id=user.id)) == limit
    assert len(rows(app, user_id=other_user.id)) == 2 * ROUNDS


def test_parallel_revoke_rotate_and_delete_answer_as_documented(
    server: str, app: Flask, user: Any, make_token: Any
) -> None:
    """Every action at once on each of a few tokens, two rotations and two deletes among
    them: each answers as it would in some order (the token, 404 once deleted), never 500
    or 503; of the two deletes exactly one is 204, and of the two rotations at most one
    is 201 (the other 409, or 404 once deleted), one event each."""
    apis = clients(app, user, THREADS)
    actions = ["revoke", "rotate", "restore", "delete", "rotate", "delete"]
    per_token = len(actions)
    pat = app.extensions["pat"]

    def act(api: ApiClient, token_id: int, action: str) -> tuple[str, int]:
        with app.app_context():
            if action == "delete":
                return action, int(api.delete(f"/tokens/{token_id}").status_code)
            return action, int(api.post(f"/tokens/{token_id}/{action}").status_code)

    def events(token_id: int, event: str) -> int:
        with app.app_context():
            Event = pat.Event
            where = (Event.token_id == token_id, Event.event == event)
            return int(pat.db.session.scalar(sa.select(sa.func.count()).where(*where)))

    for round_ in range(ROUNDS):
        ids = [make_token(user, f"r{round_} t{i}")[0] for i in range(THREADS // per_token)]
        calls = [
            partial(act, api, ids[i // per_token], actions[i % per_token])
            for i, api in enumerate(apis[: len(ids) * per_token])
        ]
        results = race(calls)
        for index, token_id in enumerate(ids):
            mine = results[index * per_token : (index + 1) * per_token]
            by_action: dict[str, list[int]] = {}
            for action, status in mine:
                by_action.setdefault(action, []).append(status)
            assert sorted(by_action["delete"]) == [204, 404], mine
            assert set(by_action["revoke"] + by_action["restore"]) <= {200, 404}, mine
            rotations = by_action["rotate"]
            assert set(rotations) <= {201, 409, 404} and rotations.count(201) <= 1, mine
            assert events(token_id, "deleted") == 1
            assert events(token_id, "rotated") == rotations.count(201)
        assert rows(app, user_id=user.id) == []


# -- two gunicorn workers ---------------------------------------------------------------


@pytest.fixture
def gunicorn(server: str, app: Flask, tmp_path: Path) -> Iterator[str]:
    """The test host app under a real gunicorn with two workers; its base URL."""
    with servers.gunicorn(tmp_path, PAT_GUNICORN_DATABASE_URL=server) as base:
        yield base


def served_by(response: requests.Response) -> str:
    return response.headers["X-Worker-Pid"]


@pytest.mark.slow
def test_a_token_revoked_in_one_worker_is_refused_by_the_other(
    gunicorn: str, user: Any, make_token: Any
) -> None:
    token_id, secret = make_token(user, "shared")
    deadline = time.monotonic() + 90
    sent = 0

    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        nonlocal sent
        sent += 1
        assert sent <= 60 and time.monotonic() < deadline, "too many requests, or too long"
        # A new connection each time, so either worker may take it.
        kwargs.setdefault("headers", {})["Connection"] = "close"
        return requests.request(method, f"{gunicorn}{path}", timeout=10, **kwargs)

    def hold(into: list[requests.Response]) -> None:
        into.append(call("GET", "/whoami?hold=1", headers=bearer(secret)))

    def both_workers() -> list[requests.Response]:
        """Two token requests at once: one holds a worker, so the other gets the other."""
        for _ in range(10):
            held: list[requests.Response] = []
            thread = threading.Thread(target=hold, args=(held,))
            thread.start()
            time.sleep(0.3)
            quick = call("GET", "/whoami", headers=bearer(secret))
            thread.join(timeout=15)
            # Right after start, the second worker may still be booting: try again.
            if held and served_by(held[0]) != served_by(quick):
                return [held[0], quick]
        raise AssertionError("the second worker never answered")

    # Both workers accept the token first (and would have cached it, if anything did).
    assert [r.status_code for r in both_workers()] == [200, 200]

    session = requests.Session()
    assert session.post(f"{gunicorn}/test-login/{user.id}", timeout=10).status_code == 200
    csrf = session.get(f"{gunicorn}/settings/tokens/api/meta", timeout=10).json()["csrf_token"]
    revoked = session.post(
        f"{gunicorn}/settings/tokens/api/tokens/{token_id}/revoke",
        headers={"X-CSRF-Token": csrf},
        timeout=10,
    )
    session.close()
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"

    # The next request to each worker, the one that revoked and the other, is refused.
    after = both_workers()
    assert [r.status_code for r in after] == [401, 401]
    assert served_by(revoked) in {served_by(r) for r in after}
    notes = call("GET", "/notes", headers=bearer(secret))
    assert notes.status_code == 401
    assert 'error_description="The token has been revoked."' in notes.headers["WWW-Authenticate"]

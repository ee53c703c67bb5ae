"""Revoke-by-value's work runs off the request's connection: the next request on the same
keep-alive connection is answered at once, whatever the credentials were."""

from __future__ import annotations

import http.client
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from flask_pat.leaks import background
from tests import servers
from tests.conftest import bearer
from tests.test_security import token_row

REVOKE = "/settings/tokens/api/credentials/revoke"


def wait_for(condition: Any, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_the_next_request_on_the_connection_does_not_wait_for_the_revocation(
    database_url: str, app: Flask, user: Any, make_token: Any, tmp_path: Path
) -> None:
    """gunicorn's threaded worker keeps the connection alive; a slow ``token_leaked``
    receiver in the app holds the revocation until the test has seen the next request
    on that connection answered."""
    token_id, secret = make_token(user, "leaked")
    gate = tmp_path / "gate"
    options = ("--workers=1", "--worker-class=gthread", "--threads=2", "--keep-alive=30")
    with servers.gunicorn(
        tmp_path, options, PAT_GUNICORN_DATABASE_URL=database_url, PAT_GUNICORN_LEAK_GATE=str(gate)
    ) as base:
        try:
            port = int(base.rsplit(":", 1)[1])
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            body = json.dumps({"credentials": [secret]})
            connection.request("POST", REVOKE, body, {"Content-Type": "application/json"})
            answer = connection.getresponse()
            assert (answer.status, json.loads(answer.read())) == (202, {})
            assert answer.getheader("Connection", "").lower() != "close"
            wait_for(gate.with_suffix(".started").exists, "the revocation never started")
            # Same connection, while the revocation is still held.
            connection.request("GET", "/settings/tokens/api/openapi.json")
            following = connection.getresponse()
            following.read()
            assert following.status == 200
            assert not gate.exists()
            connection.close()
        finally:
            gate.touch()
        wait_for(lambda: token_row(app, token_id).revoked_reason == "leaked", "not revoked")
        with app.app_context():
            assert app.test_client().get("/whoami", headers=bearer(secret)).status_code == 401


@pytest.mark.parametrize("limit", [2])
def test_past_the_bound_the_work_is_done_after_the_answer_never_dropped(
    app: Flask, user: Any, make_token: Any, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    """A flood fills the queue: further revocations run as before, after their answer on
    the request's thread, and none is lost."""
    monkeypatch.setattr(background, "MAX_PENDING", limit)
    made = [make_token(user, f"t{i}") for i in range(limit + 3)]
    release = threading.Event()
    started = threading.Event()

    def hold_the_thread() -> None:
        started.set()
        release.wait(60)

    try:
        # The background thread is busy: what comes next waits in the queue.
        assert background.submit(app, hold_the_thread)
        assert started.wait(30)
        client = app.test_client()
        for _, secret in made:
            response = client.post(REVOKE, json={"credentials": [secret]})
            assert (response.status_code, response.get_json()) == (202, {})
            response.close()
        # The ones past the bound are revoked already; the queued ones once released.
        revoked = [token_row(app, token_id).revoked_reason for token_id, _ in made]
        assert revoked == [None] * (limit - 1) + ["leaked"] * 4
    finally:
        release.set()
    assert background.wait_idle(30)
    assert {token_row(app, token_id).revoked_reason for token_id, _ in made} == {"leaked"}

"""Leaked tokens: GitHub's signed secret scanning reports and revoke by value, with keys made
here, a real keys server on 127.0.0.1, real signatures, and a real gunicorn."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import secrets
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from flask_wtf.csrf import CSRFProtect

from flask_pat import signals, tokens
from flask_pat.context import utcnow
from flask_pat.leaks import background, github
from flask_pat.leaks import revoke as revoke_by_value
from tests.conftest import bearer
from tests.support import servers
from tests.support.github_keys import Key, KeysServer, serving, signed

PREFIX = "/settings/tokens/api"
GITHUB = f"{PREFIX}/leaks/github"
REVOKE = f"{PREFIX}/credentials/revoke"


# -- the keys server and its key --------------------------------------------------------


@pytest.fixture
def keys_server() -> Iterator[KeysServer]:
    server = KeysServer()
    server.keys.append(Key())
    yield server
    server.stop()


@pytest.fixture
def key(keys_server: KeysServer) -> Key:
    return keys_server.keys[0]


@pytest.fixture
def app_config(keys_server: KeysServer) -> dict[str, Any]:
    return {"PAT_SECRET_SCANNING_KEYS_URL": keys_server.url}


def report_of(*token_texts: str, url: str = "https://github.com/o/r/blob/1/a.py") -> list[Any]:
    return [
        {"token": text, "type": "flask_pat_token", "url": url, "source": "content"}
        for text in token_texts
    ]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def token_row(app: Flask, token_id: int) -> Any:
    pat = app.extensions["pat"]
    with app.app_context():
        table = pat.Token.__table__
        return pat.db.session.execute(sa.select(table).where(table.c.id == token_id)).one()


def leak_events(app: Flask) -> list[Any]:
    pat = app.extensions["pat"]
    with app.app_context():
        table = pat.Event.__table__
        statement = sa.select(table).where(table.c.event == "leaked").order_by(table.c.id)
        return list(pat.db.session.execute(statement).all())


def other_apps_token() -> str:
    """A well-formed token of another app (another prefix): not ours, whatever it holds."""
    return tokens.generate("other")


def broken_checksum(text: str) -> str:
    last = text[-1]
    return text[:-1] + ("A" if last != "A" else "B")


def insert_tokens(app: Flask, user: Any, count: int) -> list[tuple[int, str]]:
    """``count`` live tokens of ``user``, inserted in one statement; (id, secret) each."""
    pat = app.extensions["pat"]
    prefix = app.config["PAT_TOKEN_PREFIX"]
    made = [tokens.generate(prefix) for _ in range(count)]
    tag = secrets.token_hex(4)
    with app.app_context():
        now = utcnow()
        table = pat.Token.__table__
        pat.db.session.execute(
            table.insert(),
            [
                {
                    "user_id": user.id,
                    "name": f"bulk {tag} {i}",
                    "name_key": f"bulk {tag} {i}",
                    "token_hash": tokens.digest(text),
                    "last4": tokens.last4(text),
                    "scope_text": "",
                    "created_at": now,
                    "expires_at": now + timedelta(days=30),
                    "lifetime_seconds": 30 * 86400,
                }
                for i, text in enumerate(made)
            ],
        )
        pat.db.session.commit()
        ids = dict(
            pat.db.session.execute(
                sa.select(table.c.token_hash, table.c.id).where(
                    table.c.token_hash.in_([tokens.digest(t) for t in made])
                )
            ).all()
        )
    return [(ids[tokens.digest(text)], text) for text in made]


@pytest.fixture
def caught() -> Iterator[dict[str, list[dict[str, Any]]]]:
    """The ``token_leaked`` and ``token_revoked`` signals sent during the test."""
    seen: dict[str, list[dict[str, Any]]] = {"leaked": [], "revoked": []}

    def on_leaked(sender: Any, **kwargs: Any) -> None:
        seen["leaked"].append(kwargs)

    def on_revoked(sender: Any, **kwargs: Any) -> None:
        seen["revoked"].append(kwargs)

    signals.token_leaked.connect(on_leaked)
    signals.token_revoked.connect(on_revoked)
    yield seen
    signals.token_leaked.disconnect(on_leaked)
    signals.token_revoked.disconnect(on_revoked)


# -- GitHub's reports ---------------------------------------------------------------------


def test_a_signed_report_revokes_this_apps_tokens_and_labels_every_entry(
    app: Flask,
    user: Any,
    other_user: Any,
    make_token: Any,
    key: Key,
    keys_server: KeysServer,
    caught: dict[str, list[dict[str, Any]]],
) -> None:
    live_id, live = make_token(user, "live")
    theirs_id, theirs = make_token(other_user, "theirs")
    owner_revoked_id, owner_revoked = make_token(user, "revoked by me")
    untouched_id, untouched = make_token(user, "not reported")
    client = app.test_client()
    sign_in_client = app.test_client()
    sign_in_client.post(f"/test-login/{user.id}")
    csrf = sign_in_client.get(f"{PREFIX}/meta").get_json()["csrf_token"]
    revoked = sign_in_client.post(
        f"{PREFIX}/tokens/{owner_revoked_id}/revoke", headers={"X-CSRF-Token": csrf}
    )
    assert revoked.get_json()["status"] == "revoked"
    assert token_row(app, owner_revoked_id).revoked_reason == "user"
    unknown = tokens.generate("pat")  # well-formed, but this app never made it
    foreign = other_apps_token()
    garbage = ["", "hello", "pat_", "x" * 300, broken_checksum(live)]
    texts = [live, theirs, foreign, unknown, owner_revoked, *garbage, live]
    body, headers = signed(report_of(*texts), key)

    response = client.post(
        GITHUB, data=body, headers={**headers, "User-Agent": "GitHub-Hookshot/secret-scanning"}
    )

    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert [entry["token_hash"] for entry in answer] == [sha(t) for t in texts]
    assert {entry["token_type"] for entry in answer} == {"flask_pat_token"}
    labels = [entry["label"] for entry in answer]
    assert labels == ["true_positive", "true_positive", "false_positive", "false_positive"] + [
        "true_positive"
    ] + ["false_positive"] * len(garbage) + ["true_positive"]

    for token_id in (live_id, theirs_id, owner_revoked_id):
        row = token_row(app, token_id)
        assert row.revoked_at is not None and row.revoked_reason == "leaked"
    assert token_row(app, untouched_id).revoked_at is None
    # Revoked at once: the next request with the token is refused.
    refused = client.get("/notes", headers=bearer(live))
    assert refused.status_code == 401
    assert "revoked" in refused.headers["WWW-Authenticate"]
    assert client.get("/whoami", headers=bearer(untouched)).status_code == 200
    # The owner cannot restore a leaked token, even one they had revoked themselves.
    restore = sign_in_client.post(
        f"{PREFIX}/tokens/{owner_revoked_id}/restore", headers={"X-CSRF-Token": csrf}
    )
    assert restore.status_code == 409
    assert restore.get_json()["error"]["code"] == "not_restorable"

    # One event per token, reported twice or not; its detail says where it leaked.
    events = leak_events(app)
    assert sorted(e.token_id for e in events) == sorted([live_id, theirs_id, owner_revoked_id])
    detail = json.loads(next(e for e in events if e.token_id == live_id).detail_text)
    assert detail == {
        "reason": "leaked",
        "source": "github",
        "url": "https://github.com/o/r/blob/1/a.py",
        "location": "content",
    }
    assert {e.actor for e in events} == {"system"}
    # Where the report came from, as for any event recorded in a request.
    assert {(e.ip, e.user_agent) for e in events} == {
        ("127.0.0.1", "GitHub-Hookshot/secret-scanning")
    }
    assert sorted(s["token"].id for s in caught["leaked"]) == sorted(
        [live_id, theirs_id, owner_revoked_id]
    )
    owners = {live_id: user.id, theirs_id: other_user.id, owner_revoked_id: user.id}
    assert {s["token"].id: s["user"].id for s in caught["leaked"]} == owners
    assert {(s["source"], s["url"]) for s in caught["leaked"]} == {
        ("github", "https://github.com/o/r/blob/1/a.py")
    }
    # token_revoked for the two that were working; the owner's revocation was sent before.
    assert sorted(s["token"].id for s in caught["revoked"]) == sorted(
        [live_id, theirs_id, owner_revoked_id]
    )
    assert {s["by"] for s in caught["revoked"][-2:]} == {"system"}
    system = {s["token"].id: s["user"].id for s in caught["revoked"][-2:]}
    assert system == {live_id: user.id, theirs_id: other_user.id}

    # The same report again: the same labels, nothing recorded twice.
    again = client.post(GITHUB, data=body, headers=headers)
    assert [e["label"] for e in again.get_json()] == labels
    assert len(leak_events(app)) == 3
    assert keys_server.accepts == ["application/json"]  # fetched once, asking for JSON


@pytest.mark.parametrize(
    "tamper",
    [
        "missing headers",
        "no signature",
        "body re-serialised",
        "signed by another key",
        "not base64",
        "unknown key id",
    ],
)
def test_a_report_without_a_good_signature_changes_nothing(
    app: Flask, user: Any, make_token: Any, key: Key, keys_server: KeysServer, tamper: str
) -> None:
    token_id, secret = make_token(user)
    entries = report_of(secret)
    body, headers = signed(entries, key)
    if tamper == "missing headers":
        headers = {"Content-Type": "application/json"}
    elif tamper == "no signature":
        del headers["Github-Public-Key-Signature"]
    elif tamper == "body re-serialised":
        # The same JSON, written another way: the signature is over the exact bytes.
        body = json.dumps(entries, indent=2).encode()
    elif tamper == "signed by another key":
        headers["Github-Public-Key-Signature"] = Key().sign(body)
    elif tamper == "not base64":
        headers["Github-Public-Key-Signature"] = "%%%not base64%%%"
    elif tamper == "unknown key id":
        headers["Github-Public-Key-Identifier"] = "f" * 64

    response = app.test_client().post(GITHUB, data=body, headers=headers)

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_signature"
    assert token_row(app, token_id).revoked_at is None
    assert leak_events(app) == []
    if tamper in ("missing headers", "no signature"):
        assert keys_server.fetches == 0  # refused before anything reached the network


def test_header_names_are_case_insensitive(
    app: Flask, user: Any, make_token: Any, key: Key
) -> None:
    client = app.test_client()
    for case in (str.lower, str.upper):
        token_id, secret = make_token(user, f"t {case.__name__}")
        body, headers = signed(report_of(secret), key)
        response = client.post(GITHUB, data=body, headers={case(k): v for k, v in headers.items()})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()[0]["label"] == "true_positive"
        assert token_row(app, token_id).revoked_reason == "leaked"


def test_an_unknown_key_id_fetches_the_rotated_keys_but_never_more_than_5_times_a_minute(
    app: Flask,
    user: Any,
    make_token: Any,
    key: Key,
    keys_server: KeysServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = app.test_client()
    first_id, first = make_token(user, "first")
    body, headers = signed(report_of(first), key)
    assert client.post(GITHUB, data=body, headers=headers).status_code == 200
    # Kept: the next report with a known key fetches nothing.
    _, second = make_token(user, "second")
    body, headers = signed(report_of(second), key)
    assert client.post(GITHUB, data=body, headers=headers).status_code == 200
    assert keys_server.fetches == 1

    # GitHub rotates its keys: a report signed with the new one makes the receiver fetch
    # the keys again, once.
    rotated = Key()
    keys_server.keys = [rotated, key]
    third_id, third = make_token(user, "third")
    body, headers = signed(report_of(third), rotated)
    response = client.post(GITHUB, data=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert token_row(app, third_id).revoked_reason == "leaked"
    assert keys_server.fetches == 2

    # A stream of made-up key ids: at most 5 fetches in the minute, then 503 without one.
    statuses = []
    for _ in range(20):
        body, headers = signed(report_of(third), Key())
        statuses.append(client.post(GITHUB, data=body, headers=headers).status_code)
    assert keys_server.fetches == github.MAX_FETCHES
    assert statuses[: github.MAX_FETCHES - 2] == [400] * (github.MAX_FETCHES - 2)
    assert set(statuses[github.MAX_FETCHES - 2 :]) == {503}
    # The operator learns why once, not once per refused report.
    warned = [r.getMessage() for r in caplog.records if "fetched too often" in r.getMessage()]
    assert warned == [
        "flask-pat: the leak reports' signing keys are unavailable:"
        " the keys were fetched too often in the last minute"
    ]
    # A known key still works meanwhile: no fetch needed.
    _, fourth = make_token(user, "fourth")
    body, headers = signed(report_of(fourth), rotated)
    assert client.post(GITHUB, data=body, headers=headers).status_code == 200
    assert keys_server.fetches == github.MAX_FETCHES


def test_keys_are_kept_30_minutes_at_most() -> None:
    """The key ring on its own, with a clock that can be moved: kept, then fetched again."""
    now = [1000.0]
    documents: list[Any] = []
    first = Key()

    def fetch(url: str) -> Any:
        documents.append(url)
        return {"public_keys": [{"key_identifier": first.id, "key": first.pem()}]}

    ring = github.KeyRing("https://keys.example", fetch=fetch, clock=lambda: now[0])
    body = b"[]"
    ring.verify(body, first.id, first.sign(body))
    now[0] += github.KEYS_MAX_AGE - 1
    ring.verify(body, first.id, first.sign(body))
    assert len(documents) == 1
    now[0] += 1  # exactly KEYS_MAX_AGE after the fetch: stale
    ring.verify(body, first.id, first.sign(body))
    assert len(documents) == 2


def test_unknown_key_ids_fetch_5_times_a_minute_and_again_a_minute_later() -> None:
    """The key ring on its own: the sixth fetch within FETCH_WINDOW seconds is refused,
    saying why; one FETCH_WINDOW after the first, fetching is allowed again."""
    now = [1000.0]
    fetched: list[str] = []

    def fetch(url: str) -> Any:
        fetched.append(url)
        return {"public_keys": []}

    ring = github.KeyRing("https://keys.example", fetch=fetch, clock=lambda: now[0])
    for _ in range(github.MAX_FETCHES):
        with pytest.raises(github.BadSignature):
            ring.key(secrets.token_hex(8))
    with pytest.raises(github.KeysUnavailable, match="fetched too often"):
        ring.key(secrets.token_hex(8))
    assert len(fetched) == github.MAX_FETCHES
    now[0] += github.FETCH_WINDOW
    with pytest.raises(github.BadSignature):
        ring.key(secrets.token_hex(8))
    assert len(fetched) == github.MAX_FETCHES + 1


def test_keys_server_down_answers_503_and_revokes_nothing(
    app: Flask, user: Any, make_token: Any, key: Key, keys_server: KeysServer
) -> None:
    keys_server.stop()
    token_id, secret = make_token(user)
    body, headers = signed(report_of(secret), key)
    response = app.test_client().post(GITHUB, data=body, headers=headers)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    assert response.headers["Retry-After"]
    assert token_row(app, token_id).revoked_at is None
    assert leak_events(app) == []


@pytest.mark.parametrize(
    ("document", "logged"),
    [
        (b"not json", "the keys document at {url} is not JSON"),
        (b'{"keys": []}', "the keys document has no public_keys list"),
        (b'[{"public_keys": []}]', "the keys document has no public_keys list"),
        (b'{"public_keys": [{"key_identifier": "a", "key": "x"}]}', None),
    ],
)
def test_a_broken_keys_document_is_never_trusted(
    app: Flask,
    user: Any,
    make_token: Any,
    key: Key,
    document: bytes,
    logged: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with serving([document]) as url:
        app.config["PAT_SECRET_SCANNING_KEYS_URL"] = url
        token_id, secret = make_token(user)
        body, headers = signed(report_of(secret), key)
        response = app.test_client().post(GITHUB, data=body, headers=headers)
        assert response.status_code in (400, 503)
        assert token_row(app, token_id).revoked_at is None
        if logged is not None:
            # The operator reads why the keys cannot be used.
            warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
            prefix = "flask-pat: the leak reports' signing keys are unavailable: "
            assert prefix + logged.format(url=url) in warnings, warnings


def test_only_p256_keys_of_well_formed_entries_are_kept(key: Key) -> None:
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    p384_pem = p384.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    good = {"key_identifier": key.id, "key": key.pem()}
    # Each kind of bad entry comes before a good one, which is still read.
    for bad in (
        "not an object",
        {"key_identifier": "no key"},
        {"key": key.pem()},
        {"key_identifier": 7, "key": key.pem()},
        {"key_identifier": "not pem", "key": "-----BEGIN PUBLIC KEY-----\nxx"},
        {"key_identifier": "p384", "key": p384_pem},
    ):
        assert set(github.parse_keys({"public_keys": [bad, good]})) == {key.id}, bad


def test_a_signature_with_characters_outside_base64_is_refused(key: Key) -> None:
    body = b"[]"
    good = key.sign(body)
    github.check_signature(key.private.public_key(), body, good)
    for bad in (f"{good[:8]}!{good[8:]}", f"{good[:8]} {good[8:]}", f"{good}*"):
        with pytest.raises(github.BadSignature):
            github.check_signature(key.private.public_key(), body, bad)


def test_a_keys_url_that_is_not_http_is_never_read(
    app: Flask,
    user: Any,
    make_token: Any,
    key: Key,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"public_keys": [{"key_identifier": key.id, "key": key.pem()}]}))
    app.config["PAT_SECRET_SCANNING_KEYS_URL"] = keys.as_uri()
    token_id, secret = make_token(user)
    body, headers = signed(report_of(secret), key)
    response = app.test_client().post(GITHUB, data=body, headers=headers)
    assert response.status_code == 503
    assert token_row(app, token_id).revoked_at is None
    assert "must be http or https" in caplog.text


@pytest.mark.parametrize("url", ["https://127.0.0.1:9/keys", "HTTPS://127.0.0.1:9/keys"])
def test_an_https_keys_url_is_fetched(url: str) -> None:
    # Nothing listens on port 9: the fetch is tried, and fails as a fetch.
    with pytest.raises(github.KeysUnavailable, match="cannot fetch"):
        github.fetch_keys_document(url)


@pytest.mark.parametrize("keys_url", [None, ""])
def test_without_a_keys_url_the_route_is_not_there_and_nothing_is_fetched(
    app: Flask, user: Any, make_token: Any, key: Key, keys_server: KeysServer, keys_url: Any
) -> None:
    app.config["PAT_SECRET_SCANNING_KEYS_URL"] = keys_url
    token_id, secret = make_token(user)
    body, headers = signed(report_of(secret), key)
    response = app.test_client().post(GITHUB, data=body, headers=headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert keys_server.fetches == 0
    assert token_row(app, token_id).revoked_at is None


def test_a_body_over_1_mib_is_refused_before_it_is_read(
    app: Flask, user: Any, make_token: Any, key: Key, keys_server: KeysServer
) -> None:
    token_id, secret = make_token(user)
    entries = report_of(secret) + [{"token": "x" * 1000, "type": "padding"}] * 1100
    body, headers = signed(entries, key)
    assert len(body) > 1024 * 1024
    response = app.test_client().post(GITHUB, data=body, headers=headers)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert token_row(app, token_id).revoked_at is None
    assert keys_server.fetches == 0
    # Just under the limit is read, checked and answered.
    entries = report_of(secret) + [{"token": "x" * 1000, "type": "padding"}] * 1000
    body, headers = signed(entries, key)
    assert len(body) < 1024 * 1024
    response = app.test_client().post(GITHUB, data=body, headers=headers)
    assert response.status_code == 200
    assert token_row(app, token_id).revoked_reason == "leaked"


def test_a_body_without_a_length_is_read_no_further_than_the_limit(
    app: Flask, user: Any, make_token: Any, key: Key, keys_server: KeysServer
) -> None:
    """Chunked: no Content-Length to refuse early, so reading stops once past 1 MiB."""
    token_id, secret = make_token(user)
    body, headers = signed(report_of(secret), key)
    stream = io.BytesIO(body + b" " * (2 * 1024 * 1024))
    response = app.test_client().post(
        GITHUB,
        input_stream=stream,
        headers={**headers, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert stream.tell() <= 1024 * 1024 + 64 * 1024
    assert token_row(app, token_id).revoked_at is None
    assert keys_server.fetches == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b'{"token": "x"}', 422),
        (b'[{"token": 1, "type": "t"}]', 422),
        (b'[{"token": "pat_x"}]', 422),
        (b"[1, 2]", 422),
    ],
)
def test_a_signed_body_of_the_wrong_shape_is_refused(
    app: Flask, key: Key, body: bytes, status: int
) -> None:
    headers = {
        "Github-Public-Key-Identifier": key.id,
        "Github-Public-Key-Signature": key.sign(body),
    }
    response = app.test_client().post(GITHUB, data=body, headers=headers)
    assert response.status_code == status
    assert response.is_json


def test_1000_reported_tokens_are_answered_quickly(
    app: Flask, user: Any, key: Key, caught: dict[str, list[dict[str, Any]]]
) -> None:
    """One query finds the whole batch; a few statements write it, whatever its size."""
    made = insert_tokens(app, user, 1000)
    body, headers = signed(report_of(*(text for _, text in made)), key)
    client = app.test_client()
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.lstrip().split(None, 1)[0].upper())

    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        started = time.perf_counter()
        response = client.post(GITHUB, data=body, headers=headers)
        elapsed = time.perf_counter() - started
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    print(f"\n1,000 reported tokens answered in {elapsed:.3f} s on {engine.dialect.name}")
    assert response.status_code == 200
    assert {entry["label"] for entry in response.get_json()} == {"true_positive"}
    assert len(leak_events(app)) == 1000
    assert len(caught["leaked"]) == 1000
    assert statements.count("SELECT") == 1, statements
    assert len(statements) < 10, statements
    assert elapsed < 10


def test_no_sign_in_and_no_csrf_even_under_the_hosts_csrfprotect(
    host_app: Callable[..., Any], keys_server: KeysServer, key: Key
) -> None:
    app, _, pat, User = host_app(PAT_SECRET_SCANNING_KEYS_URL=keys_server.url)
    CSRFProtect(app)
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        user = User(email="csrf@example.com")
        pat.db.session.add(user)
        pat.db.session.commit()
        one, first = __import__("flask_pat").service.create(user, "one")
        two, second = __import__("flask_pat").service.create(user, "two")
        ids = (one.id, two.id)
    client = app.test_client()
    # The host's own forms are still protected.
    assert client.post("/notes").status_code in (400, 401)
    body, headers = signed(report_of(first), key)
    assert client.post(GITHUB, data=body, headers=headers).status_code == 200
    response = client.post(REVOKE, json={"credentials": [second]})
    assert response.status_code == 202
    response.close()
    assert background.wait_idle(30)
    assert token_row(app, ids[0]).revoked_reason == "leaked"
    assert token_row(app, ids[1]).revoked_reason == "leaked"


def test_a_signed_in_session_or_a_token_needs_no_csrf_token_here(
    app: Flask, user: Any, make_token: Any, key: Key
) -> None:
    """No ambient authority is used: a session cookie without X-CSRF-Token, or a token
    that may not manage tokens, is neither needed nor refused."""
    _, first = make_token(user, "first")
    _, second = make_token(user, "second")
    _, third = make_token(user, "third")
    session = app.test_client()
    assert session.post(f"/test-login/{user.id}").status_code == 200
    response = session.post(REVOKE, json={"credentials": [first]})
    response.close()
    assert background.wait_idle(30)
    assert response.status_code == 202
    body, headers = signed(report_of(second), key)
    assert session.post(GITHUB, data=body, headers=headers).status_code == 200
    response = app.test_client().post(REVOKE, json={"credentials": [third]}, headers=bearer(third))
    response.close()
    assert background.wait_idle(30)
    assert response.status_code == 202
    for secret in (first, second, third):
        assert app.test_client().get("/notes", headers=bearer(secret)).status_code == 401


def test_the_openapi_document_describes_the_leak_routes(app: Flask) -> None:
    document = app.test_client().get(f"{PREFIX}/openapi.json").get_json()
    github = document["paths"][GITHUB]["post"]
    assert github["security"] == []
    assert set(github["responses"]) >= {"200", "400", "404", "413", "503"}
    revoke = document["paths"][REVOKE]["post"]
    assert revoke["responses"]["202"]
    assert (
        revoke["requestBody"]["content"]["application/json"]["schema"]["properties"]["credentials"][
            "maxItems"
        ]
        == 1000
    )


# -- revoke by value ----------------------------------------------------------------------


def revoke(client: Any, credentials: Any) -> Any:
    """POST credentials, and wait until the background thread has done the revocation."""
    response = client.post(REVOKE, json={"credentials": credentials})
    response.close()
    assert background.wait_idle(30)
    return response


def test_one_credential_is_revoked_as_leaked(
    app: Flask, user: Any, make_token: Any, caught: dict[str, list[dict[str, Any]]]
) -> None:
    token_id, secret = make_token(user)
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "leak-reporter/1.0"
    response = revoke(client, [secret])
    assert response.status_code == 202
    assert response.get_json() == {}
    row = token_row(app, token_id)
    assert row.revoked_reason == "leaked"
    (event,) = leak_events(app)
    assert json.loads(event.detail_text) == {"reason": "leaked", "source": "revoke-endpoint"}
    assert (event.ip, event.user_agent) == ("127.0.0.1", "leak-reporter/1.0")
    assert [(s["token"].id, s["user"].id, s["source"], s["url"]) for s in caught["leaked"]] == [
        (token_id, user.id, "revoke-endpoint", None)
    ]
    assert client.get("/whoami", headers=bearer(secret)).status_code == 401


def test_only_well_formed_tokens_of_this_app_reach_the_database(app: Flask) -> None:
    ours = tokens.generate("pat")
    texts = [ours, "garbage", "pat_short", broken_checksum(ours), other_apps_token()]
    with app.app_context():
        assert revoke_by_value.digests(texts) == {sha(ours): ours}


def test_1000_credentials_are_revoked_and_1001_refused(app: Flask, user: Any) -> None:
    made = insert_tokens(app, user, 500)
    noise = [tokens.generate("pat") for _ in range(300)] + [other_apps_token()] * 100
    noise += ["garbage"] * 100
    credentials = [text for _, text in made] + noise
    assert len(credentials) == 1000
    client = app.test_client()
    response = revoke(client, credentials)
    assert response.status_code == 202
    assert response.get_json() == {}
    assert len(leak_events(app)) == 500
    assert {token_row(app, token_id).revoked_reason for token_id, _ in made[::50]} == {"leaked"}

    too_many = revoke(client, [*credentials, "one more"])
    assert too_many.status_code == 422
    assert too_many.get_json()["error"]["code"] == "invalid"


@pytest.mark.parametrize(
    "body",
    [
        {"credentials": []},
        {"credentials": ["x"] * 1001},
        {"credentials": [1]},
        {"credentials": ["pat_x", None]},
        {"credentials": "pat_x"},
        {"credential": ["pat_x"]},
        {"credentials": ["pat_x"], "more": 1},
        ["pat_x"],
    ],
)
def test_a_malformed_revoke_request_is_422_and_changes_nothing(
    app: Flask, user: Any, make_token: Any, body: Any
) -> None:
    token_id, secret = make_token(user)
    if isinstance(body, dict) and isinstance(body.get("credentials"), list) and body["credentials"]:
        # The token is named too: refused all the same.
        body = {**body, "credentials": [*body["credentials"], secret]}
    response = app.test_client().post(REVOKE, json=body)
    response.close()
    assert background.wait_idle(30)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid"
    assert token_row(app, token_id).revoked_at is None


def test_not_json_is_400(app: Flask) -> None:
    client = app.test_client()
    assert client.post(REVOKE, data="credentials=pat_x").status_code == 400
    assert (
        client.post(REVOKE, data="{", headers={"Content-Type": "application/json"}).status_code
        == 400
    )


def test_the_answer_tells_nothing_of_whether_a_credential_was_a_token(
    app: Flask, user: Any
) -> None:
    """Same status, body and headers; response times from the same distribution."""
    samples = 40
    made = [text for _, text in insert_tokens(app, user, samples)]
    strangers = [tokens.generate("pat") for _ in range(samples)]
    client = app.test_client()
    times: dict[str, list[float]] = {"existing": [], "unknown": []}
    answers: set[tuple[int, bytes, tuple[tuple[str, str], ...]]] = set()
    # Interleaved, each kind first in turn, so drift in the machine's load and the work
    # left by the previous request touch both alike.
    for index, (existing, unknown) in enumerate(zip(made, strangers, strict=True)):
        pair = [("existing", existing), ("unknown", unknown)]
        for kind, text in pair if index % 2 else pair[::-1]:
            started = time.perf_counter()
            response = client.post(REVOKE, json={"credentials": [text]})
            times[kind].append(time.perf_counter() - started)
            answers.add(
                (
                    response.status_code,
                    response.get_data(),
                    tuple(sorted((k, v) for k, v in response.headers if k != "Date")),
                )
            )
            response.close()
    assert background.wait_idle(30)
    assert len(answers) == 1
    assert len(leak_events(app)) == samples
    medians = {kind: statistics.median(values) for kind, values in times.items()}
    print(
        "\nrevoke answer medians: existing {existing:.6f} s, unknown {unknown:.6f} s".format(
            **medians
        )
    )
    # Same distribution: the medians within noise, and neither kind mostly the slower.
    slower = sum(a > b for a, b in zip(times["existing"], times["unknown"], strict=True))
    assert abs(medians["existing"] - medians["unknown"]) < 0.25 * max(medians.values()) + 5e-4
    assert samples * 0.15 < slower < samples * 0.85


# -- a real gunicorn ----------------------------------------------------------------------


@pytest.fixture
def gunicorn(
    database_url: str, app: Flask, keys_server: KeysServer, tmp_path: Path
) -> Iterator[str]:
    """The test host app under a real gunicorn with two workers, enrolled with the keys
    server; its base URL."""
    with servers.gunicorn(
        tmp_path, PAT_GUNICORN_DATABASE_URL=database_url, PAT_GUNICORN_KEYS_URL=keys_server.url
    ) as base:
        yield base


@pytest.mark.slow
def test_gunicorn_refuses_a_leaked_token_right_after_the_report(
    gunicorn: str, user: Any, make_token: Any, key: Key
) -> None:
    _, reported = make_token(user, "reported")
    _, by_value = make_token(user, "by value")

    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        # A new connection each time, so either worker may take it.
        kwargs.setdefault("headers", {})["Connection"] = "close"
        return requests.request(method, f"{gunicorn}{path}", timeout=10, **kwargs)

    for secret in (reported, by_value):
        for _ in range(4):
            assert call("GET", "/whoami", headers=bearer(secret)).status_code == 200

    body, headers = signed(report_of(reported), key)
    answer = call("POST", GITHUB, data=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()[0]["label"] == "true_positive"
    accepted = call("POST", REVOKE, json={"credentials": [by_value]})
    assert accepted.status_code == 202

    # The report revokes before it answers; revoking by value runs on a background thread
    # once answered: allow it that moment.
    deadline = time.monotonic() + 5
    while call("GET", "/notes", headers=bearer(by_value)).status_code != 401:
        assert time.monotonic() < deadline, "the credential was not revoked"
        time.sleep(0.05)
    # Every following request is refused, by either worker: one request holds a worker
    # while another goes to the other.
    for secret in (reported, by_value):
        workers: set[str] = set()
        for _ in range(10):
            held: list[requests.Response] = []
            thread = threading.Thread(
                target=lambda s=secret, into=held: into.append(
                    call("GET", "/notes?hold=1", headers=bearer(s))
                )
            )
            thread.start()
            time.sleep(0.3)
            quick = call("GET", "/notes", headers=bearer(secret))
            thread.join(timeout=15)
            for refused in (*held, quick):
                assert refused.status_code == 401
                assert "revoked" in refused.headers["WWW-Authenticate"]
                workers.add(refused.headers["X-Worker-Pid"])
            if len(workers) == 2:
                break
        assert len(workers) == 2, "the second worker never answered"

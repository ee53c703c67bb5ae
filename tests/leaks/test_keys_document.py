"""The limits on reading GitHub's keys document, against real keys servers on 127.0.0.1:
at most 1 MiB however it is sent, within an overall deadline however slowly it comes, and
never waiting longer than the read timeout for a server that stops answering."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from flask import Flask

from flask_pat.leaks import github
from tests.leaks.test_leaks import GITHUB, leak_events, report_of, token_row
from tests.support.github_keys import Key, serving, signed

MIB = github.MAX_KEYS_DOCUMENT


def document(key: Key, size: int) -> bytes:
    """A keys document naming ``key``, padded with spaces to ``size`` bytes."""
    text = json.dumps({"public_keys": [{"key_identifier": key.id, "key": key.pem()}]}).encode()
    return text + b" " * (size - len(text))


def parts_of(data: bytes, size: int) -> list[bytes]:
    return [data[start : start + size] for start in range(0, len(data), size)]


@pytest.fixture
def app_config() -> dict[str, Any]:
    # The route is there; each test points it at its own keys server.
    return {"PAT_SECRET_SCANNING_KEYS_URL": "http://127.0.0.1:9/keys"}


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "until-close"])
def test_a_keys_document_of_exactly_1_mib_in_parts_is_read_whole(length: bool) -> None:
    key = Key()
    with serving(parts_of(document(key, MIB), 50_000), length=length) as url:
        assert set(github.parse_keys(github.fetch_keys_document(url))) == {key.id}


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "until-close"])
def test_a_keys_document_one_byte_over_1_mib_in_parts_is_refused(length: bool) -> None:
    key = Key()
    with serving(parts_of(document(key, MIB + 1), 50_000), length=length) as url:
        message = f"the keys document at {url} is too large"
        with pytest.raises(github.KeysUnavailable, match=re.escape(message)):
            github.fetch_keys_document(url)


def test_an_oversized_keys_document_is_503_and_the_operator_reads_why(
    app: Flask, user: Any, make_token: Any, caplog: pytest.LogCaptureFixture
) -> None:
    key = Key()
    token_id, secret = make_token(user)
    body, headers = signed(report_of(secret), key)
    with serving(parts_of(document(key, 4 * MIB), 50_000), length=False) as url:
        app.config["PAT_SECRET_SCANNING_KEYS_URL"] = url
        response = app.test_client().post(GITHUB, data=body, headers=headers)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    assert token_row(app, token_id).revoked_at is None
    assert leak_events(app) == []
    assert (
        "flask-pat: the leak reports' signing keys are unavailable: "
        f"the keys document at {url} is too large"
    ) in caplog.text


def test_a_keys_server_that_dribbles_is_given_up_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every byte comes well within the read timeout, so only the overall deadline can end
    the fetch: the whole document would take 10 seconds."""
    monkeypatch.setattr(github, "FETCH_TIMEOUT", 0.5)
    key = Key()
    with serving(parts_of(document(key, 2000), 10), pause=0.05) as url:
        started = time.monotonic()
        message = f"the keys document at {url} took too long"
        with pytest.raises(github.KeysUnavailable, match=re.escape(message)):
            github.fetch_keys_document(url)
        assert time.monotonic() - started < 3


def test_a_keys_server_that_stops_answering_is_given_up_after_the_read_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(github, "FETCH_TIMEOUT", 0.5)
    with serving([], stall=5) as url:
        started = time.monotonic()
        with pytest.raises(
            github.KeysUnavailable, match=f"cannot fetch {re.escape(url)}: timed out"
        ):
            github.fetch_keys_document(url)
        assert time.monotonic() - started < 3

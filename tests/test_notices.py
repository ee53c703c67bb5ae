"""``flask pat notify`` (expiry notices, once per token and threshold, even when two runs
overlap) and ``flask pat prune`` of old audit events, with ``--dry-run``."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from click.testing import Result
from flask import Flask

from flask_pat import service, signals
from tests.conftest import require_server

START = datetime(2031, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def cli(app: Flask) -> Callable[..., Result]:
    runner = app.test_cli_runner()

    def invoke(*args: str) -> Result:
        with app.app_context():
            return runner.invoke(args=["pat", *args])

    return invoke


@pytest.fixture
def notices(app: Flask) -> Iterator[list[dict[str, Any]]]:
    sent: list[dict[str, Any]] = []
    lock = threading.Lock()

    def receiver(sender: Any, **kwargs: Any) -> None:
        with lock:
            sent.append(
                {
                    "token": kwargs["token"].id,
                    "user": kwargs["user"].email,
                    "days_left": kwargs["days_left"],
                }
            )

    with signals.token_expiring.connected_to(receiver, app):
        yield sent


def events_of(app: Flask, event: str) -> list[tuple[int, str, dict[str, Any]]]:
    pat = app.extensions["pat"]
    with app.app_context():
        Event = pat.Event
        rows = pat.db.session.scalars(
            sa.select(Event).where(Event.event == event).order_by(Event.id)
        ).all()
        return [(e.token_id, e.actor, e.detail) for e in rows]


def make(app: Flask, owner: Any, name: str, days: float | None) -> int:
    with app.app_context():
        token, _ = service.create(
            owner, name, ("never", None) if days is None else ("minutes", int(days * 1440))
        )
        return int(token.id)


def test_each_threshold_is_notified_once(
    app: Flask, clock: Any, user: Any, cli: Any, notices: list[dict[str, Any]]
) -> None:
    soon = make(app, user, "soon", 40)
    make(app, user, "later", 100)
    make(app, user, "never", None)
    result = cli("notify")
    assert (result.exit_code, result.stdout) == (0, "Sent 0 notices.\n")

    clock.shift(timedelta(days=10, minutes=1))  # 29.99 days left: the 30-day notice
    assert cli("notify", "--dry-run").stdout == "1 notice is due.\n"
    assert notices == []
    assert cli("notify").stdout == "Sent 1 notice.\n"
    assert cli("notify").stdout == "Sent 0 notices.\n"
    assert notices == [{"token": soon, "user": "ada@example.com", "days_left": 30}]

    clock.shift(timedelta(days=23))  # 6.99 days left: the 7-day one
    cli("notify")
    clock.shift(timedelta(days=6))  # 0.99: the 1-day one
    cli("notify")
    cli("notify")
    clock.shift(timedelta(days=1))  # expired: nothing more
    assert cli("notify").stdout == "Sent 0 notices.\n"
    assert [n["days_left"] for n in notices] == [30, 7, 1]
    assert events_of(app, "expiry_notice") == [
        (soon, "system", {"days_left": 30}),
        (soon, "system", {"days_left": 7}),
        (soon, "system", {"days_left": 1}),
    ]


def test_a_short_lived_token_gets_one_notice_for_the_smallest_threshold(
    app: Flask, clock: Any, user: Any, cli: Any, notices: list[dict[str, Any]]
) -> None:
    short = make(app, user, "short", 5)
    assert cli("notify").stdout == "Sent 1 notice.\n"
    assert notices == [{"token": short, "user": "ada@example.com", "days_left": 5}]
    clock.shift(timedelta(days=3))
    assert cli("notify").stdout == "Sent 0 notices.\n"


def test_revoked_tokens_get_no_notice_and_rotation_starts_over(
    app: Flask, clock: Any, user: Any, cli: Any, notices: list[dict[str, Any]]
) -> None:
    revoked = make(app, user, "revoked", 3)
    rotated = make(app, user, "rotated", 3)
    pat = app.extensions["pat"]
    with app.app_context():
        service.revoke(user, pat.db.session.get(pat.Token, revoked))
    cli("notify")
    assert [n["token"] for n in notices] == [rotated]
    with app.app_context():
        service.rotate(user, pat.db.session.get(pat.Token, rotated))
    cli("notify")
    assert [n["token"] for n in notices] == [rotated, rotated]


@pytest.mark.parametrize("app_config", [{"PAT_EXPIRY_NOTICES": ()}])
def test_no_thresholds_no_notices(app: Flask, user: Any, cli: Any, notices: list[Any]) -> None:
    make(app, user, "soon", 1)
    assert cli("notify").stdout == "Sent 0 notices.\n"
    assert notices == []


def test_two_overlapping_runs_send_each_notice_once(
    app: Flask, database_url: str, user: Any, other_user: Any
) -> None:
    require_server(database_url, "postgresql", "mysql")
    ids = [make(app, user if i % 2 else other_user, f"t{i}", 5 + i / 10) for i in range(40)]
    sent: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(2)

    def receiver(sender: Any, **kwargs: Any) -> None:
        with lock:
            sent[kwargs["token"].id] += 1

    def run(results: list[int]) -> None:
        from flask_pat import notices

        with app.app_context():
            start.wait()
            results.append(notices.notify(batch_size=7))
            app.extensions["sqlalchemy"].session.remove()

    counts: list[int] = []
    with signals.token_expiring.connected_to(receiver, app):
        threads = [threading.Thread(target=run, args=(counts,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert sum(counts) == 40, counts
    assert sent == Counter({token_id: 1 for token_id in ids})
    recorded = Counter(token_id for token_id, _, _ in events_of(app, "expiry_notice"))
    assert recorded == Counter({token_id: 1 for token_id in ids})


def test_prune_deletes_old_events_and_dry_run_only_counts(
    app: Flask, clock: Any, user: Any, cli: Any
) -> None:
    old = make(app, user, "old", 30)
    pat = app.extensions["pat"]
    with app.app_context():
        service.revoke(user, pat.db.session.get(pat.Token, old))
    clock.shift(timedelta(days=300))
    make(app, user, "recent", 30)
    clock.shift(timedelta(days=66))  # the first two events are over 365 days old

    result = cli("prune", "--dry-run")
    assert (result.exit_code, result.stdout) == (
        0,
        "Would delete 2 tokens.\nWould delete 2 events.\n",
    )
    assert len(events_of(app, "created")) == 2

    result = cli("prune")
    assert (result.exit_code, result.stdout) == (0, "Deleted 2 tokens.\nDeleted 2 events.\n")
    assert events_of(app, "revoked") == []
    assert [name for _, _, name in events_of(app, "created")] == [{}]
    assert cli("prune").stdout == "Deleted 0 tokens.\n"


@pytest.mark.parametrize("app_config", [{"PAT_EVENT_RETENTION": timedelta(days=1)}])
def test_event_retention_is_a_setting(app: Flask, clock: Any, user: Any, cli: Any) -> None:
    make(app, user, "kept token", None)
    clock.shift(timedelta(days=2))
    assert cli("prune").stdout == "Deleted 0 tokens.\nDeleted 1 event.\n"
    assert events_of(app, "created") == []

"""``flask pat ...``: every command, every kind of bad input, and one real ``flask`` run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_pat import context, rules, tokens
from tests.conftest import TOKEN_FIELDS, bearer, cli_runner

ROOT = Path(__file__).resolve().parents[2]
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")


@pytest.fixture
def cli(app: Flask) -> Callable[..., Result]:
    """``cli("create", "--user", "1", ...)``: run ``flask pat ...`` against the test app.

    Each run gets an app context (and so a database session) of its own, as each ``flask``
    process does: pytest-flask's long-lived context would otherwise be reused by the
    commands, and its open transaction on MariaDB would hide rows committed since.
    """
    runner = cli_runner(app)

    def invoke(*args: str, input: str | None = None) -> Result:
        with app.app_context():
            return runner.invoke(args=["pat", *args], input=input)

    return invoke


def snapshot(app: Flask) -> list[dict[str, Any]]:
    """Every column of every token row, in id order: what "nothing changed" compares."""
    pat = app.extensions["pat"]
    with app.app_context():
        table = pat.Token.__table__
        rows = pat.db.session.execute(sa.select(table).order_by(table.c.id)).all()
        return [dict(row._mapping) for row in rows]


def token_row(app: Flask, token_id: int) -> Any:
    pat = app.extensions["pat"]
    with app.app_context():
        token = pat.db.session.get(pat.Token, token_id)
        if token is not None:
            pat.db.session.expunge(token)
        return token


def set_times(app: Flask, token_id: int, **values: Any) -> None:
    pat = app.extensions["pat"]
    with app.app_context():
        table = pat.Token.__table__
        pat.db.session.execute(table.update().where(table.c.id == token_id).values(**values))
        pat.db.session.commit()


def call(app: Flask, method: str, path: str, secret: str) -> int:
    """The status of a request with ``secret``, in an app context of its own as in
    production (not pytest-flask's, which lasts the whole test)."""
    with app.app_context():
        return app.test_client().open(path, method=method, headers=bearer(secret)).status_code


def authenticates(app: Flask, secret: str) -> bool:
    status = call(app, "GET", "/whoami", secret)
    assert status in (200, 401)
    return status == 200


def secret_line(result: Result) -> str:
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    secret = result.stdout.removesuffix("\n")
    assert "\n" not in secret
    assert tokens.is_well_formed(secret, "pat")
    return secret


def json_lines(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def assert_refused(result: Result, message: str, before: Any, after: Any) -> None:
    """Bad input: exit 2, the reason on stderr, nothing on stdout, nothing changed."""
    assert result.exit_code == 2, result.output
    assert message.lower() in result.stderr.lower(), result.stderr
    assert result.stdout == ""
    assert after == before


# -- create -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires", "seconds"),
    [
        ("30d", 30 * 86400),
        ("12h", 12 * 3600),
        ("90m", 90 * 60),
        ("2w", 14 * 86400),
        ("never", None),
        (None, 30 * 86400),
    ],
)
def test_create_prints_the_secret_alone(
    app: Flask, cli: Callable[..., Result], user: Any, expires: str | None, seconds: int | None
) -> None:
    args = ["create", "--user", str(user.id), "--name", "deploy bot"]
    if expires is not None:
        args += ["--expires", expires]
    secret = secret_line(cli(*args))

    assert authenticates(app, secret)
    [row] = snapshot(app)
    token = token_row(app, row["id"])
    assert token.name == "deploy bot"
    assert token.user_id == user.id
    assert token.lifetime_seconds == seconds
    if seconds is None:
        assert token.expires_at is None
    else:
        assert token.expires_at - token.created_at == timedelta(seconds=seconds)
    assert secret not in str(row.values())


def test_create_with_scopes(app: Flask, cli: Callable[..., Result], user: Any) -> None:
    secret = secret_line(
        cli(
            "create",
            *("--user", str(user.id), "--name", "reader"),
            *("--scope", "notes:write", "--scope", "notes:read"),
        )
    )
    assert call(app, "GET", "/notes", secret) == 200
    assert call(app, "POST", "/notes", secret) == 201

    reader = secret_line(
        cli("create", "--user", str(user.id), "--name", "read only", "--scope", "notes:read")
    )
    assert call(app, "GET", "/notes", reader) == 200
    assert call(app, "POST", "/notes", reader) == 403


def test_create_for_a_string_primary_key(host_app: Callable[..., Any]) -> None:
    app, db, pat, User = host_app(string_user_pk=True)
    uuid = "6f1c0de4-0000-4000-8000-000000000001"
    with app.app_context():
        db.session.add(User(uuid=uuid, email="u@example.com"))
        db.session.commit()
    runner = cli_runner(app)
    result = runner.invoke(args=["pat", "create", "--user", uuid, "--name", "x"])
    secret = secret_line(result)
    assert authenticates(app, secret)
    missing = runner.invoke(args=["pat", "create", "--user", "nobody", "--name", "x"])
    assert missing.exit_code == 2
    assert "No user with id 'nobody'" in missing.stderr


BAD_CREATE = [
    pytest.param(["--user", "999"], "No user with id '999'", id="unknown-user"),
    pytest.param(["--user", "abc"], "No user with id 'abc'", id="user-not-integer"),
    pytest.param(["--user", "3000000000"], "No user with id", id="user-past-int32"),
    pytest.param(["--user", "99999999999999999999"], "No user with id", id="user-past-int64"),
    pytest.param(["--expires", "30"], "is not a duration", id="duration-no-unit"),
    pytest.param(["--expires", "30x"], "is not a duration", id="duration-bad-unit"),
    pytest.param(["--expires", "-1d"], "is not a duration", id="duration-negative"),
    pytest.param(["--expires", "1.5d"], "is not a duration", id="duration-fraction"),
    pytest.param(["--expires", ""], "is not a duration", id="duration-empty"),
    pytest.param(["--expires", "1e309d"], "is not a duration", id="duration-float"),
    pytest.param(["--expires", "0d"], "whole number from 1", id="duration-zero"),
    pytest.param(["--expires", "999999999999999999w"], "at most", id="duration-overflow"),
    pytest.param(["--expires", "5300w"], "at most", id="duration-over-100-years"),
    pytest.param(["--scope", "admin"], "Unknown scope(s) admin", id="unknown-scope"),
    pytest.param(["--name", ""], "Enter a name", id="name-empty"),
    pytest.param(["--name", "   "], "Enter a name", id="name-blank"),
    pytest.param(["--name", "x" * 101], "at most 100", id="name-101"),
    pytest.param(["--name", "a\x07b"], "control", id="name-control"),
    pytest.param(["--name", "a\u202eb"], "text-direction", id="name-rtl-override"),
]


@pytest.mark.parametrize(("args", "message"), BAD_CREATE)
def test_create_refuses_bad_input(
    app: Flask, cli: Callable[..., Result], user: Any, args: list[str], message: str
) -> None:
    options = {"--user": str(user.id), "--name": "ok"}
    extra: list[str] = []
    for flag, value in zip(args[::2], args[1::2], strict=True):
        if flag in options:
            options[flag] = value
        else:
            extra += [flag, value]
    before = snapshot(app)
    result = cli("create", *(x for pair in options.items() for x in pair), *extra)
    assert_refused(result, message, before, snapshot(app))


def test_create_refuses_a_duplicate_name(
    app: Flask, cli: Callable[..., Result], user: Any, make_token: Any
) -> None:
    make_token(user, "Deploy")
    before = snapshot(app)
    result = cli("create", "--user", str(user.id), "--name", " deploy ")
    assert_refused(result, "already used", before, snapshot(app))


@pytest.mark.parametrize(
    "app_config", [{"PAT_USER_ALLOWED": lambda user: not user.email.startswith("ada")}]
)
def test_create_refuses_a_user_pat_user_allowed_refuses(
    app: Flask, cli: Callable[..., Result], user: Any, other_user: Any
) -> None:
    before = snapshot(app)
    result = cli("create", "--user", str(user.id), "--name", "ci")
    assert_refused(result, "PAT_USER_ALLOWED", before, snapshot(app))
    assert "no token was created" in result.stderr
    # Someone it lets through still gets one.
    assert cli("create", "--user", str(other_user.id), "--name", "ci").exit_code == 0


def test_create_refuses_an_inactive_user(
    app: Flask, db: SQLAlchemy, cli: Callable[..., Result], user: Any, User: Any
) -> None:
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == user.id).values(active=False))
        db.session.commit()
    before = snapshot(app)
    result = cli("create", "--user", str(user.id), "--name", "ci")
    assert_refused(result, "not active", before, snapshot(app))


@pytest.mark.parametrize("app_config", [{"PAT_MAX_TOKENS_PER_USER": 2}])
def test_create_refuses_past_the_limit(
    app: Flask, cli: Callable[..., Result], user: Any, make_token: Any
) -> None:
    make_token(user, "one")
    make_token(user, "two")
    before = snapshot(app)
    result = cli("create", "--user", str(user.id), "--name", "three")
    assert_refused(result, "limit of 2 tokens", before, snapshot(app))


@pytest.mark.parametrize("app_config", [{"PAT_MAX_LIFETIME": timedelta(days=90)}])
def test_create_refuses_never_under_a_max_lifetime(
    app: Flask, cli: Callable[..., Result], user: Any
) -> None:
    before = snapshot(app)
    for expires, message in (("never", "must expire"), ("13w", "at most 90 days")):
        result = cli("create", "--user", str(user.id), "--name", "x", "--expires", expires)
        assert_refused(result, message, before, snapshot(app))
    secret_line(cli("create", "--user", str(user.id), "--name", "x", "--expires", "12w"))


@pytest.mark.parametrize(
    "name", ["日本語のトークン", "e\u0301t\u0301e\u0301", "עברית token", "🚀 deploy 👩‍💻"]
)
def test_create_keeps_unicode_names(
    app: Flask, cli: Callable[..., Result], user: Any, name: str
) -> None:
    secret_line(cli("create", "--user", str(user.id), "--name", name))
    [line] = json_lines(cli("list", "--json"))
    assert line["name"] == rules.clean_name(name)[0]
    assert rules.clean_name(name)[0] in cli("list").stdout


# -- list -------------------------------------------------------------------------------


def test_list_prints_an_aligned_table(
    app: Flask, cli: Callable[..., Result], user: Any, other_user: Any, make_token: Any
) -> None:
    make_token(user, "short", scopes=["notes:read"])
    make_token(other_user, "a much longer token name", expiration=("never", None))
    result = cli("list")
    assert result.exit_code == 0
    header, *lines = result.stdout.splitlines()
    assert header.split()[:4] == ["ID", "USER", "NAME", "TOKEN"]
    assert len(lines) == 2
    for column in ("TOKEN", "CREATED", "EXPIRES", "STATUS"):
        start = header.index(column)
        for line in lines:
            assert line[start - 2 : start] == "  ", (column, line)
            assert line[start] != " ", (column, line)
    assert "short" in lines[0] and "notes:read" in lines[0]
    assert "a much longer token name" in lines[1] and "never" in lines[1]


def test_list_json_matches_the_api(
    app: Flask, cli: Callable[..., Result], api: Any, user: Any, other_user: Any, make_token: Any
) -> None:
    created = api.create("ci", scopes=["notes:read"], expiration={"unit": "hours", "value": 5})
    _, other_secret = make_token(other_user, "theirs")
    result = cli("list", "--json")
    lines = json_lines(result)
    assert len(lines) == 2
    mine = next(line for line in lines if line["id"] == created["token"]["id"])
    assert set(mine) == TOKEN_FIELDS | {"user_id"}
    assert mine["user_id"] == user.id
    assert {k: v for k, v in mine.items() if k != "user_id"} == api.get(
        f"/tokens/{mine['id']}"
    ).get_json()
    assert mine["status"] == "expiring"
    for line in lines:
        assert ISO.fullmatch(line["created_at"])
    for secret in (created["secret"], other_secret):
        assert secret not in result.stdout
        assert secret[4:] not in result.stdout


def test_list_filters_by_user_and_status(
    app: Flask, cli: Callable[..., Result], user: Any, other_user: Any, make_token: Any
) -> None:
    live, _ = make_token(user, "live")
    gone, _ = make_token(user, "gone")
    make_token(other_user, "theirs")
    set_times(app, gone, revoked_at=context.utcnow())

    assert {line["name"] for line in json_lines(cli("list", "--json", "--user", str(user.id)))} == {
        "live",
        "gone",
    }
    revoked = json_lines(cli("list", "--json", "--user", str(user.id), "--status", "revoked"))
    assert [line["id"] for line in revoked] == [gone]
    active = json_lines(cli("list", "--json", "--status", "active"))
    assert {line["name"] for line in active} == {"live", "theirs"}
    assert live in {line["id"] for line in active}
    assert json_lines(cli("list", "--json", "--status", "expired")) == []


def test_list_of_nothing_prints_the_header(cli: Callable[..., Result], user: Any) -> None:
    assert cli("list").stdout.split() == (
        "ID USER NAME TOKEN CREATED EXPIRES LAST USED STATUS SCOPES DESCRIPTION".split()
    )
    assert cli("list", "--json").stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "999"], "No user with id '999'"),
        (["--user", "x"], "No user with id 'x'"),
        (["--status", "dead"], "'dead' is not one of"),
        (["--bogus"], "No such option"),
    ],
)
def test_list_refuses_bad_input(
    app: Flask, cli: Callable[..., Result], user: Any, args: list[str], message: str
) -> None:
    before = snapshot(app)
    assert_refused(cli("list", *args), message, before, snapshot(app))


# -- revoke, restore, rotate, delete ----------------------------------------------------


def test_revoke_and_restore(
    app: Flask, cli: Callable[..., Result], user: Any, make_token: Any
) -> None:
    token_id, secret = make_token(user, "ci")
    result = cli("revoke", str(token_id))
    assert result.exit_code == 0
    assert result.stdout == f"Revoked token {token_id} (ci).\n"
    assert not authenticates(app, secret)
    first = token_row(app, token_id).revoked_at
    assert cli("revoke", str(token_id)).exit_code == 0
    assert token_row(app, token_id).revoked_at == first

    result = cli("restore", str(token_id))
    assert result.exit_code == 0
    assert result.stdout == f"Restored token {token_id} (ci).\n"
    assert authenticates(app, secret)


def test_restore_refuses_an_expired_token(
    app: Flask, cli: Callable[..., Result], user: Any, make_token: Any
) -> None:
    token_id, _ = make_token(user, "old")
    now = context.utcnow()
    set_times(app, token_id, revoked_at=now - timedelta(days=2), expires_at=now - timedelta(days=1))
    before = snapshot(app)
    assert_refused(cli("restore", str(token_id)), "has expired", before, snapshot(app))


def test_rotate_prints_the_new_secret(
    app: Flask, cli: Callable[..., Result], user: Any, make_token: Any
) -> None:
    token_id, old = make_token(user, "ci", expiration=("hours", 3))
    now = context.utcnow()
    set_times(app, token_id, revoked_at=now - timedelta(days=2), expires_at=now - timedelta(days=1))
    new = secret_line(cli("rotate", str(token_id)))
    assert new != old
    assert authenticates(app, new)
    assert not authenticates(app, old)
    token = token_row(app, token_id)
    assert token.revoked_at is None
    assert token.expires_at - context.utcnow() > timedelta(hours=2, minutes=59)


def test_delete_with_yes(
    app: Flask, cli: Callable[..., Result], user: Any, make_token: Any
) -> None:
    token_id, secret = make_token(user, "ci")
    result = cli("delete", str(token_id), "--yes")
    assert result.exit_code == 0
    assert f"Deleted token {token_id} (ci)" in result.stdout
    assert snapshot(app) == []
    assert not authenticates(app, secret)


def test_delete_asks_first(
    app: Flask, cli: Callable[..., Result], user: Any, make_token: Any
) -> None:
    token_id, _ = make_token(user, "ci")
    before = snapshot(app)
    for answer in ("n\n", "\n", ""):
        result = cli("delete", str(token_id), input=answer)
        assert result.exit_code == 1
        assert "Delete token" in result.stderr
        assert "Aborted" in result.stderr
        assert snapshot(app) == before
    result = cli("delete", str(token_id), input="y\n")
    assert result.exit_code == 0
    assert snapshot(app) == []


@pytest.mark.parametrize("command", ["revoke", "restore", "rotate", "delete"])
def test_unknown_token_ids_are_refused(
    app: Flask, cli: Callable[..., Result], user: Any, make_token: Any, command: str
) -> None:
    make_token(user, "ci")
    before = snapshot(app)
    for token_id in ("999", "0", "-1", "abc", "1.0", "9223372036854775808", "9" * 30, ""):
        args = [command, *(["--yes"] if command == "delete" else []), "--", token_id]
        result = cli(*args)
        assert result.exit_code == 2, (token_id, result.output)
        assert f"No token with id {token_id!r}" in result.stderr
        assert result.stdout == ""
        assert snapshot(app) == before


# -- expiring ---------------------------------------------------------------------------


def test_expiring_lists_soon_expiring_tokens_with_their_user(
    app: Flask, cli: Callable[..., Result], user: Any, other_user: Any, make_token: Any
) -> None:
    soon, _ = make_token(user, "soon", expiration=("days", 2))
    sooner, _ = make_token(other_user, "sooner", expiration=("hours", 1))
    make_token(user, "later", expiration=("days", 20))
    make_token(user, "forever", expiration=("never", None))
    revoked, _ = make_token(user, "revoked", expiration=("days", 1))
    set_times(app, revoked, revoked_at=context.utcnow())
    expired, _ = make_token(user, "expired", expiration=("days", 1))
    set_times(app, expired, expires_at=context.utcnow() - timedelta(minutes=1))

    lines = json_lines(cli("expiring", "--json"))
    assert [(line["id"], line["user_id"]) for line in lines] == [
        (sooner, other_user.id),
        (soon, user.id),
    ]
    assert all(set(line) == TOKEN_FIELDS | {"user_id"} for line in lines)
    assert [line["name"] for line in json_lines(cli("expiring", "--within", "3w", "--json"))] == [
        "sooner",
        "soon",
        "later",
    ]
    assert [line["name"] for line in json_lines(cli("expiring", "--within", "90m", "--json"))] == [
        "sooner"
    ]
    table = cli("expiring").stdout.splitlines()
    assert len(table) == 3 and "sooner" in table[1] and "soon" in table[2]


@pytest.mark.parametrize("within", ["7", "never", "-1d", "1y", "999999w"])
def test_expiring_refuses_bad_durations(
    app: Flask, cli: Callable[..., Result], user: Any, within: str
) -> None:
    result = cli("expiring", "--within", within)
    assert result.exit_code == 2
    assert "--within" in result.stderr
    assert result.stdout == ""


# -- prune ------------------------------------------------------------------------------


def test_prune_deletes_long_dead_tokens(
    app: Flask, cli: Callable[..., Result], user: Any, make_token: Any
) -> None:
    now = context.utcnow()
    ids = {name: make_token(user, name)[0] for name in ("live", "old", "recent", "revoked")}
    set_times(app, ids["old"], expires_at=now - timedelta(days=31))
    set_times(app, ids["recent"], expires_at=now - timedelta(days=29))
    set_times(app, ids["revoked"], revoked_at=now - timedelta(days=40))

    result = cli("prune")
    assert result.exit_code == 0
    assert result.stdout == "Deleted 2 tokens.\n"
    assert {row["id"] for row in snapshot(app)} == {ids["live"], ids["recent"]}

    result = cli("prune", "--older-than", "1d")
    assert result.stdout == "Deleted 1 token.\n"
    assert {row["id"] for row in snapshot(app)} == {ids["live"]}


@pytest.mark.parametrize("older_than", ["30", "never", "d", "1y", "5300w"])
def test_prune_refuses_bad_durations(
    app: Flask, cli: Callable[..., Result], user: Any, make_token: Any, older_than: str
) -> None:
    token_id, _ = make_token(user, "old")
    set_times(app, token_id, revoked_at=context.utcnow() - timedelta(days=3650))
    before = snapshot(app)
    assert_refused(cli("prune", "--older-than", older_than), "--older-than", before, snapshot(app))


def test_prune_shows_progress_only_on_a_terminal(
    app: Flask,
    cli: Callable[..., Result],
    user: Any,
    make_token: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("a", "b"):
        token_id, _ = make_token(user, name)
        set_times(app, token_id, revoked_at=context.utcnow() - timedelta(days=60))
    assert "Deleting tokens" not in cli("prune").output

    token_id, _ = make_token(user, "c")
    set_times(app, token_id, revoked_at=context.utcnow() - timedelta(days=60))
    monkeypatch.setattr("flask_pat.cli.maintenance._on_terminal", lambda: True)
    result = cli("prune")
    assert "Deleting tokens" in result.stdout
    assert result.stdout.endswith("Deleted 1 token.\n")


def _insert_dead_tokens(app: Flask, owner: Any, count: int) -> None:
    """``count`` tokens expired 100 days ago, made by the database in one statement."""
    pat = app.extensions["pat"]
    db: SQLAlchemy = pat.db
    table = pat.Token.__table__
    digits = sa.union_all(*(sa.select(sa.literal(d).label("d")) for d in range(10))).subquery()
    places = [digits.alias(f"p{i}") for i in range(len(str(count - 1)))]
    number = sum((place.c.d * 10**i for i, place in enumerate(places)), start=sa.literal(0)).label(
        "n"
    )
    joined: Any = places[0]
    for place in places[1:]:
        joined = joined.join(place, sa.true())
    numbers = sa.select(number).select_from(joined).subquery()
    text = sa.cast(numbers.c.n, sa.String(20))
    now = context.utcnow()
    dead = sa.select(
        sa.literal(owner.id),
        "t" + text,
        "t" + text,
        "h" + text,
        sa.literal("abcd"),
        sa.literal(""),
        sa.literal(now - timedelta(days=400), table.c.created_at.type),
        sa.literal(now - timedelta(days=100), table.c.expires_at.type),
        sa.literal(86400),
    ).where(numbers.c.n < count)
    columns = [
        "user_id",
        "name",
        "name_key",
        "token_hash",
        "last4",
        "scope_text",
        "created_at",
        "expires_at",
        "lifetime_seconds",
    ]
    with app.app_context(), warnings.catch_warnings():
        # A cross join meant as one. (SQLAlchemy's MySQL compiler also loses track of
        # nested joins and would call a real join condition a cartesian product.)
        warnings.filterwarnings("ignore", "SELECT statement has a cartesian product")
        db.session.execute(table.insert().from_select(columns, dead))
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(table)) == count


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run on the app's engine while the test runs."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def test_prune_works_in_batches(
    app: Flask, cli: Callable[..., Result], user: Any, statements: list[str]
) -> None:
    _insert_dead_tokens(app, user, 2500)
    statements.clear()
    result = cli("prune")
    assert result.stdout == "Deleted 2500 tokens.\n"
    deletes = [s for s in statements if s.lstrip().upper().startswith("DELETE")]
    assert len(deletes) == 3
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert selects and all("LIMIT" in s.upper() for s in selects)
    assert snapshot(app) == []


@pytest.mark.slow
def test_prune_handles_100000_tokens_in_little_memory(
    app: Flask, cli: Callable[..., Result], user: Any, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        # The same code runs everywhere; test_prune_works_in_batches checks the batches on
        # every database, and 100,000 deletes take a minute on a busy server.
        pytest.skip("100,000 rows on SQLite only")
    _insert_dead_tokens(app, user, 100_000)
    tracemalloc.start()
    try:
        result = cli("prune")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.stdout == "Deleted 100000 tokens.\n"
    # Loading every row (or even every id) would take tens of megabytes.
    assert peak < 8 * 2**20, peak
    assert snapshot(app) == []


# -- a real ``flask`` process -----------------------------------------------------------


@pytest.mark.slow
def test_flask_command_line_on_the_example_app(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'example.db'}",
        "PYTHONPATH": str(ROOT),
    }
    flask = [sys.executable, "-m", "flask", "--app", "example_app", "pat"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*flask, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )

    created = run("create", "--user", "1", "--name", "laptop", "--scope", "notes:read")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert created.stdout == secret + "\n"
    assert tokens.is_well_formed(secret, "pat")

    # The example app also seeds a second user's tokens, for its admin inventory.
    listed = run("list", "--user", "1", "--json")
    assert listed.returncode == 0, listed.stderr
    [line] = [json.loads(text) for text in listed.stdout.splitlines()]
    assert line["name"] == "laptop"
    assert line["user_id"] == 1
    assert line["scopes"] == ["notes:read"]
    assert line["last4"] == secret[-4:]
    assert secret not in listed.stdout

    bad = run("create", "--user", "1", "--name", "other", "--scope", "admin")
    assert bad.returncode == 2
    assert "Unknown scope(s) admin" in bad.stderr
    assert bad.stdout == ""

    # The secret printed works against the same database, and the bad create left no row.
    from example_app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "TESTING": True})
    response = app.test_client().get("/api/notes", headers=bearer(secret))
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        pat = app.extensions["pat"]
        mine = sa.select(sa.func.count()).select_from(pat.Token).filter_by(user_id=1)
        assert pat.db.session.scalar(mine) == 1
        pat.db.session.remove()
        pat.db.engine.dispose()


def test_create_with_a_description_shows_it_in_the_list(
    cli: Callable[..., Result], user: Any
) -> None:
    described = "Deploys the site\nfrom the CI runner, every night at three"
    secret_line(cli("create", "--user", str(user.id), "--name", "ci", "--description", described))
    secret_line(cli("create", "--user", str(user.id), "--name", "bare"))
    lines = {line["name"]: line for line in json_lines(cli("list", "--json"))}
    assert lines["ci"]["description"] == described
    assert lines["bare"]["description"] == ""
    table = cli("list").stdout.splitlines()
    assert table[0].split()[-1] == "DESCRIPTION"
    row = next(line for line in table if " ci " in line)
    assert row.endswith("Deploys the site...")
    assert next(line for line in table if " bare " in line).endswith(" -")


def test_create_refuses_a_bad_description(cli: Callable[..., Result], user: Any) -> None:
    result = cli("create", "--user", str(user.id), "--name", "x", "--description", "d" * 501)
    assert result.exit_code == 2
    assert "500 characters" in result.stderr
    assert json_lines(cli("list", "--json")) == []


def test_the_audit_trail_names_the_command_line(
    app: Flask, cli: Callable[..., Result], user: Any
) -> None:
    """What `flask pat` does is recorded with actor `cli`, as docs/admin.md says, so an
    administrator reading a token's history tells the operator's hand from its owner's."""
    secret_line(cli("create", "--user", str(user.id), "--name", "by cron"))
    [row] = snapshot(app)
    token_id = str(row["id"])
    for args in (("revoke", token_id), ("restore", token_id), ("rotate", token_id)):
        assert cli(*args).exit_code == 0
    assert cli("delete", token_id, "--yes").exit_code == 0
    pat = app.extensions["pat"]
    with app.app_context():
        table = pat.Event.__table__
        trail = pat.db.session.execute(
            sa.select(table.c.event, table.c.actor)
            .where(table.c.token_id == row["id"])
            .order_by(table.c.id)
        ).all()
    assert [tuple(entry) for entry in trail] == [
        ("created", "cli"),
        ("revoked", "cli"),
        ("restored", "cli"),
        ("rotated", "cli"),
        ("deleted", "cli"),
    ]

"""The service layer called directly: token rules and storage without HTTP, and the signals."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask

from flask_pat import context, listing, maintenance, service, signals
from flask_pat.errors import PatError, Rejected
from flask_pat.signin import lookup
from flask_pat.tokens import generate, is_well_formed
from tests.conftest import bearer

START = datetime(2031, 1, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An app context for calling the service, as a CLI command or a job would."""
    with app.app_context():
        yield


class Recorder:
    """A signal receiver that keeps what it was sent."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def __call__(self, sender: Any, **kwargs: Any) -> None:
        self.calls.append((sender, kwargs))


def count(app: Flask) -> int:
    pat = app.extensions["pat"]
    return int(pat.db.session.scalar(sa.select(sa.func.count()).select_from(pat.Token)))


@contextmanager
def pat_error(code: str, field: str | None = None) -> Iterator[None]:
    """Expect a :class:`PatError` with ``code`` (and ``field`` among its fields)."""
    with pytest.raises(PatError) as raised:
        yield
    assert raised.value.code == code
    if field is not None:
        assert field in (raised.value.fields or {})


# -- create -----------------------------------------------------------------------------


def test_create_stores_the_digest_and_returns_the_secret_once(
    clock: Any, ctx: None, app: Flask, user: Any
) -> None:
    token, secret = service.create(user, "  CI  ", ("days", 3), ["notes:write"])
    assert is_well_formed(secret, "pat")
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.last4 == secret[-4:]
    assert token.name == "CI"
    assert token.scopes == ["notes:write"]
    assert token.project_id is None
    assert token.created_at == START
    assert token.expires_at == START + 3 * DAY
    assert token.user_id == user.id
    pat = app.extensions["pat"]
    row = pat.db.session.execute(sa.select(pat.Token.__table__)).one()
    assert secret not in [str(value) for value in row]


def test_create_defaults_to_30_days(clock: Any, ctx: None, user: Any) -> None:
    token, _ = service.create(user, "default")
    assert token.expires_at == START + 30 * DAY
    never, _ = service.create(user, "never", ("never", None))
    assert never.expires_at is None


def test_settings_are_read_at_call_time(clock: Any, app: Flask, user: Any) -> None:
    app.config["PAT_DEFAULT_EXPIRATION"] = ("hours", 5)
    app.config["PAT_TOKEN_PREFIX"] = "acme"
    app.config["PAT_MAX_TOKENS_PER_USER"] = 1
    with app.app_context():
        token, secret = service.create(user, "late")
        assert token.expires_at == START + timedelta(hours=5)
        assert secret.startswith("acme_") and is_well_formed(secret, "acme")
        with pat_error("limit_reached"):
            service.create(user, "one too many")
    assert app.test_client().get("/whoami", headers=bearer(secret)).status_code == 200


def refusal(call: Any) -> tuple[str, list[str]] | None:
    """``(code, fields)`` of the :class:`PatError` that ``call()`` raises, else ``None``."""
    try:
        call()
    except PatError as error:
        return error.code, sorted(error.fields or {})
    return None


def test_create_refuses_bad_input(ctx: None, app: Flask, user: Any) -> None:
    cases: list[tuple[tuple[Any, ...], str]] = [
        (("",), "name"),
        (("x" * 101,), "name"),
        (("a\x00b",), "name"),
        (("evil\u202e",), "name"),
        ((None,), "name"),
        (("x", ("never", 3)), "expiration"),
        (("x", ("days", 0)), "expiration"),
        (("x", ("days", 10**30)), "expiration"),
        (("x", ("days", True)), "expiration"),
        (("x", ("days", 1.5)), "expiration"),
        (("x", ("fortnights", 1)), "expiration"),
        (("x", ("days", 1), ["admin"]), "scopes"),
        (("x", ("days", 1), "notes:read"), "scopes"),
        (("x", ("days", 1), None, 1), "project_id"),
    ]
    seen = {repr(args): refusal(lambda args=args: service.create(user, *args)) for args, _ in cases}
    assert seen == {repr(args): ("invalid", [field]) for args, field in cases}
    assert count(app) == 0


def test_a_refused_create_leaves_the_session_usable(ctx: None, app: Flask, user: Any) -> None:
    service.create(user, "Deploy")
    with pat_error("conflict", "name"):
        service.create(user, "DEPLOY")
    token, _ = service.create(user, "deploy 2")
    assert token.id is not None
    assert count(app) == 2


@pytest.mark.parametrize("app_config", [{"PAT_MAX_TOKENS_PER_USER": 3}])
def test_the_per_user_limit(ctx: None, app: Flask, user: Any, other_user: Any) -> None:
    for n in range(3):
        service.create(user, f"t{n}")
    with pat_error("limit_reached"):
        service.create(user, "t3")
    assert count(app) == 3
    service.create(other_user, "t0")
    service.delete(user, service.get(user, listing.list_tokens(user).items[0].id))
    service.create(user, "t3")
    assert listing.list_tokens(user).total == 3


@pytest.mark.parametrize(
    "app_config", [{"PAT_PROJECTS": lambda user: [{"id": 5, "name": "P", "public": False}]}]
)
def test_projects(ctx: None, user: Any) -> None:
    token, _ = service.create(user, "bound", project_id=5)
    assert token.project_id == 5
    assert service.create(user, "by text", project_id="5")[0].project_id == 5
    with pat_error("invalid", "project_id"):
        service.create(user, "x", project_id=6)
    assert [t.name for t in listing.list_tokens(user, project="5", sort="name").items] == [
        "bound",
        "by text",
    ]


# -- reading ----------------------------------------------------------------------------


def test_list_get_and_other_users(clock: Any, ctx: None, user: Any, other_user: Any) -> None:
    mine = [service.create(user, name)[0] for name in ("b_1", "A%", "c")]
    theirs, _ = service.create(other_user, "theirs")
    page = listing.list_tokens(user, sort="name", per_page=5)
    assert [t.name for t in page.items] == ["A%", "b_1", "c"]
    assert (page.page, page.per_page, page.total, page.pages) == (1, 5, 3, 1)
    assert [t.name for t in listing.list_tokens(user, q="%").items] == ["A%"]
    assert [t.name for t in listing.list_tokens(user, q="B_").items] == ["b_1"]
    assert listing.list_tokens(user, page=2, per_page=5).items == []
    assert listing.list_tokens(other_user).total == 1
    assert service.get(user, mine[0].id).name == "b_1"
    with pat_error("not_found"):
        service.get(user, theirs.id)
    with pat_error("not_found"):
        service.get(user, 10**12)


def test_list_refuses_bad_arguments(ctx: None, user: Any) -> None:
    cases: dict[str, dict[str, Any]] = {
        "per_page": {"per_page": 7},
        "page": {"page": 0},
        "status": {"status": "dead"},
        "sort": {"sort": "secret"},
    }
    seen = {
        field: refusal(lambda kwargs=kwargs: listing.list_tokens(user, **kwargs))
        for field, kwargs in cases.items()
    }
    assert seen == {field: ("invalid", [field]) for field in cases}


def test_status_and_its_boundaries(clock: Any, ctx: None, app: Flask, user: Any) -> None:
    token, _ = service.create(user, "edge", ("days", 10))
    warning = app.config["PAT_EXPIRY_WARNING"].total_seconds()
    expires_at = START + 10 * DAY
    tiny = timedelta(microseconds=1)
    for moment, status in [
        (START, "active"),
        (expires_at - 7 * DAY - tiny, "active"),
        (expires_at - 7 * DAY, "expiring"),
        (expires_at - tiny, "expiring"),
        (expires_at, "expired"),
    ]:
        clock.move_to(moment)
        assert token.status(context.utcnow(), warning) == status, moment
        listed = listing.list_tokens(user, status=status).items
        assert [t.id for t in listed] == [token.id], moment
    service.revoke(user, token)
    assert token.status(context.utcnow(), warning) == "revoked"


# -- changing ---------------------------------------------------------------------------


def test_revoke_restore_rotate_delete(clock: Any, ctx: None, app: Flask, user: Any) -> None:
    token, old = service.create(user, "life", ("days", 10), ["notes:read"])
    clock.shift(timedelta(hours=1))
    assert service.revoke(user, token).revoked_at == START + timedelta(hours=1)
    clock.shift(timedelta(hours=1))
    service.revoke(user, token)
    assert token.revoked_at == START + timedelta(hours=1)
    with pytest.raises(Rejected, match="revoked"):
        lookup.authenticate(old)

    assert service.restore(user, token).revoked_at is None
    assert lookup.authenticate(old)[0].id == token.id

    rotated, new = service.rotate(user, token)
    assert rotated.id == token.id and new != old
    assert rotated.expires_at == START + timedelta(hours=2) + 10 * DAY
    assert rotated.token_hash == hashlib.sha256(new.encode()).hexdigest()
    assert (rotated.name, rotated.scopes) == ("life", ["notes:read"])
    with pytest.raises(Rejected, match="unknown"):
        lookup.authenticate(old)
    assert lookup.authenticate(new)[0].id == token.id

    service.delete(user, rotated)
    assert count(app) == 0
    with pytest.raises(Rejected, match="unknown"):
        lookup.authenticate(new)


def test_restore_refuses_an_expired_token(clock: Any, ctx: None, user: Any) -> None:
    token, secret = service.create(user, "old", ("hours", 1))
    service.revoke(user, token)
    clock.shift(timedelta(hours=1))
    with pat_error("expired"):
        service.restore(user, token)
    assert token.revoked_at is not None
    rotated, new = service.rotate(user, token)
    assert rotated.revoked_at is None
    assert rotated.expires_at == START + timedelta(hours=2)
    assert lookup.authenticate(new)[1].id == user.id


@pytest.mark.parametrize("app_config", [{"PAT_MAX_LIFETIME": timedelta(days=7)}])
def test_rotate_respects_a_lowered_max_lifetime(clock: Any, app: Flask, user: Any) -> None:
    with app.app_context():
        token_id = service.create(user, "long", ("days", 7))[0].id
    app.config["PAT_MAX_LIFETIME"] = timedelta(days=2)
    with app.app_context():
        rotated, _ = service.rotate(user, service.get(user, token_id))
        assert rotated.expires_at == START + 2 * DAY


@pytest.mark.parametrize("app_config", [{"PAT_MAX_LIFETIME": timedelta(days=30)}])
def test_rotate_keeps_a_shorter_lifetime_and_caps_a_never_ending_one(
    clock: Any, app: Flask, user: Any
) -> None:
    app.config["PAT_MAX_LIFETIME"] = None
    with app.app_context():
        never_id = service.create(user, "never", ("never", None))[0].id
        short_id = service.create(user, "short", ("days", 1))[0].id
    app.config["PAT_MAX_LIFETIME"] = timedelta(days=30)  # set after the first was made
    with app.app_context():
        capped, _ = service.rotate(user, service.get(user, never_id))
        assert capped.expires_at == START + 30 * DAY
        short, _ = service.rotate(user, service.get(user, short_id))
        assert short.expires_at == START + DAY
    clock.shift(DAY / 2)
    with app.app_context():
        # Each rotation starts the token's own lifetime again, not a default one.
        again, _ = service.rotate(user, service.get(user, short_id))
        assert again.expires_at == START + DAY / 2 + DAY


def test_authenticate_finds_the_owner_among_other_users(
    ctx: None, user: Any, other_user: Any
) -> None:
    _, mine = service.create(user, "mine")
    _, theirs = service.create(other_user, "theirs")
    assert lookup.authenticate(mine)[1].id == user.id
    assert lookup.authenticate(theirs)[1].id == other_user.id


def test_authenticate_refuses_with_a_reason(
    clock: Any, ctx: None, app: Flask, db: Any, user: Any, other_user: Any
) -> None:
    _, expired = service.create(user, "expired", ("minutes", 1))
    revoked_token, revoked = service.create(user, "revoked")
    service.revoke(user, revoked_token)
    _, inactive = service.create(other_user, "inactive")
    db.session.execute(
        sa.update(app.extensions["pat"].user_model)
        .where(app.extensions["pat"].user_pk == other_user.id)
        .values(active=False)
    )
    db.session.commit()
    clock.shift(timedelta(minutes=1))
    good = generate("pat")
    bad_checksum = good[:-1] + ("0" if good[-1] != "0" else "1")
    for secret, reason in [
        ("", "malformed"),
        ("pat_x", "malformed"),
        ("ghp_" + generate("pat")[4:], "malformed"),
        (bad_checksum, "malformed"),
        (generate("pat"), "unknown"),
        (expired, "expired"),
        (revoked, "revoked"),
        (inactive, "inactive user"),
    ]:
        with pytest.raises(Rejected) as rejected:
            lookup.authenticate(secret)
        assert rejected.value.reason == reason, secret


# -- operations -------------------------------------------------------------------------


def test_expiring_lists_live_tokens_expiring_soon_soonest_first(
    clock: Any, ctx: None, user: Any, other_user: Any
) -> None:
    service.create(user, "in 3 days", ("days", 3))
    service.create(other_user, "in 1 hour", ("hours", 1))
    service.create(user, "in 8 days", ("days", 8))
    service.create(user, "never", ("never", None))
    service.create(user, "in 7 days", ("days", 7))
    gone, _ = service.create(user, "revoked", ("days", 2))
    service.revoke(user, gone)
    service.create(user, "expired", ("minutes", 1))
    clock.shift(timedelta(minutes=1))
    names = [t.name for t in maintenance.expiring(timedelta(days=7, minutes=1))]
    assert names == ["in 1 hour", "in 3 days", "in 7 days"]
    assert [t.name for t in maintenance.expiring(timedelta(hours=1))] == ["in 1 hour"]
    assert maintenance.expiring(timedelta(minutes=58)) == []


def test_prune_deletes_what_died_long_enough_ago(
    clock: Any, ctx: None, app: Flask, user: Any
) -> None:
    age = timedelta(days=30)
    made: dict[str, Any] = {}
    with time_machine.travel(START - 50 * DAY, tick=False):
        made["expired 40 days ago"] = service.create(user, "expired 40 days ago", ("days", 10))
        made["expired 30 days ago"] = service.create(user, "expired 30 days ago", ("days", 20))
        made["expired 29 days ago"] = service.create(
            user, "expired 29 days ago", ("minutes", 21 * 1440 + 1)
        )
        made["never"] = service.create(user, "never", ("never", None))
    with time_machine.travel(START - 31 * DAY, tick=False):
        made["revoked 31 days ago"] = service.create(user, "revoked 31 days ago")
        service.revoke(user, made["revoked 31 days ago"][0])
    with time_machine.travel(START - 10 * DAY, tick=False):
        made["revoked 10 days ago"] = service.create(user, "revoked 10 days ago")
        service.revoke(user, made["revoked 10 days ago"][0])
    made["active"] = service.create(user, "active")

    assert maintenance.count_prunable(age) == 3
    assert sum(maintenance.prune(age)) == 3
    left = {t.name for t in maintenance.all_tokens()}
    assert left == {"expired 29 days ago", "never", "revoked 10 days ago", "active"}
    assert maintenance.count_prunable(age) == 0
    assert maintenance.count_prunable(timedelta(0)) == 2
    assert list(maintenance.prune(timedelta(0), batch_size=1)) == [1, 1]
    assert count(app) == 2


def test_prune_works_in_batches(clock: Any, ctx: None, user: Any) -> None:
    for n in range(5):
        service.create(user, f"t{n}", ("minutes", 1))
    clock.shift(timedelta(minutes=1))
    assert list(maintenance.prune(timedelta(0), batch_size=2)) == [2, 2, 1]


# -- signals ----------------------------------------------------------------------------


def test_signals_for_each_change(clock: Any, ctx: None, app: Flask, user: Any) -> None:
    recorders = {
        name: Recorder()
        for name in ("token_created", "token_revoked", "token_restored", "token_rotated")
    }
    deleted: list[tuple[Any, int, str, Any]] = []

    def on_deleted(sender: Any, token: Any, user: Any) -> None:
        # The record is gone from the database, yet still readable.
        deleted.append((sender, token.id, token.name, user))

    with (
        signals.token_created.connected_to(recorders["token_created"], app),
        signals.token_revoked.connected_to(recorders["token_revoked"], app),
        signals.token_restored.connected_to(recorders["token_restored"], app),
        signals.token_rotated.connected_to(recorders["token_rotated"], app),
        signals.token_deleted.connected_to(on_deleted, app),
    ):
        token, _ = service.create(user, "signalled")
        service.revoke(user, token)
        service.revoke(user, token)
        service.restore(user, token)
        service.rotate(user, token)
        token_id = token.id
        service.delete(user, token)

    for name, recorder in recorders.items():
        assert len(recorder.calls) == 1, name
        sender, kwargs = recorder.calls[0]
        assert sender is app
        # token_revoked also says who revoked it (owner, admin, ...).
        extra = {"by"} if name == "token_revoked" else set()
        assert set(kwargs) == {"token", "user"} | extra
        assert kwargs["token"].id == token_id
        assert kwargs["user"] is user
    assert deleted == [(app, token_id, "signalled", user)]
    assert recorders["token_revoked"].calls[0][1]["by"] == "owner"


def test_no_signal_when_nothing_changed(ctx: None, app: Flask, user: Any) -> None:
    created = Recorder()
    with signals.token_created.connected_to(created, app):
        with pat_error("invalid"):
            service.create(user, "")
        service.create(user, "dup")
        with pat_error("conflict"):
            service.create(user, "DUP")
    assert len(created.calls) == 1


def test_authentication_signals(app: Flask, user: Any, make_token: Any) -> None:
    token_id, secret = make_token(user, "api")
    revoked_id, revoked = make_token(user, "revoked")
    with app.app_context():
        service.revoke(user, service.get(user, revoked_id))
    authenticated, rejected = Recorder(), Recorder()
    with (
        signals.token_authenticated.connected_to(authenticated, app),
        signals.token_rejected.connected_to(rejected, app),
    ):
        client = app.test_client()
        assert client.get("/whoami", headers=bearer(secret)).status_code == 200
        unknown = generate("pat")
        for bad in ("pat_short", unknown, revoked):
            assert client.get("/whoami", headers=bearer(bad)).status_code == 401
    ((sender, kwargs),) = authenticated.calls
    assert sender is app
    assert kwargs["token"].id == token_id
    assert kwargs["user"].get_id() == user.get_id()
    assert [kwargs for _, kwargs in rejected.calls] == [
        {"reason": "malformed"},
        {"reason": "unknown"},
        {"reason": "revoked"},
    ]
    assert all(sender is app for sender, _ in rejected.calls)
    text = repr(rejected.calls)
    assert "pat_short" not in text and unknown not in text and revoked not in text


@pytest.mark.parametrize(
    "name",
    [
        "deploy\u200e",  # left-to-right mark
        "\u200fdeploy",  # right-to-left mark
        "de\u061cploy",  # Arabic letter mark
        "de\u200bploy",  # zero-width space
        "de\u200cploy",  # zero-width non-joiner
        "de\u200dploy",  # a joiner between letters
        "de\u2060ploy",  # word joiner
        "\ufeffdeploy",  # byte order mark
        "deploy\U000e0041\U000e007f",  # tag characters
        "de\u00adploy",  # soft hyphen
        "de\u2062ploy",  # invisible times
    ],
)
def test_names_with_invisible_characters_are_refused(ctx: None, user: Any, name: str) -> None:
    with pytest.raises(PatError) as raised:
        service.create(user, name)
    assert raised.value.status == 422
    assert "invisible" in raised.value.fields["name"][0]


@pytest.mark.parametrize("name", ["👩\u200d💻 dev", "❤\ufe0f\u200d🔥 hot", "👩🏽\u200d🚀 launch"])
def test_emoji_joined_by_zero_width_joiners_are_kept(ctx: None, user: Any, name: str) -> None:
    token, _ = service.create(user, name)
    assert token.name == name

"""The token model, built on the host application's Flask-SQLAlchemy ``db``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, attributes, declared_attr, mapped_column

if TYPE_CHECKING:
    from flask_sqlalchemy import SQLAlchemy

_MYSQL = ("mysql", "mariadb")
#: The length of the scope column: every declared scope, joined by spaces, must fit.
SCOPE_TEXT_LENGTH = 1000


def _time() -> sa.DateTime:
    # Generic types only, so a migration runs as Alembic autogenerates it. Times are written
    # as aware UTC values: PostgreSQL keeps the instant, SQLite and MariaDB the UTC wall time
    # (with microseconds on MariaDB too, where DATETIME drops them unless asked); loaded
    # values are made aware UTC again by :func:`_as_utc`.
    return sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), *_MYSQL)


def _as_utc(target: Any, *_: Any) -> None:
    for key in target.time_attributes:
        value = target.__dict__.get(key)
        if value is not None and (value.tzinfo is None or value.utcoffset()):
            aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
            attributes.set_committed_value(target, key, aware)


def _casefold_key(length: int = 300) -> sa.String:
    # The case-folded name carries the per-user uniqueness and the case-insensitive sort
    # and search. MariaDB's default collations also ignore accents, which would make
    # "cafe" and "café" the same name, so compare it byte for byte there.
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"), *_MYSQL
    )


class TokenMixin:
    """Columns and behaviour of a personal access token record.

    The concrete model is made by :func:`make_token_model` on the host's ``db``, with a
    ``user_id`` foreign key matching the host's user primary key.
    """

    __tablename__: str

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    #: The name as the user wrote it (trimmed, NFC).
    name: Mapped[str] = mapped_column(sa.Unicode(100))
    #: ``name`` case-folded: unique per user, and what search and sort look at.
    name_key: Mapped[str] = mapped_column(_casefold_key())
    #: What the token is for, in the user's words (up to 500 characters, lines allowed).
    #: The server default lets a migration add the column to a table that has rows.
    description: Mapped[str] = mapped_column(sa.Unicode(500), default="", server_default="")
    #: ``description`` case-folded, for the search (case-folding may triple its length).
    description_key: Mapped[str] = mapped_column(_casefold_key(1500), default="", server_default="")
    #: SHA-256 hex digest of the whole token: the lookup key.
    token_hash: Mapped[str] = mapped_column(sa.String(64))
    last4: Mapped[str] = mapped_column(sa.String(4))
    #: Space-separated scope names.
    scope_text: Mapped[str] = mapped_column(sa.String(SCOPE_TEXT_LENGTH), default="")
    #: The host's project id, JSON-encoded so that ``1`` and ``"1"`` stay apart.
    project_key: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(_time())
    #: ``None``: never expires.
    expires_at: Mapped[datetime | None] = mapped_column(_time())
    #: Seconds from creation or rotation to expiry, kept so rotation can renew it.
    lifetime_seconds: Mapped[int | None] = mapped_column(sa.BigInteger())
    last_used_at: Mapped[datetime | None] = mapped_column(_time())
    #: The client address and user agent of that last use (``PAT_RECORD_USAGE``).
    last_used_ip: Mapped[str | None] = mapped_column(sa.String(45))
    last_used_user_agent: Mapped[str | None] = mapped_column(sa.Unicode(200))
    #: The last distinct client addresses, newest first, space-separated (at most five).
    recent_ips: Mapped[str | None] = mapped_column(sa.String(255))
    revoked_at: Mapped[datetime | None] = mapped_column(_time())
    #: Why it was revoked: ``user`` (its owner), ``admin``, ``leaked``, ``reused`` (a
    #: rotated-out secret came back) or ``user_changed`` (``PAT_USER_BINDING``); only
    #: ``user`` restores.
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(16))
    #: SHA-256 hex digest of ``PAT_USER_BINDING(user)`` when the token was made or last
    #: rotated; ``None``: not bound.
    user_binding: Mapped[str | None] = mapped_column(sa.String(64))
    #: The smallest ``PAT_EXPIRY_NOTICES`` threshold (days) already notified for the current
    #: ``expires_at``; rotation clears it.
    expiry_notice_days: Mapped[int | None] = mapped_column(sa.Integer())

    time_attributes = ("created_at", "expires_at", "last_used_at", "revoked_at")

    #: Two requests deleting one token at once both succeed, as a delete is idempotent;
    #: without this the second would warn that its DELETE matched no row.
    __mapper_args__ = {"confirm_deleted_rows": False}

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        table = cls.__tablename__
        return (
            sa.UniqueConstraint("user_id", "name_key", name=f"uq_{table}_user_name"),
            sa.Index(f"ix_{table}_token_hash", "token_hash", unique=True),
            sa.Index(f"ix_{table}_user_created", "user_id", "created_at"),
            sa.Index(f"ix_{table}_user_expires", "user_id", "expires_at"),
            sa.Index(f"ix_{table}_user_last_used", "user_id", "last_used_at"),
            # The search of descriptions visits only the tokens that have one.
            sa.Index(
                f"ix_{table}_user_described",
                "user_id",
                postgresql_where=sa.text("description_key <> ''"),
                sqlite_where=sa.text("description_key <> ''"),
            ),
            # The admin inventory opens on everyone's newest tokens.
            sa.Index(f"ix_{table}_created", "created_at", "id"),
            sa.Index(f"ix_{table}_expires", "expires_at"),
            sa.Index(f"ix_{table}_revoked", "revoked_at"),
            # SQLite would otherwise give the next token a deleted one's id (the largest
            # rowid plus one), and with it the deleted token's audit trail.
            {
                "mysql_charset": "utf8mb4",
                "mariadb_charset": "utf8mb4",
                "sqlite_autoincrement": True,
            },
        )

    @property
    def scopes(self) -> list[str]:
        return self.scope_text.split() if self.scope_text else []

    @property
    def project_id(self) -> Any:
        """The host's id of the project this token is bound to, or ``None``."""
        return None if self.project_key is None else json.loads(self.project_key)

    def status(self, now: datetime, warning_seconds: float) -> str:
        """``revoked``, ``expired``, ``expiring`` or ``active`` at ``now``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is None:
            return "active"
        left = (self.expires_at - now).total_seconds()
        if left <= 0:
            return "expired"
        return "expiring" if left <= warning_seconds else "active"

    def __repr__(self) -> str:
        return f"<Token {self.id} {self.name!r} ...{self.last4}>"


class EventMixin:
    """Columns of an audit event: what happened to a token, when, by whom, from where.

    Events outlive their token (``token_id`` has no foreign key) until
    ``PAT_EVENT_RETENTION``; they go with their user.
    """

    __tablename__: str

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    token_id: Mapped[int | None] = mapped_column(sa.BigInteger())
    #: ``created``, ``renamed``, ``rotated``, ``revoked``, ``restored``, ``deleted``,
    #: ``new_ip``, ``leaked``, ``reuse_detected`` or ``expiry_notice``.
    event: Mapped[str] = mapped_column(sa.String(20))
    at: Mapped[datetime] = mapped_column(_time())
    #: ``owner``, ``token``, ``admin``, ``cli`` or ``system``.
    actor: Mapped[str] = mapped_column(sa.String(10))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.Unicode(200))
    #: A JSON object with what else is worth knowing (a leak's URL, days left, a reason).
    detail_text: Mapped[str | None] = mapped_column(sa.UnicodeText())

    time_attributes = ("at",)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        table = cls.__tablename__
        return (
            sa.Index(f"ix_{table}_token", "token_id", "id"),
            # A constraint, not an index: MariaDB's foreign key on user_id needs a key that
            # starts with it, and Alembic's generated downgrade drops indexes before their
            # table, which MariaDB refuses for the last key of a foreign key. Constraints go
            # with the table.
            sa.UniqueConstraint("user_id", "id", name=f"uq_{table}_user"),
            sa.Index(f"ix_{table}_event", "event", "id"),
            sa.Index(f"ix_{table}_at", "at"),
            # SQLite would otherwise give the next token a deleted one's id (the largest
            # rowid plus one), and with it the deleted token's audit trail.
            {
                "mysql_charset": "utf8mb4",
                "mariadb_charset": "utf8mb4",
                "sqlite_autoincrement": True,
            },
        )

    @property
    def detail(self) -> dict[str, Any]:
        return {} if not self.detail_text else dict(json.loads(self.detail_text))

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.event} token={self.token_id}>"


class RetiredSecretMixin:
    """The digest of a secret a rotation replaced, kept to tell a reuse of it (a stolen
    copy, or the owner's old one after a thief rotated) from a mere unknown token.

    The rows go with their token (``ON DELETE CASCADE``).
    """

    __tablename__: str

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    #: SHA-256 hex digest of the rotated-out token.
    token_hash: Mapped[str] = mapped_column(sa.String(64))
    retired_at: Mapped[datetime] = mapped_column(_time())

    time_attributes = ("retired_at",)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        table = cls.__tablename__
        return (
            sa.Index(f"ix_{table}_token_hash", "token_hash", unique=True),
            # A constraint, not an index, as for the events' user_id: MariaDB's foreign key
            # needs a key starting with token_id, and Alembic's downgrade drops indexes first.
            sa.UniqueConstraint("token_id", "id", name=f"uq_{table}_token"),
            {"mysql_charset": "utf8mb4", "mariadb_charset": "utf8mb4"},
        )


def make_models(
    db: SQLAlchemy,
    user_model: type[Any],
    table_name: str,
    metadata: sa.MetaData | None = None,
) -> tuple[type[Any], type[Any], type[Any]]:
    """Define the token and event models, each with a cascading foreign key to the user,
    and the rotated-out secrets, with one to their token.

    They are declared on ``db.Model``, or on ``metadata`` when the host keeps its tables on
    a ``MetaData`` of its own (an app framework's declarative base).
    """
    mapper = sa.inspect(user_model)
    if len(mapper.primary_key) != 1:
        raise RuntimeError(
            f"flask-pat needs {user_model.__name__} to have a single-column primary key."
        )
    user_pk = mapper.primary_key[0]
    base: Any = db.Model
    if metadata is not None and metadata is not db.metadata:
        base = sa.orm.registry(metadata=metadata).generate_base()

    def user_id() -> Any:
        return mapped_column(
            user_pk.type.copy(), sa.ForeignKey(user_pk, ondelete="CASCADE"), nullable=False
        )

    token = type(
        "PersonalAccessToken",
        (TokenMixin, base),
        {"__tablename__": table_name, "user_id": user_id()},
    )
    event = type(
        "PersonalAccessTokenEvent",
        (EventMixin, base),
        {"__tablename__": f"{table_name}_event", "user_id": user_id()},
    )
    token_id = token.__table__.c.id  # type: ignore[attr-defined]
    retired = type(
        "PersonalAccessTokenRetiredSecret",
        (RetiredSecretMixin, base),
        {
            "__tablename__": f"{table_name}_retired",
            "token_id": mapped_column(
                token_id.type.copy(), sa.ForeignKey(token_id, ondelete="CASCADE"), nullable=False
            ),
        },
    )
    for model in (token, event, retired):
        sa.event.listen(model, "load", _as_utc)
        sa.event.listen(model, "refresh", _as_utc)
    return token, event, retired

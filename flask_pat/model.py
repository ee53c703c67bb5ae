"""The token model, built on the host application's Flask-SQLAlchemy ``db``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeEngine

if TYPE_CHECKING:
    from flask_sqlalchemy import SQLAlchemy

_MYSQL = ("mysql", "mariadb")


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A UTC timestamp stored without zone, read back as an aware ``datetime``.

    Naive columns behave alike on SQLite, PostgreSQL and MariaDB; microseconds are kept on
    MariaDB too, where ``DATETIME`` drops them unless asked.
    """

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in _MYSQL:
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _casefold_key() -> sa.String:
    # The case-folded name carries the per-user uniqueness and the case-insensitive sort
    # and search. MariaDB's default collations also ignore accents, which would make
    # "cafe" and "café" the same name, so compare it byte for byte there.
    return sa.String(300).with_variant(
        mysql.VARCHAR(300, charset="utf8mb4", collation="utf8mb4_bin"), *_MYSQL
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
    #: SHA-256 hex digest of the whole token: the lookup key.
    token_hash: Mapped[str] = mapped_column(sa.String(64))
    last4: Mapped[str] = mapped_column(sa.String(4))
    #: Space-separated scope names.
    scope_text: Mapped[str] = mapped_column(sa.String(1000), default="")
    #: The host's project id, JSON-encoded so that ``1`` and ``"1"`` stay apart.
    project_key: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: ``None``: never expires.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Seconds from creation or rotation to expiry, kept so rotation can renew it.
    lifetime_seconds: Mapped[int | None] = mapped_column(sa.BigInteger())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

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
            sa.Index(f"ix_{table}_expires", "expires_at"),
            sa.Index(f"ix_{table}_revoked", "revoked_at"),
            {"mysql_charset": "utf8mb4", "mariadb_charset": "utf8mb4"},
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


def make_token_model(db: SQLAlchemy, user_model: type[Any], table_name: str) -> type[Any]:
    """Define the token model on ``db`` with a cascading foreign key to ``user_model``."""
    mapper = sa.inspect(user_model)
    if len(mapper.primary_key) != 1:
        raise RuntimeError(
            f"flask-pat needs {user_model.__name__} to have a single-column primary key."
        )
    user_pk = mapper.primary_key[0]
    attrs: dict[str, Any] = {
        "__tablename__": table_name,
        "user_id": mapped_column(
            user_pk.type.copy(),
            sa.ForeignKey(user_pk, ondelete="CASCADE"),
            nullable=False,
        ),
        "user": sa.orm.relationship(user_model, lazy="raise", viewonly=True),
    }
    return type("PersonalAccessToken", (TokenMixin, db.Model), attrs)

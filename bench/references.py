"""Reference token schemes, written for comparison with flask-pat only: do not use them.

Each is the way a good share of Flask and Django apps check API tokens, as a Flask-Login
request loader that loads the token and its user in one query, so that only the scheme
differs from flask-pat:

- :class:`Plaintext`: the token is stored as is and looked up directly;
- :class:`Knox`: django-rest-knox's scheme, SHA-512 of the token, found by its first 15
  characters and then compared;
- :class:`SlowHash`: a password hash (bcrypt, cost 12, the library's default), found by a
  public prefix and then verified, as many tutorials do;
- :class:`Sanctum`: Laravel Sanctum's ``id|secret`` with a SHA-256 digest, which writes
  ``last_used_at`` on every request (benchmark 3 only).
"""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import UTC, datetime
from typing import Any

import bcrypt
import sqlalchemy as sa
from flask import Flask, Request
from flask_sqlalchemy import SQLAlchemy

from .apps import USER_TABLE

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BCRYPT_ROUNDS = 12


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def random_text(rng: random.Random, length: int) -> str:
    return "".join(rng.choices(ALPHABET, k=length))


def bearer(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials:
        return None
    return credentials.strip()


def live(token: Any, user: Any) -> bool:
    expired = token.expires_at is not None and token.expires_at <= utcnow()
    return not expired and user.is_active


class Scheme:
    """A token scheme: its table, how it checks a token, and how to fill its table."""

    name = ""
    label = ""
    #: Columns written by :meth:`issue` and :meth:`filler`, in order.
    columns: tuple[str, ...] = ()
    #: Whether a check costs so much that only a few requests are timed.
    slow = False

    def define(self, db: SQLAlchemy, User: type[Any], table: str) -> type[Any]:
        raise NotImplementedError

    def check(self, db: SQLAlchemy, Token: Any, User: Any, credentials: str) -> Any:
        raise NotImplementedError

    def install(self, app: Flask, db: SQLAlchemy, User: type[Any], table: str) -> type[Any]:
        Token = self.define(db, User, table)

        def load_user_from_request(request: Request) -> Any:
            credentials = bearer(request)
            return None if credentials is None else self.check(db, Token, User, credentials)

        app.login_manager.request_loader(load_user_from_request)  # type: ignore[attr-defined]
        return Token

    def issue(
        self, rng: random.Random, row_id: int, user_id: int, expires: str
    ) -> tuple[str, tuple[Any, ...]]:
        """A working token: its text, and its row."""
        raise NotImplementedError

    def filler(
        self, rng: random.Random, row_id: int, user_id: int, expires: str
    ) -> tuple[Any, ...]:
        """A row of someone else's token, cheap to make (its secret is thrown away)."""
        return self.issue(rng, row_id, user_id, expires)[1]


def _model(db: SQLAlchemy, table: str, name: str, columns: dict[str, Any]) -> type[Any]:
    attrs: dict[str, Any] = {
        "__tablename__": table,
        "id": sa.Column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        "user_id": sa.Column(
            sa.ForeignKey(f"{USER_TABLE}.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        "expires_at": sa.Column(sa.DateTime()),
        **columns,
    }
    return type(name, (db.Model,), attrs)


def _one(db: SQLAlchemy, Token: Any, User: Any, condition: Any) -> Any:
    return db.session.execute(
        sa.select(Token, User).join(User, Token.user_id == User.id).where(condition)
    ).first()


class Plaintext(Scheme):
    name = "plaintext"
    label = "plaintext lookup"
    columns = ("id", "user_id", "expires_at", "token")

    def define(self, db: SQLAlchemy, User: type[Any], table: str) -> type[Any]:
        return _model(
            db,
            table,
            "PlainToken",
            {"token": sa.Column(sa.String(64), unique=True, nullable=False)},
        )

    def check(self, db: SQLAlchemy, Token: Any, User: Any, credentials: str) -> Any:
        row = _one(db, Token, User, Token.token == credentials)
        if row is None or not live(*row):
            return None
        return row[1]

    def issue(
        self, rng: random.Random, row_id: int, user_id: int, expires: str
    ) -> tuple[str, tuple[Any, ...]]:
        secret = random_text(rng, 40)
        return secret, (row_id, user_id, expires, secret)

    def filler(
        self, rng: random.Random, row_id: int, user_id: int, expires: str
    ) -> tuple[Any, ...]:
        return (row_id, user_id, expires, rng.randbytes(20).hex())


class Knox(Scheme):
    name = "knox"
    label = "SHA-512, 15-char prefix (knox)"
    columns = ("id", "user_id", "expires_at", "token_key", "digest")

    def define(self, db: SQLAlchemy, User: type[Any], table: str) -> type[Any]:
        return _model(
            db,
            table,
            "KnoxToken",
            {
                "token_key": sa.Column(sa.String(15), index=True, nullable=False),
                "digest": sa.Column(sa.String(128), unique=True, nullable=False),
            },
        )

    def check(self, db: SQLAlchemy, Token: Any, User: Any, credentials: str) -> Any:
        rows = db.session.execute(
            sa.select(Token, User)
            .join(User, Token.user_id == User.id)
            .where(Token.token_key == credentials[:15])
        ).all()
        digest = hashlib.sha512(credentials.encode()).hexdigest()
        for token, user in rows:
            if hmac.compare_digest(digest, token.digest):
                return user if live(token, user) else None
        return None

    def issue(
        self, rng: random.Random, row_id: int, user_id: int, expires: str
    ) -> tuple[str, tuple[Any, ...]]:
        secret = f"{rng.getrandbits(256):064x}"
        digest = hashlib.sha512(secret.encode()).hexdigest()
        return secret, (row_id, user_id, expires, secret[:15], digest)

    def filler(
        self, rng: random.Random, row_id: int, user_id: int, expires: str
    ) -> tuple[Any, ...]:
        # Never presented: random values of the right shape stand for key and digest.
        return (row_id, user_id, expires, rng.randbytes(8).hex()[:15], rng.randbytes(64).hex())


class SlowHash(Scheme):
    name = "bcrypt"
    label = f"bcrypt (cost {BCRYPT_ROUNDS}), prefix"
    columns = ("id", "user_id", "expires_at", "prefix", "hash")
    slow = True

    def __init__(self) -> None:
        self._filler_hash = ""
        self._hashes: dict[str, str] = {}

    def define(self, db: SQLAlchemy, User: type[Any], table: str) -> type[Any]:
        return _model(
            db,
            table,
            "BcryptToken",
            {
                "prefix": sa.Column(sa.String(12), unique=True, nullable=False),
                "hash": sa.Column(sa.String(60), nullable=False),
            },
        )

    def check(self, db: SQLAlchemy, Token: Any, User: Any, credentials: str) -> Any:
        prefix, _, secret = credentials.partition(".")
        row = _one(db, Token, User, Token.prefix == prefix)
        if row is None or not bcrypt.checkpw(secret.encode(), row[0].hash.encode()):
            return None
        return row[1] if live(*row) else None

    def issue(
        self, rng: random.Random, row_id: int, user_id: int, expires: str
    ) -> tuple[str, tuple[Any, ...]]:
        prefix, secret = random_text(rng, 12), random_text(rng, 32)
        # The same measured tokens go into every table: hash each once.
        hashed = self._hashes.get(secret)
        if hashed is None:
            hashed = bcrypt.hashpw(secret.encode(), bcrypt.gensalt(BCRYPT_ROUNDS)).decode()
            self._hashes[secret] = hashed
        return f"{prefix}.{secret}", (row_id, user_id, expires, prefix, hashed)

    def filler(
        self, rng: random.Random, row_id: int, user_id: int, expires: str
    ) -> tuple[Any, ...]:
        # A million bcrypt hashes would take three days to compute: the fillers share one
        # real hash, which costs a lookup exactly what a distinct one would.
        if not self._filler_hash:
            self._filler_hash = bcrypt.hashpw(b"filler", bcrypt.gensalt(BCRYPT_ROUNDS)).decode()
        # Unique by the row id, random after it.
        prefix = f"{row_id:06x}{rng.randbytes(3).hex()}"
        return (row_id, user_id, expires, prefix, self._filler_hash)


class Sanctum(Scheme):
    name = "sanctum"
    label = "SHA-256, write on every request (Sanctum)"
    columns = ("id", "user_id", "expires_at", "token", "last_used_at")

    def define(self, db: SQLAlchemy, User: type[Any], table: str) -> type[Any]:
        return _model(
            db,
            table,
            "SanctumToken",
            {
                "token": sa.Column(sa.String(64), unique=True, nullable=False),
                "last_used_at": sa.Column(sa.DateTime()),
            },
        )

    def check(self, db: SQLAlchemy, Token: Any, User: Any, credentials: str) -> Any:
        row_id, _, secret = credentials.partition("|")
        if not row_id.isdecimal():
            return None
        row = _one(db, Token, User, Token.id == int(row_id))
        digest = hashlib.sha256(secret.encode()).hexdigest()
        if row is None or not hmac.compare_digest(digest, row[0].token) or not live(*row):
            return None
        # Sanctum's guard: $accessToken->forceFill(['last_used_at' => now()])->save().
        # On a connection of its own, as flask-pat writes, so the loaded user stays loaded.
        with db.engine.begin() as connection:
            connection.execute(
                sa.update(Token.__table__)
                .where(Token.__table__.c.id == row[0].id)
                .values(last_used_at=utcnow())
            )
        return row[1]

    def issue(
        self, rng: random.Random, row_id: int, user_id: int, expires: str
    ) -> tuple[str, tuple[Any, ...]]:
        secret = random_text(rng, 40)
        digest = hashlib.sha256(secret.encode()).hexdigest()
        return f"{row_id}|{secret}", (row_id, user_id, expires, digest, None)

    def filler(
        self, rng: random.Random, row_id: int, user_id: int, expires: str
    ) -> tuple[Any, ...]:
        return (row_id, user_id, expires, rng.randbytes(32).hex(), None)


REFERENCES: tuple[Scheme, ...] = (Plaintext(), Knox(), SlowHash())

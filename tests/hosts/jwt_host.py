"""A host whose API authenticates with Flask-JWT-Extended access tokens (``Authorization:
Bearer <JWT>``), next to Flask-Login sessions for its pages. flask-pat joins it: the API's
routes take a JWT or a personal access token.

The recipe in docs/recipes/jwt.md shows the parts between the markers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import flask_jwt_extended
import flask_login
import sqlalchemy as sa
from flask import Blueprint, Flask, request
from flask_jwt_extended import JWTManager, create_access_token, verify_jwt_in_request
from flask_login import LoginManager, UserMixin, login_user
from flask_sqlalchemy import SQLAlchemy

from flask_pat import PersonalAccessTokens, current_token, token_scopes_required

db = SQLAlchemy()
jwt = JWTManager()
pat = PersonalAccessTokens()


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "jwt_host_user"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False)


class Note(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "jwt_host_note"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey(User.id, ondelete="CASCADE"), nullable=False)
    text = db.Column(db.String(200), nullable=False)


@jwt.user_lookup_loader
def load_jwt_user(header: dict[str, Any], claims: dict[str, Any]) -> User | None:
    return db.session.get(User, int(claims["sub"]))


# recipe: jwt or token start
def jwt_or_token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """A JWT, or a personal access token that flask-pat signed in (``current_token``)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_token:
            verify_jwt_in_request()
        return view(*args, **kwargs)

    return wrapped


def acting_user() -> Any:
    """The user of this request, whichever kind of token brought it."""
    if current_token:
        return flask_login.current_user
    return flask_jwt_extended.current_user


# recipe: jwt or token end

api = Blueprint("api", __name__)


# recipe: routes start
@api.get("/notes")
@token_scopes_required("notes:read")  # personal access tokens: this scope; JWTs pass through
@jwt_or_token_required
def list_notes() -> Any:
    user = acting_user()
    notes = db.session.scalars(sa.select(Note).filter_by(user_id=user.id).order_by(Note.id))
    return {"user": user.name, "notes": [note.text for note in notes]}


@api.post("/notes")
@token_scopes_required("notes:write")
@jwt_or_token_required
def add_note() -> Any:
    user = acting_user()
    note = Note(user_id=user.id, text=str((request.get_json(silent=True) or {}).get("text")))
    db.session.add(note)
    db.session.commit()
    return {"id": note.id}, 201


# recipe: routes end


def create_app(database_url: str) -> Flask:
    app = Flask(__name__)
    app.config.update(
        TESTING=True,
        SECRET_KEY="jwt-host-secret",
        JWT_SECRET_KEY="jwt-host-signing-key-of-at-least-32-bytes",
        SQLALCHEMY_DATABASE_URI=database_url,
        PAT_SCOPES={"notes:read": "Read notes", "notes:write": "Write notes"},
    )
    db.init_app(app)
    jwt.init_app(app)
    login_manager = LoginManager(app)

    @login_manager.user_loader
    def load_user(user_id: str) -> Any:
        return db.session.get(User, int(user_id))

    pat.init_app(app, db=db, user_model=User)
    app.register_blueprint(api, url_prefix="/api")

    @app.post("/test-login/<int:user_id>")
    def test_login(user_id: int) -> str:
        login_user(db.session.get(User, user_id))
        return "ok"

    @app.post("/auth/token/<int:user_id>")
    def issue_jwt(user_id: int) -> Any:
        # The host's own sign-in for API clients (a password check in a real app).
        return {"access_token": create_access_token(identity=str(user_id))}

    @app.teardown_request
    def end_session(exc: BaseException | None) -> None:
        db.session.remove()

    with app.app_context():
        db.create_all()
    return app

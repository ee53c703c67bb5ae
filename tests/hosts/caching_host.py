"""A host built from a widely used project template: Flask-Caching in front of its API
views, Flask-Login sessions, and its API opened to flask-pat tokens.

The recipe in docs/recipes/caching.md shows the part between the markers.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, request
from flask_caching import Cache
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy

from flask_pat import PersonalAccessTokens, scopes_required

db = SQLAlchemy()
cache = Cache()
pat = PersonalAccessTokens()


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "caching_host_user"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False)


class Note(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "caching_host_note"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey(User.id, ondelete="CASCADE"), nullable=False)
    text = db.Column(db.String(200), nullable=False)


api = Blueprint("api", __name__)


# recipe: cached views start
def per_user_key() -> str:
    """One cache entry per user and URL: never one user's answer for another."""
    return f"view:{current_user.get_id()}:{request.full_path}"


@api.get("/notes")
@scopes_required("notes:read")  # first: a refused or anonymous request never reaches the cache
@cache.cached(timeout=60, make_cache_key=per_user_key)
def notes() -> Any:
    rows = db.session.scalars(sa.select(Note).filter_by(user_id=current_user.id))
    return {"user": current_user.name, "notes": [note.text for note in rows]}


# recipe: cached views end


@api.get("/export")
@scopes_required("notes:read")
def export() -> Any:
    return {"user": current_user.name}, 200, {"Cache-Control": "no-store"}


def create_app(database_url: str) -> Flask:
    app = Flask(__name__)
    app.config.update(
        TESTING=True,
        SECRET_KEY="caching-host-secret",
        SQLALCHEMY_DATABASE_URI=database_url,
        CACHE_TYPE="SimpleCache",
        PAT_SCOPES={"notes:read": "Read notes"},
    )
    db.init_app(app)
    cache.init_app(app)
    login_manager = LoginManager(app)

    @login_manager.user_loader
    def load_user(user_id: str) -> Any:
        return db.session.get(User, int(user_id))

    pat.init_app(app, db=db, user_model=User)
    app.register_blueprint(api, url_prefix="/api")
    pat.accepts_tokens(api)

    @app.post("/test-login/<int:user_id>")
    def test_login(user_id: int) -> str:
        login_user(db.session.get(User, user_id))
        return "ok"

    @app.get("/private")
    @login_required
    def private() -> Any:
        return {"user": current_user.name}

    @app.teardown_request
    def end_session(exc: BaseException | None) -> None:
        db.session.remove()

    with app.app_context():
        db.create_all()
    return app

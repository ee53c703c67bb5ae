"""A Flask-Security-Too host: its own login views, its own ``LoginManager`` made by
``Security``, its own token header (``Authentication-Token``) read by its own request
loader, and flask-pat registered after it."""

from __future__ import annotations

import warnings
from typing import Any

from flask import Blueprint, Flask
from flask_login import current_user, login_required
from flask_sqlalchemy import SQLAlchemy

from flask_pat import PersonalAccessTokens, current_token, scopes_required

with warnings.catch_warnings():
    # passlib, which Flask-Security-Too used up to 5.6, imports the deprecated crypt module.
    warnings.filterwarnings("ignore", "'crypt' is deprecated", DeprecationWarning)
    from flask_security import Security, SQLAlchemyUserDatastore, auth_required, hash_password
    from flask_security.models import fsqla_v3 as fsqla

db = SQLAlchemy()
fsqla.FsModels.set_db_info(db, user_table_name="fs_user", role_table_name="fs_role")
security = Security()
pat = PersonalAccessTokens()


class Role(db.Model, fsqla.FsRoleMixin):  # type: ignore[name-defined,misc]
    __tablename__ = "fs_role"


class User(db.Model, fsqla.FsUserMixin):  # type: ignore[name-defined,misc]
    __tablename__ = "fs_user"


user_datastore = SQLAlchemyUserDatastore(db, User, Role)

#: The host's API, opened to flask-pat tokens.
api = Blueprint("api", __name__)


@api.get("/me")
@login_required
def api_me() -> Any:
    return {"user": current_user.email, "token": current_token.name if current_token else None}


@api.get("/notes")
@scopes_required("notes:read")
def api_notes() -> Any:
    return {"user": current_user.email, "notes": []}


def create_app(database_url: str, **config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(
        TESTING=True,
        SECRET_KEY="security-host-secret",
        SQLALCHEMY_DATABASE_URI=database_url,
        SECURITY_PASSWORD_SALT="security-host-salt",
        # Fast for tests; a real host keeps the default (argon2 or bcrypt).
        SECURITY_PASSWORD_HASH="plaintext",
        PAT_SCOPES={"notes:read": "Read notes"},
    )
    app.config.update(config)
    db.init_app(app)
    security.init_app(app, user_datastore)
    pat.init_app(app, db=db, user_model=User)

    @app.get("/fs/me")
    @auth_required("token")
    def fs_me() -> Any:
        return {"user": current_user.email}

    app.register_blueprint(api, url_prefix="/api")
    pat.accepts_tokens(api)

    @app.teardown_request
    def end_session(exc: BaseException | None) -> None:
        db.session.remove()

    with app.app_context():
        db.create_all()
    return app


def add_user(email: str, password: str) -> Any:
    user = user_datastore.create_user(email=email, password=hash_password(password))
    db.session.commit()
    return user

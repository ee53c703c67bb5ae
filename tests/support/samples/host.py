"""A host app with flask-pat registered: ``app``, ``db``, ``User`` (with ``email`` and
``is_admin``), ``pat``, ``api`` and ``admin_api`` blueprints, a Flask-HTTPAuth
``token_auth``, a test ``client``, the decorators a page's block uses, an app
framework's ``appbuilder``, and ``send_mail``, which keeps what it is given in ``outbox``."""

from types import SimpleNamespace

from flask import Blueprint, Flask
from flask_httpauth import HTTPTokenAuth
from flask_login import LoginManager, UserMixin, login_required
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman

from flask_pat import PersonalAccessTokens, accepts_tokens, scopes_required

app = Flask("sample")
app.config["SECRET_KEY"] = "sample"
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
app.config["PAT_SCOPES"] = {"notes:read": "Read your notes", "notes:write": "Write notes"}
db = SQLAlchemy(app)
login_manager = LoginManager(app)
pat = PersonalAccessTokens()


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(200), nullable=False, default="someone@example.com")
    is_admin = db.Column(db.Boolean, nullable=False, default=False)


login_manager.user_loader(lambda user_id: db.session.get(User, int(user_id)))
pat.init_app(app, db=db, user_model=User)
#: The host's API blueprint, not registered yet, so that a block may add routes to it.
api = Blueprint("api", __name__, url_prefix="/api")
admin_api = Blueprint("admin_api", __name__, url_prefix="/admin/api")
#: The host's own token auth (Flask-HTTPAuth).
token_auth = HTTPTokenAuth(scheme="Bearer")
#: A test client of the app.
client = app.test_client()
#: What an app framework hands its templates (Flask-AppBuilder's ``appbuilder``).
appbuilder = SimpleNamespace(base_template="appbuilder/baselayout.html")
outbox: list[tuple[str, str]] = []


def send_mail(to: str, text: str) -> None:
    outbox.append((to, text))


__all__ = ["Talisman", "accepts_tokens", "login_required", "scopes_required"]

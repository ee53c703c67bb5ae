"""A host app whose extensions are made but not registered yet: ``app``, ``db``,
``login_manager``, ``pat`` and ``User``."""

from flask import Flask
from flask_login import LoginManager, UserMixin
from flask_sqlalchemy import SQLAlchemy

from flask_pat import PersonalAccessTokens

app = Flask("sample")
app.config["SECRET_KEY"] = "sample"
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
db = SQLAlchemy()
login_manager = LoginManager()
pat = PersonalAccessTokens()


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)

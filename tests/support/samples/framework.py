"""A host on an app framework that keeps its models on a declarative base of its own
(``Base``), with ``app``, ``db``, the framework's ``LoginManager``, ``pat`` and ``User``."""

import sqlalchemy as sa
from flask import Flask
from flask_login import LoginManager, UserMixin
from flask_sqlalchemy import SQLAlchemy

from flask_pat import PersonalAccessTokens


class Base(sa.orm.DeclarativeBase):
    pass


class User(UserMixin, Base):
    __tablename__ = "fw_user"
    id: sa.orm.Mapped[int] = sa.orm.mapped_column(primary_key=True)


app = Flask("sample")
app.config["SECRET_KEY"] = "sample"
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
db = SQLAlchemy(app)
login_manager = LoginManager(app)
pat = PersonalAccessTokens()

"""The :class:`PersonalAccessTokens` extension."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from flask import Blueprint, Flask

from . import inventory, settings, wiring
from .api import bodies
from .cli import pat_cli
from .config import DEFAULTS
from .ide import IdeFormat
from .model import make_models
from .signin import decide, marking
from .views import bp

if TYPE_CHECKING:
    from flask_sqlalchemy import SQLAlchemy

T = TypeVar("T")


class PersonalAccessTokens:
    """Personal access tokens for a Flask + Flask-SQLAlchemy + Flask-Login app.

    ``PersonalAccessTokens(app, db=db, user_model=User)``, or create it bare and call
    :meth:`init_app` in an application factory. After registration the token model is
    :attr:`Token`.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        db: SQLAlchemy | None = None,
        user_model: type[Any] | None = None,
        metadata: sa.MetaData | None = None,
    ) -> None:
        self.db: SQLAlchemy = db  # type: ignore[assignment]
        self.user_model: type[Any] = user_model  # type: ignore[assignment]
        #: The ``MetaData`` the tables are on: the host's own, or ``db.metadata``.
        self.metadata: sa.MetaData | None = metadata
        #: The token model, defined on the host's ``db`` by the first :meth:`init_app`.
        self.Token: Any = None
        #: The audit event model, defined alongside :attr:`Token`.
        self.Event: Any = None
        #: The digests of rotated-out secrets (reuse detection), alongside :attr:`Token`.
        self.RetiredSecret: Any = None
        self.user_pk: Any = None
        self.user_pk_attr = ""
        #: IDE settings formats registered with :meth:`ide_format`.
        self.extra_ide_formats: dict[str, IdeFormat] = {}
        #: Blueprints (or blueprint names) passed to :meth:`accepts_tokens`.
        self.token_blueprints: set[Any] = set()
        if app is not None:
            self.init_app(app)

    def init_app(
        self,
        app: Flask,
        *,
        db: SQLAlchemy | None = None,
        user_model: type[Any] | None = None,
        metadata: sa.MetaData | None = None,
    ) -> None:
        """Register the model, blueprint, request loader and ``flask pat`` on ``app``.

        ``metadata``: where the tables go when the host keeps its own on a ``MetaData`` of
        its own (an app framework's declarative base); by default ``db.metadata``.
        """
        if "pat" in app.extensions:
            raise RuntimeError(
                "flask-pat is already registered on this app: call init_app once per app."
            )
        db = db or self.db
        user_model = user_model or self.user_model
        metadata = metadata if metadata is not None else self.metadata
        wiring.check(app, db, user_model, metadata)
        if self.Token is not None and (
            db is not self.db or user_model is not self.user_model or metadata is not self.metadata
        ):
            raise RuntimeError(
                "One PersonalAccessTokens serves one db, user model and metadata: make another"
                " PersonalAccessTokens() for another set."
            )
        if "PAT_DEFAULT_EXPIRATION" not in app.config:
            settings.fit_default_expiration(app.config)
        for key, value in DEFAULTS.items():
            app.config.setdefault(key, value)
        settings.check(app.config)

        if self.Token is None:
            self.db, self.user_model, self.metadata = db, user_model, metadata
            self.Token, self.Event, self.RetiredSecret = make_models(
                db, user_model, app.config["PAT_TABLE_NAME"], metadata
            )
            wiring.forget_deleted_users(self)
            mapper = sa.inspect(user_model)
            #: The user model's primary key column, and its attribute name.
            self.user_pk = mapper.primary_key[0]
            self.user_pk_attr = mapper.get_property_by_column(self.user_pk).key
        # The setting names the user model's columns: checked now that the model is known.
        inventory.user_search_columns(self.user_model, app.config["PAT_ADMIN_USER_SEARCH"])
        app.extensions["pat"] = self

        app.register_blueprint(bp, url_prefix=app.config["PAT_URL_PREFIX"])
        decide.init_app(app)
        bodies.init_app(app)
        app.cli.add_command(pat_cli)
        wiring.enforce_sqlite_foreign_keys(app, db)
        wiring.install_sqlite_user_trigger(app, self)

    def user_id(self, user: Any) -> Any:
        """The primary key of ``user``."""
        return getattr(user, self.user_pk_attr)

    def accepts_tokens(self, target: T) -> T:
        """Let valid tokens sign their users in on a blueprint's routes (and those of the
        blueprints nested in it), or on one view; returns ``target``.

        With ``PAT_TOKEN_ROUTES = "marked"`` (the default) tokens sign in only on such
        routes, views marked with ``@accepts_tokens`` or ``@scopes_required``, and
        flask-pat's own token routes. A blueprint may also be given by its name.
        """
        if isinstance(target, Blueprint | str):
            self.token_blueprints.add(target)
        else:
            marking.accepts_tokens(target)  # type: ignore[type-var]
        return target

    def ide_format(self, fmt: IdeFormat) -> IdeFormat:
        """Offer another IDE settings format on the page and in the API; returns ``fmt``."""
        self.extra_ide_formats[fmt.id] = fmt
        return fmt

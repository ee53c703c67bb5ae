"""marshmallow schemas: what the API reads and what it answers. The OpenAPI document is
generated from these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..config import PAGE_SIZES
from ..events import ACTORS, EVENTS
from ..i18n import N_, lazy_gettext
from ..i18n import gettext as _
from ..inventory import ADMIN_SORT_KEYS
from ..listing import SORT_KEYS, STATUSES

#: marshmallow's own messages for the fields below, so the catalogues translate them too.
FIELD_MESSAGES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid integer."),
    N_("Number too large."),
    N_("Not a valid boolean."),
    N_("Not a valid list."),
    N_("Invalid type."),
    N_("Invalid input type."),
    N_("Unknown field."),
)
#: Formatted by marshmallow with ``{choices}`` when the choice is wrong.
ONE_OF = lazy_gettext("Choose one of: {choices}.")


class StrictInteger(fields.Integer):
    """An integer that refuses ``true``, ``"30"`` and ``30.0``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool):
            raise ValidationError(_("Not a valid integer."))
        return super()._deserialize(value, attr, data, **kwargs)


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError(_("Remove the NUL character."))


class ExpirationSchema(Schema):
    class Meta:
        unknown = RAISE

    unit = fields.String(
        required=True, metadata={"description": "never, minutes, hours, days or weeks"}
    )
    value = StrictInteger(
        load_default=None,
        allow_none=True,
        metadata={"description": "A positive whole number; absent or null for never."},
    )


class TokenCreateSchema(Schema):
    """A request to create a token."""

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, metadata={"description": "1 to 100 characters"})
    description = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "0 to 500 characters; lines allowed"},
    )
    expiration = fields.Nested(ExpirationSchema, load_default=None)
    scopes = fields.List(fields.String(), load_default=None)
    project_id = fields.Raw(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The id of one of the user's projects",
            "type": ["string", "integer"],
        },
    )


class TokenEditSchema(Schema):
    """A change of a token's name, description, or both."""

    class Meta:
        unknown = RAISE

    name = fields.String(metadata={"description": "1 to 100 characters"})
    description = fields.String(metadata={"description": "0 to 500 characters; lines allowed"})


class RotateSchema(Schema):
    """The optional body of a rotation: a new lifetime, counted from now."""

    class Meta:
        unknown = RAISE

    expiration = fields.Nested(
        ExpirationSchema,
        load_default=None,
        allow_none=True,
        metadata={"description": "As at creation; absent or null: the token's own lifetime"},
    )


class TokenListQuerySchema(Schema):
    """The query string of the token list."""

    class Meta:
        unknown = RAISE

    q = fields.String(load_default="", validate=_no_nul)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES, error=ONE_OF))
    project = fields.String(load_default=None, validate=_no_nul)
    sort = fields.String(
        load_default="-created_at",
        validate=validate.OneOf([*SORT_KEYS, *(f"-{key}" for key in SORT_KEYS)], error=ONE_OF),
    )
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, error=lazy_gettext("Enter a whole number from {min}.")),
    )
    per_page = fields.Integer(load_default=10, validate=validate.OneOf(PAGE_SIZES, error=ONE_OF))


class IdeQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    integration = fields.String(load_default=None, validate=_no_nul)
    project = fields.String(load_default=None, validate=_no_nul)
    download = fields.Boolean(
        load_default=False,
        falsy={*fields.Boolean.falsy, ""},
        metadata={"description": "1 or true: answer as an attachment"},
    )


class TokenSchema(Schema):
    """A token as the API shows it. Never carries the secret."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    last4 = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(allow_none=True, required=True)
    last_used_at = fields.AwareDateTime(allow_none=True, required=True)
    last_used_ip = fields.String(allow_none=True, required=True)
    last_used_user_agent = fields.String(allow_none=True, required=True)
    revoked_at = fields.AwareDateTime(allow_none=True, required=True)
    revoked_reason = fields.String(
        allow_none=True,
        required=True,
        metadata={"enum": ["user", "admin", "leaked", None], "description": "Who revoked it"},
    )
    status = fields.Method(
        "get_status",
        required=True,
        metadata={"type": "string", "enum": list(STATUSES)},
    )
    scopes = fields.List(fields.String(), required=True)
    project_id = fields.Raw(
        allow_none=True,
        required=True,
        # No "null" here: apispec adds it for allow_none, and twice is invalid OpenAPI.
        metadata={"type": ["string", "integer"]},
    )

    def __init__(self, *, now: datetime | None = None, warning_seconds: float = 0, **kwargs: Any):
        super().__init__(**kwargs)
        self.now = now
        self.warning_seconds = warning_seconds

    def get_status(self, token: Any) -> str:
        assert self.now is not None
        return str(token.status(self.now, self.warning_seconds))


class AdminTokenSchema(TokenSchema):
    """A token in the admin inventory: with its owner."""

    user = fields.Raw(
        required=True,
        metadata={"type": ["string", "integer"], "description": "The owner's primary key"},
    )
    user_label = fields.String(required=True, metadata={"description": "str(owner)"})


class AdminTokenListSchema(Schema):
    items = fields.List(fields.Nested(AdminTokenSchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(
        required=True,
        metadata={"description": "Matching tokens; a lower bound when total_exact is false"},
    )
    total_exact = fields.Boolean(
        required=True,
        metadata={"description": "false: more than 10,000 tokens match, total is 10,000"},
    )
    pages = fields.Integer(required=True)


class TokenListSchema(Schema):
    items = fields.List(fields.Nested(TokenSchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class EventSchema(Schema):
    """One entry of a token's audit trail."""

    id = fields.Integer(required=True)
    token_id = fields.Integer(allow_none=True, required=True)
    user_id = fields.Raw(required=True, metadata={"type": ["string", "integer"]})
    event = fields.String(required=True, metadata={"enum": list(EVENTS)})
    at = fields.AwareDateTime(required=True)
    actor = fields.String(required=True, metadata={"enum": list(ACTORS)})
    ip = fields.String(allow_none=True, required=True)
    user_agent = fields.String(allow_none=True, required=True)
    detail = fields.Dict(keys=fields.String(), required=True)


class EventListSchema(Schema):
    items = fields.List(fields.Nested(EventSchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class PageQuerySchema(Schema):
    """The query string of a paged list that only pages."""

    class Meta:
        unknown = RAISE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=10, validate=validate.OneOf(PAGE_SIZES))


class TokenSecretSchema(Schema):
    """A token with its secret: only in the answer that creates or rotates it."""

    token = fields.Nested(TokenSchema, required=True)
    secret = fields.String(required=True)


class ExpirationDefaultSchema(Schema):
    unit = fields.String(required=True)
    value = fields.Integer(allow_none=True, required=True)


class ScopeSchema(Schema):
    name = fields.String(required=True)
    description = fields.String(required=True)


class IntegrationSchema(Schema):
    uid = fields.String(required=True)
    name = fields.String(required=True)
    model = fields.String(required=True)


class ProjectSchema(Schema):
    id = fields.Raw(required=True, metadata={"type": ["string", "integer"]})
    name = fields.String(required=True)
    public = fields.Boolean(required=True)


class IdeFormatSchema(Schema):
    id = fields.String(required=True)
    label = fields.String(required=True)
    filename = fields.String(required=True)


class MetaSchema(Schema):
    csrf_token = fields.String(required=True)
    now = fields.AwareDateTime(required=True)
    expiration_units = fields.List(fields.String(), required=True)
    default_expiration = fields.Nested(ExpirationDefaultSchema, required=True)
    max_lifetime_seconds = fields.Integer(allow_none=True, required=True)
    expiry_warning_seconds = fields.Integer(required=True)
    scopes = fields.List(fields.Nested(ScopeSchema), required=True)
    page_sizes = fields.List(fields.Integer(), required=True)
    integrations = fields.List(fields.Nested(IntegrationSchema), required=True)
    projects = fields.List(fields.Nested(ProjectSchema), required=True)
    ide_formats = fields.List(fields.Nested(IdeFormatSchema), required=True)


class ErrorDetailSchema(Schema):
    status = fields.Integer(required=True)
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(
        data_key="fields", keys=fields.String(), values=fields.List(fields.String())
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


class AdminTokenQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    user = fields.String(load_default=None, metadata={"description": "One user's primary key"})
    q = fields.String(load_default="", validate=validate.Regexp(r"^[^\x00]*$"))
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    sort = fields.String(
        load_default="-created_at",
        validate=validate.OneOf([*ADMIN_SORT_KEYS, *(f"-{key}" for key in ADMIN_SORT_KEYS)]),
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=10, validate=validate.OneOf(PAGE_SIZES))


class AdminEventQuerySchema(PageQuerySchema):
    user = fields.String(load_default=None, metadata={"description": "One user's primary key"})
    token = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=2**63 - 1),
        metadata={"description": "One token's id (deleted tokens too)"},
    )
    event = fields.String(load_default=None, validate=validate.OneOf(EVENTS))

"""IDE settings files for a token: ``GET /api/tokens/<id>/ide/<format>``."""

from __future__ import annotations

from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from .. import ide, rules
from ..errors import PatError
from ..i18n import gettext as _
from . import bp, load, readable
from .schemas import IdeQuerySchema


@bp.get("/tokens/<token_id>/ide/<fmt>")
def ide_settings(token_id: str, fmt: str) -> ResponseReturnValue:
    """A ready-made IDE settings file for the token, with its secret masked."""
    user = current_user._get_current_object()
    token = readable(token_id)
    args = load(IdeQuerySchema(), request.args.to_dict())
    format_ = ide.offered_formats().get(fmt)
    if format_ is None:
        raise PatError(
            "not_found",
            _(
                "No IDE format %(format)s: choose among %(formats)s.",
                format=repr(fmt),
                formats=", ".join(ide.offered_formats()),
            ),
        )

    integrations = rules.integrations_for(user)
    integration = None
    if args["integration"]:
        integration = next((i for i in integrations if str(i["uid"]) == args["integration"]), None)
        if integration is None:
            raise PatError(
                "invalid",
                _("Choose one of the integrations offered."),
                {"integration": [_("Unknown integration.")]},
            )
    elif integrations:
        raise PatError("integration_required", _("Choose an integration option first."))

    project = None
    project_id = token.project_id
    if args["project"] and project_id is not None and args["project"] != str(project_id):
        raise PatError(
            "invalid",
            _("This token is bound to another project: leave project out, or choose that one."),
            {"project": [_("The token is bound to another project.")]},
        )
    if args["project"]:
        project = rules.find_project(user, args["project"])
        if project is None:
            raise PatError(
                "invalid", _("Choose one of your projects."), {"project": [_("Unknown project.")]}
            )
    elif project_id is not None:
        project = rules.find_project(user, project_id)
    if project is not None:
        if project.get("public"):
            raise PatError(
                "public_project",
                _("IDE settings are not offered for a public project: choose a private one."),
            )
        project_id = project["id"]

    text = format_.render(
        {
            "server_url": current_app.config["PAT_SERVER_URL"] or request.url_root.rstrip("/"),
            "integration": integration,
            "project": project,
            "project_id": project_id,
            "token": f"...{token.last4}",
            "token_record": token,
            "user": user,
        }
    )
    response = current_app.response_class(ide.encodable(text), mimetype=format_.mimetype)
    if args["download"]:
        response.headers["Content-Disposition"] = ide.content_disposition(format_.filename)
    return response

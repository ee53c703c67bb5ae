"""The leak routes of the JSON API: GitHub's secret scanning reports, and revoke by value.

Neither needs a sign-in nor a CSRF token: a report is authenticated by GitHub's signature,
and revoking by value needs only the token's own text.
"""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue

from .. import tokens as token_text
from ..errors import PatError, invalid
from ..events import MAX_USER_AGENT
from ..i18n import gettext as _
from ..leaks import background
from ..leaks import github as signing
from ..leaks import revoke as leaks
from ..leaks.github import KEY_ID_HEADER, SIGNATURE_HEADER
from ..leaks.revoke import MAX_CREDENTIALS
from . import PUBLIC_ENDPOINTS, bodies, bp, error_response

logger = logging.getLogger(__name__)


#: The most a GitHub report may hold: one report may name many tokens.
LEAK_REPORT_LIMIT = 1024 * 1024
_MAX_URL = 2000
_MAX_FIELD = 100

# Routes anyone may call: the signature, or the token's own text, is the authority.
PUBLIC_ENDPOINTS.update({"pat.api.leaks_github", "pat.api.credentials_revoke"})


@bp.post("/leaks/github")
@bodies.body_limit(LEAK_REPORT_LIMIT)
def leaks_github() -> ResponseReturnValue:
    """GitHub's secret scanning partner protocol: revoke the reported tokens of this app."""
    keys_url = current_app.config["PAT_SECRET_SCANNING_KEYS_URL"]
    if not keys_url:
        # Not enrolled: the route does not exist, and nothing reaches out to the network.
        raise PatError("not_found", _("No such API route."))
    body = _body()
    try:
        signing.key_ring(keys_url).verify(
            body, request.headers.get(KEY_ID_HEADER), request.headers.get(SIGNATURE_HEADER)
        )
    except signing.BadSignature:
        raise PatError(
            "bad_signature",
            _(
                "The report is not signed by a current secret scanning key: send the"
                " %(key)s and %(signature)s headers over the exact body.",
                key=KEY_ID_HEADER,
                signature=SIGNATURE_HEADER,
            ),
        ) from None
    except signing.KeysUnavailable:
        response = error_response(
            "unavailable", _("The signing keys cannot be fetched right now: try again shortly.")
        )
        response.headers["Retry-After"] = "60"
        return response

    reports = _parse_report(body)
    prefix = current_app.config["PAT_TOKEN_PREFIX"]
    found: dict[str, leaks.Leak] = {}
    for report in reports:
        report["digest"] = token_text.digest(report["token"])
        # Only this app's well-formed tokens can exist: nothing else reaches the database.
        if token_text.is_well_formed(report["token"], prefix):
            found.setdefault(
                report["digest"],
                leaks.Leak("github", url=report.get("url"), location=report.get("source")),
            )
    existing = leaks.revoke_leaked(found).existing
    labels = {True: "true_positive", False: "false_positive"}
    return jsonify(
        [
            {
                "token_hash": report["digest"],
                "token_type": report["type"],
                "label": labels[report["digest"] in existing],
            }
            for report in reports
        ]
    )


def _body() -> bytes:
    """The raw body, read up to the route's limit (413 ``too_large`` beyond it)."""
    bodies.read_limited()  # a no-op where the API's request hook has read it already
    return request.get_data(cache=True)


def _parse_report(body: bytes) -> list[dict[str, Any]]:
    """The report's entries, each with ``token`` and ``type``; ``url`` and ``source`` kept
    when given (cut to a storable length)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise PatError("bad_request", _("The body is not valid JSON.")) from None
    if not isinstance(data, list):
        raise invalid("_schema", _("Send a JSON list of reported tokens."))
    reports = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(key), str) for key in ("token", "type")
        ):
            raise invalid(str(index), _("Each entry needs a token and a type, both strings."))
        report: dict[str, Any] = {"token": entry["token"], "type": entry["type"]}
        for key, most in (("url", _MAX_URL), ("source", _MAX_FIELD)):
            value = entry.get(key)
            if isinstance(value, str) and value:
                report[key] = value[:most]
        reports.append(report)
    return reports


@bp.post("/credentials/revoke")
def credentials_revoke() -> ResponseReturnValue:
    """Revoke each given text that is a live token of this app; the answer tells nothing.

    The lookup and the revocations run on a background thread (:mod:`flask_pat.leaks.
    background`), so that neither the answer's content nor its timing, nor that of the
    next request on the same connection, says whether any text was a token.
    """
    if not request.is_json:
        raise PatError(
            "bad_request", _("Send a JSON body with the header Content-Type: application/json.")
        )
    body = _body()
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise PatError("bad_request", _("The body is not valid JSON.")) from None
    credentials = data.get("credentials") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or set(data) != {"credentials"}
        or not isinstance(credentials, list)
        or not 1 <= len(credentials) <= MAX_CREDENTIALS
        or not all(isinstance(c, str) for c in credentials)
    ):
        raise invalid(
            "credentials",
            _(
                'Send {"credentials": [...]} with 1 to %(most)s strings.',
                most=MAX_CREDENTIALS,
            ),
        )
    found = {digest: leaks.Leak("revoke-endpoint") for digest in leaks.digests(credentials)}
    response = jsonify({})
    response.status_code = 202
    user_agent = (request.user_agent.string or "")[:MAX_USER_AGENT] or None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    job = (app, partial(leaks.revoke_leaked, ip=request.remote_addr, user_agent=user_agent), found)
    # Handed to the background thread whatever was found, so the answer and the next
    # request on this connection take the same time either way.
    if not background.submit(*job):
        response.call_on_close(partial(background.run, *job))
    return response

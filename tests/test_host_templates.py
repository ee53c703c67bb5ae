"""The page inside a host's templates: the variables it passes (``title``, ``page_title``,
``PAT_TEMPLATE_CONTEXT``, the rest ``pat_...``), a framework base template that extends
``base_template`` itself, CSP nonces from Flask-Talisman, and framing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask, template_rendered
from flask_talisman import Talisman
from jinja2 import DictLoader

from tests.conftest import sign_in

PAGE = "/settings/tokens/"

FRAMEWORK_TEMPLATES = {
    # As an app framework's layout: its own variables, from its own views.
    "fw/layout.html": (
        "<!doctype html><html><head><title>{{ title }} - {{ brand }}</title></head>"
        "<body>{% block content %}{% endblock %}</body></html>"
    ),
    # The framework's base template extends whatever its views pass as base_template.
    "fw/base.html": "{% extends base_template %}",
}


def _framework_context() -> dict[str, Any]:
    return {"base_template": "fw/layout.html", "brand": "Acme", "pat_api_base": "/hijacked"}


def _rendered_context(app: Flask, client: Any) -> tuple[Any, dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def record(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
        seen.append(context)

    with template_rendered.connected_to(record, app):
        response = client.get(PAGE)
    return response, seen[0] if seen else {}


def test_nothing_named_base_template_is_passed(app: Flask, user: Any) -> None:
    response, context = _rendered_context(app, sign_in(app, user))
    assert response.status_code == 200
    assert "base_template" not in context
    ours = {key for key in context if key not in ("g", "request", "session", "config")}
    assert {key for key in ours if not key.startswith("pat_")} <= {
        "title",
        "page_title",
        "_",
        "current_user",
        "csrf_token",
        "csp_nonce",
    }
    assert context["title"] == context["page_title"] == "Personal access tokens"


@pytest.mark.parametrize(
    "app_config",
    [{"PAT_BASE_TEMPLATE": "fw/base.html", "PAT_TEMPLATE_CONTEXT": _framework_context}],
)
def test_a_framework_base_template_that_extends_base_template(app: Flask, user: Any) -> None:
    app.jinja_loader = DictLoader(FRAMEWORK_TEMPLATES)  # type: ignore[assignment]
    response = sign_in(app, user).get(PAGE)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    html = response.get_data(as_text=True)
    assert "<title>Personal access tokens - Acme</title>" in html
    # PAT_TEMPLATE_CONTEXT adds variables; it cannot replace flask-pat's own.
    assert "/hijacked" not in html
    assert "data-api-base='\"/settings/tokens/api\"'" in html


def test_the_page_forbids_framing_by_other_sites(app: Flask, user: Any) -> None:
    assert sign_in(app, user).get(PAGE).headers["X-Frame-Options"] == "SAMEORIGIN"


def test_a_hosts_own_frame_options_are_kept(app: Flask, user: Any) -> None:
    @app.after_request
    def deny(response: Any) -> Any:
        response.headers["X-Frame-Options"] = "DENY"
        return response

    assert sign_in(app, user).get(PAGE).headers["X-Frame-Options"] == "DENY"


def test_the_page_carries_flask_talismans_nonce(app: Flask, user: Any) -> None:
    Talisman(
        app,
        force_https=False,
        content_security_policy={
            "default-src": "'self'",
            "script-src": "'strict-dynamic'",
            "style-src": "'self'",
        },
        content_security_policy_nonce_in=["script-src", "style-src"],
        frame_options="DENY",
    )
    response = sign_in(app, user).get(PAGE)
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src 'strict-dynamic' 'nonce-([^']+)'", policy)
    assert nonce, policy
    html = response.get_data(as_text=True)
    tags = re.findall(r"<(?:script|link)\b[^>]*>", html)
    assert tags
    for tag in tags:
        assert f'nonce="{nonce.group(1)}"' in tag, tag
    assert response.headers["X-Frame-Options"] == "DENY"


def test_without_a_nonce_the_page_has_no_nonce_attribute(app: Flask, user: Any) -> None:
    html = sign_in(app, user).get(PAGE).get_data(as_text=True)
    assert "nonce=" not in html


ADMIN = "/settings/tokens/admin/"


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "PAT_BASE_TEMPLATE": "fw/base.html",
            "PAT_TEMPLATE_CONTEXT": _framework_context,
            "PAT_ADMIN": lambda user: user.email == "ada@example.com",
        }
    ],
)
def test_the_admin_pages_in_a_framework_base_template(
    app: Flask, user: Any, other_user: Any
) -> None:
    app.jinja_loader = DictLoader(FRAMEWORK_TEMPLATES)  # type: ignore[assignment]
    for who, status in ((user, 200), (other_user, 403)):
        response = sign_in(app, who).get(ADMIN)
        assert response.status_code == status, response.get_data(as_text=True)[:500]
        html = response.get_data(as_text=True)
        assert " - Acme</title>" in html
        assert "/hijacked" not in html
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize("app_config", [{"PAT_ADMIN": lambda user: True}])
def test_the_admin_page_carries_flask_talismans_nonce(app: Flask, user: Any) -> None:
    Talisman(
        app,
        force_https=False,
        content_security_policy={"default-src": "'self'", "script-src": "'strict-dynamic'"},
        content_security_policy_nonce_in=["script-src", "style-src"],
    )
    response = sign_in(app, user).get(ADMIN)
    assert response.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert nonce
    tags = re.findall(r"<(?:script|link)\b[^>]*>", response.get_data(as_text=True))
    assert tags and all(f'nonce="{nonce.group(1)}"' in tag for tag in tags), tags

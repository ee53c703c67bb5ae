"""The page's template and what it is given: the host's base template (which may itself
extend a ``base_template`` of its own), a CSP nonce, the scripts' catalogue, the theme."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask
from jinja2 import DictLoader

from .conftest import sign_in

HOST = {
    # As Bootstrap-Flask hosts write them: the page template extends the host's variable.
    "host/page.html": "{% extends base_template %}",
    "host/layout.html": (
        "<title>{{ title }}|{{ page_title }}</title><main>{% block content %}{% endblock %}</main>"
        "<footer>{{ _('host text') }}</footer>"
    ),
}


def page(app: Flask, user: Any) -> str:
    response = sign_in(app, user).get(app.config["PAT_URL_PREFIX"] + "/")
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def test_host_base_template_that_extends_its_own_base_template(app: Flask, user: Any) -> None:
    app.jinja_loader = DictLoader(HOST)  # type: ignore[assignment]
    app.jinja_env.globals["_"] = lambda text: f"host:{text}"
    app.config["PAT_BASE_TEMPLATE"] = "host/page.html"

    @app.context_processor
    def host_variables() -> dict[str, Any]:
        return {"base_template": "host/layout.html"}

    html = page(app, user)
    assert "<title>Personal access tokens|Personal access tokens</title>" in html
    assert '<main><link rel="stylesheet"' in html.replace("\n", "")
    # The host's "_" stays the host's; flask-pat's texts use flask-pat's own catalogue.
    assert "<footer>host:host text</footer>" in html
    assert "host:Search tokens" not in html and 'placeholder="Search tokens..."' in html
    assert "<!doctype html>" not in html  # the host's layout, not the standalone page


def test_standalone_page_catalogue_and_theme(app: Flask, user: Any) -> None:
    app.config.update(PAT_BASE_TEMPLATE=None, PAT_THEME="dark")
    html = page(app, user)
    assert html.startswith("<!doctype html>")
    assert "<main" in html
    found = re.search(r'<script type="application/json" id="pat-i18n">(.*?)</script>', html)
    assert found is not None
    catalog = json.loads(found.group(1))
    assert catalog["locale"] and isinstance(catalog["messages"], dict)
    assert catalog["plural_forms"] >= 1
    assert 'data-theme="dark"' in html and 'data-pat-look="dark"' in html
    assert "nonce=" not in html


def test_csp_nonce_on_every_script_and_link(app: Flask, user: Any) -> None:
    app.jinja_env.globals["csp_nonce"] = lambda: "n0nce"
    app.config["PAT_BASE_TEMPLATE"] = None
    html = page(app, user)
    tags = re.findall(r"<(?:script|link)\b[^>]*>", html)
    assert len(tags) >= 3
    assert all('nonce="n0nce"' in tag for tag in tags), tags


def test_admin_page_gets_the_same_variables(app: Flask, user: Any) -> None:
    app.jinja_loader = DictLoader(HOST)  # type: ignore[assignment]
    app.config.update(PAT_BASE_TEMPLATE="host/page.html", PAT_ADMIN=lambda person: True)
    app.jinja_env.globals["csp_nonce"] = lambda: "n0nce"

    @app.context_processor
    def host_variables() -> dict[str, Any]:
        return {"base_template": "host/layout.html"}

    response = sign_in(app, user).get(app.config["PAT_URL_PREFIX"] + "/admin/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Token inventory|Token inventory</title>" in html
    tags = re.findall(r"<(?:script|link)\b[^>]*>", html)
    assert tags and all('nonce="n0nce"' in tag for tag in tags), tags
    assert 'data-theme="auto"' in html

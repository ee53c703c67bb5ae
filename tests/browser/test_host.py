"""The page inside a host's own layout: real Bootstrap 5 CSS (from the Bootstrap-Flask
package, served by the host app, no network), a base template that itself extends
``base_template``, a light host page on a machine that prefers dark, ``PAT_THEME``, and a
host Content-Security-Policy with nonces (Flask-Talisman's ``csp_nonce()``)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, send_file
from flask.wrappers import Response
from jinja2 import ChoiceLoader, DictLoader
from playwright.sync_api import expect

from .conftest import REPORT_CSP_VIOLATIONS, PageProblems
from .helpers import PAGE_PATH, LiveApp, open_tokens_page, row, serve_example_app

pytestmark = pytest.mark.browser

# A host layout as Bootstrap-Flask apps write them: the page template given to flask-pat
# extends a variable of the host's own, named base_template.
HOST_TEMPLATES = {
    "host/layout.html": """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{ title }} · Host</title>
  <link rel="stylesheet" href="/host/bootstrap.min.css"
        {%- if csp_nonce %} nonce="{{ csp_nonce() }}"{% endif %}>
</head>
<body>
  <nav class="navbar navbar-expand bg-body-tertiary mb-4" aria-label="Host">
    <div class="container"><a class="navbar-brand" href="/">Host app</a></div>
  </nav>
  <main class="container">
    <h1 class="visually-hidden">Host heading</h1>
    {% block content %}{% endblock %}
  </main>
</body>
</html>""",
    "host/page.html": """{% extends base_template %}""",
}


def bootstrap_css() -> Path:
    import flask_bootstrap

    return Path(flask_bootstrap.__file__).parent / "static/bootstrap5/css/bootstrap.min.css"


def add_host_layout(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader([DictLoader(HOST_TEMPLATES), app.jinja_loader])  # type: ignore[list-item]
    app.config["PAT_BASE_TEMPLATE"] = "host/page.html"

    @app.context_processor
    def host_base() -> dict[str, Any]:
        # The host's own variable: flask-pat must not pass one of this name.
        return {"base_template": "host/layout.html"}

    @app.get("/host/bootstrap.min.css")
    def bootstrap() -> Response:
        return send_file(bootstrap_css(), mimetype="text/css")

    @app.before_request
    def nonce() -> None:
        g.nonce = secrets.token_urlsafe(16)

    @app.after_request
    def nonce_policy(response: Response) -> Response:
        if app.config.get("HOST_NONCES"):
            response.headers["Content-Security-Policy"] = (
                f"default-src 'self'; script-src 'nonce-{g.nonce}' 'strict-dynamic'; "
                f"style-src 'self' 'nonce-{g.nonce}'; object-src 'none'; base-uri 'none'"
            )
        return response

    def csp_nonce() -> str:
        return str(g.nonce)

    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.config["HOST_CSP_NONCE"] = csp_nonce


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with serve_example_app(tmp_path_factory.mktemp("host") / "host.db", add_host_layout) as live:
        live.add_token("CI deploy", scopes=["notes:read"])
        yield live


@pytest.fixture
def host_page(browser: Any, host: LiveApp, signed_in_state: dict[str, Any]) -> Iterator[Any]:
    """A page on the host app, with a machine that prefers dark."""
    host.app.config.update(PAT_BASE_TEMPLATE="host/page.html", PAT_THEME="auto", HOST_NONCES=False)
    context = browser.new_context(
        base_url=host.url,
        storage_state=signed_in_state,
        viewport={"width": 1280, "height": 800},
        locale="en-US",
        color_scheme="dark",
        reduced_motion="reduce",
    )
    context.set_default_timeout(10_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    problems = PageProblems()
    problems.watch(page)
    yield page
    problems.check()
    context.close()


# What the widget's own styles set, element by element; compared with the page standalone.
STYLES = """() => {
  const pick = (selector, props) => {
    const e = document.querySelector(selector);
    const s = getComputedStyle(e);
    return Object.fromEntries(props.map((p) => [p, s.getPropertyValue(p)]));
  };
  const text = ['font-size', 'font-weight', 'color', 'line-height', 'margin-bottom', 'float',
                'font-family'];
  return {
    title: pick('.pat-title', text),
    lead: pick('.pat-lead', text),
    header: pick('.pat-table thead th', [...text, 'text-align', 'border-bottom-color']),
    cell: pick('.pat-table tbody td', ['padding-top', 'vertical-align', 'border-bottom-width']),
    code: pick('.pat-last4', [...text, 'background-color']),
    legend: pick('.pat-scopes legend', text),
    scopeCode: pick('.pat-check code', text),
    label: pick('label[for="pat-name"]', [...text, 'display']),
    input: pick('#pat-name', ['height', 'border-top-color', 'border-top-left-radius', 'font-size',
                              'padding-left']),
    dialogTitle: pick('#pat-form-title', text),
    card: pick('.pat-card', ['background-color']),
  };
}"""


def widget_styles(page: Any) -> dict[str, Any]:
    open_tokens_page(page)
    styles: dict[str, Any] = page.evaluate(STYLES)
    return styles


def test_bootstrap_host_does_not_restyle_the_widget(host_page: Any, host: LiveApp) -> None:
    page = host_page
    # Standalone, light: the widget's own look.
    host.app.config.update(PAT_BASE_TEMPLATE=None, PAT_THEME="light")
    own = widget_styles(page)

    # In the Bootstrap layout, on a machine that prefers dark (Bootstrap's page stays light).
    host.app.config.update(PAT_BASE_TEMPLATE="host/page.html", PAT_THEME="auto")
    response = page.goto(PAGE_PATH)
    assert response is not None and response.ok
    expect(page.get_by_role("link", name="Host app")).to_be_visible()  # the host layout is there
    # ... with Bootstrap's styles in force on the page (its pink code, its navbar).
    navbar = page.locator(".navbar").evaluate("(e) => getComputedStyle(e).display")
    assert navbar == "flex"
    pink = page.evaluate(
        "(() => { const c = document.createElement('code'); document.body.append(c);"
        " const color = getComputedStyle(c).color; c.remove(); return color; })()"
    )
    assert pink == "rgb(214, 51, 132)"
    expect(page).to_have_title("Personal access tokens · Host")
    embedded = widget_styles(page)
    assert page.locator(".pat").get_attribute("data-pat-look") == "light"

    # Sizes, colours, fonts and spacing: the same as on the page of its own.
    for part, values in own.items():
        for prop, value in values.items():
            assert embedded[part][prop] == value, (
                f"{part} {prop}: {embedded[part][prop]} != {value}"
            )
    # Bootstrap's pink code and big legend did not get in.
    assert embedded["code"]["color"] != "rgb(214, 51, 132)"
    assert embedded["legend"]["font-size"] == "14px" and embedded["legend"]["float"] == "none"

    # Light widget on the light host page: dark text on a light card.
    assert embedded["card"]["background-color"] == "rgb(255, 255, 255)"
    assert embedded["title"]["color"] == "rgb(31, 35, 40)"

    # Opening dialogs does not break the host page either, and the page works.
    page.get_by_role("button", name="New token").click()
    form = page.get_by_role("dialog", name="New token")
    expect(form.get_by_role("group", name="Scopes")).to_be_visible()
    form.get_by_role("button", name="Cancel").click()
    expect(row(page, "CI deploy")).to_have_count(1)


def test_theme_follows_the_host_and_the_setting(host_page: Any, host: LiveApp) -> None:
    page = host_page

    def look() -> str | None:
        open_tokens_page(page)
        value: str | None = page.locator(".pat").get_attribute("data-pat-look")
        return value

    # A dark host page (Bootstrap's own dark mode) gets a dark widget.
    host.app.config.update(PAT_BASE_TEMPLATE="host/page.html", PAT_THEME="auto")
    open_tokens_page(page)
    page.evaluate("document.documentElement.dataset.bsTheme = 'dark'")
    expect(page.locator(".pat")).to_have_attribute("data-pat-look", "dark")
    page.evaluate("delete document.documentElement.dataset.bsTheme")
    expect(page.locator(".pat")).to_have_attribute("data-pat-look", "light")

    # Standalone, "auto" follows the machine (dark here); fixed themes are fixed.
    host.app.config.update(PAT_BASE_TEMPLATE=None, PAT_THEME="auto")
    assert look() == "dark"
    host.app.config.update(PAT_THEME="light")
    assert look() == "light"
    host.app.config.update(PAT_BASE_TEMPLATE="host/page.html", PAT_THEME="dark")
    assert look() == "dark"
    card = page.locator(".pat-card").evaluate("(e) => getComputedStyle(e).backgroundColor")
    assert card == "rgb(22, 27, 34)"


def test_host_csp_with_nonces(host_page: Any, host: LiveApp) -> None:
    page = host_page
    host.app.config.update(HOST_NONCES=True)
    response = page.goto(PAGE_PATH)
    assert response is not None
    assert "nonce-" in response.headers["content-security-policy"]
    open_tokens_page(page)
    expect(row(page, "CI deploy")).to_have_count(1)
    nonces = page.evaluate(
        "[...document.querySelectorAll('.pat-card ~ *, script, link')]"
        ".filter((e) => e.matches('script, link')).map((e) => e.nonce !== '')"
    )
    assert nonces and all(nonces)
    # Styles applied (the stylesheet was allowed): the card has its border radius.
    radius = page.locator(".pat-card").evaluate("(e) => getComputedStyle(e).borderTopLeftRadius")
    assert radius == "10px"

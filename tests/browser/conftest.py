"""Fixtures for the browser tests: Chromium (Debian's), the example app served for real
on 127.0.0.1, and a page that fails the test on a CSP violation, a script error or an
unexpected JavaScript dialog (alert() from injected markup, say).

Without Chromium the tests skip, except under CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask_babel import Babel

from .helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveApp,
    open_tokens_page,
    serve_example_app,
    sign_in,
)

IN_CI = os.environ.get("CI", "").lower() == "true"

try:
    import playwright.sync_api  # noqa: F401
except ImportError:
    # Without the package the test modules cannot even be imported: skip them here, or
    # let the import error fail the run under CI.
    if not IN_CI:
        collect_ignore_glob = ["test_*.py"]

# Reported by Chromium both as console messages and as securitypolicyviolation events;
# the init script turns the events into console messages too, in case a message is lost.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "live_config(**settings): app.config overrides for the live example app"
    )


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(f"{message} (CI=true: the browser tests must run)")
    pytest.skip(message)


def _chromium_path() -> str | None:
    if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which(CHROMIUM)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[Any]:
    """Chromium from Debian's package (``PAT_CHROMIUM`` names another one)."""
    path = _chromium_path()
    if path is None:
        _unavailable(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def shared_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """One example app for the session; ``live`` empties its token table for each test."""
    with serve_example_app(tmp_path_factory.mktemp("live") / "browser.db") as live:
        yield live


@pytest.fixture(scope="session")
def signed_in_state(browser: Any, shared_live: LiveApp) -> dict[str, Any]:
    """Cookies of a signed-in demo user. Every example app made here signs its sessions
    with the same key and has the demo user as user 1, so they are good on each of them."""
    context = browser.new_context(base_url=shared_live.url)
    try:
        page = context.new_page()
        sign_in(page)
        state: dict[str, Any] = context.storage_state()
    finally:
        context.close()
    state["origins"] = []  # no localStorage: each test starts with the page's defaults
    return state


@pytest.fixture
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveApp]:
    """The example app, served on 127.0.0.1, with no tokens yet.

    ``@pytest.mark.live_config(KEY=value)`` gets an app of its own with those settings.
    """
    marker = request.node.get_closest_marker("live_config")
    if marker is None:
        live = request.getfixturevalue("shared_live")
        live.delete_all_tokens()
        yield live
        return
    with serve_example_app(tmp_path / "browser.db", **marker.kwargs) as live:
        yield live


def _with_babel(app: Flask) -> None:
    def select_locale() -> str | None:
        return request.accept_languages.best_match(["en", "de", "es", "fr"])

    Babel(app, locale_selector=select_locale)


def _host_with_babel(app: Flask) -> None:
    from .test_host import add_host_layout

    add_host_layout(app)
    _with_babel(app)


@pytest.fixture(scope="module")
def babel_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The example app with Flask-Babel inside a host layout (``<html lang="en">``)."""
    db_path = tmp_path_factory.mktemp("babel_host") / "browser.db"
    with serve_example_app(db_path, setup=_host_with_babel) as live:
        yield live


@pytest.fixture
def context_options() -> dict[str, Any]:
    """Options for the browser context; override with parametrize (color_scheme...)."""
    return {}


@pytest.fixture
def context(
    browser: Any,
    live: LiveApp,
    signed_in_state: dict[str, Any],
    context_options: dict[str, Any],
) -> Iterator[Any]:
    """A browser context signed in as the demo user (clear its cookies to sign out)."""
    options: dict[str, Any] = {
        "base_url": live.url,
        "storage_state": signed_in_state,
        "viewport": {"width": 1280, "height": 800},
        "locale": "en-US",
        "accept_downloads": True,
        "reduced_motion": "reduce",
        "permissions": ["clipboard-read", "clipboard-write"],
        **context_options,
    }
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    yield context
    context.close()


class PageProblems:
    """What went wrong in a page: CSP violations, uncaught errors, JavaScript dialogs."""

    def __init__(self) -> None:
        self.csp: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def watch(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("CSP violation"):
            self.csp.append(text)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def clear(self) -> None:
        self.csp.clear()
        self.errors.clear()
        self.dialogs.clear()

    def check(self) -> None:
        assert self.csp == [], "Content-Security-Policy violations"
        assert self.errors == [], "uncaught errors in the page"
        assert self.dialogs == [], "unexpected JavaScript dialogs"


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(context: Any, problems: PageProblems) -> Iterator[Any]:
    """A page whose test fails on any CSP violation, page error or JavaScript dialog."""
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    problems.watch(page)
    yield page
    problems.check()


@pytest.fixture
def signed_in(page: Any) -> Any:
    """The tokens page, signed in as the demo user, with the list loaded."""
    open_tokens_page(page)
    return page

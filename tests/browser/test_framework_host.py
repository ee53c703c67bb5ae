"""The app-framework host of tests/hosts in Chromium (its other tests are in
tests/hosts/test_framework_host.py; this one stays here, with the browser fixtures and the
browser marker): under its nonce-based CSP (Flask-Talisman) the tokens page, inside the
framework's layout, loads its token list and keeps its own gutter in a container-less
<main>."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.hosts import framework_host as fw
from tests.hosts.support import serve
from tests.hosts.test_framework_host import build, dispose

from .conftest import REPORT_CSP_VIOLATIONS, PageProblems
from .helpers import wait_for_list


@pytest.mark.browser
def test_the_page_loads_its_tokens_in_chromium_under_the_nonce_csp(
    browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    url = f"sqlite:///{tmp_path / 'framework.db'}"
    app = build(url)
    app.config["TESTING"] = False
    with app.app_context():
        admin = fw.db.session.scalar(sa.select(fw.User).filter_by(username="admin"))
        from flask_pat import service

        service.create(admin, "nightly export", ("days", 30), ["reports:read"], None)
    try:
        with serve(app) as base_url:
            context = browser.new_context(base_url=base_url, locale="en-US")
            context.set_default_timeout(10_000)
            context.add_init_script(REPORT_CSP_VIOLATIONS)
            page = context.new_page()
            problems = PageProblems()
            problems.watch(page)
            try:
                page.goto("/settings/tokens/")
                page.get_by_label("Username").fill("admin")
                page.get_by_label("Password").fill("admin-password")
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url("**/settings/tokens/")
                # The framework's own script ran, and so did the page's.
                expect(page.locator("html")).to_have_attribute("data-fw", "ready")
                wait_for_list(page)
                expect(page.get_by_text("Loading tokens")).to_have_count(0)
                expect(page.get_by_text("nightly export")).to_be_visible()
                expect(page.get_by_role("button", name="New token")).to_be_enabled()
                # The framework's <main> has no container: the widget keeps a gutter.
                box = page.get_by_role("heading", level=1).bounding_box()
                assert box is not None and box["x"] >= 24, box
                problems.check()
            finally:
                context.close()
    finally:
        dispose(app, url)

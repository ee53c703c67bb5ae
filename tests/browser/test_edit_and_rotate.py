"""Descriptions, editing a token from its row, rotating to a new lifetime and the fresh
sign-in GitHub calls "sudo mode" (SPEC sections 2, 4 and 8), in every language, at 320, 375
and 1280 px, light and dark."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, request, session
from flask_babel import Babel
from playwright.sync_api import expect

from .helpers import PAGE_PATH, LiveApp, resize, row, serve_example_app, wait_for_list
from .test_wcag22 import LOCALES, WIDTHS, _, _n, _no_sideways_scroll, _on_screen, _open

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", LOCALES)
def test_descriptions_are_written_shown_edited_and_searched(
    browser: Any, babel_host: LiveApp, signed_in_state: dict[str, Any], lang: str, scheme: str
) -> None:
    babel_host.delete_all_tokens()
    babel_host.add_token("Other")
    opened = _open(browser, babel_host, signed_in_state, lang, scheme=scheme)
    page = opened.page
    try:
        page.locator("[data-pat=new]").click()
        form = page.locator("[data-pat=form-dialog]")
        expect(form.get_by_label(_(lang, "Description"))).to_be_visible()
        form.locator("#pat-name").fill("Deploy bot")
        form.locator("#pat-description").fill("Pushes releases from CI")
        form.locator("[data-pat=generate]").click()
        page.locator("[data-pat=generated-dialog] [data-pat=dismiss]").click()
        shown = row(page, "Deploy bot").locator(".pat-token-description")
        expect(shown).to_have_text("Pushes releases from CI")

        # The search finds a token by its description.
        page.locator("[data-pat=search]").fill("releases")
        expect(page.locator("tbody tr.pat-row")).to_have_count(1)
        expect(row(page, "Deploy bot")).to_be_visible()

        # Name and description are edited from the row.
        edit = row(page, "Deploy bot").get_by_role(
            "button", name=_(lang, "Edit %(name)s").replace("%(name)s", "Deploy bot")
        )
        dialog = page.locator("[data-pat=edit-dialog]")
        for width in WIDTHS:
            resize(page, {"width": width, "height": 760})
            edit.click()
            expect(dialog).to_be_visible()
            _on_screen(dialog.locator("[data-pat=edit-save]"), width, f"{lang} {width} edit")
            _no_sideways_scroll(page, width, f"{lang} {width} px edit")
            page.keyboard.press("Escape")
            expect(edit).to_be_focused()
            # A screen reader hears the description with the row: its header's description.
            header = page.get_by_role("rowheader", name="Deploy bot", exact=True)
            expect(header).to_have_accessible_description("Pushes releases from CI")
        resize(page, {"width": 1280, "height": 760})
        page.locator("[data-pat=search]").fill("")
        expect(page.locator("tbody tr.pat-row")).to_have_count(2)
        edit.click()
        expect(dialog.get_by_label(_(lang, "New name"), exact=True)).to_have_value("Deploy bot")
        # A name another token has: said at the field, nothing changed.
        dialog.locator("[data-pat=edit-name]").fill("other")
        dialog.locator("[data-pat=edit-save]").click()
        expect(dialog.locator("[data-pat=edit-name]")).to_have_attribute("aria-invalid", "true")
        expect(dialog.locator('[data-edit-error="name"]')).not_to_be_empty()
        dialog.locator("[data-pat=edit-name]").fill("Release bot")
        dialog.locator("[data-pat=edit-description]").fill("Pushes tagged releases")
        dialog.locator("[data-pat=edit-save]").click()
        expect(dialog).not_to_be_visible()
        expect(row(page, "Release bot").locator(".pat-token-description")).to_have_text(
            "Pushes tagged releases"
        )
        expect(row(page, "Deploy bot")).to_have_count(0)
        opened.problems.check()
    finally:
        opened.context.close()


@pytest.mark.parametrize("lang", LOCALES)
def test_rotation_may_choose_a_new_lifetime(
    browser: Any, babel_host: LiveApp, signed_in_state: dict[str, Any], lang: str
) -> None:
    babel_host.delete_all_tokens()
    babel_host.add_token("CI deploy", "days", 7)
    opened = _open(browser, babel_host, signed_in_state, lang, 375)
    page = opened.page
    try:
        row(page, "CI deploy").locator("[data-action=rotate]").click()
        dialog = page.locator("[data-pat=rotate-dialog]")
        choice = dialog.get_by_label(_(lang, "New expiration"))
        ninety = _n(lang, "%(count)s day", "%(count)s days", 90).replace("%(count)s", "90")
        expect(choice.locator("option")).to_have_count(6)  # its own, 7/30/60/90, never
        expect(choice).to_have_value("")
        choice.select_option(label=ninety)
        dialog.locator("[data-pat=rotate-confirm]").click()
        generated = page.locator("[data-pat=generated-dialog]")
        expect(generated).to_be_visible()
        # The new expiry date is said with the dialog, not only shown in it.
        lifetime = generated.locator("[data-pat=generated-lifetime]")
        expect(lifetime).to_contain_text(_(lang, "It now expires on %(date)s.").split("%(")[0])
        expect(lifetime).to_contain_text(str((babel_host.now() + timedelta(days=90)).year))
        expect(generated).to_have_accessible_description(
            re.compile("^" + re.escape(lifetime.inner_text().strip()))
        )
        generated.locator("[data-pat=dismiss]").click()
        with babel_host.app.app_context():
            from example_app import db

            token = db.session.scalars(sa.select(babel_host.app.extensions["pat"].Token)).one()
            left = token.expires_at - babel_host.now()
            assert timedelta(days=89) < left <= timedelta(days=90)
        opened.problems.check()
    finally:
        opened.context.close()


def _stale_when_asked(app: Flask) -> None:
    """A session that counts as restored from a remember cookie while the browser sends
    ``stale=1``: Flask-Login's ``login_fresh()`` is false."""
    app.login_manager.refresh_view = "login"  # type: ignore[attr-defined]

    @app.before_request
    def stale() -> None:
        if request.cookies.get("stale") == "1":
            session["_fresh"] = False


@pytest.mark.parametrize("width", WIDTHS)
def test_a_stale_sign_in_goes_through_the_refresh_view_and_back(
    browser: Any, signed_in_state: dict[str, Any], tmp_path: Path, width: int
) -> None:
    with serve_example_app(
        tmp_path / "fresh.db", _stale_when_asked, PAT_REQUIRE_FRESH_LOGIN=True
    ) as live:
        live.add_token("CI deploy")
        opened = _open(browser, live, signed_in_state, "en", width, path=PAGE_PATH + "?q=CI")
        page = opened.page
        try:
            opened.context.add_cookies([{"name": "stale", "value": "1", "url": live.url}])
            row(page, "CI deploy").locator("[data-action=revoke]").click()
            page.locator("[data-pat=revoke-confirm]").click()
            # Sent to sign in again, with the way back to this view.
            page.wait_for_url("**/login?**")
            assert "next=" in page.url
            password = page.get_by_label("Password")
            expect(password).to_be_visible()
            opened.context.clear_cookies(name="stale")
            from example_app import DEMO_PASSWORD

            password.fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"**{PAGE_PATH}?q=CI")
            wait_for_list(page)
            expect(row(page, "CI deploy").locator(".pat-status")).to_have_text("Active")
            # Now fresh: the revoke goes through.
            row(page, "CI deploy").locator("[data-action=revoke]").click()
            page.locator("[data-pat=revoke-confirm]").click()
            expect(row(page, "CI deploy").locator(".pat-status")).to_have_text("Revoked")
            opened.problems.check()
        finally:
            opened.context.close()


#: Every text a status region of the page held, kept across the navigation that follows.
HEARD = """
new MutationObserver(() => {
  for (const region of document.querySelectorAll("[role=status]")) {
    const text = region.textContent.trim();
    const heard = JSON.parse(sessionStorage.getItem("heard") || "[]");
    if (text && !heard.includes(text)) {
      sessionStorage.setItem("heard", JSON.stringify([...heard, text]));
    }
  }
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def _stale_in_every_language(app: Flask) -> None:
    _stale_when_asked(app)
    Babel(app, locale_selector=lambda: request.accept_languages.best_match(LOCALES))


@pytest.mark.parametrize("lang", LOCALES)
def test_the_page_says_why_it_leaves_for_a_fresh_sign_in(
    browser: Any, signed_in_state: dict[str, Any], tmp_path: Path, lang: str
) -> None:
    with serve_example_app(
        tmp_path / "fresh.db", _stale_in_every_language, PAT_REQUIRE_FRESH_LOGIN=True
    ) as live:
        live.add_token("CI deploy")
        opened = _open(browser, live, signed_in_state, lang)
        page = opened.page
        try:
            opened.context.add_init_script(HEARD)
            page.reload()
            wait_for_list(page)
            opened.context.add_cookies([{"name": "stale", "value": "1", "url": live.url}])
            row(page, "CI deploy").locator("[data-action=revoke]").click()
            page.locator("[data-pat=revoke-confirm]").click()
            page.wait_for_url("**/login?**")
            heard = page.evaluate("JSON.parse(sessionStorage.getItem('heard') || '[]')")
            assert _(lang, "Confirm your password to continue. Taking you to sign in…") in heard
        finally:
            opened.context.close()

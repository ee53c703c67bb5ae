"""`Revoke all` (SPEC section 8): a typed confirmation (`revoke all`, or its translation),
Cancel first, then every live token of the user is revoked, in every language, at 320, 375
and 1280 px, light and dark."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .helpers import PAGE_PATH, LiveApp, resize, row
from .test_wcag22 import LOCALES, WIDTHS, _, _n, _no_sideways_scroll, _on_screen, _open

pytestmark = pytest.mark.browser

ADMIN_PATH = PAGE_PATH + "admin/"
MATCH = "%(count)s owners match the search."
OWNERS = "Owners the search found: choose one to show only their tokens and to revoke them all."


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", LOCALES)
def test_revoke_all_asks_for_the_phrase_then_revokes_every_live_token(
    browser: Any, babel_host: LiveApp, signed_in_state: dict[str, Any], lang: str, scheme: str
) -> None:
    babel_host.delete_all_tokens()
    ci = babel_host.add_token("CI deploy")[1]
    laptop = babel_host.add_token("Laptop")[1]
    babel_host.add_token("Old", revoked=True)
    opened = _open(browser, babel_host, signed_in_state, lang, scheme=scheme)
    page = opened.page
    try:
        button = page.locator("[data-pat=revoke-all]")
        expect(button).to_have_text(_(lang, "Revoke all"))
        dialog = page.locator("[data-pat=revoke-all-dialog]")
        for width in WIDTHS:
            resize(page, {"width": width, "height": 760})
            button.click()
            expect(dialog).to_be_visible()
            expect(dialog.locator("[data-pat=dismiss]")).to_be_focused()
            _on_screen(dialog.locator("[data-pat=revoke-all-confirm]"), width, f"{lang} {width}")
            _no_sideways_scroll(page, width, f"{lang} {width} px revoke all")
            page.keyboard.press("Escape")
            expect(dialog).not_to_be_visible()
            expect(button).to_be_focused()

        button.click()
        phrase = _(lang, "revoke all")
        field = dialog.locator("[data-pat=revoke-all-input]")
        confirm = dialog.locator("[data-pat=revoke-all-confirm]")
        expect(dialog.locator("[data-pat=revoke-all-phrase]")).to_have_text(phrase)
        for attempt in ("revoke", "delete all", phrase[:-1]):
            field.fill(attempt)
            expect(confirm).to_be_disabled()
        field.fill(phrase.upper() + " ")
        expect(confirm).to_be_enabled()
        confirm.click()
        expect(dialog).not_to_be_visible()
        revoked = _(lang, "Revoked")
        for name in ("CI deploy", "Laptop", "Old"):
            expect(row(page, name).locator(".pat-status")).to_have_text(revoked)
        said = _n(lang, "%(count)s token revoked.", "%(count)s tokens revoked.", 2)
        expect(page.locator("[data-pat=toast-text]")).to_have_text(said.replace("%(count)s", "2"))
        # They no longer work.
        assert babel_host.whoami(ci)[0] == 401
        assert babel_host.whoami(laptop)[0] == 401
        opened.problems.check()
    finally:
        opened.context.close()


@pytest.mark.parametrize("lang", LOCALES)
def test_an_admin_revokes_all_of_one_users_tokens(
    browser: Any, babel_host: LiveApp, signed_in_state: dict[str, Any], lang: str
) -> None:
    from example_app import TEAMMATE_EMAIL

    from .test_admin import teammate_token

    babel_host.delete_all_tokens()
    babel_host.add_token("Mine")
    teammate_token(babel_host, "Sam's laptop")
    teammate_token(babel_host, "Sam's CI")
    opened = _open(browser, babel_host, signed_in_state, lang, path=ADMIN_PATH)
    page = opened.page
    try:
        # A row's Revoke opens on Cancel too.
        page.locator("tr", has_text="Mine").locator("[data-action=revoke]").click()
        revoke = page.locator("[data-pat=revoke-dialog]")
        expect(revoke.locator("[data-pat=dismiss]")).to_be_focused()
        page.keyboard.press("Enter")
        expect(revoke).not_to_be_visible()

        # Offered once the User filter names one user, picked by label among the owners
        # the search finds; the id is what the filter (and the revocation) takes.
        button = page.locator("[data-pat=user-revoke-all]")
        expect(button).to_be_hidden()
        sam = page.locator("tr", has_text="Sam's CI").locator(".pat-admin-user .pat-muted")
        user_id = (sam.text_content() or "").strip().lstrip("#")
        page.locator("[data-pat=search]").fill("SAM@")
        found = _n(lang, "%(count)s owner matches the search.", MATCH, 1).replace("%(count)s", "1")
        expect(page.locator("[data-pat=owner-count]")).to_have_text(found)
        owners = page.get_by_role("list", name=_(lang, OWNERS))
        expect(owners.get_by_role("button")).to_have_count(1)
        owners.get_by_role("button", name=f"{TEAMMATE_EMAIL} #{user_id}").click()
        expect(page.locator("[data-pat=user]")).to_have_value(user_id)
        expect(page.locator("[data-pat=user]")).to_be_focused()
        expect(page.locator(".pat-admin-name")).to_have_count(2)
        expect(owners).to_be_hidden()
        label = _(lang, "Revoke all tokens of user %(user)s").replace(
            "%(user)s", f"{TEAMMATE_EMAIL} (#{user_id})"
        )
        expect(button).to_have_text(label)
        dialog = page.locator("[data-pat=user-revoke-all-dialog]")
        for width in WIDTHS:
            resize(page, {"width": width, "height": 760})
            _on_screen(button, width, f"{lang} {width} px")
            button.click()
            expect(dialog.locator("[data-pat=dismiss]")).to_be_focused()
            _on_screen(
                dialog.locator("[data-pat=user-revoke-all-confirm]"), width, f"{lang} {width}"
            )
            page.keyboard.press("Escape")
        button.click()
        expect(dialog).to_contain_text(f"{TEAMMATE_EMAIL} (#{user_id})")
        with page.expect_request(f"**/admin/users/{user_id}/revoke-all"):
            dialog.locator("[data-pat=user-revoke-all-confirm]").click()
        said = _n(lang, "%(count)s token revoked.", "%(count)s tokens revoked.", 2)
        expect(page.locator("[data-pat=status-message]")).to_have_text(
            said.replace("%(count)s", "2")
        )
        revoked = _(lang, "Revoked")
        for status in page.locator(".pat-admin-status").all():
            expect(status).to_contain_text(revoked)
        opened.problems.check()
    finally:
        opened.context.close()

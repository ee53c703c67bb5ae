"""The "New token" form: expiration presets (7, 30, 60, 90 days) and a custom date beside
the units, and a form filled in from the page's URL (``?name=&scopes=a,b``), in every
language, at 320, 375 and 1280 px, light and dark."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from .helpers import PAGE_PATH, LiveApp, resize, wait_for_list
from .test_wcag22 import (
    LOCALES,
    WIDTHS,
    _,
    _n,
    _no_sideways_scroll,
    _open,
    _targets_are_24_px,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", LOCALES)
def test_presets_and_a_custom_date(
    browser: Any, babel_host: LiveApp, signed_in_state: dict[str, Any], lang: str, scheme: str
) -> None:
    babel_host.delete_all_tokens()
    opened = _open(browser, babel_host, signed_in_state, lang, scheme=scheme)
    page = opened.page
    try:
        page.locator("[data-pat=new]").click()
        form = page.locator("[data-pat=form-dialog]")
        presets = form.locator("[data-pat=preset-buttons] button")
        labels = [
            _n(lang, "%(count)s day", "%(count)s days", n).replace("%(count)s", str(n))
            for n in (7, 30, 60, 90)
        ]
        assert lang == "en" or labels[0] != "7 days"
        expect(presets).to_have_text(labels)
        expect(form.get_by_role("group", name=_(lang, "Expiration presets"))).to_be_visible()
        # The default (30 days) shows as the pressed preset.
        expect(presets.nth(1)).to_have_attribute("aria-pressed", "true")
        for width in WIDTHS:
            resize(page, {"width": width, "height": 760})
            _no_sideways_scroll(page, width, f"{lang} {width} px form")
            _targets_are_24_px(page, f"{lang} {width} px form")

        presets.nth(3).click()
        expect(form.locator("#pat-unit")).to_have_value("days")
        expect(form.locator("#pat-value")).to_have_value("90")
        expect(presets.nth(3)).to_have_attribute("aria-pressed", "true")
        expect(presets.nth(1)).to_have_attribute("aria-pressed", "false")

        # A custom date: that many days, no preset pressed.
        custom = form.get_by_label(_(lang, "Custom date"), exact=True)
        later = date.today() + timedelta(days=45)
        custom.fill(later.isoformat())
        custom.dispatch_event("change")
        expect(form.locator("#pat-value")).to_have_value("45")
        for index in range(4):
            expect(presets.nth(index)).to_have_attribute("aria-pressed", "false")

        form.locator("#pat-name").fill("Presets")
        form.locator("[data-pat=generate]").click()
        expect(page.locator("[data-pat=generated-dialog]")).to_be_visible()
        page.locator("[data-pat=generated-dialog] [data-pat=dismiss]").click()
        expires = babel_host.now() + timedelta(days=45)
        expect(page.locator("tbody tr")).to_have_count(1)
        from example_app import db

        with babel_host.app.app_context():
            token = db.session.scalars(sa.select(babel_host.app.extensions["pat"].Token)).one()
            assert abs(token.expires_at - expires) < timedelta(minutes=5)
        opened.problems.check()
    finally:
        opened.context.close()


@pytest.mark.parametrize("lang", LOCALES)
def test_the_form_opens_filled_in_from_the_url(
    browser: Any, babel_host: LiveApp, signed_in_state: dict[str, Any], lang: str
) -> None:
    babel_host.delete_all_tokens()
    for width in WIDTHS:
        opened = _open(
            browser,
            babel_host,
            signed_in_state,
            lang,
            width,
            path=(
                f"{PAGE_PATH}?name=My+IDE+on+laptop&description=Sync+%3Cb%3Enotes%3C%2Fb%3E"
                "&scopes=notes:read,unknown:scope"
            ),
        )
        page = opened.page
        try:
            form = page.locator("[data-pat=form-dialog]")
            expect(form).to_be_visible()
            expect(form.locator("#pat-name")).to_have_value("My IDE on laptop")
            expect(form.locator("#pat-name")).to_be_focused()
            # Put in as text, never as markup.
            expect(form.locator("#pat-description")).to_have_value("Sync <b>notes</b>")
            expect(form.get_by_label("notes:read", exact=True)).to_be_checked()
            expect(form.get_by_label("notes:write", exact=True)).not_to_be_checked()
            # Taken once: the address keeps only the list's view.
            assert not any(f"{key}=" in page.url for key in ("name", "description", "scopes"))
            page.keyboard.press("Escape")
            page.reload()
            wait_for_list(page)
            expect(form).not_to_be_visible()
            opened.problems.check()
        finally:
            opened.context.close()

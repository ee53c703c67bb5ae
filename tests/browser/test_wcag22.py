"""WCAG 2.2 AA beyond what axe sees (SPEC section 8), in English, Spanish, German and
French, at 320, 375 and 1280 px: dialogs, toasts and the history fit a phone; the admin
page says its language; a fixed theme paints its own surface; destructive dialogs open on
Cancel; a skip link reaches the pager; targets are 24 px; rotating a revoked token says it
works again; row downloads say first that the file holds the masked token; leaving the page
while the once-only secret shows asks first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from .conftest import REPORT_CSP_VIOLATIONS, PageProblems
from .helpers import PAGE_PATH, LiveApp, next_frames, resize, row, serve_example_app, wait_for_list
from .test_host import add_host_layout

pytestmark = pytest.mark.browser

LOCALES = ["en", "es", "de", "fr"]
WIDTHS = [320, 375, 1280]
TRANSLATIONS = Path(__file__).resolve().parents[2] / "flask_pat" / "translations"
ADMIN_PATH = PAGE_PATH + "admin/"
#: A long name without a space (a German compound, a hostname), for the toast.
ONE_WORD = "Donaudampfschifffahrtsgesellschaftskapitaensmuetzenabrechnungstoken"


#: Messages that read the same in some language ("Description" in French).
SAME = {"Description", "(optional)"}


def _(lang: str, message: str) -> str:
    """``message`` as the page shows it in ``lang`` (flask-pat's own catalogue)."""
    if lang == "en":
        return message
    translated = Translations.load(str(TRANSLATIONS), [lang], domain="flask_pat").gettext(message)
    assert translated != message or message in SAME, f"{message!r} is not translated into {lang}"
    return str(translated)


def _n(lang: str, singular: str, plural: str, count: int) -> str:
    """The plural form for ``count`` as the page shows it in ``lang``."""
    if lang == "en":
        return singular if count == 1 else plural
    catalogue = Translations.load(str(TRANSLATIONS), [lang], domain="flask_pat")
    return str(catalogue.ngettext(singular, plural, count))


class Opened:
    def __init__(self, context: Any, page: Any, problems: PageProblems) -> None:
        self.context, self.page, self.problems = context, page, problems


def _open(
    browser: Any,
    live: LiveApp,
    state: dict[str, Any],
    lang: str,
    width: int = 1280,
    scheme: str = "light",
    path: str = PAGE_PATH,
) -> Opened:
    context = browser.new_context(
        base_url=live.url,
        storage_state=state,
        viewport={"width": width, "height": 760},
        locale={"en": "en-US", "es": "es-ES", "de": "de-DE", "fr": "fr-FR"}[lang],
        color_scheme=scheme,
        reduced_motion="reduce",
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.set_default_timeout(15_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    problems = PageProblems()
    problems.watch(page)
    page.goto(path)
    if path == PAGE_PATH:
        wait_for_list(page)
    return Opened(context, page, problems)


#: Where an element lies, and whether its own content is cut (wider than its box).
BOX = """(e) => {
  const r = e.getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width,
          height: r.height, cut: e.scrollWidth > e.clientWidth + 1};
}"""


def _on_screen(locator: Any, width: int, what: str) -> None:
    box = locator.evaluate(BOX)
    assert box["left"] >= -0.5 and box["right"] <= width + 0.5, f"{what} off screen: {box}"
    assert not box["cut"], f"{what} is cut: {box}"


def _no_sideways_scroll(page: Any, width: int, what: str) -> None:
    # As a person sees it: after the frames in which the page follows what changed.
    next_frames(page)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """(w) => [...document.querySelectorAll("body *")]
          .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > w + 0.5)
          .map((e) => `${e.tagName}.${e.className} ${(e.textContent || "").slice(0, 30)}`)""",
        width,
    )
    assert scroll <= width, f"{what}: the page scrolls sideways ({scroll} px): {wide}"


@pytest.mark.parametrize("lang", LOCALES)
def test_dialogs_toast_and_history_fit_a_phone(
    browser: Any, babel_host: LiveApp, signed_in_state: dict[str, Any], lang: str
) -> None:
    babel_host.delete_all_tokens()
    babel_host.add_token("CI deploy", last_used_ip="203.0.113.250")
    opened = _open(browser, babel_host, signed_in_state, lang)
    page = opened.page
    try:
        page.locator("[data-pat=integration]").select_option(index=1)
        for width in WIDTHS:
            resize(page, {"width": width, "height": 760})
            what = f"{lang} {width} px"

            # The preview panel's Close button, whole and on screen.
            row(page, "CI deploy").locator("[data-action=preview]").click()
            panel = page.locator("[data-pat=preview-dialog]")
            expect(panel.locator("pre")).to_contain_text("...")
            _on_screen(panel.locator("[data-pat=dismiss]"), width, f"{what}: preview Close")
            _on_screen(panel.locator("[data-pat=dismiss] span"), width, f"{what}: Close label")
            page.keyboard.press("Escape")
            expect(panel).not_to_be_visible()

            # The history: no sideways scroll, every column (the IP too) on screen.
            row(page, "CI deploy").locator("[data-action=history]").click()
            history = page.locator("[data-pat=history-dialog]")
            expect(history.locator("tbody tr")).not_to_have_count(0)
            box = history.evaluate("(d) => [d.scrollWidth, d.clientWidth]")
            assert box[0] <= box[1] + 1, f"{what}: the history scrolls sideways {box}"
            # On a phone the headings leave the screen; each cell says its own heading.
            cells = history.locator("td" if width < 480 else "th, td")
            for cell in cells.all():
                _on_screen(cell, width, f"{what}: history cell {cell.text_content()!r}")
            page.keyboard.press("Escape")
            expect(history).not_to_be_visible()

            # A toast with a long one-word name inside the once-only dialog: on screen,
            # and dismissing it by keyboard keeps focus in the dialog.
            page.locator("[data-pat=new]").click()
            form = page.locator("[data-pat=form-dialog]")
            form.locator("#pat-name").fill(f"{ONE_WORD}{width}")
            form.locator("[data-pat=generate]").click()
            generated = page.locator("[data-pat=generated-dialog]")
            expect(generated).to_be_visible()
            toast = generated.locator("[data-pat=toast]")
            expect(toast).to_be_visible()
            _on_screen(toast, width, f"{what}: toast")
            _on_screen(toast.locator("[data-pat=toast-close]"), width, f"{what}: toast close")
            toast.locator("[data-pat=toast-close]").focus()
            page.keyboard.press("Enter")
            expect(toast).to_be_hidden()
            assert page.evaluate(
                "document.activeElement.closest('[data-pat=generated-dialog]') !== null"
            ), f"{what}: focus left the dialog after dismissing the toast"
            generated.locator("[data-pat=dismiss]").click()
            expect(generated).not_to_be_visible()
            _no_sideways_scroll(page, width, what)
        opened.problems.check()
    finally:
        opened.context.close()


@pytest.mark.parametrize("lang", LOCALES)
def test_admin_page_says_its_language_and_looks_like_the_tokens_page(
    browser: Any, babel_host: LiveApp, signed_in_state: dict[str, Any], lang: str
) -> None:
    from .test_admin import teammate_token

    babel_host.delete_all_tokens()
    babel_host.add_token("CI deploy")
    teammate_token(babel_host, "Sam's laptop")
    opened = _open(browser, babel_host, signed_in_state, lang, path=ADMIN_PATH)
    page = opened.page
    try:
        # The host's layout says English; the inventory says what it is in.
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("[data-pat=admin-root]")).to_have_attribute("lang", lang)
        expect(page.locator("tbody tr")).not_to_have_count(0)
        # The search finds tokens by their owner's email, too.
        search = page.locator("[data-pat=search]")
        expect(search).to_have_attribute("placeholder", _(lang, "Search tokens or owners..."))
        search.fill("sam@")
        expect(page.locator(".pat-admin-name")).to_have_text(["Sam's laptop"])
        # ... and offers its owner by label, whole at every width.
        owner = page.locator("[data-pat=owner-list] button")
        expect(owner).to_have_count(1)
        for width in WIDTHS:
            resize(page, {"width": width, "height": 760})
            _on_screen(owner, width, f"admin {lang} {width} px owner")
            _no_sideways_scroll(page, width, f"admin {lang} {width} px owners")
            _targets_are_24_px(page, f"admin {lang} {width} px owners")
        resize(page, {"width": 1280, "height": 760})
        search.fill("")
        expect(page.locator(".pat-admin-name")).to_have_count(2)
        # Sort marks are icons, as on the tokens page, not text.
        for button in page.locator("thead button").all():
            expect(button.locator("svg")).to_have_count(1)
        for width in WIDTHS:
            resize(page, {"width": width, "height": 760})
            _no_sideways_scroll(page, width, f"admin {lang} {width} px")
            _targets_are_24_px(page, f"admin {lang} {width} px")
            # An email is never broken at its dot ("demo@example/.com").
            for email in page.locator(".pat-admin-user-label").all():
                lines = email.evaluate(
                    "(e) => { const r = document.createRange(); r.selectNodeContents(e);"
                    " return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size; }"
                )
                text = email.text_content() or ""
                if width >= 375 and len(text) < 24:
                    assert lines == 1, f"{lang} {width} px: {text!r} broken over {lines} lines"
        opened.problems.check()
    finally:
        opened.context.close()


#: The interactive elements of the widget that are shown, with their size.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    ".pat :is(a[href], button, input, select, textarea, [tabindex='0'])")]
  .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== "hidden"
    && !e.closest("[hidden], dialog:not([open])") && !e.classList.contains("pat-skip"))
  .map((e) => { const r = e.getBoundingClientRect();
    return {what: (e.getAttribute("aria-label") || e.textContent || e.id || e.tagName).trim(),
            width: r.width, height: r.height}; })
  .filter((t) => t.width < 23.5 || t.height < 23.5)"""


def _targets_are_24_px(page: Any, what: str) -> None:
    small = page.evaluate(SMALL_TARGETS)
    assert small == [], f"{what}: targets under 24 x 24 px: {small}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_targets_are_24_px_and_a_skip_link_reaches_the_pager(
    browser: Any, babel_host: LiveApp, signed_in_state: dict[str, Any], width: int, scheme: str
) -> None:
    babel_host.delete_all_tokens()
    now = babel_host.now()
    for number in range(10):
        babel_host.add_token(f"token {number}", scopes=["notes:read"], last_used_at=now)
    opened = _open(browser, babel_host, signed_in_state, "de", width, scheme)
    page = opened.page
    try:
        expect(page.locator("tbody tr")).to_have_count(10)
        _targets_are_24_px(page, f"table {width} px")
        page.locator("[data-pat=new]").click()
        expect(page.locator("[data-pat=form-dialog]")).to_be_visible()
        _targets_are_24_px(page, f"form {width} px")
        page.keyboard.press("Escape")

        # From the top, a skip link comes before the rows; it leads to Rows per page.
        page.locator("[data-pat=root]").evaluate("(root) => root.closest('body').focus()")
        page.evaluate("document.activeElement.blur()")
        skip = page.locator("a.pat-skip")
        for _presses in range(12):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.classList.contains('pat-skip')"):
                break
        expect(skip).to_be_focused()
        expect(skip).to_have_text(_("de", "Skip to page navigation"))
        _on_screen(skip, width, f"skip link {width} px")
        page.keyboard.press("Enter")
        expect(page.locator("[data-pat=per-page]")).to_be_focused()
        opened.problems.check()
    finally:
        opened.context.close()


def _contrast(page: Any, selector: str) -> float:
    """The contrast of ``selector``'s text against what is painted behind it."""
    return float(
        page.locator(selector).first.evaluate(
            """(e) => {
          const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
          const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
            .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
          let back = null;
          for (let n = e; n; n = n.parentElement) {
            const c = rgb(getComputedStyle(n).backgroundColor);
            if (c.length >= 3 && (c.length < 4 || c[3] >= 0.99)) { back = c; break; }
          }
          back = back || [255, 255, 255];
          const a = lum(rgb(getComputedStyle(e).color)), b = lum(back);
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }"""
        )
    )


@pytest.mark.parametrize(("theme", "scheme"), [("dark", "light"), ("light", "dark")])
def test_a_fixed_theme_paints_its_own_surface(
    browser: Any, signed_in_state: dict[str, Any], tmp_path: Path, theme: str, scheme: str
) -> None:
    # A light host page (Bootstrap's default) with a dark widget; a standalone page on a
    # machine that prefers dark with a light widget.
    setup = add_host_layout if theme == "dark" else None
    with serve_example_app(tmp_path / "theme.db", setup, PAT_THEME=theme) as live:
        for width in (320, 1280):
            opened = _open(browser, live, signed_in_state, "en", width, scheme)
            try:
                root = opened.page.locator("[data-pat=root]")
                expect(root).to_have_attribute("data-pat-look", theme)
                for selector in (".pat-title", ".pat-lead", "[data-pat=range]"):
                    ratio = _contrast(opened.page, selector)
                    assert ratio >= 4.5, f"{theme} in {scheme}, {width} px: {selector} {ratio:.2f}"
                opened.problems.check()
            finally:
                opened.context.close()


def test_destructive_dialogs_open_on_cancel(
    browser: Any, babel_host: LiveApp, signed_in_state: dict[str, Any]
) -> None:
    babel_host.delete_all_tokens()
    babel_host.add_token("CI deploy")
    opened = _open(browser, babel_host, signed_in_state, "en")
    page = opened.page
    try:
        for action, dialog in (("revoke", "revoke"), ("rotate", "rotate"), ("delete", "delete")):
            row(page, "CI deploy").locator(f"[data-action={action}]").focus()
            page.keyboard.press("Enter")
            box = page.locator(f"[data-pat={dialog}-dialog]")
            expect(box).to_be_visible()
            expect(box.locator("[data-pat=dismiss]")).to_be_focused()
            # Enter twice (a held key, a double tap) cancels; nothing happened.
            page.keyboard.press("Enter")
            expect(box).not_to_be_visible()
            expect(row(page, "CI deploy").locator("[data-action=" + action + "]")).to_be_focused()
        expect(page.locator("[data-pat=generated-dialog]")).not_to_be_visible()
        expect(row(page, "CI deploy").locator(".pat-status")).to_have_text("Active")
        opened.problems.check()
    finally:
        opened.context.close()


@pytest.mark.parametrize("lang", LOCALES)
def test_rotate_and_downloads_say_what_happens_first(
    browser: Any, babel_host: LiveApp, signed_in_state: dict[str, Any], lang: str
) -> None:
    babel_host.delete_all_tokens()
    babel_host.add_token("Old laptop", revoked=True)
    babel_host.add_token("CI deploy")
    opened = _open(browser, babel_host, signed_in_state, lang)
    page = opened.page
    revived = _(lang, "It is revoked now: rotating it makes it work again, with the new secret.")
    try:
        row(page, "Old laptop").locator("[data-action=rotate]").click()
        rotate = page.locator("[data-pat=rotate-dialog]")
        expect(rotate).to_contain_text(revived)
        rotate.locator("[data-pat=dismiss]").click()
        row(page, "CI deploy").locator("[data-action=rotate]").click()
        expect(rotate).to_be_visible()
        expect(rotate.get_by_text(revived)).to_be_hidden()
        rotate.locator("[data-pat=dismiss]").click()

        # Before any download: the row's buttons say the file holds the masked token.
        page.locator("[data-pat=integration]").select_option(index=1)
        buttons = row(page, "CI deploy").locator("[data-action=download]")
        expect(buttons).to_have_count(2)
        last4 = (row(page, "CI deploy").locator(".pat-last4").text_content() or "")[3:]
        note = _(lang, "The file holds the token masked as ...%(last4)s.")
        for button in buttons.all():
            expect(button).to_have_accessible_description(note.replace("%(last4)s", last4))
        hint = _(
            lang,
            "Settings files downloaded from a row hold the token masked (... and its last"
            " four characters): put the full token in its place.",
        )
        expect(page.locator("[data-pat=download-hint]")).to_have_text(hint)
        # One icon per format.
        icons = [b.locator("svg").inner_html() for b in buttons.all()]
        assert icons[0] != icons[1]
        opened.problems.check()
    finally:
        opened.context.close()


@pytest.mark.parametrize("lang", LOCALES)
def test_leaving_while_the_secret_shows_asks_first(
    browser: Any, babel_host: LiveApp, signed_in_state: dict[str, Any], lang: str
) -> None:
    babel_host.delete_all_tokens()
    opened = _open(browser, babel_host, signed_in_state, lang, 375)
    page = opened.page
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    try:
        page.remove_listener("dialog", opened.problems._dialog)
        page.on("dialog", answer)
        page.locator("[data-pat=new]").click()
        page.locator("#pat-name").fill("Phone")
        page.locator("[data-pat=generate]").click()
        generated = page.locator("[data-pat=generated-dialog]")
        expect(generated).to_be_visible()
        # Integrations exist: the dialog offers the choice it asks for, and then downloads.
        choice = generated.locator("select[data-pat=generated-integration]")
        expect(choice).to_be_visible()
        choice.select_option(index=1)
        expect(generated.locator("button[data-format]")).to_have_count(2)

        page.close(run_before_unload=True)
        # The question comes before anything else the page does.
        expect(generated.locator("[data-pat=generated-secret]")).not_to_have_value("")
        assert asked == ["beforeunload"]
        assert not page.is_closed()

        generated.locator("[data-pat=dismiss]").click()
        page.reload()
        wait_for_list(page)
        assert asked == ["beforeunload"], "asked again after the secret was put away"
        opened.problems.check()
    finally:
        opened.context.close()


@pytest.mark.parametrize("lang", LOCALES)
def test_polish(
    browser: Any, babel_host: LiveApp, signed_in_state: dict[str, Any], lang: str
) -> None:
    babel_host.delete_all_tokens()
    babel_host.add_token("Nightly backup", "days", 3, scopes=["notes:read", "notes:write"])
    babel_host.add_token("CI deploy", scopes=["notes:read"])
    opened = _open(browser, babel_host, signed_in_state, lang)
    page = opened.page
    try:
        for width in WIDTHS:
            resize(page, {"width": width, "height": 760})
            what = f"{lang} {width} px"
            # Words break with hyphens in the page's language.
            hyphens = page.locator(".pat-lead").evaluate("(e) => getComputedStyle(e).hyphens")
            assert hyphens == "auto", what
            # The expiring pill, the dates and the scope chips keep to one line.
            for selector in (
                ".pat-status-expiring",
                ".pat-cell-created time",
                ".pat-scope-chip",
            ):
                for element in row(page, "Nightly backup").locator(selector).all():
                    lines = element.evaluate(
                        "(e) => { const r = document.createRange(); r.selectNodeContents(e);"
                        " return new Set([...r.getClientRects()].map((b) => Math.round(b.top)))"
                        ".size; }"
                    )
                    assert lines == 1, f"{what}: {selector} wraps over {lines} lines"

        # No "Expires on" date beside the error for that value.
        resize(page, {"width": 1280, "height": 760})
        page.locator("[data-pat=new]").click()
        form = page.locator("[data-pat=form-dialog]")
        form.locator("#pat-unit").select_option("days")
        form.locator("#pat-value").fill("100000")
        form.locator("#pat-name").fill("Far away")
        form.locator("[data-pat=generate]").click()
        expect(form.locator("#pat-expiration-error")).not_to_be_empty()
        expect(form.locator("[data-pat=expires-preview]")).to_be_empty()
        page.keyboard.press("Escape")

        # The wrong case in the delete dialog says why Delete stays off.
        row(page, "CI deploy").locator("[data-action=delete]").click()
        delete = page.locator("[data-pat=delete-dialog]")
        delete.locator("[data-pat=delete-input]").fill("ci DEPLOY")
        expect(delete.locator("[data-pat=delete-confirm]")).to_be_disabled()
        case = _(lang, "The name must match exactly, upper and lower case included.")
        expect(delete.locator("[data-pat=delete-case]")).to_have_text(case)
        confirm = _(lang, "Type the token's name to confirm:")
        expect(delete.locator("[data-pat=delete-input]")).to_have_accessible_description(
            f"{confirm} CI deploy {case}"
        )
        delete.locator("[data-pat=delete-input]").fill("CI deploy")
        expect(delete.locator("[data-pat=delete-case]")).to_be_hidden()
        expect(delete.locator("[data-pat=delete-confirm]")).to_be_enabled()
        opened.problems.check()
    finally:
        opened.context.close()


@pytest.mark.parametrize("lang", LOCALES)
def test_the_admin_total_past_ten_thousand_reads_as_a_bound(
    browser: Any, babel_host: LiveApp, signed_in_state: dict[str, Any], lang: str
) -> None:
    import sqlalchemy as sa

    from example_app import db
    from flask_pat.inventory import COUNT_LIMIT
    from tests.support.bulk import token_rows

    babel_host.delete_all_tokens()
    with babel_host.app.app_context():
        owner = babel_host.user()
        rows = token_rows(owner.id, COUNT_LIMIT + 1)
        db.session.execute(sa.insert(babel_host.app.extensions["pat"].Token), rows)
        db.session.commit()
    opened = _open(browser, babel_host, signed_in_state, lang, path=ADMIN_PATH)
    page = opened.page
    try:
        bound = page.evaluate("(lang) => new Intl.NumberFormat(lang).format(10000) + '+'", lang)
        range_ = page.locator("[data-pat=range]")
        expect(range_).to_contain_text(bound)
        # No known last page; the next one is there.
        expect(page.locator("[data-pat=last]")).to_be_disabled()
        expect(page.locator("[data-pat=next]")).to_be_enabled()
        for width in WIDTHS:
            resize(page, {"width": width, "height": 760})
            _on_screen(range_, width, f"{lang} {width} px range")
        opened.problems.check()
    finally:
        opened.context.close()
        babel_host.delete_all_tokens()

"""Signing in, the New token form, and the once-only Token Successfully Generated dialog."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from .helpers import PAGE_PATH, SHOWN, LiveApp, open_tokens_page, row, shown

pytestmark = pytest.mark.browser

SECRET = re.compile(r"^pat_[0-9A-Za-z]{36}$")


def open_form(page: Any) -> Any:
    page.get_by_role("button", name="New token").click()
    form = page.get_by_role("dialog", name="New token")
    expect(form).to_be_visible()
    return form


def generate(page: Any, name: str, unit: str | None = None, value: str | None = None) -> Any:
    """Fill and send the form; the Token Successfully Generated dialog."""
    form = open_form(page)
    form.get_by_label("Name", exact=True).fill(name)
    if unit is not None:
        form.get_by_label("Expiration period").select_option(unit)
    if value is not None:
        form.get_by_label("Value", exact=True).fill(value)
    form.get_by_role("button", name="Generate").click()
    dialog = page.get_by_role("dialog", name="Token Successfully Generated")
    expect(dialog).to_be_visible()
    return dialog


def test_sign_in_then_empty_list(page: Any, live: LiveApp) -> None:
    page.context.clear_cookies()
    page.goto(PAGE_PATH)
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Password").fill("demo-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(re.escape(PAGE_PATH)))
    expect(page.get_by_role("heading", name="Personal access tokens")).to_be_visible()
    expect(page.locator("tbody").get_by_text("No tokens yet")).to_be_visible()
    expect(page.get_by_placeholder("Search tokens...")).to_be_visible()
    headers = page.get_by_role("columnheader")
    expect(headers).to_have_text(
        [
            "Token name",
            "Token value",
            "Scopes",
            "Created",
            "Expiration",
            "Last used",
            "Status",
            "Actions",
        ]
    )
    # The empty list invites to make the first token, instead of "0–0 of 0".
    expect(page.get_by_text("0–0 of 0")).to_be_hidden()
    expect(page.get_by_role("button", name="Previous page")).to_be_hidden()
    page.get_by_role("button", name="Create your first token").click()
    expect(page.get_by_role("dialog", name="New token")).to_be_visible()


def test_form_defaults_and_units(signed_in: Any) -> None:
    page = signed_in
    form = open_form(page)
    expect(form.get_by_label("Name", exact=True)).to_be_focused()
    unit = form.get_by_label("Expiration period")
    expect(unit.locator("option")).to_have_text(["Never", "Days", "Weeks", "Hours", "Minutes"])
    expect(unit).to_have_value("days")
    expect(form.get_by_label("Value", exact=True)).to_have_value("30")
    expect(form.get_by_role("group", name="Scopes").get_by_role("checkbox")).to_have_count(2)
    expect(form.get_by_label("Token project")).to_have_value("")

    unit.select_option("never")
    expect(form.get_by_label("Value", exact=True)).to_be_hidden()
    unit.select_option("hours")
    expect(form.get_by_label("Value", exact=True)).to_be_visible()

    page.keyboard.press("Escape")
    expect(form).to_be_hidden()
    expect(page.get_by_role("button", name="New token")).to_be_focused()


@pytest.mark.parametrize(
    ("unit", "value", "shown"),
    [
        ("never", None, "Never"),
        ("days", "30", "in 30 days"),
        ("weeks", "2", "in 14 days"),
        ("hours", "5", "in 5 hours"),
        ("minutes", "45", "in 45 minutes"),
    ],
)
def test_create_with_each_unit(
    signed_in: Any, live: LiveApp, unit: str, value: str | None, shown: str
) -> None:
    page = signed_in
    dialog = generate(page, f"made with {unit}", unit, value)
    dialog.get_by_role("button", name="Close").click()

    created = row(page, f"made with {unit}")
    expect(created).to_have_count(1)
    expect(created.locator(SHOWN["expiration"])).to_have_text(shown)
    expect(created.locator(SHOWN["used"])).to_have_text("Never")
    expect(created.locator(SHOWN["status"])).to_have_text(
        "Expiring" if unit in ("hours", "minutes") else "Active"
    )


def test_generated_dialog_copy_and_the_token_works(signed_in: Any, live: LiveApp) -> None:
    page = signed_in
    form = open_form(page)
    form.get_by_label("Name", exact=True).fill("laptop")
    form.get_by_label("notes:read").check()
    form.get_by_role("button", name="Generate").click()

    dialog = page.get_by_role("dialog", name="Token Successfully Generated")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("laptop")
    expect(dialog).to_contain_text("shown only once")
    secret = dialog.get_by_label("Token secret").input_value()
    assert SECRET.match(secret)
    expect(dialog.get_by_role("button", name="Copy")).to_be_focused()

    dialog.get_by_role("button", name="Copy").click()
    expect(dialog.get_by_text("Copied to the clipboard.", exact=True)).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == secret

    status, body = live.whoami(copied)
    assert status == 200
    assert body["email"] == "demo@example.com"
    assert body["token"] == "laptop"
    assert body["scopes"] == ["notes:read"]

    # The row shows only the last four characters.
    expect(shown(page, "laptop", "value")).to_have_text(f"...{secret[-4:]}")

    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="New token")).to_be_focused()
    assert secret not in page.content()
    values = page.evaluate("[...document.querySelectorAll('input')].map((i) => i.value)")
    assert secret not in values


def test_copy_falls_back_when_the_clipboard_api_is_refused(context: Any, page: Any) -> None:
    context.add_init_script(
        "navigator.clipboard.writeText = () =>"
        " Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError'));"
    )
    open_tokens_page(page)
    dialog = generate(page, "fallback")
    secret = dialog.get_by_label("Token secret").input_value()
    dialog.get_by_role("button", name="Copy").click()
    expect(dialog.get_by_text("Copied to the clipboard.", exact=True)).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret


def test_api_errors_are_shown_at_their_field(signed_in: Any, live: LiveApp) -> None:
    page = signed_in
    live.add_token("taken")
    page.reload()
    form = open_form(page)
    name = form.get_by_label("Name", exact=True)

    form.get_by_role("button", name="Generate").click()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile("Enter a name"))
    expect(name).to_be_focused()

    name.fill("TAKEN")
    form.get_by_role("button", name="Generate").click()
    expect(name).to_have_accessible_description(re.compile("already used"))

    name.fill("fresh")
    value = form.get_by_label("Value", exact=True)
    value.fill("0")
    form.get_by_role("button", name="Generate").click()
    expect(value).to_have_attribute("aria-invalid", "true")
    expect(value).to_have_accessible_description(re.compile("whole number"))
    expect(name).not_to_have_attribute("aria-invalid", "true")

    value.fill("2")
    form.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("dialog", name="Token Successfully Generated")).to_be_visible()


def test_hostile_name_is_shown_as_text(signed_in: Any) -> None:
    page = signed_in
    name = "<img src=x onerror=alert(1)>"
    dialog = generate(page, name)
    expect(dialog.get_by_text(name, exact=True)).to_be_visible()
    dialog.get_by_role("button", name="Close").click()

    expect(row(page, name)).to_have_count(1)
    expect(page.locator("img")).to_have_count(0)
    row(page, name).get_by_role("button", name="Delete").click()
    expect(page.get_by_role("dialog", name="Delete token?")).to_contain_text(name)
    expect(page.locator("img")).to_have_count(0)
    # The page fixture fails the test on any alert() that ran.


def test_keyboard_only_creation(signed_in: Any) -> None:
    page = signed_in
    page.locator("body").click(position={"x": 5, "y": 300})
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.pat") == "new":
            break
    expect(page.get_by_role("button", name="New token")).to_be_focused()
    page.keyboard.press("Enter")

    form = page.get_by_role("dialog", name="New token")
    expect(form.get_by_label("Name", exact=True)).to_be_focused()
    page.keyboard.type("keyboard")
    page.keyboard.press("Tab")
    expect(form.get_by_label("Description")).to_be_focused()
    page.keyboard.press("Tab")
    expect(form.get_by_label("Expiration period")).to_be_focused()
    page.keyboard.press("Tab")
    expect(form.get_by_label("Value", exact=True)).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("7")
    # Then the presets (7 days pressed now) and the custom date, then the scopes.
    page.keyboard.press("Tab")
    seven = form.get_by_role("button", name="7 days")
    expect(seven).to_be_focused()
    expect(seven).to_have_attribute("aria-pressed", "true")
    scope = form.get_by_label("notes:read")
    for _press in range(8):
        page.keyboard.press("Tab")
        if scope.evaluate("(e) => e === document.activeElement"):
            break
    expect(scope).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Enter")

    dialog = page.get_by_role("dialog", name="Token Successfully Generated")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Copy")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_visible()  # the token is not lost to a stray key
    close = dialog.get_by_role("button", name="Close")
    for _ in range(6):
        page.keyboard.press("Tab")
        if close.evaluate("(e) => e === document.activeElement"):
            break
    expect(close).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="New token")).to_be_focused()

    created = row(page, "keyboard")
    expect(created.locator(SHOWN["expiration"])).to_have_text("in 7 days")
    # The row's actions are reachable and work from the keyboard too.
    created.get_by_role("button", name="Revoke").focus()
    page.keyboard.press("Enter")
    confirm = page.get_by_role("dialog", name="Revoke token?")
    # A destructive dialog opens on Cancel; Tab reaches its Revoke button.
    expect(confirm.get_by_role("button", name="Cancel revocation")).to_be_focused()
    page.keyboard.press("Tab")
    expect(confirm.get_by_role("button", name="Revoke", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(created.locator(SHOWN["status"])).to_have_text("Revoked")
    expect(created.get_by_role("button", name="Restore")).to_be_focused()


def test_form_errors_say_what_to_do_and_go_when_they_no_longer_apply(signed_in: Any) -> None:
    page = signed_in
    form = open_form(page)
    name = form.get_by_label("Name", exact=True)
    value = form.get_by_label("Value", exact=True)
    unit = form.get_by_label("Expiration period")

    # A decimal value: a plain message, not the raw "Not a valid integer.".
    name.fill("decimal")
    value.fill("1.5")
    form.get_by_role("button", name="Generate").click()
    expect(value).to_have_attribute("aria-invalid", "true")
    expect(value).to_have_accessible_description(re.compile("Enter a whole number of days"))
    expect(form).not_to_contain_text("Not a valid integer")

    # Switching to Never takes the value, and its error, away.
    unit.select_option("never")
    expect(form.get_by_text("Enter a whole number")).to_have_count(0)
    unit.select_option("days")
    expect(value).not_to_have_attribute("aria-invalid", "true")

    # A name over 100 characters is not cut short silently: the form says so at once.
    long = "n" * 101
    name.fill(long)
    expect(name).to_have_value(long)
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile("101 characters; shorten it to 100"))
    form.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("dialog", name="Token Successfully Generated")).to_be_hidden()
    name.press("Backspace")
    expect(name).not_to_have_attribute("aria-invalid", "true")
    value.fill("2")
    form.get_by_role("button", name="Generate").click()
    dialog = page.get_by_role("dialog", name="Token Successfully Generated")
    expect(dialog.get_by_text("n" * 100, exact=True)).to_be_visible()

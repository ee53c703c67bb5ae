"""Revoke, restore, rotate and delete, each checked against the API with the token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from .helpers import LiveApp, open_tokens_page, row, shown

pytestmark = pytest.mark.browser


def revoke(page: Any, name: str) -> None:
    row(page, name).get_by_role("button", name=f"Revoke {name}", exact=True).click()
    page.get_by_role("dialog", name="Revoke token?").get_by_role(
        "button", name="Revoke", exact=True
    ).click()


def test_revoke_and_restore(page: Any, live: LiveApp) -> None:
    _, secret = live.add_token("ci")
    open_tokens_page(page)
    assert live.whoami(secret)[0] == 200

    # Revoke asks first; Cancel changes nothing.
    revoke = row(page, "ci").get_by_role("button", name="Revoke ci", exact=True)
    revoke.click()
    confirm = page.get_by_role("dialog", name="Revoke token?")
    expect(confirm).to_contain_text("ci")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    expect(revoke).to_be_focused()
    expect(shown(page, "ci", "status")).to_have_text("Active")
    assert live.whoami(secret)[0] == 200

    revoke.click()
    confirm.get_by_role("button", name="Revoke", exact=True).click()
    expect(shown(page, "ci", "status")).to_have_text("Revoked")
    expect(row(page, "ci").get_by_role("button", name="Revoke")).to_have_count(0)
    expect(row(page, "ci").get_by_role("button", name="Restore")).to_be_focused()
    expect(page.get_by_role("status").first).to_contain_text("revoked")
    assert live.whoami(secret)[0] == 401

    row(page, "ci").get_by_role("button", name="Restore").click()
    expect(shown(page, "ci", "status")).to_have_text("Active")
    expect(row(page, "ci").get_by_role("button", name="Revoke")).to_be_focused()
    assert live.whoami(secret)[0] == 200


def test_restore_of_an_expired_token_says_why_not(page: Any, live: LiveApp) -> None:
    from datetime import timedelta

    live.add_token("lapsed", revoked=True, expires_at=live.now() - timedelta(minutes=5))
    open_tokens_page(page)
    row(page, "lapsed").get_by_role("button", name="Restore").click()
    expect(page.get_by_role("alert")).to_contain_text("expired")
    page.get_by_role("button", name="Dismiss").click()
    expect(page.get_by_role("alert")).to_be_hidden()


def test_rotate_confirms_then_shows_the_new_secret(page: Any, live: LiveApp) -> None:
    _, old = live.add_token("deploy", "hours", 6)
    open_tokens_page(page)
    last4 = shown(page, "deploy", "value")
    expect(last4).to_have_text(f"...{old[-4:]}")

    rotate = row(page, "deploy").get_by_role("button", name="Rotate")
    rotate.click()
    confirm = page.get_by_role("dialog", name="Rotate token?")
    expect(confirm).to_contain_text("deploy")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    expect(rotate).to_be_focused()
    assert live.whoami(old)[0] == 200

    rotate.click()
    confirm.get_by_role("button", name="Rotate").click()
    dialog = page.get_by_role("dialog", name="Token Successfully Rotated")
    expect(dialog).to_contain_text("deploy")
    expect(dialog).to_contain_text("keeps its original lifetime")
    new = dialog.get_by_label("Token secret").input_value()
    assert re.fullmatch(r"pat_[0-9A-Za-z]{36}", new) and new != old
    assert live.whoami(old)[0] == 401
    assert live.whoami(new)[0] == 200

    # A stray Escape does not take the new secret away; Close does.
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Token secret")).to_have_value(new)
    expect(dialog).to_contain_text("copy it, then press Close")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(last4).to_have_text(f"...{new[-4:]}")
    expect(row(page, "deploy").get_by_role("button", name="Rotate")).to_be_focused()


def test_delete_needs_the_name_typed(page: Any, live: LiveApp) -> None:
    _, secret = live.add_token("Old Laptop")
    live.add_token("keep me")
    open_tokens_page(page)

    row(page, "Old Laptop").get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete token?")
    expect(dialog).to_contain_text("Old Laptop")
    field = dialog.get_by_label("Confirmation")
    confirm = dialog.get_by_role("button", name="Delete")
    # It opens on Cancel (a destructive dialog); the field is the next stop back.
    expect(dialog.get_by_role("button", name="Cancel deletion")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(field).to_be_focused()
    expect(confirm).to_be_disabled()

    for attempt in ("Old", "old laptop", "Old Laptop ", "Old Laptop"[:-1]):
        field.fill(attempt)
        expect(confirm).to_be_disabled()
        field.press("Enter")
        expect(dialog).to_be_visible()

    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(row(page, "Old Laptop")).to_have_count(1)

    row(page, "Old Laptop").get_by_role("button", name="Delete").click()
    expect(field).to_have_value("")
    field.fill("Old Laptop")
    expect(confirm).to_be_enabled()
    confirm.click()
    expect(dialog).to_be_hidden()
    expect(row(page, "Old Laptop")).to_have_count(0)
    expect(row(page, "keep me")).to_have_count(1)
    expect(row(page, "keep me").get_by_role("button").first).to_be_focused()
    assert live.whoami(secret)[0] == 401

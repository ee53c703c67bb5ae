"""WCAG 2.2 AA, checked by axe-core in every state of the page (SPEC section 8): the table
in every status, the form with errors, every dialog, the preview panel and the empty table,
in the light and the dark look, in the table and in the card layout. Zero violations.

``-s`` prints axe's figures per state (violations, rules passed).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from .helpers import LiveApp, all_control_names, control_names, open_tokens_page, repeated, row

pytestmark = pytest.mark.browser

#: Every rule of axe-core's WCAG 2.0/2.1/2.2 A and AA sets, and its best practices.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        # axe-core has no "wcag22a" tag: WCAG 2.2's new A criteria are not automatable.
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations", "passes"],
}


def axe_script() -> str:
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT


class Audit:
    """Runs axe on a page, state after state; remembers each state's figures. With
    ``only``, states not named there are passed by (a narrow screen changes the layout of
    the table and the form, not what the other dialogs hold)."""

    def __init__(self, page: Any, label: str, only: set[str] | None = None) -> None:
        self.page = page
        self.label = label
        self.only = only
        self.figures: dict[str, tuple[int, int]] = {}
        self.found: dict[str, list[str]] = {}

    def check(self, state: str) -> None:
        if self.only is not None and state not in self.only:
            return
        # Injected by the test (DevTools protocol), not by the page: the CSP stays strict.
        if not self.page.evaluate("typeof window.axe === 'object'"):
            self.page.evaluate(axe_script())
        # Let the tooltip of a just-focused control settle: no animation still running.
        self.page.evaluate(
            "() => Promise.allSettled(document.getAnimations().map((a) => a.finished))"
        )
        results = self.page.evaluate(f"axe.run(document, {json.dumps(AXE_OPTIONS)})")
        violations = results["violations"]
        passed = {rule["id"] for rule in results["passes"]}
        # The figures mean something: the colours and names were actually checked.
        assert {"color-contrast", "button-name"} <= passed, (state, sorted(passed))
        self.figures[state] = (len(violations), len(results["passes"]))
        if violations:
            self.found[state] = [
                f"{v['id']} ({v['impact']}): {v['help']} -> "
                + "; ".join(" ".join(node["target"]) for node in v["nodes"][:4])
                for v in violations
            ]

    def report(self) -> None:
        print(f"\naxe-core, {self.label}: state = violations / rules passed")
        for state, (violations, passes) in self.figures.items():
            print(f"  {state:44s} {violations} / {passes}")
        assert self.found == {}, json.dumps(self.found, indent=1)


NARROW_STATES = {
    "empty table",
    "table: active, expiring, expired, revoked",
    "table with downloads, a tooltip shown",
    "form with errors",
    "once-only dialog (generated)",
    "table after revoke, with the notification",
    "preview panel",
    "history dialog",
    "edit dialog with an error",
    "revoke all confirmation",
}


def seed(live: LiveApp) -> None:
    now = live.now()
    live.add_token("CI deploy", scopes=["notes:read"], last_used_at=now - timedelta(minutes=3))
    live.add_token("Expiring soon", "days", 2, project_id=1)
    live.add_token("Lapsed", "days", 1, expires_at=now - timedelta(hours=1))
    live.add_token("Stopped", revoked=True)
    live.add_token("Never expires", "never", None, scopes=["notes:read", "notes:write"])


def walk_every_state(page: Any, live: LiveApp, audit: Audit) -> None:
    # The empty table, before any token exists.
    open_tokens_page(page)
    audit.check("empty table")
    seed(live)
    open_tokens_page(page)
    expect(row(page, "Stopped")).to_have_count(1)
    audit.check("table: active, expiring, expired, revoked")

    page.get_by_label("Integration", exact=True).select_option(label="GPT-5 mini")
    expect(
        page.locator("tbody").get_by_role("button", name="Download VSCode settings").first
    ).to_be_visible()
    row(page, "CI deploy").get_by_role("button", name="Revoke").focus()
    audit.check("table with downloads, a tooltip shown")

    page.get_by_label("Status", exact=True).select_option("expired")
    expect(page.locator("tbody tr")).to_have_count(1)
    audit.check("status filter: expired")
    page.get_by_label("Status", exact=True).select_option("")

    page.get_by_role("button", name="New token").click()
    form = page.get_by_role("dialog", name="New token")
    form.get_by_label("Value", exact=True).fill("1.5")
    form.get_by_role("button", name="Generate").click()
    expect(form.get_by_label("Value", exact=True)).to_have_attribute("aria-invalid", "true")
    audit.check("form with errors")
    form.get_by_label("Name", exact=True).fill("Fresh")
    form.get_by_label("Value", exact=True).fill("3")
    form.get_by_role("button", name="Generate").click()
    generated = page.get_by_role("dialog", name="Token Successfully Generated")
    expect(generated).to_be_visible()
    audit.check("once-only dialog (generated)")
    generated.get_by_role("button", name="Close").click()
    expect(generated).to_be_hidden()

    row(page, "CI deploy").get_by_role("button", name="Revoke").click()
    revoke = page.get_by_role("dialog", name="Revoke token?")
    expect(revoke).to_be_visible()
    audit.check("revoke confirmation")
    revoke.get_by_role("button", name="Revoke", exact=True).click()
    expect(page.locator('[data-pat="toast"]')).to_be_visible()
    audit.check("table after revoke, with the notification")

    row(page, "Fresh").get_by_role("button", name="Rotate").click()
    rotate = page.get_by_role("dialog", name="Rotate token?")
    expect(rotate).to_be_visible()
    audit.check("rotate confirmation")
    rotate.get_by_role("button", name="Rotate", exact=True).click()
    rotated = page.get_by_role("dialog", name="Token Successfully Rotated")
    expect(rotated).to_be_visible()
    audit.check("once-only dialog (rotated), notification inside")
    rotated.get_by_role("button", name="Close").click()

    row(page, "Lapsed").get_by_role("button", name="Delete").click()
    delete = page.get_by_role("dialog", name="Delete token?")
    delete.get_by_label("Confirmation").fill("Lap")
    audit.check("delete confirmation")
    delete.get_by_role("button", name="Cancel").click()

    row(page, "CI deploy").get_by_role("button", name="Preview settings").click()
    panel = page.get_by_role("dialog", name="Settings preview")
    expect(panel.locator("pre")).to_contain_text("alitacode")
    audit.check("preview panel")
    panel.get_by_role("button", name="Close").click()

    page.get_by_label("Integration", exact=True).select_option(label="None")
    row(page, "CI deploy").get_by_role("button", name="Preview settings").click()
    expect(panel.get_by_role("button", name="Choose an integration")).to_be_visible()
    audit.check("preview panel: choose an integration")
    panel.get_by_role("button", name="Close").click()

    row(page, "CI deploy").get_by_role("button", name="History").click()
    history = page.get_by_role("dialog", name="Token history")
    expect(history).to_be_visible()
    expect(history.get_by_role("table")).to_be_visible()
    audit.check("history dialog")
    history.get_by_role("button", name="Close history").click()

    row(page, "CI deploy").get_by_role("button", name="Edit CI deploy").click()
    edit = page.get_by_role("dialog", name="Edit token")
    edit.get_by_label("New name").fill("Lapsed")
    edit.get_by_role("button", name="Save").click()
    expect(edit.get_by_label("New name")).to_have_attribute("aria-invalid", "true")
    audit.check("edit dialog with an error")
    edit.get_by_role("button", name="Cancel editing").click()

    page.get_by_role("button", name="Revoke all", exact=True).click()
    revoke_all = page.get_by_role("dialog", name="Revoke all your tokens?")
    revoke_all.get_by_role("textbox").fill("revoke")
    audit.check("revoke all confirmation")
    revoke_all.get_by_role("button", name="Cancel revoking all").click()

    page.get_by_placeholder("Search tokens...").fill("nothing like it")
    expect(page.get_by_role("button", name="Show all tokens")).to_be_visible()
    audit.check("no match")
    audit.report()


@pytest.mark.parametrize(
    "context_options",
    [
        pytest.param({"color_scheme": "light"}, id="light-1280"),
        pytest.param({"color_scheme": "dark"}, id="dark-1280"),
        pytest.param(
            {"color_scheme": "light", "viewport": {"width": 375, "height": 740}}, id="light-375"
        ),
        pytest.param(
            {"color_scheme": "dark", "viewport": {"width": 375, "height": 740}}, id="dark-375"
        ),
    ],
)
def test_axe_finds_no_violation_in_any_state(
    page: Any, live: LiveApp, context_options: dict[str, Any]
) -> None:
    width = context_options.get("viewport", {}).get("width", 1280)
    label = f"{context_options['color_scheme']}, {width} px"
    only = None if width > 400 else NARROW_STATES
    walk_every_state(page, live, Audit(page, label, only))


CONTRAST = """([selector, fore, back]) => {
  const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = c.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const element = document.querySelector(selector);
  const style = getComputedStyle(element);
  let backColor = style.getPropertyValue(back);
  if (back === 'surface') {
    backColor = getComputedStyle(document.querySelector('.pat-card')).backgroundColor;
  }
  const [a, b] = [lum(rgb(style.getPropertyValue(fore))), lum(rgb(backColor))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.parametrize("context_options", [{"color_scheme": "light"}, {"color_scheme": "dark"}])
def test_borders_and_hovered_buttons_contrast(page: Any, live: LiveApp) -> None:
    """What axe does not measure: control borders (3:1, WCAG 1.4.11) and buttons while
    hovered (4.5:1)."""
    live.add_token("CI deploy")
    open_tokens_page(page)
    for selector in ("#pat-search", "#pat-status-filter", "#pat-per-page"):
        ratio = page.evaluate(CONTRAST, [selector, "border-top-color", "surface"])
        assert ratio >= 3, (selector, ratio)

    new = page.get_by_role("button", name="New token")
    new.hover()
    ratio = page.evaluate(CONTRAST, ['[data-pat="new"]', "color", "background-color"])
    assert ratio >= 4.5, ("New token, hovered", ratio)

    for opener, dialog, confirm in (
        ("Revoke CI deploy", "Revoke token?", '[data-pat="revoke-confirm"]'),
        ("Delete CI deploy", "Delete token?", '[data-pat="delete-confirm"]'),
    ):
        row(page, "CI deploy").get_by_role("button", name=opener).click()
        box = page.get_by_role("dialog", name=dialog)
        if dialog == "Delete token?":
            box.get_by_label("Confirmation").fill("CI deploy")
        button = page.locator(confirm)
        expect(button).to_be_enabled()
        assert page.evaluate(CONTRAST, [confirm, "color", "background-color"]) >= 4.5
        button.hover()
        assert page.evaluate(CONTRAST, [confirm, "color", "background-color"]) >= 4.5
        box.get_by_role("button", name="Cancel").click()


def test_every_control_has_a_name_of_its_own(page: Any, live: LiveApp) -> None:
    """A label names one control (SPEC section 8): no two buttons, fields or lists share a
    name, dialogs included, but for the rows' buttons, whose names carry the token's name.
    The dialogs' buttons keep their visible text as the start of their name."""
    live.add_token("CI deploy", scopes=["notes:read"])
    live.add_token("Stopped", revoked=True)
    open_tokens_page(page)
    page.get_by_label("Integration", exact=True).select_option(label="GPT-5 mini")
    page.get_by_role("button", name="New token").click()
    form = page.get_by_role("dialog", name="New token")
    form.get_by_label("Name", exact=True).fill("Fresh")
    form.get_by_role("button", name="Generate").click()
    generated = page.get_by_role("dialog", name="Token Successfully Generated")
    expect(generated.get_by_role("button", name="Download VSCode settings")).to_be_visible()
    # Its downloads exist only while it is open (and modal: the rest of the page is inert).
    downloads = control_names(page, '[data-pat="generated-download-buttons"]')
    assert downloads == ["Download VSCode settings", "Download JetBrains settings"]
    generated.get_by_role("button", name="Close").click()
    expect(generated).to_be_hidden()

    names = all_control_names(page) + downloads
    assert "" not in names
    tokens = ("ci deploy", "stopped", "fresh")
    assert repeated(names, lambda name: any(token in name for token in tokens)) == []
    for name in (
        "Close new token form",
        "Cancel new token",
        "Copy token",
        "Close generated token",
        "Cancel rotation",
        "Cancel revocation",
        "Cancel deletion",
        "Close history",
        "Close settings preview",
        "Copy",
        "Download",
        "Revoke",
        "Delete",
    ):
        assert name in names, name
    for button in page.locator("dialog button").all():
        text = " ".join(button.inner_text().split())
        label = button.get_attribute("aria-label")
        if text and label:
            assert label.casefold().startswith(text.casefold()), (text, label)
    # The settings preview still shows the word "Close".
    close = page.get_by_role("dialog", name="Settings preview").get_by_role("button", name="Close")
    expect(close).to_have_text("Close")

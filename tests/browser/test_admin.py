"""The admin inventory page in Chromium, under ``default-src 'self'``: every user's tokens,
revoke with confirmation, history, the view in the URL, the look (PAT_THEME, a host layout),
names unique on the page, axe-core in light and dark, 375 px.

``PAT_SCREENSHOTS=1`` also writes docs/img/admin.png.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .conftest import REPORT_CSP_VIOLATIONS, PageProblems
from .helpers import LiveApp, all_control_names, repeated, serve_example_app
from .test_host import add_host_layout

pytestmark = pytest.mark.browser

ADMIN_PATH = "/settings/tokens/admin/"
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def teammate_token(live: LiveApp, name: str, **columns: Any) -> int:
    """A token of the example app's second user."""
    from example_app import TEAMMATE_EMAIL, User, db
    from flask_pat import service

    with live.app.app_context():
        teammate = db.session.scalar(sa.select(User).filter_by(email=TEAMMATE_EMAIL))
        token, _ = service.create(teammate, name, ("days", 30), ["notes:read"])
        for column, value in columns.items():
            setattr(token, column, value)
        db.session.commit()
        return int(token.id)


LEAK_URL = "https://github.com/acme/app/blob/main/.env"


def leaked_teammate_token(live: LiveApp, name: str) -> int:
    """A token of the second user that GitHub's secret scanning reported (a `leaked` event
    whose detail says where it was found)."""
    from example_app import TEAMMATE_EMAIL, User, db
    from flask_pat import service

    token_id = teammate_token(live, name)
    with live.app.app_context():
        teammate = db.session.scalar(sa.select(User).filter_by(email=TEAMMATE_EMAIL))
        token = db.session.get(live.app.extensions["pat"].Token, token_id)
        detail = {"source": "github", "url": LEAK_URL, "location": ".env:3"}
        service.revoke(teammate, token, reason="leaked", actor="system", detail=detail)
    return token_id


def seed(live: LiveApp) -> dict[str, int]:
    now = live.now()
    return {
        "mine": live.add_token("Demo laptop", last_used_at=now - timedelta(minutes=5))[0],
        "deploy": teammate_token(
            live,
            "CI deploy",
            last_used_at=now - timedelta(hours=2),
            last_used_ip="203.0.113.7",
            expires_at=now + timedelta(days=3),
        ),
        "laptop": teammate_token(live, "Laptop CLI"),
    } | {"old": live.add_token("Old script", revoked=True)[0]}


def open_admin(page: Any, query: str = "") -> None:
    page.goto(ADMIN_PATH + query)
    expect(page.locator('[data-pat="table"]')).to_have_attribute("aria-busy", "false")


def token_names(page: Any) -> list[str]:
    return [n.strip() for n in page.locator(".pat-admin-name").all_inner_texts()]


def axe_violations(page: Any) -> list[str]:
    # WCAG 2.0, 2.1 and 2.2 A and AA (axe-core has no "wcag22a" tag), and best practices.
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": tags}, "resultTypes": ["violations"]}
    )
    return [
        f"{v['id']}: {[(n['target'], n.get('failureSummary')) for n in v['nodes']]}"
        for v in results.response["violations"]
    ]


def test_the_inventory_shows_every_users_tokens(page: Any, live: LiveApp) -> None:
    seed(live)
    open_admin(page)
    assert sorted(token_names(page)) == ["CI deploy", "Demo laptop", "Laptop CLI", "Old script"]
    row = page.locator("tr", has_text="CI deploy")
    expect(row).to_contain_text("sam@example.com")
    expect(row).to_contain_text("203.0.113.7")
    expect(row).to_contain_text("Expiring")
    for header in ("User", "Token name", "Created", "Expiration", "Last used"):
        expect(page.get_by_role("button", name=header, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Revoke Old script")).to_have_count(0)
    expect(page.locator("tr", has_text="Old script")).to_contain_text("by its owner")


def test_an_admin_revokes_through_the_page_and_the_owner_cannot_restore(
    page: Any, live: LiveApp
) -> None:
    ids = seed(live)
    open_admin(page)
    page.get_by_role("button", name="Revoke Demo laptop").click()
    dialog = page.get_by_role("dialog", name="Revoke token?")
    expect(dialog).to_contain_text("Its owner cannot restore it")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("tr", has_text="Demo laptop")).to_contain_text("Active")

    page.get_by_role("button", name="Revoke Demo laptop").click()
    dialog.get_by_role("button", name="Revoke", exact=True).click()
    row = page.locator("tr", has_text="Demo laptop")
    expect(row).to_contain_text("Revoked")
    expect(row).to_contain_text("by an administrator")
    expect(page.get_by_role("status")).to_contain_text("Revoked Demo laptop.")
    expect(page.get_by_role("button", name="Revoke Demo laptop")).to_have_count(0)
    with live.app.app_context():
        pat = live.app.extensions["pat"]
        token = pat.db.session.get(pat.Token, ids["mine"])
        assert (token.revoked_reason, token.revoked_at is not None) == ("admin", True)

    # The demo user owns that token: the page's own API refuses to restore it.
    answer = page.evaluate(
        """async (id) => {
          const meta = await (await fetch("/settings/tokens/api/meta")).json();
          const response = await fetch(`/settings/tokens/api/tokens/${id}/restore`, {
            method: "POST", headers: {"X-CSRF-Token": meta.csrf_token}});
          return [response.status, (await response.json()).error.code];
        }""",
        ids["mine"],
    )
    assert answer == [409, "not_restorable"]


def test_each_tokens_history(page: Any, live: LiveApp) -> None:
    seed(live)
    open_admin(page)
    page.get_by_role("button", name="Revoke CI deploy").click()
    page.get_by_role("dialog", name="Revoke token?").get_by_role(
        "button", name="Revoke", exact=True
    ).click()
    expect(page.locator("tr", has_text="CI deploy")).to_contain_text("by an administrator")
    page.get_by_role("button", name="History of CI deploy").click()
    dialog = page.get_by_role("dialog", name="Token history")
    rows = dialog.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Revoked")
    expect(rows.nth(0)).to_contain_text("Administrator")
    expect(rows.nth(1)).to_contain_text("Created")
    dialog.get_by_role("button", name="Close history").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="History of CI deploy")).to_be_focused()


def test_history_of_a_leaked_token_says_where_it_was_found(page: Any, live: LiveApp) -> None:
    seed(live)
    token_id = leaked_teammate_token(live, "Pasted in a repo")
    open_admin(page)
    button = page.get_by_role("button", name="History of Pasted in a repo")
    expect(button).to_have_text("History")
    with page.expect_request(re.compile(r".*/api/admin/events\?.*")) as asked:
        button.click()
    query = asked.value.url.split("?", 1)[1]
    assert f"token={token_id}" in query.split("&") and "page=1" in query.split("&")
    dialog = page.get_by_role("dialog", name="Token history")
    expect(dialog).to_contain_text("Pasted in a repo")
    expect(dialog).to_contain_text("sam@example.com")
    rows = dialog.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Reported as leaked")
    expect(rows.nth(0)).to_contain_text("Reported by GitHub secret scanning")
    expect(rows.nth(0)).to_contain_text(LEAK_URL)
    expect(rows.nth(0)).to_contain_text(".env:3")
    expect(rows.nth(0)).to_contain_text("System")
    expect(rows.nth(1)).to_contain_text("Created")
    expect(rows.nth(1)).not_to_contain_text("Reported by")
    expect(dialog.get_by_role("button", name="Older events")).to_be_hidden()


def test_history_pages_newest_first(page: Any, live: LiveApp) -> None:
    from example_app import db
    from flask_pat import events

    token_id = teammate_token(live, "Busy runner")
    with live.app.app_context():
        token = db.session.get(live.app.extensions["pat"].Token, token_id)
        start = live.now()
        for _ in range(11):
            events.record(token, "rotated", actor="owner")
        db.session.flush()
        recorded = db.session.scalars(
            sa.select(live.app.extensions["pat"].Event).filter_by(event="rotated")
        ).all()
        for minutes, event in enumerate(recorded, start=1):
            event.at = start + timedelta(minutes=minutes)
        db.session.commit()
    open_admin(page)
    page.get_by_role("button", name="History of Busy runner").click()
    dialog = page.get_by_role("dialog", name="Token history")
    rows = dialog.locator("tbody tr")
    expect(rows).to_have_count(10)
    expect(dialog).to_contain_text("Page 1 of 2")
    expect(rows.first).to_contain_text("Rotated")
    dialog.get_by_role("button", name="Older events").click()
    expect(dialog).to_contain_text("Page 2 of 2")
    expect(rows).to_have_count(2)
    expect(rows.last).to_contain_text("Created")
    expect(dialog.get_by_role("button", name="Newer events")).to_be_focused()


def test_search_filters_sort_and_page_live_in_the_url(page: Any, live: LiveApp) -> None:
    seed(live)
    open_admin(page)
    page.get_by_label("Search tokens").fill("laptop")
    page.wait_for_url(re.compile(r"q=laptop"))
    expect(page.locator(".pat-admin-name")).to_have_count(2)
    page.get_by_role("button", name="User", exact=True).click()
    page.wait_for_url(re.compile(r"sort=user"))
    expect(page.locator(".pat-admin-name")).to_have_text(["Demo laptop", "Laptop CLI"])
    page.get_by_role("button", name="User", exact=True).click()
    page.wait_for_url(re.compile(r"sort=-user"))
    expect(page.locator(".pat-admin-name").first).to_have_text("Laptop CLI")

    page.reload()
    expect(page.get_by_label("Search tokens")).to_have_value("laptop")
    expect(page.locator(".pat-admin-name").first).to_have_text("Laptop CLI")

    page.get_by_label("Search tokens").fill("")
    page.get_by_label("Status").select_option("revoked")
    page.wait_for_url(re.compile(r"status=revoked"))
    expect(page.locator(".pat-admin-name")).to_have_text(["Old script"])
    page.go_back()
    expect(page.get_by_label("Status")).to_have_value("")

    open_admin(page, "?user=1&per_page=5")
    expect(page.get_by_label("User ID")).to_have_value("1")
    assert sorted(token_names(page)) == ["Demo laptop", "Old script"]
    expect(page.get_by_label("Rows per page")).to_have_value("5")


def test_pages_reach_the_first_and_the_last(page: Any, live: LiveApp) -> None:
    for i in range(12):
        live.add_token(f"Token {i:02d}")
    open_admin(page, "?per_page=5&sort=name")
    assert token_names(page)[0] == "Token 00"
    page.get_by_role("button", name="Last page").click()
    page.wait_for_url(re.compile(r"page=3"))
    expect(page.locator(".pat-admin-name")).to_have_text(["Token 10", "Token 11"])
    expect(page.get_by_role("button", name="Next page")).to_be_disabled()
    page.get_by_role("button", name="First page").click()
    expect(page.locator(".pat-admin-name").first).to_have_text("Token 00")


@pytest.mark.parametrize("context_options", [{"color_scheme": "light"}, {"color_scheme": "dark"}])
def test_axe_finds_no_violation(page: Any, live: LiveApp, context_options: Any) -> None:
    seed(live)
    open_admin(page)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Revoke CI deploy").click()
    expect(page.get_by_role("dialog", name="Revoke token?")).to_be_visible()
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    page.get_by_role("button", name="History of CI deploy").click()
    expect(page.get_by_role("dialog", name="Token history").locator("tbody tr")).to_have_count(1)
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    leaked_teammate_token(live, "Pasted in a repo")
    open_admin(page)
    page.get_by_role("button", name="History of Pasted in a repo").click()
    history = page.get_by_role("dialog", name="Token history")
    expect(history.locator("tbody tr").first).to_contain_text(LEAK_URL)
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    open_admin(page, "?q=nothing-matches")
    expect(page.get_by_text("No tokens match.")).to_be_visible()
    assert axe_violations(page) == []
    # The owners a search finds, then one of them chosen (Revoke all offered).
    open_admin(page, "?q=sam@")
    owner = page.locator("[data-pat=owner-list] button")
    expect(owner).to_have_count(1)
    assert axe_violations(page) == []
    owner.click()
    expect(page.locator("[data-pat=user-revoke-all]")).to_be_visible()
    assert axe_violations(page) == []
    # A user filter the API refuses: its message is shown, the table says it could not load.
    open_admin(page, "?user=abc")
    expect(page.get_by_role("alert")).to_contain_text("Give the user's id")
    assert axe_violations(page) == []


@pytest.mark.parametrize("context_options", [{"viewport": {"width": 375, "height": 740}}])
def test_at_375_px_nothing_scrolls_sideways(page: Any, live: LiveApp, context_options: Any) -> None:
    seed(live)
    teammate_token(live, "A rather long token name for the nightly integration job runner")
    open_admin(page)
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    row = page.locator("tr", has_text="CI deploy")
    row.scroll_into_view_if_needed()
    # The token's name, status and actions are seen together, none cut off at the side.
    for part in (
        row.get_by_text("CI deploy", exact=True).first,
        row.get_by_text("Expiring", exact=True),
        page.get_by_role("button", name="Revoke CI deploy"),
        page.get_by_role("button", name="History of CI deploy"),
    ):
        expect(part).to_be_visible()
        box = part.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    page.get_by_role("button", name="History of CI deploy").click()
    dialog = page.get_by_role("dialog", name="Token history")
    expect(dialog.locator("tbody tr")).to_have_count(1)
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    for part in (
        dialog,
        dialog.get_by_role("button", name="Close history"),
        dialog.locator("tbody tr"),
    ):
        box = part.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    # The dialog's table does not scroll sideways inside it either.
    inner = dialog.evaluate("(e) => [e.scrollWidth, e.clientWidth]")
    assert inner[0] <= inner[1], inner


def test_every_control_has_a_name_of_its_own(page: Any, live: LiveApp) -> None:
    """No two controls share a name, dialogs included: the rows' buttons name the token and
    its owner (two users may name a token alike)."""
    seed(live)
    teammate_token(live, "Demo laptop")
    open_admin(page)
    names = all_control_names(page)
    assert "" not in names
    # Not even two users' tokens of the same name share a button's name.
    assert repeated(names, lambda name: False) == []
    assert "Revoke Demo laptop (demo@example.com)" in names
    assert "History of Demo laptop (sam@example.com)" in names
    for name in (
        "Cancel revocation",
        "Revoke",
        "Close history",
        "Search tokens and their owners",
        "User ID",
    ):
        assert name in names, name
    cancel = page.get_by_role("dialog", name="Revoke token?").get_by_role("button", name="Cancel")
    expect(cancel).to_have_text("Cancel")


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with serve_example_app(tmp_path_factory.mktemp("host") / "host.db", add_host_layout) as live:
        yield live


@pytest.fixture
def dark_machine(browser: Any, host: LiveApp, signed_in_state: dict[str, Any]) -> Any:
    """A page on the host app, on a machine that prefers dark."""
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


def test_the_look_follows_pat_theme_and_the_host(dark_machine: Any, host: LiveApp) -> None:
    page = dark_machine

    def look(theme: str, base_template: str | None) -> str | None:
        host.app.config.update(PAT_THEME=theme, PAT_BASE_TEMPLATE=base_template)
        open_admin(page)
        value: str | None = page.locator(".pat-admin").get_attribute("data-pat-look")
        return value

    # A light host page on a machine that prefers dark: the inventory stays light.
    assert look("auto", "host/page.html") == "light"
    expect(page.get_by_role("link", name="Host app")).to_be_visible()
    card = page.locator(".pat-card").evaluate("(e) => getComputedStyle(e).backgroundColor")
    assert card == "rgb(255, 255, 255)"
    # ... and follows the host page when it turns dark.
    page.evaluate("document.documentElement.dataset.bsTheme = 'dark'")
    expect(page.locator(".pat-admin")).to_have_attribute("data-pat-look", "dark")
    # Standalone, "auto" follows the machine; "light" and "dark" are fixed.
    assert look("auto", None) == "dark"
    assert look("light", None) == "light"
    assert look("dark", "host/page.html") == "dark"
    card = page.locator(".pat-card").evaluate("(e) => getComputedStyle(e).backgroundColor")
    assert card == "rgb(22, 27, 34)"
    host.app.config.update(PAT_THEME="auto", PAT_BASE_TEMPLATE="host/page.html")


def test_screenshot(page: Any, live: LiveApp, tmp_path: Path) -> None:
    seed(live)
    teammate_token(live, "Nightly backup", last_used_ip="198.51.100.23")
    open_admin(page)
    target = DOCS_IMG if os.environ.get("PAT_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / "admin.png"), full_page=True)

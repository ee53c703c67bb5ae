"""The table: search, sort, pages, the Expiration / Last used / Status columns, projects."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from .helpers import PAGE_PATH, LiveApp, names, open_tokens_page, row, shown, wait_for_list

pytestmark = pytest.mark.browser


def test_search_as_you_type(page: Any, live: LiveApp) -> None:
    for name in ("alpha", "beta", "Alphabet", "gamma 50%"):
        live.add_token(name)
    open_tokens_page(page)
    expect(names(page)).to_have_count(4)

    search = page.get_by_placeholder("Search tokens...")
    search.press_sequentially("ALP", delay=30)
    expect(names(page)).to_have_text(["Alphabet", "alpha"])
    expect(page.get_by_text("1–2 of 2")).to_be_visible()

    search.fill("%")
    expect(names(page)).to_have_text(["gamma 50%"])

    search.fill("nothing like it")
    expect(page.locator("tbody").get_by_text("No tokens match “nothing like it”")).to_be_visible()

    search.fill("")
    expect(names(page)).to_have_count(4)


def test_sort_by_name_and_expiration(page: Any, live: LiveApp) -> None:
    live.add_token("bravo", "days", 10)
    live.add_token("Alpha", "hours", 2)
    live.add_token("charlie", "never", None)
    live.add_token("delta", "weeks", 1)
    open_tokens_page(page)
    expect(names(page)).to_have_text(["delta", "charlie", "Alpha", "bravo"])  # newest first

    name_header = page.get_by_role("columnheader", name="Token name")
    expires_header = page.get_by_role("columnheader", name="Expiration")
    expect(name_header).not_to_have_attribute("aria-sort", "ascending")

    page.get_by_role("button", name="Token name").click()
    expect(names(page)).to_have_text(["Alpha", "bravo", "charlie", "delta"])
    expect(name_header).to_have_attribute("aria-sort", "ascending")
    page.get_by_role("button", name="Token name").click()
    expect(names(page)).to_have_text(["delta", "charlie", "bravo", "Alpha"])
    expect(name_header).to_have_attribute("aria-sort", "descending")

    page.get_by_role("button", name="Expiration").click()
    expect(names(page)).to_have_text(["Alpha", "delta", "bravo", "charlie"])
    expect(expires_header).to_have_attribute("aria-sort", "ascending")
    expect(name_header).not_to_have_attribute("aria-sort", "descending")
    page.get_by_role("button", name="Expiration").click()
    expect(names(page)).to_have_text(["charlie", "bravo", "delta", "Alpha"])
    expect(expires_header).to_have_attribute("aria-sort", "descending")


def test_page_sizes_and_paging(page: Any, live: LiveApp) -> None:
    for number in range(60):
        live.add_token(f"token {number:02d}")
    open_tokens_page(page)
    rows = page.locator("tbody tr")
    previous = page.get_by_role("button", name="Previous page")
    following = page.get_by_role("button", name="Next page")

    expect(rows).to_have_count(10)
    expect(page.get_by_text("1–10 of 60")).to_be_visible()
    expect(names(page).first).to_have_text("token 59")
    expect(previous).to_be_disabled()

    following.click()
    expect(page.get_by_text("11–20 of 60")).to_be_visible()
    expect(names(page).first).to_have_text("token 49")
    previous.click()
    expect(page.get_by_text("1–10 of 60")).to_be_visible()

    per_page = page.get_by_label("Rows per page")
    expect(per_page.locator("option")).to_have_text(["5", "10", "50", "100"])
    per_page.select_option("50")
    expect(rows).to_have_count(50)
    expect(page.get_by_text("1–50 of 60")).to_be_visible()
    following.click()
    expect(rows).to_have_count(10)
    expect(page.get_by_text("51–60 of 60")).to_be_visible()
    expect(following).to_be_disabled()
    expect(previous).to_be_focused()  # focus stays on the pager

    per_page.select_option("100")
    expect(rows).to_have_count(60)
    expect(page.get_by_text("1–60 of 60")).to_be_visible()
    expect(following).to_be_disabled()

    per_page.select_option("5")
    expect(rows).to_have_count(5)
    expect(page.get_by_text("1–5 of 60")).to_be_visible()

    # The choice is kept for the next visit.
    page.reload()
    wait_for_list(page)
    expect(rows).to_have_count(5)


def test_expiration_last_used_and_status(page: Any, live: LiveApp) -> None:
    now = live.now()
    live.add_token("fresh", "days", 30, last_used_at=now - timedelta(minutes=3))
    live.add_token("soon", "days", 3, last_used_at=now - timedelta(hours=5))
    live.add_token("forever", "never", None)
    live.add_token("old", "days", 1, expires_at=now - timedelta(hours=1))
    live.add_token("stopped", "days", 30, revoked=True)
    open_tokens_page(page)

    expect(shown(page, "fresh", "expiration")).to_have_text("in 30 days")
    expect(shown(page, "fresh", "used")).to_have_text("3 minutes ago")
    expect(shown(page, "fresh", "status")).to_have_text("Active")
    expect(shown(page, "soon", "expiration")).to_have_text("in 3 days")
    expect(shown(page, "soon", "used")).to_have_text("5 hours ago")
    expect(shown(page, "soon", "status")).to_have_text("Expiring")
    expect(shown(page, "forever", "expiration")).to_have_text("Never")
    expect(shown(page, "old", "expiration")).to_have_text("Expired")
    expect(shown(page, "old", "status")).to_have_text("Expired")
    expect(shown(page, "stopped", "status")).to_have_text("Revoked")

    def color(locator: Any) -> list[int]:
        text = locator.evaluate("(e) => getComputedStyle(e).color")
        return [int(part) for part in text[text.index("(") + 1 : -1].split(",")[:3]]

    def mark(name: str) -> Any:
        return row(page, name).locator(".pat-expiration svg")

    green = color(mark("fresh"))
    assert green[1] > green[0] and green[1] > green[2]
    assert color(mark("forever")) == green
    red, gr, blue = color(mark("soon"))
    assert red > gr > blue  # amber
    grey = color(shown(page, "old", "expiration"))
    assert max(grey) - min(grey) < 30
    red, gr, blue = color(shown(page, "stopped", "status"))
    assert red > 150 and red > 2 * blue and gr < red  # orange
    # A revoked token's expiry gets no green mark: it does not contradict "Revoked".
    expect(mark("stopped")).to_have_count(0)


def test_project_filter_and_preselection(signed_in: Any, live: LiveApp) -> None:
    page = signed_in
    live.add_token("mine", project_id=1)
    live.add_token("shared", project_id=2)
    live.add_token("unbound")
    page.reload()
    wait_for_list(page)
    expect(names(page)).to_have_count(3)

    project = page.get_by_label("Project", exact=True)
    expect(project.locator("option")).to_have_text(["All projects", "My project", "Public"])
    project.select_option(label="My project")
    expect(names(page)).to_have_text(["mine"])

    page.get_by_role("button", name="New token").click()
    form = page.get_by_role("dialog", name="New token")
    expect(form.get_by_label("Token project")).to_have_value("1")
    form.get_by_label("Name", exact=True).fill("also mine")
    form.get_by_role("button", name="Generate").click()
    page.get_by_role("dialog", name="Token Successfully Generated").get_by_role(
        "button", name="Close"
    ).click()
    expect(names(page)).to_have_text(["also mine", "mine"])

    project.select_option(label="Public")
    expect(names(page)).to_have_text(["shared"])
    project.select_option(label="All projects")
    expect(names(page)).to_have_count(4)


def test_loading_state_then_rows(page: Any, live: LiveApp) -> None:
    live.add_token("slow")
    held: list[Any] = []

    def is_list(url: str) -> bool:
        return "/api/tokens?" in url

    def hold(route: Any) -> None:
        held.append(route)

    page.route(is_list, hold)
    # Wait for the list to be asked for; its route, sent just after, is held by the time
    # the page has answered the checks below.
    with page.expect_request(lambda request: is_list(request.url)):
        page.goto(PAGE_PATH)
    expect(page.get_by_text("Loading tokens…")).to_be_visible()
    expect(page.locator('[data-pat="table"]')).to_have_attribute("aria-busy", "true")
    assert held

    for route in held:
        route.continue_()
    page.unroute(is_list, hold)
    expect(names(page)).to_have_text(["slow"])
    expect(page.locator('[data-pat="table"]')).to_have_attribute("aria-busy", "false")

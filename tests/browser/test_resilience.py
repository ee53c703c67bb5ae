"""The page under a strict CSP, with an ended session, a lost network, a stale CSRF
token, standalone (no host template), and in the dark theme."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import PageProblems
from .helpers import CSP, PAGE_PATH, LiveApp, names, open_tokens_page, row, shown, sign_in

pytestmark = pytest.mark.browser


def test_no_csp_violation_anywhere(page: Any, live: LiveApp, problems: PageProblems) -> None:
    live.add_token("one", project_id=1)
    live.add_token("two", revoked=True)
    response = page.goto(PAGE_PATH)
    assert response is not None and response.headers["content-security-policy"] == CSP
    open_tokens_page(page)
    page.get_by_label("Integration", exact=True).select_option(label="GPT-5 mini")

    # Every dialog and panel, opened and closed.
    page.get_by_role("button", name="New token").click()
    form = page.get_by_role("dialog", name="New token")
    form.get_by_label("Name", exact=True).fill("three")
    form.get_by_label("Expiration period").select_option("never")
    form.get_by_role("button", name="Generate").click()
    page.get_by_role("dialog", name="Token Successfully Generated").get_by_role(
        "button", name="Close"
    ).click()
    row(page, "one").get_by_role("button", name="Preview settings").click()
    panel = page.get_by_role("dialog", name="Settings preview")
    expect(panel.locator("pre")).to_contain_text("alitacode")
    panel.get_by_role("button", name="Close").click()
    row(page, "one").get_by_role("button", name="Rotate").click()
    page.get_by_role("dialog", name="Rotate token?").get_by_role("button", name="Rotate").click()
    page.get_by_role("dialog", name="Token Successfully Rotated").get_by_role(
        "button", name="Close"
    ).click()
    row(page, "two").get_by_role("button", name="Delete").click()
    page.get_by_role("dialog", name="Delete token?").get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Token name").click()
    expect(page.get_by_role("columnheader", name="Token name")).to_have_attribute(
        "aria-sort", "ascending"
    )
    assert problems.csp == []

    # The detector works: an inline script is refused and reported.
    with page.expect_console_message(lambda message: "CSP violation" in message.text):
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.inlineRan = true'; document.body.append(s); }"
        )
    assert page.evaluate("window.inlineRan") is None
    assert problems.csp, "the inline script was not reported as a CSP violation"
    problems.clear()


def test_session_end_shows_how_to_sign_in_again(page: Any, live: LiveApp) -> None:
    live.add_token("ci")
    open_tokens_page(page)
    page.context.clear_cookies()

    row(page, "ci").get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog", name="Revoke token?").get_by_role(
        "button", name="Revoke", exact=True
    ).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Your session has ended")
    link = alert.get_by_role("link", name="Sign in again")
    expect(link).to_be_visible()
    expect(page.get_by_role("button", name="New token")).to_be_disabled()

    link.click()
    expect(page).to_have_url(re.compile(r"/login"))
    sign_in(page)
    expect(shown(page, "ci", "status")).to_have_text("Active")


def test_network_failure_then_retry(page: Any, live: LiveApp) -> None:
    live.add_token("alpha")
    live.add_token("beta")
    open_tokens_page(page)

    def is_list(url: str) -> bool:
        return "/api/tokens?" in url

    page.route(is_list, lambda route: route.abort("internetdisconnected"))
    page.get_by_placeholder("Search tokens...").fill("alp")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Could not reach the server")

    page.unroute(is_list)
    alert.get_by_role("button", name="Try again").click()
    expect(alert).to_be_hidden()
    expect(names(page)).to_have_text(["alpha"])


def test_stale_csrf_token_is_refreshed_once(page: Any, live: LiveApp) -> None:
    live.add_token("ci")
    open_tokens_page(page)
    sent: list[str] = []
    metas: list[str] = []
    page.on("request", lambda r: metas.append(r.url) if r.url.endswith("/api/meta") else None)

    def tamper(route: Any) -> None:
        request = route.request
        sent.append(request.headers.get("x-csrf-token", ""))
        if len(sent) == 1:
            route.continue_(headers={**request.headers, "x-csrf-token": "stale"})
        else:
            route.continue_()

    page.route("**/revoke", tamper)
    row(page, "ci").get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog", name="Revoke token?").get_by_role(
        "button", name="Revoke", exact=True
    ).click()
    expect(shown(page, "ci", "status")).to_have_text("Revoked")
    assert len(sent) == 2
    assert len(metas) == 1
    expect(page.get_by_role("alert")).to_be_hidden()


@pytest.mark.live_config(PAT_BASE_TEMPLATE=None)
def test_standalone_page(page: Any, live: LiveApp) -> None:
    open_tokens_page(page)
    expect(page).to_have_title("Personal access tokens")
    expect(page.get_by_role("link", name="Personal tokens")).to_have_count(0)  # no host layout
    page.get_by_role("button", name="New token").click()
    form = page.get_by_role("dialog", name="New token")
    form.get_by_label("Name", exact=True).fill("standalone")
    form.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("dialog", name="Token Successfully Generated")).to_be_visible()


@pytest.mark.parametrize("context_options", [{"color_scheme": "dark"}])
def test_dark_theme(page: Any, live: LiveApp, tmp_path: Any) -> None:
    live.add_token("night")
    open_tokens_page(page)

    def luminance(locator: Any) -> float:
        text = locator.evaluate("(e) => getComputedStyle(e).backgroundColor")
        red, green, blue = (int(v) for v in re.findall(r"\d+", text)[:3])
        return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255

    assert luminance(page.locator(".pat-card")) < 0.2
    text = page.locator(".pat-token-name").first.evaluate("(e) => getComputedStyle(e).color")
    assert min(int(v) for v in re.findall(r"\d+", text)[:3]) > 180
    shot = page.screenshot(path=str(tmp_path / "dark.png"))
    assert len(shot) > 10_000

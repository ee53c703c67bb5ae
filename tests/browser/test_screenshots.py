"""Screenshots of the page for the README.

They are taken on every run, which checks that a full table draws in both looks without
errors, CSP violations or sideways scrolling; ``make screenshots`` (``PAT_SCREENSHOTS=1``)
writes them to ``docs/img/``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import REPORT_CSP_VIOLATIONS, PageProblems
from .helpers import LiveApp, open_tokens_page, row, serve_example_app
from .test_host import add_host_layout

pytestmark = pytest.mark.browser

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def seed(live: LiveApp) -> None:
    """A token in each status, made at different times, some used."""
    now = live.now()

    def ip(address: str) -> dict[str, Any]:
        # Where the server records the last IP (PAT_RECORD_USAGE).
        has_ip = hasattr(live.app.extensions["pat"].Token, "last_used_ip")
        return {"last_used_ip": address} if has_ip else {}

    def made(days: float, lifetime: timedelta | None) -> dict[str, Any]:
        created = now - timedelta(days=days)
        return {
            "created_at": created,
            "expires_at": None if lifetime is None else created + lifetime,
        }

    live.add_token(
        "Leaked in a chat",
        revoked=True,
        **made(20, timedelta(days=90)),
        last_used_at=now - timedelta(days=19),
    )
    live.add_token(
        "Old import script", **made(45, timedelta(days=30)), last_used_at=now - timedelta(days=16)
    )
    live.add_token(
        "JetBrains workstation",
        "never",
        None,
        project_id=1,
        **made(12, None),
        last_used_at=now - timedelta(hours=2),
    )
    live.add_token(
        "CI deploy",
        scopes=["notes:read"],
        **made(27, timedelta(days=30)),
        last_used_at=now - timedelta(minutes=3),
    )
    live.add_token(
        "VSCode on my laptop",
        scopes=["notes:read", "notes:write"],
        project_id=1,
        **made(2, timedelta(days=90)),
        last_used_at=now - timedelta(minutes=1, seconds=5),
        **ip("198.51.100.23"),
    )


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    if os.environ.get("PAT_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        return DOCS_IMG
    return tmp_path


def new_page(
    browser: Any,
    live: LiveApp,
    state: dict[str, Any],
    scheme: str,
    width: int = 1200,
    height: int = 640,
) -> tuple[Any, Any, PageProblems]:
    context = browser.new_context(
        base_url=live.url,
        storage_state=state,
        viewport={"width": width, "height": height},
        device_scale_factor=1,
        locale="en-US",
        color_scheme=scheme,
        reduced_motion="reduce",
    )
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    problems = PageProblems()
    problems.watch(page)
    return context, page, problems


SHOTS = [
    "tokens-light",
    "tokens-dark",
    "tokens-phone-light",
    "tokens-phone-dark",
    "tokens-bootstrap",
    "new-token",
    "generated",
    "preview",
    "revoke",
    "history",
]


@pytest.mark.live_config(PAT_SERVER_URL="https://notes.example.com")
def test_screenshots(
    browser: Any, live: LiveApp, signed_in_state: dict[str, Any], shots: Path
) -> None:
    seed(live)
    for scheme in ("dark", "light"):
        # The wide table, and the cards of a phone.
        for name, width, height in (("tokens", 1280, 720), ("tokens-phone", 375, 900)):
            context, page, problems = new_page(
                browser, live, signed_in_state, scheme, width, height
            )
            try:
                open_tokens_page(page)
                page.get_by_label("Integration", exact=True).select_option(label="GPT-5 mini")
                expect(page.locator("tbody tr")).to_have_count(5)
                # What is drawn is the look asked for, and nothing is cut off at this width.
                expect(page.locator("[data-pat=root]")).to_have_attribute("data-pat-look", scheme)
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.mouse.move(0, 0)
                page.screenshot(path=str(shots / f"{name}-{scheme}.png"), animations="disabled")
                problems.check()
            finally:
                context.close()

    context, page, problems = new_page(browser, live, signed_in_state, "light", 1280, 720)
    try:
        open_tokens_page(page)
        page.get_by_label("Integration", exact=True).select_option(label="GPT-5 mini")
        page.mouse.move(0, 0)

        page.get_by_role("button", name="New token").click()
        form = page.get_by_role("dialog", name="New token")
        form.get_by_label("Name", exact=True).fill("Notes sync")
        form.get_by_label("notes:read").check()
        page.screenshot(path=str(shots / "new-token.png"), animations="disabled")
        form.get_by_role("button", name="Generate").click()
        dialog = page.get_by_role("dialog", name="Token Successfully Generated")
        dialog.get_by_role("button", name="Copy").click()
        expect(dialog.get_by_text("Copied to the clipboard.", exact=True)).to_be_visible()
        page.screenshot(path=str(shots / "generated.png"), animations="disabled")
        dialog.get_by_role("button", name="Close").click()
        page.get_by_role("button", name="Dismiss notification").click()

        row(page, "CI deploy").get_by_role("button", name="Revoke").click()
        expect(page.get_by_role("dialog", name="Revoke token?")).to_be_visible()
        page.screenshot(path=str(shots / "revoke.png"), animations="disabled")
        page.get_by_role("dialog", name="Revoke token?").get_by_role(
            "button", name="Cancel"
        ).click()

        row(page, "Leaked in a chat").get_by_role("button", name="History").click()
        history = page.get_by_role("dialog", name="Token history")
        expect(history.get_by_role("table")).to_be_visible()
        page.screenshot(path=str(shots / "history.png"), animations="disabled")
        history.get_by_role("button", name="Close history").click()

        row(page, "VSCode on my laptop").get_by_role("button", name="Preview settings").click()
        panel = page.get_by_role("dialog", name="Settings preview")
        expect(panel.locator("pre")).to_contain_text("alitacode.authToken")
        page.screenshot(path=str(shots / "preview.png"), animations="disabled")
        problems.check()
    finally:
        context.close()
    for name in SHOTS:
        if name != "tokens-bootstrap":
            assert (shots / f"{name}.png").stat().st_size > 10_000, name
    # The two looks are two different pictures.
    for name in ("tokens", "tokens-phone"):
        light = (shots / f"{name}-light.png").read_bytes()
        assert light != (shots / f"{name}-dark.png").read_bytes(), name


def test_screenshot_in_a_bootstrap_layout(
    browser: Any, signed_in_state: dict[str, Any], shots: Path, tmp_path: Path
) -> None:
    """Inside a host's Bootstrap 5 layout, on a machine that prefers dark: the page keeps
    the host's light look and its own styles."""
    with serve_example_app(tmp_path / "host.db", add_host_layout) as live:
        seed(live)
        context, page, problems = new_page(browser, live, signed_in_state, "dark", 1280, 760)
        try:
            open_tokens_page(page)
            expect(page.locator("tbody tr")).to_have_count(5)
            page.mouse.move(0, 0)
            page.screenshot(path=str(shots / "tokens-bootstrap.png"), animations="disabled")
            problems.check()
        finally:
            context.close()
    assert (shots / "tokens-bootstrap.png").stat().st_size > 10_000

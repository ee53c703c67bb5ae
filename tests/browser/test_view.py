"""Finding tokens: the Status filter, every sort, the view in the URL (reload, Back, a shared
link), first and last page, the names of the row buttons, the last IP, a token's history,
the notification after an action, and a host with no IDE formats."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from .helpers import PAGE_PATH, LiveApp, names, open_tokens_page, resize, row, shown, wait_for_list

pytestmark = pytest.mark.browser


def query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_status_filter(page: Any, live: LiveApp) -> None:
    now = live.now()
    live.add_token("active one")
    live.add_token("expiring one", "days", 2)
    live.add_token("expired one", "days", 1, expires_at=now - timedelta(hours=1))
    live.add_token("revoked one", revoked=True)
    open_tokens_page(page)
    status = page.get_by_label("Status", exact=True)
    expect(status.locator("option")).to_have_text(
        ["All", "Active", "Expiring", "Expired", "Revoked"]
    )
    for value, expected in [
        ("active", ["active one"]),
        ("expiring", ["expiring one"]),
        ("expired", ["expired one"]),
        ("revoked", ["revoked one"]),
    ]:
        status.select_option(value)
        expect(names(page)).to_have_text(expected)
        assert query(page)["status"] == [value]
    status.select_option("")
    expect(names(page)).to_have_count(4)
    assert "status" not in query(page)


def test_every_sort_and_its_indicator(page: Any, live: LiveApp) -> None:
    now = live.now()
    live.add_token(
        "bravo",
        "days",
        10,
        created_at=now - timedelta(days=3),
        last_used_at=now - timedelta(hours=1),
    )
    live.add_token(
        "Alpha",
        "hours",
        2,
        created_at=now - timedelta(days=1),
        last_used_at=now - timedelta(days=2),
    )
    live.add_token("charlie", "never", None, created_at=now - timedelta(days=2))
    open_tokens_page(page)

    created = page.get_by_role("columnheader", name="Created")
    # Newest first by default, and the Created header says so.
    expect(names(page)).to_have_text(["Alpha", "charlie", "bravo"])
    expect(created).to_have_attribute("aria-sort", "descending")

    cases = [
        ("Token name", "ascending", "name", ["Alpha", "bravo", "charlie"]),
        ("Token name", "descending", "-name", ["charlie", "bravo", "Alpha"]),
        ("Created", "descending", "-created_at", ["Alpha", "charlie", "bravo"]),
        ("Created", "ascending", "created_at", ["bravo", "charlie", "Alpha"]),
        ("Expiration", "ascending", "expires_at", ["Alpha", "bravo", "charlie"]),
        ("Expiration", "descending", "-expires_at", ["charlie", "bravo", "Alpha"]),
        ("Last used", "descending", "-last_used_at", None),
        ("Last used", "ascending", "last_used_at", None),
    ]
    for header, direction, sort, expected in cases:
        page.get_by_role("button", name=header, exact=True).click()
        column = page.get_by_role("columnheader", name=header)
        expect(column).to_have_attribute("aria-sort", direction)
        expect(page.locator("th[aria-sort]")).to_have_count(1)
        if expected:
            expect(names(page)).to_have_text(expected)
        else:
            wait_for_list(page)
            used = [n for n in names(page).all_inner_texts() if n != "charlie"]
            assert used == (["bravo", "Alpha"] if direction == "descending" else ["Alpha", "bravo"])
        assert query(page).get("sort", ["-created_at"]) == [sort]


def test_view_in_the_url_through_reload_back_and_a_link(page: Any, live: LiveApp) -> None:
    for number in range(23):
        live.add_token(f"token {number:02d}", revoked=number % 2 == 1)
    open_tokens_page(page)
    page.get_by_label("Rows per page").select_option("5")
    page.get_by_label("Status", exact=True).select_option("active")  # 12 active: 3 pages
    page.get_by_role("button", name="Token name").click()
    page.get_by_role("button", name="Next page").click()
    expect(page.get_by_text("Page 2 of 3", exact=True)).to_be_visible()
    expect(names(page)).to_have_text([f"token {n:02d}" for n in (10, 12, 14, 16, 18)])
    assert query(page) == {
        "status": ["active"],
        "sort": ["name"],
        "page": ["2"],
        "per_page": ["5"],
    }

    page.reload()
    wait_for_list(page)
    expect(names(page)).to_have_text([f"token {n:02d}" for n in (10, 12, 14, 16, 18)])
    expect(page.get_by_label("Status", exact=True)).to_have_value("active")
    expect(page.get_by_label("Rows per page")).to_have_value("5")
    expect(page.get_by_role("columnheader", name="Token name")).to_have_attribute(
        "aria-sort", "ascending"
    )

    # Back returns to the view before, not to another page.
    page.go_back()
    expect(page.get_by_text("Page 1 of 3", exact=True)).to_be_visible()
    expect(names(page).first).to_have_text("token 00")
    page.go_back()
    expect(page.get_by_role("columnheader", name="Created")).to_have_attribute(
        "aria-sort", "descending"
    )
    page.go_forward()
    page.go_forward()
    expect(page.get_by_text("Page 2 of 3", exact=True)).to_be_visible()

    # A search typed in goes into the URL too; a shared link opens the same view.
    page.get_by_placeholder("Search tokens...").fill("token 2")
    expect(names(page)).to_have_text(["token 20", "token 22"])
    link = page.url
    assert query(page)["q"] == ["token 2"]
    other = page.context.new_page()
    other.goto(link)
    wait_for_list(other)
    expect(names(other)).to_have_text(["token 20", "token 22"])
    expect(other.get_by_placeholder("Search tokens...")).to_have_value("token 2")
    other.close()

    # Nonsense in a link is ignored, not an error.
    page.goto(PAGE_PATH + "?status=bogus&sort=password&page=-3&per_page=7")
    wait_for_list(page)
    expect(page.get_by_text("1–10 of 23")).to_be_visible()


def test_first_and_last_page_and_back_to_the_top(page: Any, live: LiveApp) -> None:
    for number in range(100):
        live.add_token(f"token {number:03d}")
    open_tokens_page(page)
    page.get_by_label("Rows per page").select_option("50")
    last = page.get_by_role("button", name="Last page")
    first = page.get_by_role("button", name="First page")
    expect(first).to_be_disabled()

    last.scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 200
    last.click()
    expect(page.get_by_text("51–100 of 100")).to_be_visible()
    expect(last).to_be_disabled()
    # The new page is read from its top, and focus stays on the pager.
    top = page.locator('[data-pat="card"]').evaluate("(e) => e.getBoundingClientRect().top")
    assert -1 <= top < 100
    expect(first).to_be_focused()

    first.click()
    expect(page.get_by_text("1–50 of 100")).to_be_visible()
    expect(names(page).first).to_have_text("token 099")


def test_row_buttons_name_their_action_and_token(page: Any, live: LiveApp) -> None:
    live.add_token("CI deploy")
    live.add_token("Stopped", revoked=True)
    open_tokens_page(page)
    page.get_by_label("Integration", exact=True).select_option(label="GPT-5 mini")
    ci = row(page, "CI deploy").get_by_role("button")
    expect(ci).to_have_count(8)
    labels = [button.get_attribute("aria-label") for button in ci.all()]
    assert labels == [
        "Preview settings for CI deploy",
        "Download VSCode settings for CI deploy",
        "Download JetBrains settings for CI deploy",
        "Revoke CI deploy",
        "Edit CI deploy",
        "Rotate CI deploy",
        "History of CI deploy",
        "Delete CI deploy",
    ]
    # The visible label is part of the name (no "VS"/"JB" that a voice user cannot say).
    for button in ci.all():
        text = button.locator(".pat-action-label").inner_text()
        assert text and text.lower() in (button.get_attribute("aria-label") or "").lower()
    # Names shown to keyboard users too: focusing a button shows its label.
    rotate = row(page, "CI deploy").get_by_role("button", name="Rotate CI deploy")
    rotate.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(rotate.locator(".pat-action-label")).to_be_visible()
    box = rotate.locator(".pat-action-label").bounding_box()
    assert box is not None and box["width"] > 20
    # Restore and Rotate look different (icon and colour).
    restore = row(page, "Stopped").get_by_role("button", name="Restore Stopped")
    other = row(page, "Stopped").get_by_role("button", name="Rotate Stopped")

    def drawing(button: Any) -> str:
        return str(button.evaluate("(e) => e.querySelector('svg').innerHTML"))

    assert drawing(restore) != drawing(other)
    assert restore.evaluate("(e) => getComputedStyle(e).color") != other.evaluate(
        "(e) => getComputedStyle(e).color"
    )


def test_last_ip_and_exact_dates_by_keyboard(page: Any, live: LiveApp) -> None:
    now = live.now()
    recorded = {"last_used_ip": "203.0.113.7"}
    has_column = hasattr(live.app.extensions["pat"].Token, "last_used_ip")
    live.add_token(
        "CI deploy", last_used_at=now - timedelta(minutes=3), **(recorded if has_column else {})
    )

    def with_ip(route: Any) -> None:
        # Where the API does not send the field yet: as documented, added to its answer.
        response = route.fetch()
        body = response.json()
        for item in body["items"]:
            item.setdefault("last_used_ip", recorded["last_used_ip"])
        route.fulfill(response=response, body=json.dumps(body))

    page.route(re.compile(r".*/api/tokens\?.*"), with_ip)
    open_tokens_page(page)
    expect(shown(page, "CI deploy", "used")).to_have_text("3 minutes ago")
    expect(shown(page, "CI deploy", "ip")).to_have_text("from 203.0.113.7")

    # The exact expiry is one Tab away, and shown on focus (a tap focuses it too).
    expiry = row(page, "CI deploy").locator(".pat-cell-expiration .pat-has-tip")
    tip = expiry.locator(".pat-tip")
    expiry.focus()
    expect(tip).to_be_visible()
    expect(tip).to_have_text(re.compile(r"\d{4}"))
    box = tip.bounding_box()
    assert box is not None and box["width"] > 60


def test_history_lists_events_newest_first(page: Any, live: LiveApp) -> None:
    live.add_token("CI deploy")
    open_tokens_page(page)
    row(page, "CI deploy").get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog", name="Revoke token?").get_by_role(
        "button", name="Revoke", exact=True
    ).click()
    expect(shown(page, "CI deploy", "status")).to_have_text("Revoked")
    row(page, "CI deploy").get_by_role("button", name="Restore").click()
    expect(shown(page, "CI deploy", "status")).to_have_text("Active")

    opener = row(page, "CI deploy").get_by_role("button", name="History of CI deploy")
    opener.click()
    dialog = page.get_by_role("dialog", name="Token history")
    expect(dialog).to_contain_text("CI deploy")
    events = dialog.get_by_role("table").locator("tbody tr")
    expect(events).to_have_count(3)
    expect(events.nth(0)).to_contain_text("Restored")
    expect(events.nth(1)).to_contain_text("Revoked")
    expect(events.nth(2)).to_contain_text("Created")
    expect(events.nth(0)).to_contain_text("Owner")
    dialog.get_by_role("button", name="Close history").click()
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()


def test_history_of_a_server_without_events(page: Any, live: LiveApp) -> None:
    """A server that keeps no history (the route answers 404): the dialog says so."""
    live.add_token("CI deploy")
    page.route(
        re.compile(r".*/api/tokens/\d+/events.*"),
        lambda route: route.fulfill(
            status=404,
            content_type="application/json",
            body=json.dumps({"error": {"status": 404, "code": "not_found", "message": "No."}}),
        ),
    )
    open_tokens_page(page)
    row(page, "CI deploy").get_by_role("button", name="History").click()
    dialog = page.get_by_role("dialog", name="Token history")
    expect(dialog.get_by_text("No history has been recorded for this token yet.")).to_be_visible()
    expect(dialog.get_by_role("table")).to_be_hidden()


def test_history_pages(page: Any, live: LiveApp) -> None:
    """The dialog's paging and wording, on an answer of the documented shape."""
    token_id, _ = live.add_token("CI deploy")
    now = live.now()

    def answer(route: Any) -> None:
        number = int(parse_qs(urlsplit(route.request.url).query)["page"][0])
        kinds = ["new_ip", "rotated", "created"] if number == 1 else ["created"]
        items = [
            {
                "id": index,
                "token_id": token_id,
                "user_id": 1,
                "event": kind,
                "at": (now - timedelta(hours=index + 10 * number)).isoformat(),
                "actor": "owner" if kind != "new_ip" else "token",
                "ip": "198.51.100.4" if kind == "new_ip" else None,
                "user_agent": "curl/8",
                "detail": {},
            }
            for index, kind in enumerate(kinds)
        ]
        body = {"items": items, "page": number, "per_page": 3, "total": 4, "pages": 2}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route(re.compile(r".*/api/tokens/\d+/events.*"), answer)
    open_tokens_page(page)
    row(page, "CI deploy").get_by_role("button", name="History").click()
    dialog = page.get_by_role("dialog", name="Token history")
    rows = dialog.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Used from a new IP address")
    expect(rows.first).to_contain_text("198.51.100.4")
    expect(rows.first).to_contain_text("The token itself")
    older = dialog.get_by_role("button", name="Older events")
    older.click()
    expect(rows).to_have_count(1)
    expect(dialog.get_by_role("button", name="Newer events")).to_be_focused()


def test_notification_can_be_dismissed_and_covers_no_control(page: Any, live: LiveApp) -> None:
    for number in range(12):
        live.add_token(f"token {number:02d}")
    resize(page, {"width": 1280, "height": 600})
    open_tokens_page(page)
    row(page, "token 11").get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog", name="Revoke token?").get_by_role(
        "button", name="Revoke", exact=True
    ).click()
    toast = page.locator('[data-pat="toast"]')
    expect(toast).to_contain_text("revoked")
    expect(page.locator('[data-pat="live"]')).to_have_text(re.compile("revoked"))

    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    box = toast.bounding_box()
    assert box is not None
    for control in page.locator(".pat-pagination select, .pat-pagination button").all():
        other = control.bounding_box()
        assert other is not None
        apart = (
            other["x"] >= box["x"] + box["width"]
            or other["x"] + other["width"] <= box["x"]
            or other["y"] >= box["y"] + box["height"]
            or other["y"] + other["height"] <= box["y"]
        )
        assert apart, f"the notification covers a pager control: {box} {other}"

    page.get_by_role("button", name="Dismiss notification").click()
    expect(toast).to_be_hidden()

    # While a dialog is open, the message is in the dialog, where it is heard and seen.
    row(page, "token 10").get_by_role("button", name="Rotate").click()
    page.get_by_role("dialog", name="Rotate token?").get_by_role("button", name="Rotate").click()
    rotated = page.get_by_role("dialog", name="Token Successfully Rotated")
    expect(rotated.locator('[data-pat="toast"]')).to_contain_text("rotated")
    expect(rotated.get_by_role("status").filter(has_text="rotated")).to_have_count(1)
    rotated.get_by_role("button", name="Close").click()
    # Back on the page when the dialog closes, until it goes or is dismissed.
    expect(page.locator('.pat > [data-pat="toast"]')).to_contain_text("rotated")
    page.get_by_role("button", name="Dismiss notification").click()
    expect(toast).to_be_hidden()


@pytest.mark.live_config(PAT_IDE_FORMATS=())
def test_no_ide_formats_no_preview(page: Any, live: LiveApp) -> None:
    live.add_token("CI deploy")
    open_tokens_page(page)
    page.get_by_label("Integration", exact=True).select_option(label="GPT-5 mini")
    buttons = row(page, "CI deploy").get_by_role("button")
    expect(buttons).to_have_count(5)
    expect(row(page, "CI deploy").get_by_role("button", name="Preview")).to_have_count(0)
    expect(row(page, "CI deploy").get_by_role("button", name="Download")).to_have_count(0)
    expect(page.get_by_text("Choose an Integration to download")).to_have_count(0)
    page.get_by_role("button", name="New token").click()
    form = page.get_by_role("dialog", name="New token")
    form.get_by_label("Name", exact=True).fill("plain")
    form.get_by_role("button", name="Generate").click()
    dialog = page.get_by_role("dialog", name="Token Successfully Generated")
    expect(dialog.get_by_role("button", name="Download", exact=False)).to_have_count(0)
    expect(dialog.get_by_text("IDE settings with this token filled in")).to_be_hidden()
    expect(dialog.get_by_text("choose an Integration")).to_be_hidden()


def test_scripts_speak_the_language_of_the_catalogue(page: Any, live: LiveApp) -> None:
    """The page's scripts take their words from the catalogue the template hands them, and
    dates, relative times and numbers from Intl in that locale."""
    now = live.now()
    live.add_token("CI deploy", "days", 3, last_used_at=now - timedelta(hours=5))
    catalog = {
        "locale": "de",
        "plural_forms": 2,
        "messages": {
            "Revoke": "Widerrufen",
            "Revoke %(name)s": "%(name)s widerrufen",
            "Expiring": "Läuft bald ab",
            "%(first)s–%(last)s of %(total)s": "%(first)s–%(last)s von %(total)s",
        },
    }

    def german(route: Any) -> None:
        response = route.fetch()
        html = re.sub(
            r'(<script type="application/json" id="pat-i18n"[^>]*>).*?(</script>)',
            lambda m: m.group(1) + json.dumps(catalog) + m.group(2),
            response.text(),
            flags=re.S,
        )
        route.fulfill(response=response, body=html)

    page.route(re.compile(r".*/settings/tokens/(\?.*)?$"), german)
    open_tokens_page(page)
    revoke = row(page, "CI deploy").get_by_role("button", name="CI deploy widerrufen")
    expect(revoke.locator(".pat-action-label")).to_have_text("Widerrufen")
    expect(shown(page, "CI deploy", "status")).to_have_text("Läuft bald ab")
    expect(shown(page, "CI deploy", "expiration")).to_have_text("in 3 Tagen")
    expect(shown(page, "CI deploy", "used")).to_have_text("vor 5 Stunden")
    expect(page.get_by_text("1–1 von 1")).to_be_visible()
    # Not in the catalogue: English, as written.
    expect(row(page, "CI deploy").get_by_role("button", name="Rotate CI deploy")).to_be_visible()


def test_restore_only_for_tokens_their_owner_revoked(page: Any, live: LiveApp) -> None:
    live.add_token("by me", revoked=True)
    live.add_token("by an admin", revoked=True)
    live.add_token("leaked", revoked=True)
    reasons = {"by me": "user", "by an admin": "admin", "leaked": "leaked"}

    def with_reasons(route: Any) -> None:
        # The reason as the API documents it, whether or not this server sends it yet.
        response = route.fetch()
        body = response.json()
        for item in body["items"]:
            item["revoked_reason"] = reasons[item["name"]]
        route.fulfill(response=response, body=json.dumps(body))

    page.route(re.compile(r".*/api/tokens\?.*"), with_reasons)
    open_tokens_page(page)
    expect(row(page, "by me").get_by_role("button", name="Restore by me")).to_be_visible()
    for name, note in (("by an admin", "by an administrator"), ("leaked", "reported as leaked")):
        expect(row(page, name).get_by_role("button", name="Restore")).to_have_count(0)
        expect(row(page, name).locator(".pat-status-reason")).to_have_text(note)
        expect(row(page, name).get_by_role("button", name=f"Rotate {name}")).to_be_visible()


def test_screen_readers_hear_what_a_search_found(page: Any, live: LiveApp) -> None:
    for name in ("alpha", "beta", "gamma"):
        live.add_token(name)
    open_tokens_page(page)
    said = page.locator('[data-pat="list-status"]')
    expect(said).to_have_attribute("role", "status")
    expect(said).to_have_text("3 tokens, page 1 of 1")
    page.get_by_placeholder("Search tokens...").fill("alp")
    expect(said).to_have_text("1 token, page 1 of 1")
    page.get_by_placeholder("Search tokens...").fill("zzz")
    expect(said).to_have_text("No tokens match “zzz”")

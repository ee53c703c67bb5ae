"""The page at 1280, 768 and 375 px wide and at 200% zoom: it never scrolls sideways, each
token's name, status and actions are seen together, and the once-only dialog shows the
whole token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from .helpers import LiveApp, open_tokens_page, resize, row

pytestmark = pytest.mark.browser

#: (label, viewport). 200% zoom of a 1280 x 800 window lays the page out at 640 x 400.
SIZES = [
    ("1280 px", {"width": 1280, "height": 800}),
    ("768 px", {"width": 768, "height": 1024}),
    ("375 px", {"width": 375, "height": 740}),
    ("200% zoom", {"width": 640, "height": 400}),
]

LONG_NAME = "Nightly backup of the production notes database to the offsite bucket, rotated" + (
    "x" * 22
)

# Every box of a row that must be on screen: its name, its status, each of its buttons.
ROW_BOXES = """(row) => {
  const box = (e) => {
    const r = e.getBoundingClientRect();
    return [r.left, r.right, r.top, r.bottom];
  };
  return {
    row: box(row),
    name: box(row.querySelector('.pat-token-name')),
    status: box(row.querySelector('.pat-status')),
    buttons: [...row.querySelectorAll('button')].map(box),
  };
}"""


def test_every_width(page: Any, live: LiveApp) -> None:
    assert len(LONG_NAME) == 100
    live.add_token(LONG_NAME, scopes=["notes:read", "notes:write"], project_id=1)
    live.add_token("CI deploy", revoked=True)
    live.add_token("VSCode on my laptop", "never", None)
    open_tokens_page(page)
    page.get_by_label("Integration", exact=True).select_option(label="GPT-5 mini")

    for label, viewport in SIZES:
        resize(page, viewport)
        page.evaluate("window.scrollTo(0, 0)")
        width = viewport["width"]
        expect(
            row(page, LONG_NAME).get_by_role("button", name="Download VSCode settings")
        ).to_be_visible()

        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{label}: the page scrolls sideways ({scroll_width} px)"

        for name in (LONG_NAME, "CI deploy", "VSCode on my laptop"):
            boxes = row(page, name).evaluate(ROW_BOXES)
            for part in [boxes["name"], boxes["status"], *boxes["buttons"]]:
                left, right, _, _ = part
                assert 0 <= left and right <= width + 0.5, f"{label}: {name} cut off: {part}"
                # Together: every part lies within the token's own row or card.
                assert boxes["row"][2] - 0.5 <= part[2] and part[3] <= boxes["row"][3] + 0.5
            assert len(boxes["buttons"]) >= 6
        # A 100-character name stays readable: a few lines, not a column of letters.
        name_box = row(page, LONG_NAME).locator(".pat-token-name").bounding_box()
        assert name_box is not None and name_box["width"] >= 120, label
        assert name_box["height"] <= 6 * 22, label

        # The once-only dialog shows the whole token, and its Close button.
        page.get_by_role("button", name="New token").click()
        form = page.get_by_role("dialog", name="New token")
        form.get_by_label("Name", exact=True).fill(f"phone {label}")
        form.get_by_role("button", name="Generate").click()
        dialog = page.get_by_role("dialog", name="Token Successfully Generated")
        secret = dialog.get_by_label("Token secret")
        expect(secret).to_have_value(_secret_pattern())
        shown = secret.evaluate(
            "(e) => ({sw: e.scrollWidth, cw: e.clientWidth, sh: e.scrollHeight, ch: e.clientHeight,"
            " right: e.getBoundingClientRect().right})"
        )
        assert shown["sw"] <= shown["cw"] and shown["sh"] <= shown["ch"] + 1, (label, shown)
        assert shown["right"] <= width, (label, shown)
        close = dialog.get_by_role("button", name="Close")
        close.scroll_into_view_if_needed()
        expect(close).to_be_in_viewport()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        close.click()
        expect(dialog).to_be_hidden()


def _secret_pattern() -> Any:
    return re.compile(r"^pat_[0-9A-Za-z]{36}$")


def test_table_on_wide_screens_cards_on_narrow_ones(page: Any, live: LiveApp) -> None:
    live.add_token("CI deploy")
    open_tokens_page(page)
    headers = page.locator("thead th.pat-col-value")
    expect(headers).to_be_visible()  # 1280: a table with its column headers

    resize(page, {"width": 375, "height": 740})
    # A card: the labels of its values are shown, the buttons say what they do.
    card = row(page, "CI deploy")
    expect(card.locator(".pat-cell-created .pat-cell-label")).to_have_text("Created")
    expect(card.locator(".pat-cell-created .pat-cell-label")).to_be_visible()
    expect(card.get_by_role("button", name="Rotate CI deploy")).to_have_text("Rotate")
    # Sorting stays at hand: the sortable headers are buttons above the cards.
    expect(page.get_by_role("button", name="Token name")).to_be_visible()
    expect(page.get_by_role("button", name="Last used")).to_be_visible()


def test_columns_and_table_stay_put(page: Any, live: LiveApp) -> None:
    live.add_token("a")
    live.add_token("A much longer token name that would widen a column sized by its content")
    live.add_token("Stopped", revoked=True)
    open_tokens_page(page)

    def widths() -> list[float]:
        return list(
            page.locator("thead th").evaluate_all(
                "(cells) => cells.map((c) => Math.round(c.getBoundingClientRect().width))"
            )
        )

    def table_top() -> float:
        return float(
            page.locator('[data-pat="card"]').evaluate("(e) => e.getBoundingClientRect().top")
        )

    before, top = widths(), table_top()
    page.get_by_placeholder("Search tokens...").fill("a")
    expect(page.locator("tbody tr")).to_have_count(2)
    page.get_by_placeholder("Search tokens...").fill("Stopped")
    expect(page.locator("tbody tr")).to_have_count(1)
    assert widths() == before  # the columns do not jump as the rows change
    # Choosing an integration adds download buttons and takes the hint away: no jump either.
    page.get_by_label("Integration", exact=True).select_option(label="GPT-5 mini")
    expect(
        page.locator("tbody").get_by_role("button", name="Download VSCode settings")
    ).to_have_count(1)
    assert widths() == before
    assert table_top() == top


@pytest.mark.parametrize(
    "context_options",
    [{"has_touch": True, "is_mobile": True, "viewport": {"width": 1280, "height": 800}}],
)
def test_touch_screens_show_the_button_labels(page: Any, live: LiveApp) -> None:
    """No hover on a touch screen: the rows are cards whose buttons show their labels."""
    live.add_token("CI deploy")
    open_tokens_page(page)
    assert page.evaluate("matchMedia('(hover: none)').matches")
    label = row(page, "CI deploy").get_by_role("button", name="History of CI deploy")
    expect(label.locator(".pat-action-label")).to_be_visible()
    box = label.locator(".pat-action-label").bounding_box()
    assert box is not None and box["width"] > 30
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    expect(page.locator(".pat-card")).to_have_class(re.compile("pat-cards"))

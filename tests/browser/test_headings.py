"""The token table's column headings inside a host's Bootstrap layout (its ``.container``
leaves the page 1116 px at a 1280 px window): each stays on one line in every language,
while the row's buttons still fit and the page never scrolls sideways at 320 and 375 px."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from .helpers import LiveApp, resize
from .test_wcag22 import LOCALES, _, _no_sideways_scroll, _on_screen, _open

pytestmark = pytest.mark.browser

#: Each visible heading: its text, the lines its words lie on, the height its content takes
#: and its line height.
HEADINGS = """() => [...document.querySelectorAll(".pat-table thead th")]
  .filter((th) => th.getClientRects().length && th.textContent.trim())
  .map((th) => {
    const s = getComputedStyle(th);
    const tops = new Set();
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
    }
    const content = th.getBoundingClientRect().height
      - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom)
      - parseFloat(s.borderTopWidth) - parseFloat(s.borderBottomWidth);
    return {text: th.textContent.trim(), lines: tops.size, content, line: parseFloat(s.lineHeight)};
  })"""


@pytest.mark.parametrize("lang", LOCALES)
def test_headings_stay_on_one_line_in_a_host_layout(
    browser: Any, babel_host: LiveApp, signed_in_state: dict[str, Any], lang: str
) -> None:
    babel_host.delete_all_tokens()
    # A live token that has been used: every action of a row is offered.
    babel_host.add_token("CI deploy", last_used_at=datetime.now(UTC).replace(tzinfo=None))
    opened = _open(browser, babel_host, signed_in_state, lang)
    page = opened.page
    try:
        expect(page.locator("html")).to_have_attribute("lang", "en")
        headings = page.evaluate(HEADINGS)
        texts = [h["text"] for h in headings]
        for heading in ("Token value", "Last used"):
            assert any(_(lang, heading) in text for text in texts), (heading, texts)
        for heading in headings:
            assert heading["lines"] == 1, f"{lang}: {heading} wraps"
            assert heading["content"] < heading["line"] * 2, f"{lang}: {heading} is two lines tall"
        actions = page.locator("tbody tr").first.locator("button")
        for index in range(actions.count()):
            _on_screen(actions.nth(index), 1280, f"{lang} row button {index}")
        for width in (320, 375):
            resize(page, {"width": width, "height": 760})
            expect(page.locator(".pat-card").first).to_contain_class("pat-cards")
            _no_sideways_scroll(page, width, f"{lang} {width} px")
        opened.problems.check()
    finally:
        opened.context.close()

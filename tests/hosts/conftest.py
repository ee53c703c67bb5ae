"""The browser fixtures of tests/browser, for the host apps that are tried in Chromium."""

from tests.browser.conftest import browser, playwright

__all__ = ["browser", "playwright"]

"""What the browser tests and the screenshot script share: the example app served by a
real HTTP server in a thread, Chromium, and ways to make tokens without the page."""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.wrappers import Response
from werkzeug.serving import WSGIRequestHandler, make_server

#: Debian's Chromium: Playwright cannot download a browser of its own here.
CHROMIUM = os.environ.get("PAT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Every page is served under this policy: the page must need nothing inline.
CSP = "default-src 'self'"
PAGE_PATH = "/settings/tokens/"


class _QuietHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        pass


@dataclass
class LiveApp:
    """The example app being served at ``url``."""

    app: Flask
    url: str

    def user(self) -> Any:
        from example_app import DEMO_EMAIL, User, db

        return db.session.scalar(sa.select(User).filter_by(email=DEMO_EMAIL))

    def add_token(
        self,
        name: str,
        unit: str = "days",
        value: int | None = 30,
        *,
        scopes: list[str] | None = None,
        project_id: Any = None,
        revoked: bool = False,
        **columns: Any,
    ) -> tuple[int, str]:
        """Create a token for the demo user through the service; ``columns`` then
        overwrite stored values (``created_at``, ``expires_at``, ``last_used_at``)."""
        from example_app import db
        from flask_pat import service

        with self.app.app_context():
            user = self.user()
            token, secret = service.create(user, name, (unit, value), scopes, project_id)
            if revoked:
                service.revoke(user, token)
            for column, content in columns.items():
                setattr(token, column, content)
            db.session.commit()
            return token.id, secret

    def delete_all_tokens(self) -> None:
        from example_app import db

        with self.app.app_context():
            db.session.execute(sa.delete(self.app.extensions["pat"].Token))
            db.session.commit()

    def now(self) -> datetime:
        from flask_pat import context

        return context.utcnow()

    def whoami(self, secret: str) -> tuple[int, dict[str, Any]]:
        """``GET /api/whoami`` with the token, outside the browser (no cookies)."""
        request = urllib.request.Request(
            self.url + "/api/whoami", headers={"Authorization": f"Bearer {secret}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read() or b"{}")


@contextmanager
def serve_example_app(
    db_path: Path, setup: Callable[[Flask], None] | None = None, **config: Any
) -> Iterator[LiveApp]:
    """Serve ``example_app.create_app`` on a free port of 127.0.0.1, with the CSP header;
    ``setup(app)`` may add templates and routes (a host layout) first."""
    from example_app import create_app, db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "SECRET_KEY": "browser-tests",
            **config,
        }
    )

    @app.after_request
    def content_security_policy(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        return response

    if setup is not None:
        setup(app)

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-app", daemon=True)
    thread.start()
    try:
        yield LiveApp(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def sign_in(page: Any, password: str | None = None) -> None:
    """Open the tokens page, sign in on the login page it sends us to, wait for the list."""
    from playwright.sync_api import expect

    from example_app import DEMO_PASSWORD

    page.goto(PAGE_PATH)
    page.get_by_label("Password").fill(password or DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{PAGE_PATH}")
    wait_for_list(page)
    expect(page.get_by_role("button", name="New token")).to_be_enabled()


def resize(page: Any, viewport: dict[str, int]) -> None:
    """Set ``page``'s viewport, and wait the frames in which the page follows the new width
    (its ResizeObserver lays the table out as cards or columns before anything is painted:
    what is measured is what a person sees)."""
    page.set_viewport_size(viewport)
    next_frames(page)


def next_frames(page: Any) -> None:
    """Wait until ``page`` has drawn two more frames (what its ResizeObservers did is done)."""
    page.evaluate(
        "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )


def open_tokens_page(page: Any) -> None:
    """Open the tokens page (signed in already) and wait for the list."""
    page.goto(PAGE_PATH)
    wait_for_list(page)


def wait_for_list(page: Any) -> None:
    """Wait until the table shows an answer of the API (not the loading row)."""
    from playwright.sync_api import expect

    expect(page.locator('[data-pat="table"]')).to_have_attribute("aria-busy", "false")
    expect(page.locator('[data-pat="rows"] .pat-spinner')).to_have_count(0)


#: What each column shows, without its card label and its exact-date tooltip.
SHOWN = {
    "value": ".pat-cell-value code",
    "scopes": ".pat-cell-scopes .pat-scope-chips, .pat-cell-scopes .pat-muted",
    "created": ".pat-cell-created time",
    "expiration": (
        ".pat-cell-expiration time, .pat-cell-expiration .pat-expiration > span:not(.pat-has-tip)"
    ),
    "used": ".pat-cell-used time, .pat-cell-used > .pat-muted",
    "ip": ".pat-cell-used .pat-ip",
    "status": ".pat-cell-status .pat-status",
}


def row(page: Any, name: str) -> Any:
    """The table row (or card) of the token called ``name``."""
    return page.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=name, exact=True))


def shown(page: Any, name: str, column: str) -> Any:
    """What the row of ``name`` shows in ``column`` (a key of ``SHOWN``)."""
    return row(page, name).locator(SHOWN[column])


def names(page: Any) -> Any:
    """The token names of the rows, in order."""
    return page.locator("tbody tr th .pat-token-name")


#: The roles of the controls whose names must be unique on a page (SPEC section 8).
CONTROL_ROLES = ("button", "checkbox", "combobox", "radio", "searchbox", "spinbutton", "textbox")

# Every dialog shown (without a modal one making the rest inert) and every hidden part of
# the widget shown, so that the accessibility tree holds each control the page can show.
RENDER_ALL = """() => {
  for (const dialog of document.querySelectorAll("dialog")) {
    if (!dialog.open) dialog.show();
  }
  for (const hidden of document.querySelectorAll(".pat [hidden]")) hidden.hidden = false;
}"""


def control_names(page: Any, within: str = "body") -> list[str]:
    """The accessible names of the controls under ``within`` (a CSS selector), as Chromium
    computes them for its accessibility tree (what a screen reader lists)."""
    session = page.context.new_cdp_session(page)
    try:
        document = session.send("DOM.getDocument", {"depth": 0})
        found = session.send(
            "DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": within}
        )
        names = []
        for role in CONTROL_ROLES:
            answer = session.send(
                "Accessibility.queryAXTree", {"nodeId": found["nodeId"], "role": role}
            )
            names += [
                str(node.get("name", {}).get("value", ""))
                for node in answer["nodes"]
                if not node.get("ignored")
            ]
    finally:
        session.detach()
    return names


def all_control_names(page: Any) -> list[str]:
    """The names of every control of the page, with every dialog and hidden part shown."""
    page.evaluate(RENDER_ALL)
    return control_names(page)


def repeated(names: list[str], allowed: Callable[[str], bool]) -> list[str]:
    """The names given to more than one control (compared as a person hears them: case and
    spacing aside), but for those ``allowed`` to repeat."""
    seen: dict[str, int] = {}
    for name in names:
        key = " ".join(name.split()).casefold()
        seen[key] = seen.get(key, 0) + 1
    return sorted(name for name, count in seen.items() if count > 1 and not allowed(name))

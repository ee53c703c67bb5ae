"""The page opened from a tool's link, ``?name=&description=&scopes=`` (SPEC section 8),
renders for any query string, and reflects none of it into the HTML: the page's scripts
read the query string themselves and put what they take into the form as text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from .conftest import sign_in

HOSTILE = {
    "name": "<script>alert('name')</script>",
    "description": "\"'><img src=x onerror=alert('description')>\nline two",
    "scopes": "notes:read,\"><svg onload=alert('scopes')>,unknown",
    "q": "</textarea><script>alert('q')</script>",
    "status": '"><b>',
}


@pytest.mark.parametrize("path", ["/", "/admin/"])
def test_the_pages_render_with_any_query_and_reflect_none_of_it(
    app: Flask, user: Any, path: str
) -> None:
    app.config["PAT_ADMIN"] = lambda _user: True
    client = sign_in(app, user)
    url = app.config["PAT_URL_PREFIX"] + path
    plain = client.get(url)
    response = client.get(url, query_string=HOSTILE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for value in HOSTILE.values():
        for part in (value, *value.split(",")):
            if "<" in part or '"' in part:
                assert part not in html, part
    assert "alert(" not in html
    # The query string changes nothing the server writes: the form is filled in the browser.
    assert _same_but_csrf(html, plain.get_data(as_text=True))


def _same_but_csrf(one: str, other: str) -> bool:
    """Two renderings of a page differ at most by their CSRF tokens (signed with a time)."""
    pattern = re.compile(r"[A-Za-z0-9._-]{40,}")
    return pattern.sub("X", one) == pattern.sub("X", other)


def test_a_long_prefill_query_is_no_error(app: Flask, user: Any) -> None:
    client = sign_in(app, user)
    query = {"name": "n" * 5000, "description": "d" * 20000, "scopes": ",".join(["x"] * 2000)}
    response = client.get(app.config["PAT_URL_PREFIX"] + "/", query_string=query)
    assert response.status_code == 200
    assert "d" * 600 not in response.get_data(as_text=True)

"""Request bodies of flask-pat's API: read up to a limit, whatever the host's
``MAX_CONTENT_LENGTH`` says, and refused with 413 ``too_large`` beyond it before they are
read (a ``Content-Length`` over the limit), or as soon as the limit is passed (a chunked
body)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from werkzeug.wsgi import get_input_stream

from ..errors import PatError
from ..i18n import gettext as _

F = TypeVar("F", bound=Callable[..., Any])

#: The most any API route reads of a request body, unless marked with :func:`body_limit`.
DEFAULT_LIMIT = 64 * 1024
API_BLUEPRINT = "pat.api"
_ATTRIBUTE = "_pat_body_limit"


def body_limit(nbytes: int) -> Callable[[F], F]:
    """Let an API view read bodies of up to ``nbytes`` (e.g. 1 MiB for leak reports)."""

    def decorator(view: F) -> F:
        setattr(view, _ATTRIBUTE, nbytes)
        return view

    return decorator


def _limit() -> int:
    view = current_app.view_functions.get(request.endpoint or "")
    return int(getattr(view, _ATTRIBUTE, DEFAULT_LIMIT))


def _too_large(limit: int) -> PatError:
    return PatError(
        "too_large",
        _("The request body is over %(size)d KiB: send less.", size=limit // 1024),
    )


def read_limited() -> None:
    """Read the current request's body, up to its route's limit, into the request.

    Later ``request.get_json()``, ``get_data()`` and ``stream`` see the bytes read here.
    """
    if API_BLUEPRINT not in request.blueprints:
        return
    limit = _limit()
    length = request.content_length
    if length is not None and length > limit:
        raise _too_large(limit)
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if length is None and not chunked:
        return  # no body: nothing to read (and no server stream to wait on)
    if "stream" in request.__dict__ or getattr(request, "_cached_data", None) is not None:
        # Host code read the body already; at least refuse to use more than the limit.
        if len(request.get_data(cache=True)) > limit:
            raise _too_large(limit)
        return
    # Without a Content-Length this is the server's own terminated stream (chunked), or
    # an empty one: never read past the limit in either case.
    stream = get_input_stream(request.environ, max_content_length=None)
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(65536, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise _too_large(limit)
    data = b"".join(chunks)
    request._cached_data = data
    request.__dict__["stream"] = io.BytesIO(data)


def init_app(app: Flask) -> None:
    """Check API bodies first of all request hooks, before anything reads them."""
    app.before_request_funcs.setdefault(None, []).insert(0, read_limited)

"""Request bodies read within a limit, whatever the host's ``MAX_CONTENT_LENGTH`` says."""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from .errors import PatError

#: The most the JSON API reads of a request body.
API_LIMIT = 64 * 1024
#: The most the GitHub leak receiver reads: a report may name many tokens.
LEAK_REPORT_LIMIT = 1024 * 1024
_CHUNK = 64 * 1024


def too_large(limit: int) -> PatError:
    """The 413 ``too_large`` error for a body over ``limit`` bytes."""
    return PatError("too_large", f"The request body is over {limit // 1024} KiB: send less.")


def check_length(limit: int) -> None:
    """Refuse a body whose declared length is over ``limit``, before reading any of it."""
    length = request.content_length
    if length is not None and length > limit:
        raise too_large(limit)


def read_body(limit: int) -> bytes:
    """The raw request body, at most ``limit`` bytes; 413 ``too_large`` beyond.

    A body without ``Content-Length`` (chunked) is read until the limit is passed, never
    further.
    """
    check_length(limit)
    parts: list[bytes] = []
    size = 0
    try:
        stream = request.stream
        while size <= limit:
            part = stream.read(min(_CHUNK, limit + 1 - size))
            if not part:
                break
            parts.append(part)
            size += len(part)
    except RequestEntityTooLarge:
        raise too_large(limit) from None
    if size > limit:
        raise too_large(limit)
    return b"".join(parts)

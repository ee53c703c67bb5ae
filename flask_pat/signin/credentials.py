"""Which ``Authorization`` credential, if any, is flask-pat's to decide.

A credential is claimed only when it comes in an accepted scheme and starts with
``<PAT_TOKEN_PREFIX>_``; a host's own Bearer tokens, JWTs and Basic credentials are left
alone. No Flask request state is kept here: the answer is read from the headers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

#: Two different flask-pat credentials in one request: refused, as neither can be chosen.
CONFLICTING = "\x00conflicting"


def _credentials(values: Iterable[str]) -> Iterator[tuple[str, str]]:
    # Servers join repeated headers with commas ("Basic abc,Bearer pat_..."); neither a
    # token68 credential nor a flask-pat token contains one.
    for value in values:
        for part in value.split(","):
            scheme, _, credential = part.strip().partition(" ")
            if scheme:
                yield scheme.lower(), credential.strip()


def claimed(values: Iterable[str], schemes: Iterable[str], prefix: str) -> str | None:
    """The flask-pat credential among ``Authorization`` header ``values``.

    ``None`` when there is none (the request is the host's to authenticate), or
    :data:`CONFLICTING` when the headers carry two different ones.
    """
    accepted = {scheme.lower() for scheme in schemes}
    found = {
        credential
        for scheme, credential in _credentials(values)
        if scheme in accepted and credential.startswith(f"{prefix}_")
    }
    if not found:
        return None
    return found.pop() if len(found) == 1 else CONFLICTING

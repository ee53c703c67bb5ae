"""GitHub's secret scanning signatures: the public keys, fetched and kept, and the check of
an ECDSA P-256 SHA-256 signature over the raw request body. No Flask, no database."""

from __future__ import annotations

import base64
import binascii
import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import load_pem_public_key

logger = logging.getLogger(__name__)

#: How long fetched keys are trusted before they are fetched again.
#: The headers GitHub signs its reports with.
KEY_ID_HEADER = "Github-Public-Key-Identifier"
SIGNATURE_HEADER = "Github-Public-Key-Signature"
KEYS_MAX_AGE = 30 * 60
#: At most this many fetches per :data:`FETCH_WINDOW` seconds, however many unknown key
#: identifiers arrive: nobody can make the host hammer the keys URL.
MAX_FETCHES = 5
FETCH_WINDOW = 60
FETCH_TIMEOUT = 5
MAX_KEYS_DOCUMENT = 1024 * 1024


class KeysUnavailable(Exception):
    """The keys could not be fetched (or not again so soon): the sender should retry."""


class BadSignature(Exception):
    """The signature is missing, malformed, made with an unknown key, or wrong."""


def fetch_keys_document(url: str) -> Any:
    """The parsed JSON at ``url`` (http or https only), read within :data:`FETCH_TIMEOUT`
    seconds in all and at most :data:`MAX_KEYS_DOCUMENT` bytes."""
    if not url.lower().startswith(("https://", "http://")):
        raise KeysUnavailable(f"the keys URL must be http or https: {url!r}")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    deadline = time.monotonic() + FETCH_TIMEOUT
    chunks: list[bytes] = []
    size = 0
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:  # noqa: S310
            # The timeout bounds each read; the deadline bounds a server that dribbles. Each
            # read returns what has come (read() would wait for all 64 KiB, or the end).
            while chunk := response.read1(64 * 1024):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_KEYS_DOCUMENT:
                    raise KeysUnavailable(f"the keys document at {url} is too large")
                if time.monotonic() > deadline:
                    raise KeysUnavailable(f"the keys document at {url} took too long")
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        raise KeysUnavailable(f"cannot fetch {url}: {error}") from None
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        raise KeysUnavailable(f"the keys document at {url} is not JSON") from None


def parse_keys(document: Any) -> dict[str, ec.EllipticCurvePublicKey]:
    """``{key_identifier: public key}`` of the P-256 keys in a keys document.

    Keys that are not PEM P-256 public keys are left out; a document of another shape is
    :class:`KeysUnavailable`.
    """
    entries = document.get("public_keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise KeysUnavailable("the keys document has no public_keys list")
    keys: dict[str, ec.EllipticCurvePublicKey] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        key_id, pem = entry.get("key_identifier"), entry.get("key")
        if not isinstance(key_id, str) or not isinstance(pem, str):
            continue
        try:
            key = load_pem_public_key(pem.encode("utf-8"))
        except (ValueError, TypeError):
            continue
        if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
            keys[key_id] = key
    return keys


def check_signature(key: ec.EllipticCurvePublicKey, body: bytes, signature: str) -> None:
    """Raise :class:`BadSignature` unless ``signature`` (base64 DER) signs ``body``."""
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
        key.verify(raw, body, ec.ECDSA(SHA256()))
    except (binascii.Error, ValueError, InvalidSignature):
        raise BadSignature("the signature does not match the body") from None


class KeyRing:
    """The signing keys of one keys URL, kept up to :data:`KEYS_MAX_AGE` seconds, fetched
    again for an unknown identifier at most :data:`MAX_FETCHES` times a minute.

    One per process and URL; safe to share between threads (one fetch at a time).
    """

    def __init__(
        self,
        url: str,
        *,
        fetch: Callable[[str], Any] = fetch_keys_document,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, ec.EllipticCurvePublicKey] = {}
        self._fetched_at: float | None = None
        self._attempts: deque[float] = deque()
        #: When the operator was last told that fetches hit their limit.
        self._limit_told_at: float | None = None
        self._lock = threading.Lock()

    def key(self, key_id: str) -> ec.EllipticCurvePublicKey:
        """The key named ``key_id``; :class:`BadSignature` when the keys do not name it,
        :class:`KeysUnavailable` when they cannot be had."""
        with self._lock:
            now = self._clock()
            fresh = self._fetched_at is not None and now - self._fetched_at < KEYS_MAX_AGE
            if fresh and key_id in self._keys:
                return self._keys[key_id]
            if not fresh:
                # Stale keys are not used, even for a known identifier: GitHub may have
                # withdrawn one.
                self._keys = {}
            self._refresh(now)
            if key_id not in self._keys:
                raise BadSignature("no key with this identifier")
            return self._keys[key_id]

    def _refresh(self, now: float) -> None:
        while self._attempts and now - self._attempts[0] >= FETCH_WINDOW:
            self._attempts.popleft()
        if len(self._attempts) >= MAX_FETCHES:
            error = KeysUnavailable("the keys were fetched too often in the last minute")
            # Said once a window: a stream of made-up key ids must not flood the log.
            if self._limit_told_at is None or now - self._limit_told_at >= FETCH_WINDOW:
                self._limit_told_at = now
                logger.warning(
                    "flask-pat: the leak reports' signing keys are unavailable: %s", error
                )
            raise error
        self._attempts.append(now)
        try:
            keys = parse_keys(self._fetch(self.url))
        except KeysUnavailable as error:
            logger.warning("flask-pat: the leak reports' signing keys are unavailable: %s", error)
            raise
        self._keys = keys
        self._fetched_at = now

    def verify(self, body: bytes, key_id: str | None, signature: str | None) -> None:
        """Check that ``signature`` over ``body`` was made with the key ``key_id``."""
        if not key_id or not signature:
            raise BadSignature("the signature headers are missing")
        check_signature(self.key(key_id.strip()), body, signature)


_rings: dict[str, KeyRing] = {}
_rings_lock = threading.Lock()


def key_ring(url: str) -> KeyRing:
    """The process's :class:`KeyRing` for ``url``."""
    with _rings_lock:
        ring = _rings.get(url)
        if ring is None:
            ring = _rings[url] = KeyRing(url)
        return ring

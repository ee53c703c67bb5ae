"""Token text: generate, parse, checksum and digest. No Flask, no database."""

from __future__ import annotations

import hashlib
import re
import secrets
import zlib

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RANDOM_LENGTH = 30
CHECKSUM_LENGTH = 6
PREFIX_PATTERN = re.compile(r"[a-z0-9]{1,10}")
_BODY = re.compile(f"[0-9A-Za-z]{{{RANDOM_LENGTH + CHECKSUM_LENGTH}}}")


def base62(number: int, width: int) -> str:
    """Write ``number`` in base62, most significant digit first, left-padded with ``0``."""
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def checksum(random_part: str) -> str:
    """The six base62 characters of the CRC32 of ``random_part``."""
    return base62(zlib.crc32(random_part.encode("ascii")), CHECKSUM_LENGTH)


def generate(prefix: str) -> str:
    """A new token: ``<prefix>_`` + 30 random base62 characters + their checksum."""
    random_part = "".join(secrets.choice(BASE62) for _ in range(RANDOM_LENGTH))
    return f"{prefix}_{random_part}{checksum(random_part)}"


def is_well_formed(token: str, prefix: str) -> bool:
    """Whether ``token`` has the prefix, the length, the alphabet and a matching checksum."""
    head, sep, body = token.partition("_")
    if not sep or head != prefix or not _BODY.fullmatch(body):
        return False
    random_part, check = body[:RANDOM_LENGTH], body[RANDOM_LENGTH:]
    return secrets.compare_digest(checksum(random_part), check)


def digest(token: str) -> str:
    """The SHA-256 hex digest stored in place of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def last4(token: str) -> str:
    """The last four characters, kept for display."""
    return token[-4:]

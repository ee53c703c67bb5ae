from __future__ import annotations

import hashlib
import re
import zlib

import pytest

from flask_pat import tokens

TOKEN = re.compile(r"pat_[0-9A-Za-z]{36}")


def test_generated_token_has_the_documented_shape() -> None:
    secret = tokens.generate("pat")
    assert TOKEN.fullmatch(secret)
    assert tokens.is_well_formed(secret, "pat")


def test_checksum_is_base62_crc32_of_the_random_part() -> None:
    secret = tokens.generate("pat")
    random_part, check = secret[4:34], secret[34:]
    number = 0
    for char in check:
        number = number * 62 + tokens.BASE62.index(char)
    assert number == zlib.crc32(random_part.encode("ascii"))


def test_checksum_is_left_padded() -> None:
    assert tokens.base62(0, 6) == "000000"
    assert tokens.base62(61, 6) == "00000z"
    assert tokens.base62(62, 6) == "000010"


def test_tokens_are_distinct() -> None:
    assert len({tokens.generate("pat") for _ in range(1000)}) == 1000


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: s[:-1],  # truncated
        lambda s: s + "A",  # too long
        lambda s: s.replace("pat_", "pak_"),  # other prefix
        lambda s: s.replace("_", "-"),
        lambda s: s[:10] + ("A" if s[10] != "A" else "B") + s[11:],  # one character changed
        lambda s: s[:-1] + ("0" if s[-1] != "0" else "1"),  # checksum changed
        lambda s: s[:20] + "!" + s[21:],  # outside the alphabet
        lambda s: s[:20] + "é" + s[21:],
        lambda s: " " + s,
        lambda s: "",
    ],
)
def test_altered_tokens_are_refused(mutate: object) -> None:
    secret = tokens.generate("pat")
    assert not tokens.is_well_formed(mutate(secret), "pat")  # type: ignore[operator]


def test_custom_prefix() -> None:
    secret = tokens.generate("acme2")
    assert secret.startswith("acme2_")
    assert tokens.is_well_formed(secret, "acme2")
    assert not tokens.is_well_formed(secret, "pat")


def test_digest_and_last4() -> None:
    secret = tokens.generate("pat")
    assert tokens.digest(secret) == hashlib.sha256(secret.encode()).hexdigest()
    assert tokens.last4(secret) == secret[-4:]

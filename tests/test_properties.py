"""Hypothesis properties: the token text functions, the ``Authorization`` header, and the
create API's name, expiration and id handling, for any input."""

from __future__ import annotations

import json
import unicodedata
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from flask_pat import tokens

from .conftest import bearer, sign_in

PREFIXES = st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True)
RANDOM_PARTS = st.text(alphabet=tokens.BASE62, min_size=30, max_size=30)
#: Any text at all, lone surrogates included (what a header or a decoded byte string holds).
ANY_TEXT = st.text(st.characters(codec=None)) | st.binary().map(
    lambda raw: raw.decode("utf-8", "surrogateescape")
)

# Requests against a database: a fixed seed, and the app fixture shared by the examples.
app_settings = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# -- token text -------------------------------------------------------------------------


@given(prefix=PREFIXES)
def test_generated_tokens_parse_back(prefix: str) -> None:
    secret = tokens.generate(prefix)
    assert tokens.is_well_formed(secret, prefix)
    assert len(secret) == len(prefix) + 1 + 36
    assert tokens.last4(secret) == secret[-4:]
    assert len(tokens.digest(secret)) == 64


@given(prefix=PREFIXES, random_part=RANDOM_PARTS)
def test_any_random_part_with_its_checksum_is_well_formed(prefix: str, random_part: str) -> None:
    secret = f"{prefix}_{random_part}{tokens.checksum(random_part)}"
    assert tokens.is_well_formed(secret, prefix)
    assert not tokens.is_well_formed(secret, prefix + "x" if len(prefix) < 10 else prefix[:-1])


@given(number=st.integers(min_value=0, max_value=2**32 - 1))
def test_checksum_digits_round_trip(number: int) -> None:
    text = tokens.base62(number, tokens.CHECKSUM_LENGTH)
    assert len(text) == tokens.CHECKSUM_LENGTH
    decoded = 0
    for char in text:
        decoded = decoded * 62 + tokens.BASE62.index(char)
    assert decoded == number


@given(
    prefix=PREFIXES,
    random_part=RANDOM_PARTS,
    position=st.integers(min_value=0),
    replacement=st.characters(codec=None),
)
@example(prefix="pat", random_part="0" * 30, position=4, replacement="1")
def test_any_single_character_change_is_refused(
    prefix: str, random_part: str, position: int, replacement: str
) -> None:
    secret = f"{prefix}_{random_part}{tokens.checksum(random_part)}"
    position %= len(secret)
    assume(secret[position] != replacement)
    changed = secret[:position] + replacement + secret[position + 1 :]
    assert not tokens.is_well_formed(changed, prefix)


@given(prefix=PREFIXES, random_part=RANDOM_PARTS, data=st.data())
def test_a_dropped_or_added_character_is_refused(
    prefix: str, random_part: str, data: st.DataObject
) -> None:
    secret = f"{prefix}_{random_part}{tokens.checksum(random_part)}"
    position = data.draw(st.integers(min_value=0, max_value=len(secret)))
    added = secret[:position] + data.draw(st.characters(codec=None)) + secret[position:]
    assert not tokens.is_well_formed(added, prefix)
    if position < len(secret):
        assert not tokens.is_well_formed(secret[:position] + secret[position + 1 :], prefix)


@given(text=ANY_TEXT, prefix=PREFIXES)
@example(text="pat_" + "é" * 36, prefix="pat")
@example(text="pat_" + "٣" * 36, prefix="pat")  # Arabic-Indic digits are not [0-9]
@example(text="pat_" + "0" * 36 + "\n", prefix="pat")
def test_any_text_is_parsed_without_an_exception(text: str, prefix: str) -> None:
    assert tokens.is_well_formed(text, prefix) in (True, False)


# -- the Authorization header -----------------------------------------------------------

SCHEMES = st.sampled_from(["Bearer", "bearer", "BEARER", "Basic", "Token", "", "Bearer,"])
SEPARATORS = st.sampled_from([" ", "  ", "\t", "", " \t "])
HEADER_TEXT = st.text(st.characters(codec="latin-1", exclude_characters="\r\n\x00"), max_size=80)
PROTECTED = ["/whoami", "/notes", "/settings/tokens/api/tokens/self"]


@pytest.fixture
def secrets(app: Flask, user: Any, make_token: Any) -> dict[str, str]:
    """A working token, a revoked one and an expired one of ``user``."""
    from flask_pat import context

    _, good = make_token(user, "good", scopes=["notes:read"])
    revoked_id, revoked = make_token(user, "revoked", scopes=["notes:read"])
    expired_id, expired = make_token(user, "expired", expiration=("minutes", 1))
    pat = app.extensions["pat"]
    with app.app_context():
        table = pat.Token.__table__
        now = context.utcnow()
        pat.db.session.execute(
            table.update().where(table.c.id == revoked_id).values(revoked_at=now)
        )
        pat.db.session.execute(
            table.update().where(table.c.id == expired_id).values(expires_at=now)
        )
        pat.db.session.commit()
    return {"good": good, "revoked": revoked, "expired": expired}


@st.composite
def authorization_headers(draw: st.DrawFn, secrets: dict[str, str]) -> str:
    """Header values near the real thing (schemes, spacing, good and broken tokens), or
    anything at all."""
    good = secrets["good"]
    credentials = draw(
        st.sampled_from(list(secrets.values()))
        | st.builds(
            lambda i, c: good[:i] + c + good[i + 1 :],
            st.integers(0, len(good) - 1),
            st.characters(codec="latin-1", exclude_characters="\r\n\x00"),
        )
        | st.just(good.upper())
        | st.just(good + " extra")
        | HEADER_TEXT
    )
    shaped = draw(SCHEMES) + draw(SEPARATORS) + credentials + draw(SEPARATORS)
    return draw(st.just(shaped) | HEADER_TEXT)


@app_settings
@given(data=st.data())
def test_any_authorization_header_gives_200_or_401(
    app: Flask, user: Any, secrets: dict[str, str], data: st.DataObject
) -> None:
    header = data.draw(authorization_headers(secrets), label="header")
    path = data.draw(st.sampled_from(PROTECTED), label="path")
    signed_in = data.draw(st.booleans(), label="signed_in")
    client = sign_in(app, user) if signed_in else app.test_client()
    response = client.get(path, headers={"Authorization": header})

    # SPEC 5: a credential is flask-pat's when, in an accepted scheme, it starts with the
    # prefix (servers join repeated headers with commas); then it decides alone, whatever
    # the session says. Any other header is the host's, and the session decides.
    ours = set()
    for part in header.split(","):
        scheme, _, credential = part.strip().partition(" ")
        if scheme.lower() == "bearer" and credential.strip().startswith("pat_"):
            ours.add(credential.strip())
    if ours:
        accepted = ours == {secrets["good"]}
    else:
        accepted = signed_in and not path.endswith("/self")
    assert response.status_code == (200 if accepted else 401), (header, response.get_data())
    if response.status_code == 401 and path != "/whoami":
        assert response.get_json()["error"]["code"] == "unauthorized"


@app_settings
@given(garbage=st.binary(max_size=60))
def test_raw_header_bytes_never_break_authentication(app: Flask, user: Any, garbage: bytes) -> None:
    # Bytes as a server hands them over: decoded as latin-1 into the WSGI environ.
    value = garbage.decode("latin-1").replace("\r", "").replace("\n", "").replace("\x00", "")
    for header in (value, f"Bearer {value}"):
        response = app.test_client().get("/notes", headers={"Authorization": header})
        assert response.status_code == 401
        assert response.is_json


# -- the create API: names, expirations, ids --------------------------------------------

_REFUSED = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")


def name_is_valid(raw: str) -> bool:
    """The name rules of SPEC section 2, written out independently of the service."""
    name = unicodedata.normalize("NFC", raw).strip()
    return (
        0 < len(name) <= 100
        and all(unicodedata.category(c) not in ("Cc", "Cs") for c in name)
        and not _REFUSED & set(name)
    )


NAMES = (
    st.text(st.characters(codec=None), max_size=120)
    | st.text(st.sampled_from(" \t\u00a0\u3000\u200b\u200f\u202e\u0301\u0308a"), max_size=8)
    | st.sampled_from(
        [
            "",
            "   ",
            "x" * 100,
            "x" * 101,
            " " + "x" * 100 + " ",
            "a\x00b",
            "a\x1fb",
            "\u202egnp.exe",
            "e\u0301" * 60,
            "\ufb2c" * 40,
            "שלום token",
            "🚀" * 100,
            "👩‍💻 dev",
            "ǅ Ǆ ǆ",
            "ß" * 100,
        ]
    )
)


@app_settings
@given(name=NAMES)
def test_any_name_is_stored_as_written_or_refused_with_422(api: Any, name: str) -> None:
    response = api.post("/tokens", json={"name": name})
    body = response.get_json()
    if not name_is_valid(name):
        assert response.status_code == 422, body
        assert body["error"]["fields"]["name"]
        return
    assert response.status_code in (201, 409), body
    if response.status_code == 201:
        assert body["token"]["name"] == unicodedata.normalize("NFC", name).strip()
        assert api.delete(f"/tokens/{body['token']['id']}").status_code == 204
    else:
        assert body["error"]["code"] == "conflict"


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)
# Raw JSON number spellings, some of which Python's json turns into inf, floats or huge ints.
RAW_NUMBERS = st.sampled_from(
    ["0", "-1", "1e309", "-1e309", "1.0", "1e2", "30", '"30"', "10" + "0" * 17, "9" * 400]
    + ["true", "false", "null", "[]", "{}", "0.5", "-0", "5e-324", "1E400"]
)
UNITS = st.sampled_from(["never", "minutes", "hours", "days", "weeks", "years", "", "DAYS"])


@app_settings
@given(
    unit=UNITS | JSON_VALUES,
    value=RAW_NUMBERS | JSON_VALUES.map(json.dumps),
    shape=st.sampled_from(["both", "unit only", "value only", "not an object"]),
)
def test_any_expiration_gets_201_or_422(api: Any, unit: Any, value: str, shape: str) -> None:
    parts = {"both": [f'"unit": {json.dumps(unit)}', f'"value": {value}']}
    parts["unit only"] = parts["both"][:1]
    parts["value only"] = parts["both"][1:]
    expiration = "{" + ", ".join(parts.get(shape, [])) + "}" if shape in parts else value
    body = '{"name": "t", "expiration": ' + expiration + "}"
    response = api.post("/tokens", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code in (201, 422), (body, response.get_json())
    if response.status_code == 201:
        parsed = json.loads(body)["expiration"]
        assert parsed["unit"] in ("never", "minutes", "hours", "days", "weeks")
        number = parsed.get("value")
        if parsed["unit"] == "never":
            assert number is None
        else:
            assert type(number) is int and 1 <= number
        assert api.delete(f"/tokens/{response.get_json()['token']['id']}").status_code == 204
    else:
        assert response.get_json()["error"]["code"] == "invalid"


@app_settings
@given(
    token_id=st.text(st.characters(codec=None), min_size=1, max_size=30)
    | st.integers().map(str)
    | st.sampled_from(["0", "-1", "1.0", "1e3", "9223372036854775808", "9" * 40, "0x1", "١"]),
    action=st.sampled_from(["", "/revoke", "/restore", "/rotate", "/ide/vscode"]),
)
def test_any_token_id_is_404_json(api: Any, token_id: str, action: str) -> None:
    assume(token_id not in (".", "..", "self"))
    path = f"/tokens/{quote(token_id, safe='')}{action}"
    method = api.get if action in ("", "/ide/vscode") else api.post
    response = method(path)
    assert response.status_code == 404, (token_id, response.get_data())
    assert response.get_json()["error"]["code"] == "not_found"


@app_settings
@given(token_id=st.integers(min_value=1, max_value=2**63 - 1) | st.integers(min_value=2**63))
def test_large_ids_are_404_json(api: Any, token_id: int) -> None:
    for response in (
        api.get(f"/tokens/{token_id}"),
        api.post(f"/tokens/{token_id}/revoke"),
        api.delete(f"/tokens/{token_id}"),
    ):
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


def test_a_token_does_not_authenticate_in_the_query_string_or_body(
    app: Flask, secrets: dict[str, str]
) -> None:
    client = app.test_client()
    good = secrets["good"]
    assert client.get(f"/notes?access_token={good}").status_code == 401
    assert client.post("/notes", data={"access_token": good}).status_code == 401
    assert client.get("/notes", headers=bearer(good)).status_code == 200

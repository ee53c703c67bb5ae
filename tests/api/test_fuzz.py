"""Schemathesis against the example app's JSON API, signed in by session and with CSRF.

Every operation of ``/settings/tokens/api/openapi.json`` is fuzzed with positive cases
(valid by the schema) and negative ones (invalid by it), from a fixed seed. No answer may
be a 500, and every answer must be one the document describes (status, content type,
body). ``PAT_FUZZ_EXAMPLES`` sets the examples per operation and mode (``make fuzz``
raises it).
"""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from sqlalchemy.engine import make_url

from flask_pat import service
from flask_pat.api.openapi import build_spec
from tests.conftest import IN_CI, SERVER_URLS

EXAMPLES = int(os.environ.get("PAT_FUZZ_EXAMPLES", "25"))
PREFIX = "/settings/tokens/api"
_PATHS = build_spec(PREFIX)["paths"]
#: Every operation the document declares, known before the app exists so that each is a
#: test of its own; a test checks the served document has exactly these.
OPERATIONS = sorted(
    f"{method.upper()} {path}"
    for path, item in _PATHS.items()
    for method in item
    if method != "parameters"
)
#: Operations that take no input (no parameter but the optional CSRF header, no body):
#: Hypothesis soon runs out of distinct cases for them, and there is nothing to make invalid.
INPUTLESS = {
    f"{method.upper()} {path}"
    for path, item in _PATHS.items()
    for method, operation in item.items()
    if method != "parameters"
    and not (
        item.get("parameters")
        or [p for p in operation.get("parameters", []) if p.get("name") != "X-CSRF-Token"]
        or "requestBody" in operation
    )
}
#: Operations whose only input is a string in the path (no body, no query): an invalid one is
#: an empty or over-long path segment, which the lowest schemathesis cannot generate
#: (``Unsatisfiable``); their positive runs still reach them.
PATH_STRING_ONLY = {
    f"{method.upper()} {path}"
    for path, item in _PATHS.items()
    for method, operation in item.items()
    if method != "parameters"
    and "requestBody" not in operation
    and [p for p in item.get("parameters", [])]
    and all(
        p.get("in") == "path" and p.get("schema", {}).get("type") == "string"
        for p in [*item.get("parameters", []), *operation.get("parameters", [])]
        if p.get("name") != "X-CSRF-Token"
    )
}
CAMPAIGN = [
    pytest.param(label, mode, id=f"{label}-{mode.value}")
    for label in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if not (label in INPUTLESS | PATH_STRING_ONLY and mode is GenerationMode.NEGATIVE)
]


@dataclass
class Fuzzed:
    """The example app, a signed-in client, and what the campaign saw."""

    app: Flask
    cookie: str
    csrf: str
    schema: Any
    user: Any
    statuses: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    seeds: Iterator[int] = field(default_factory=itertools.count)

    def fresh_token(self) -> int:
        """A new token of the signed-in user, for a case that should find one."""
        with self.app.app_context():
            token, _ = service.create(self.user, f"seed {next(self.seeds)}", ("days", 1))
            return int(token.id)


def campaign_config(cookie: str, csrf: str) -> SchemathesisConfig:
    """Sign in with the session cookie, send the CSRF header, and say which answers to expect.

    The cookie is given as the document's ``session`` security scheme, so Schemathesis
    knows it is real and also checks that leaving it out, or forging it, is refused.
    """
    # Where the document promises 422 for rules a JSON schema cannot state (a name of
    # spaces or control characters, an integration or project the user does not have, an
    # expiration unit the app does not offer),
    # a schema-valid request may be refused with it.
    rule_checked = {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
        }
    }
    return SchemathesisConfig.from_dict(
        {
            "headers": {"X-CSRF-Token": csrf},
            "auth": {"openapi": {"session": {"api_key": cookie}}},
            # Negative cases go to the parameters and bodies, not to breaking the sign-in:
            # the ignored_auth check still probes every operation without it and with a
            # forged one, and test_properties.py fuzzes the Authorization header.
            "generation": {"with-security-parameters": False},
            "operations": [
                {
                    "include-method": "GET",
                    "include-path": f"{PREFIX}/tokens",
                    "checks": rule_checked,
                },
                {
                    "include-method": "POST",
                    "include-path": f"{PREFIX}/tokens",
                    "checks": rule_checked,
                },
                {
                    "include-method": "PATCH",
                    "include-path": f"{PREFIX}/tokens/{{token_id}}",
                    "checks": rule_checked,
                },
                {
                    "include-path": f"{PREFIX}/tokens/{{token_id}}/rotate",
                    "checks": rule_checked,
                },
                {
                    "include-path": f"{PREFIX}/tokens/{{token_id}}/ide/{{fmt}}",
                    "checks": rule_checked,
                },
            ],
        }
    )


def _databases() -> list[Any]:
    params = [pytest.param("sqlite", id="sqlite")]
    params += [pytest.param(url, id=make_url(url).get_backend_name()) for url in SERVER_URLS]
    return params


@pytest.fixture(scope="module", params=_databases())
def fuzzed(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    server_databases: dict[str, str],
) -> Iterator[Fuzzed]:
    """The example app on each database, signed in as its demo user."""
    from example_app import DEMO_EMAIL, DEMO_PASSWORD, User, create_app, db

    if request.param == "sqlite":
        url = f"sqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'fuzz.db'}"
    else:
        url = server_databases[request.param]
        if url.startswith("unreachable"):
            (pytest.fail if IN_CI else pytest.skip)(url)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "TESTING": True,
            # The fuzzer creates thousands of tokens; the limit has tests of its own.
            "PAT_MAX_TOKENS_PER_USER": 10**9,
        }
    )
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', login)
    assert match is not None
    response = client.post(
        "/login",
        data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "csrf_token": match[1]},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    csrf = client.get(f"{PREFIX}/meta").get_json()["csrf_token"]
    cookie = client.get_cookie("session")
    assert cookie is not None
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=DEMO_EMAIL))
        db.session.expunge(user)
    schema = schemathesis.openapi.from_wsgi(
        f"{PREFIX}/openapi.json", app, config=campaign_config(cookie.value, csrf)
    )
    fuzzed = Fuzzed(app=app, cookie=cookie.value, csrf=csrf, schema=schema, user=user)
    yield fuzzed
    _report(request, fuzzed)
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _report(request: pytest.FixtureRequest, fuzzed: Fuzzed) -> None:
    """Print what was sent and answered on this database: the counts ``make fuzz`` reports
    (each campaign test checks its own answers)."""
    cases = sum(fuzzed.statuses.values())
    if not cases:
        return
    by_status = Counter[int]()
    for (_, _, status), count in fuzzed.statuses.items():
        by_status[status] += count
    dialect = make_url(str(fuzzed.app.config["SQLALCHEMY_DATABASE_URI"])).get_backend_name()
    answers = ", ".join(f"{status}: {n}" for status, n in sorted(by_status.items()))
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    assert capture is not None
    with capture.global_and_fixture_disabled():
        print(
            f"\nfuzzed {len(OPERATIONS)} operations on {dialect}: {cases} cases"
            f" ({EXAMPLES} per operation and mode), answers {answers}"
        )


def test_every_operation_is_fuzzed(fuzzed: Fuzzed) -> None:
    fuzzed.schema.validate()
    served = sorted(
        f"{result.ok().method.upper()} {result.ok().path}"
        for result in fuzzed.schema.get_all_operations()
    )
    assert served == OPERATIONS


@pytest.mark.parametrize(("label", "mode"), CAMPAIGN)
def test_api_answers_every_input_as_documented(
    fuzzed: Fuzzed, label: str, mode: GenerationMode
) -> None:
    operation = fuzzed.schema[label.split(" ", 1)[1]][label.split(" ", 1)[0]]
    strategy = operation.as_strategy(generation_mode=mode)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=strategy,
        aim=st.booleans(),
        fmt=st.sampled_from(["vscode", "jetbrains"]),
        integration=st.sampled_from(["claude", "gpt-5-mini", None]),
        unit=st.sampled_from(["never", "minutes", "hours", "days", "weeks"]),
    )
    def run(case: Any, aim: bool, fmt: str, integration: str | None, unit: str) -> None:
        if mode is GenerationMode.POSITIVE and aim:
            # Random values mostly miss what exists (a token id, a format, an integration,
            # a unit): half the positive cases aim at the real ones, to get past them.
            if "token_id" in (case.path_parameters or {}):
                case.path_parameters["token_id"] = fuzzed.fresh_token()
            if "fmt" in (case.path_parameters or {}):
                case.path_parameters["fmt"] = fmt
                if integration is not None:
                    case.query = {**(case.query or {}), "integration": integration}
            body = case.body if isinstance(case.body, dict) else {}
            if isinstance(body.get("expiration"), dict):
                body["expiration"]["unit"] = unit
        response = case.call_and_validate()
        fuzzed.statuses[(label, mode.value, response.status_code)] += 1

    run()
    seen = sum(n for (op, m, _), n in fuzzed.statuses.items() if op == label and m == mode.value)
    assert seen >= (1 if label in INPUTLESS else min(EXAMPLES, 5))
    assert not any(status >= 500 for (op, _, status) in fuzzed.statuses if op == label)

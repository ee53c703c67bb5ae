"""IDE settings files (SPEC section 7): what the VSCode and JetBrains files hold, escaping,
the integration and project rules, downloads, and formats registered by the host."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from flask import Flask

from flask_pat import IdeFormat
from tests.conftest import ApiClient, bearer

PREFIX = "/settings/tokens"
API = f"{PREFIX}/api"

INTEGRATIONS = [
    {"uid": "uid-gpt", "name": "GPT", "model": "gpt-5-mini"},
    {"uid": "uid-claude", "name": "Claude", "model": "claude-sonnet"},
]
PROJECTS = [
    {"id": 123, "name": "Private", "public": False},
    {"id": "p-abc", "name": "Text id", "public": False},
    {"id": 1, "name": "Public", "public": True},
]
HOSTILE = {
    "uid": "u\"1'<&>",
    "name": "Team \"A\" <b>&amp;</b> 'quoted'\nsecond line\ttab",
    "model": 'gpt-<5>&"mini"\' ]]> --> <!-- ',
}
HOSTILE_PROJECT = {"id": "p\"<&>'", "name": "x", "public": False}
HOSTILE_URL = "https://llm.example/x?a=1&b=\"<2>\"&c='3'"

VSCODE_KEYS = {
    "alitacode.providerServerURL",
    "alitacode.LLMServerUrl",
    "alitacode.modelName",
    "alitacode.LLMModelName",
    "alitacode.authToken",
    "alitacode.LLMAuthToken",
    "alitacode.projectId",
    "alitacode.integrationUid",
    "alitacode.defaultViewMode",
    "alitacode.verifySsl",
    "eliteacode.LLMServerUrl",
    "eliteacode.LLMModelName",
    "eliteacode.LLMAuthToken",
    "eliteacode.projectId",
    "eliteacode.integrationUid",
    "eliteacode.displayType",
    "eliteacode.verifySsl",
    "eliteacode.debug",
}

CONFIGURED = {"PAT_INTEGRATIONS": INTEGRATIONS, "PAT_PROJECTS": lambda user: PROJECTS}
WITH_BOTH = pytest.mark.parametrize("app_config", [CONFIGURED])


def vscode(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    settings: dict[str, Any] = json.loads(response.get_data(as_text=True))
    return settings


def jetbrains(response: Any) -> dict[str, str]:
    """The ``AlitaSettings`` options of an ``alita.xml``, after checking its layout."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())
    assert (root.tag, root.attrib) == ("project", {"version": "4"})
    (component,) = list(root)
    assert (component.tag, component.attrib) == ("component", {"name": "AlitaSettings"})
    assert {option.tag for option in component} == {"option"}
    return {option.attrib["name"]: option.attrib["value"] for option in component}


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error: dict[str, Any] = response.get_json()["error"]
    assert (error["status"], error["code"]) == (status, code)
    return error


def expected_vscode(url: str, model: str, uid: str, masked: str, project_id: Any) -> dict[str, Any]:
    return {
        "alitacode.providerServerURL": url,
        "alitacode.LLMServerUrl": url,
        "alitacode.modelName": model,
        "alitacode.LLMModelName": model,
        "alitacode.authToken": masked,
        "alitacode.LLMAuthToken": masked,
        "alitacode.projectId": project_id,
        "alitacode.integrationUid": uid,
        "alitacode.defaultViewMode": "split",
        "eliteacode.LLMServerUrl": url,
        "eliteacode.LLMModelName": model,
        "eliteacode.LLMAuthToken": masked,
        "eliteacode.projectId": project_id,
        "eliteacode.integrationUid": uid,
        "eliteacode.displayType": "split",
        "eliteacode.debug": False,
    }


def expected_jetbrains(url: str, integration: dict[str, str], project_id: str) -> dict[str, str]:
    return {
        "displayType": "SPLIT",
        "integrationName": integration["name"],
        "integrationUid": integration["uid"],
        "llmCustomModelEnabled": "true",
        "llmCustomModelName": integration["model"],
        "llmServerUrl": url,
        "projectId": project_id,
        "provider": "ALITA_EYE",
    }


@WITH_BOTH
def test_vscode_settings(api: ApiClient) -> None:
    cases = {
        "bound to 123": (123, None, 123),
        "bound to p-abc": ("p-abc", None, "p-abc"),
        "chosen 123": (None, "123", 123),
        "chosen p-abc": (None, "p-abc", "p-abc"),
    }
    for case, (token_project, query_project, project_id) in cases.items():
        created = api.create(case, project_id=token_project)
        token, secret = created["token"], created["secret"]
        query = {"integration": "uid-claude"}
        if query_project is not None:
            query["project"] = query_project
        response = api.get(f"/tokens/{token['id']}/ide/vscode", query_string=query)
        settings = vscode(response)
        assert set(settings) == VSCODE_KEYS
        masked = "..." + secret[-4:]
        expected = expected_vscode(
            "http://localhost", "claude-sonnet", "uid-claude", masked, project_id
        )
        assert {key: settings[key] for key in expected} == expected, case
        assert type(settings["alitacode.projectId"]) is type(project_id), case
        assert isinstance(settings["alitacode.verifySsl"], bool)
        assert isinstance(settings["eliteacode.verifySsl"], bool)
        assert secret not in response.get_data(as_text=True)
        assert "Content-Disposition" not in response.headers


@WITH_BOTH
def test_jetbrains_settings(api: ApiClient) -> None:
    for token_project, project_id in [(123, "123"), ("p-abc", "p-abc")]:
        created = api.create(project_id, project_id=token_project)
        token, secret = created["token"], created["secret"]
        response = api.get(
            f"/tokens/{token['id']}/ide/jetbrains", query_string={"integration": "uid-gpt"}
        )
        options = jetbrains(response)
        expected = expected_jetbrains("http://localhost", INTEGRATIONS[0], project_id)
        assert {key: options[key] for key in expected} == expected
        # The page swaps the masked token for the real one, so the file must carry it.
        assert "..." + secret[-4:] in options.values()
        assert secret not in response.get_data(as_text=True)
        assert response.get_data(as_text=True).startswith("<?xml")


def test_without_integrations_or_projects(api: ApiClient) -> None:
    created = api.create("plain")
    token_id, masked = created["token"]["id"], "..." + created["secret"][-4:]
    settings = vscode(api.get(f"/tokens/{token_id}/ide/vscode"))
    assert settings == {
        **expected_vscode("http://localhost", "", "", masked, None),
        "alitacode.verifySsl": settings["alitacode.verifySsl"],
        "eliteacode.verifySsl": settings["eliteacode.verifySsl"],
    }
    options = jetbrains(api.get(f"/tokens/{token_id}/ide/jetbrains"))
    empty = {"uid": "", "name": "", "model": ""}
    expected = expected_jetbrains("http://localhost", empty, "")
    assert {key: options[key] for key in expected} == expected


@pytest.mark.parametrize("app_config", [{"PAT_SERVER_URL": "https://llm.example.org"}])
def test_server_url_from_the_setting(api: ApiClient) -> None:
    token_id = api.create("x")["token"]["id"]
    settings = vscode(api.get(f"/tokens/{token_id}/ide/vscode", base_url="http://localhost:5000"))
    assert settings["alitacode.providerServerURL"] == "https://llm.example.org"
    options = jetbrains(api.get(f"/tokens/{token_id}/ide/jetbrains"))
    assert options["llmServerUrl"] == "https://llm.example.org"


def test_server_url_from_the_request_root(api: ApiClient) -> None:
    token_id = api.create("x")["token"]["id"]
    response = api.get(f"/tokens/{token_id}/ide/vscode", base_url="https://localhost:8443")
    settings = vscode(response)
    assert settings["alitacode.providerServerURL"] == "https://localhost:8443"
    assert settings["eliteacode.LLMServerUrl"] == "https://localhost:8443"


@pytest.mark.parametrize(
    "app_config",
    [
        {"PAT_INTEGRATIONS": [HOSTILE], "PAT_SERVER_URL": HOSTILE_URL},
        {"PAT_INTEGRATIONS": lambda user: [HOSTILE], "PAT_SERVER_URL": HOSTILE_URL},
    ],
)
def test_hostile_values_survive_parsing_exactly(api: ApiClient) -> None:
    created = api.create("hostile")
    token_id, masked = created["token"]["id"], "..." + created["secret"][-4:]
    query = {"integration": HOSTILE["uid"]}
    settings = vscode(api.get(f"/tokens/{token_id}/ide/vscode", query_string=query))
    expected = expected_vscode(HOSTILE_URL, HOSTILE["model"], HOSTILE["uid"], masked, None)
    assert {key: settings[key] for key in expected} == expected
    options = jetbrains(api.get(f"/tokens/{token_id}/ide/jetbrains", query_string=query))
    expected_options = expected_jetbrains(HOSTILE_URL, HOSTILE, "")
    assert {key: options[key] for key in expected_options} == expected_options


@pytest.mark.parametrize("app_config", [{"PAT_PROJECTS": lambda user: [HOSTILE_PROJECT]}])
def test_hostile_project_ids_survive_parsing_exactly(api: ApiClient) -> None:
    token_id = api.create("hostile", project_id=HOSTILE_PROJECT["id"])["token"]["id"]
    settings = vscode(api.get(f"/tokens/{token_id}/ide/vscode"))
    assert settings["alitacode.projectId"] == HOSTILE_PROJECT["id"]
    options = jetbrains(api.get(f"/tokens/{token_id}/ide/jetbrains"))
    assert options["projectId"] == HOSTILE_PROJECT["id"]


@pytest.mark.parametrize("app_config", [{"PAT_INTEGRATIONS": INTEGRATIONS}])
def test_an_integration_must_be_chosen_when_configured(api: ApiClient) -> None:
    token_id = api.create("x")["token"]["id"]
    for fmt in ("vscode", "jetbrains"):
        for query in ({}, {"integration": ""}):
            response = api.get(f"/tokens/{token_id}/ide/{fmt}", query_string=query)
            error_of(response, 409, "integration_required")


@WITH_BOTH
def test_public_projects_get_no_settings(api: ApiClient) -> None:
    bound = api.create("bound", project_id=1)["token"]["id"]
    unbound = api.create("unbound")["token"]["id"]
    for token_id, project in [(bound, None), (unbound, "1"), (bound, "1")]:
        query = {"integration": "uid-gpt"}
        if project is not None:
            query["project"] = project
        for fmt in ("vscode", "jetbrains"):
            response = api.get(f"/tokens/{token_id}/ide/{fmt}", query_string=query)
            error_of(response, 409, "public_project")


@WITH_BOTH
def test_a_bound_token_gets_settings_for_its_own_project_only(api: ApiClient) -> None:
    token_id = api.create("x", project_id=123)["token"]["id"]
    query = {"integration": "uid-gpt", "project": "1"}
    response = api.get(f"/tokens/{token_id}/ide/vscode", query_string=query)
    assert error_of(response, 422, "invalid")["fields"] == {
        "project": ["The token is bound to another project."]
    }
    query["project"] = "123"
    assert api.get(f"/tokens/{token_id}/ide/vscode", query_string=query).status_code == 200


@WITH_BOTH
def test_unknown_integrations_and_projects_are_422(api: ApiClient) -> None:
    token_id = api.create("x")["token"]["id"]
    cases = [
        ({"integration": "nope"}, "integration"),
        ({"integration": "UID-GPT"}, "integration"),
        ({"integration": "uid-gpt", "project": "999"}, "project"),
        ({"integration": "uid-gpt", "project": "P-ABC"}, "project"),
        ({"integration": "uid-gpt", "unknown": "1"}, "unknown"),
    ]
    for query, field in cases:
        response = api.get(f"/tokens/{token_id}/ide/vscode", query_string=query)
        assert list(error_of(response, 422, "invalid")["fields"]) == [field], query


def test_an_integration_when_none_are_configured_is_422(api: ApiClient) -> None:
    token_id = api.create("x")["token"]["id"]
    response = api.get(f"/tokens/{token_id}/ide/vscode", query_string={"integration": "uid-gpt"})
    assert "integration" in error_of(response, 422, "invalid")["fields"]


def test_unknown_formats_are_404(api: ApiClient) -> None:
    token_id = api.create("x")["token"]["id"]
    for fmt in ("VSCode", "vim", "settings.json", "..%2fmeta", "jetbrains.xml"):
        error_of(api.get(f"/tokens/{token_id}/ide/{fmt}"), 404, "not_found")


def test_download_adds_an_attachment_header(api: ApiClient) -> None:
    token_id = api.create("x")["token"]["id"]
    for fmt, filename in [("vscode", "settings.json"), ("jetbrains", "alita.xml")]:
        path = f"/tokens/{token_id}/ide/{fmt}"
        preview = api.get(path)
        download = api.get(path, query_string={"download": "1"})
        assert download.status_code == preview.status_code == 200
        assert download.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
        assert download.get_data() == preview.get_data()
        assert download.mimetype == preview.mimetype
        assert "Content-Disposition" not in preview.headers
        assert "Content-Disposition" not in api.get(path, query_string={"download": "0"}).headers


def test_other_users_tokens_and_strangers_get_nothing(
    app: Flask, api: ApiClient, other_user: Any, make_token: Any
) -> None:
    theirs, _ = make_token(other_user, "theirs")
    error_of(api.get(f"/tokens/{theirs}/ide/vscode"), 404, "not_found")
    mine = api.create("mine")
    path = f"{API}/tokens/{mine['token']['id']}/ide/vscode"
    error_of(app.test_client().get(path), 401, "unauthorized")
    error_of(app.test_client().get(path, headers=bearer(mine["secret"])), 403, "forbidden")


@WITH_BOTH
def test_a_host_format_is_offered_and_rendered(app: Flask, api: ApiClient, user: Any) -> None:
    seen: list[dict[str, Any]] = []

    def render(ctx: dict[str, Any]) -> str:
        seen.append(ctx)
        return f"token = {ctx['token']}\nmodel = {ctx['integration']['model']}\n"

    pat = app.extensions["pat"]
    fmt = IdeFormat(
        id="zed", label="Zed", filename="zed.toml", mimetype="application/toml", render=render
    )
    assert pat.ide_format(fmt) is fmt
    formats = api.get("/meta").get_json()["ide_formats"]
    assert {"id": "zed", "label": "Zed", "filename": "zed.toml"} in formats
    assert [f["id"] for f in formats][:2] == ["vscode", "jetbrains"]

    created = api.create("zed", project_id=123)
    token_id, masked = created["token"]["id"], "..." + created["secret"][-4:]
    response = api.get(
        f"/tokens/{token_id}/ide/zed", query_string={"integration": "uid-gpt", "download": "1"}
    )
    assert response.status_code == 200
    assert response.mimetype == "application/toml"
    assert response.get_data(as_text=True) == f"token = {masked}\nmodel = gpt-5-mini\n"
    assert response.headers["Content-Disposition"] == 'attachment; filename="zed.toml"'
    (ctx,) = seen
    assert set(ctx) == {
        "server_url",
        "integration",
        "project",
        "project_id",
        "token",
        "token_record",
        "user",
    }
    assert ctx["server_url"] == "http://localhost"
    assert ctx["integration"] == INTEGRATIONS[0]
    assert ctx["project"] == PROJECTS[0]
    assert ctx["project_id"] == 123
    assert ctx["token"] == masked
    assert ctx["token_record"].id == token_id
    assert ctx["user"].get_id() == user.get_id()


@pytest.mark.parametrize("app_config", [{"PAT_IDE_FORMATS": ("vscode",)}])
def test_ide_formats_setting_picks_built_in_formats(app: Flask, api: ApiClient) -> None:
    assert api.get("/meta").get_json()["ide_formats"] == [
        {"id": "vscode", "label": "VSCode", "filename": "settings.json"}
    ]
    token_id = api.create("x")["token"]["id"]
    assert api.get(f"/tokens/{token_id}/ide/vscode").status_code == 200
    error_of(api.get(f"/tokens/{token_id}/ide/jetbrains"), 404, "not_found")
    app.extensions["pat"].ide_format(
        IdeFormat(id="zed", label="Zed", filename="z", mimetype="text/plain", render=lambda c: "")
    )
    ids = [f["id"] for f in api.get("/meta").get_json()["ide_formats"]]
    assert ids == ["vscode", "zed"]


@WITH_BOTH
@pytest.mark.parametrize(("value", "attachment"), [("true", True), ("false", False), ("", False)])
def test_download_takes_a_boolean(api: ApiClient, value: str, attachment: bool) -> None:
    token_id = api.create("x")["token"]["id"]
    query = {"integration": "uid-gpt", "download": value}
    response = api.get(f"/tokens/{token_id}/ide/vscode", query_string=query)
    assert response.status_code == 200
    assert ("Content-Disposition" in response.headers) is attachment


@pytest.mark.parametrize(
    "app_config",
    [{"PAT_INTEGRATIONS": [{"uid": "u\x01", "name": "bell\x07 <&>", "model": "m\x1f"}]}],
)
def test_characters_xml_cannot_hold_are_left_out(api: ApiClient) -> None:
    token_id = api.create("x")["token"]["id"]
    response = api.get(f"/tokens/{token_id}/ide/jetbrains", query_string={"integration": "u\x01"})
    assert response.status_code == 200
    options = {
        o.get("name"): o.get("value") for o in ET.fromstring(response.get_data()).iter("option")
    }
    assert options["integrationName"] == "bell <&>"
    assert options["integrationUid"] == "u"
    assert options["llmCustomModelName"] == "m"


@pytest.mark.parametrize(
    "app_config",
    [{"PAT_INTEGRATIONS": [{"uid": "u1", "name": "half \udc00 pair", "model": "m\udfff"}]}],
)
@pytest.mark.parametrize("fmt", ["jetbrains", "vscode"])
def test_a_lone_surrogate_in_an_integration_is_replaced_not_a_500(api: ApiClient, fmt: str) -> None:
    token_id = api.create("x")["token"]["id"]
    response = api.get(f"/tokens/{token_id}/ide/{fmt}", query_string={"integration": "u1"})
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.get_data().decode("utf-8")
    assert "m\ufffd" in text
    assert fmt == "vscode" or "half \ufffd pair" in text


@WITH_BOTH
@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ("zed.toml", 'attachment; filename="zed.toml"'),
        (
            'a"b\r\nSet-Cookie: x=1.toml',
            "attachment; filename=\"a_b__Set-Cookie_ x_1.toml\"; filename*=UTF-8''"
            "a%22b%0D%0ASet-Cookie%3A%20x%3D1.toml",
        ),
        (
            "réglages ünd 設定.json",
            "attachment; filename=\"reglages und .json\"; filename*=UTF-8''"
            "r%C3%A9glages%20%C3%BCnd%20%E8%A8%AD%E5%AE%9A.json",
        ),
        (
            "../../.bashrc",
            "attachment; filename=\"_.._.bashrc\"; filename*=UTF-8''..%2F..%2F.bashrc",
        ),
        ("\ud800.txt", "attachment; filename=\"txt\"; filename*=UTF-8''%EF%BF%BD.txt"),
    ],
    ids=["plain", "quote-and-newline", "unicode", "path", "surrogate"],
)
def test_a_host_formats_filename_is_escaped(
    app: Flask, api: ApiClient, filename: str, header: str
) -> None:
    app.extensions["pat"].ide_format(
        IdeFormat(id="h", label="H", filename=filename, mimetype="text/plain", render=lambda c: "")
    )
    token_id = api.create("x")["token"]["id"]
    response = api.get(
        f"/tokens/{token_id}/ide/h", query_string={"integration": "uid-gpt", "download": "1"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == header
    assert "Set-Cookie" not in response.headers

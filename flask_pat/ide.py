"""IDE settings files: VSCode ``settings.json`` and JetBrains ``alita.xml``, and more formats
registered by the host."""

from __future__ import annotations

import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import current_app

# Characters XML 1.0 cannot hold, even escaped.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Halves of a surrogate pair on their own: no UTF-8 can hold them.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# What may stand in a quoted filename without escaping, on every browser.
_PLAIN_FILENAME = re.compile(r"[^A-Za-z0-9._ ()+-]")


@dataclass(frozen=True)
class IdeFormat:
    """A settings file offered for download.

    ``render(ctx)`` returns the file's text; ``ctx`` has ``server_url``, ``integration``
    (dict or None), ``project`` (dict or None), ``project_id``, ``token`` (masked as
    ``...`` + last four), ``token_record`` and ``user``.
    """

    id: str
    label: str
    filename: str
    mimetype: str
    render: Callable[[dict[str, Any]], str]


def render_vscode(ctx: dict[str, Any]) -> str:
    """``settings.json`` for the Alita Code / Elitea Code VSCode extensions."""
    integration = ctx["integration"] or {}
    model = integration.get("model", "")
    uid = integration.get("uid", "")
    url, token, project_id = ctx["server_url"], ctx["token"], ctx["project_id"]
    settings = {
        "alitacode.providerServerURL": url,
        "alitacode.LLMServerUrl": url,
        "alitacode.modelName": model,
        "alitacode.LLMModelName": model,
        "alitacode.authToken": token,
        "alitacode.LLMAuthToken": token,
        "alitacode.projectId": project_id,
        "alitacode.integrationUid": uid,
        "alitacode.defaultViewMode": "split",
        "alitacode.verifySsl": True,
        "eliteacode.LLMServerUrl": url,
        "eliteacode.LLMModelName": model,
        "eliteacode.LLMAuthToken": token,
        "eliteacode.projectId": project_id,
        "eliteacode.integrationUid": uid,
        "eliteacode.displayType": "split",
        "eliteacode.verifySsl": True,
        "eliteacode.debug": False,
    }
    return json.dumps(settings, indent=2, ensure_ascii=False) + "\n"


def render_jetbrains(ctx: dict[str, Any]) -> str:
    """``alita.xml`` holding the ``AlitaSettings`` component for JetBrains IDEs."""
    integration = ctx["integration"] or {}
    project_id = ctx["project_id"]
    options = {
        "displayType": "SPLIT",
        "integrationName": str(integration.get("name", "")),
        "integrationUid": str(integration.get("uid", "")),
        "llmAuthToken": ctx["token"],
        "llmCustomModelEnabled": "true",
        "llmCustomModelName": str(integration.get("model", "")),
        "llmServerUrl": ctx["server_url"],
        "projectId": "" if project_id is None else str(project_id),
        "provider": "ALITA_EYE",
    }
    root = ET.Element("project", version="4")
    component = ET.SubElement(root, "component", name="AlitaSettings")
    for name, value in options.items():
        ET.SubElement(component, "option", name=name, value=_XML_INVALID.sub("", value))
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def encodable(text: str) -> str:
    """``text`` with lone surrogates (from a host's data) replaced, so it encodes as UTF-8."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def content_disposition(filename: str) -> str:
    """``attachment`` with ``filename`` (RFC 6266): a plain ASCII fallback, and the exact
    name percent-encoded as ``filename*`` (RFC 5987) where it is not plain."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    plain = _PLAIN_FILENAME.sub("_", plain).strip(" .") or "settings"
    header = f'attachment; filename="{plain}"'
    if plain != filename:
        exact = quote(encodable(filename).encode("utf-8"), safe="")
        header += f"; filename*=UTF-8''{exact}"
    return header


BUILTIN_FORMATS = {
    "vscode": IdeFormat("vscode", "VSCode", "settings.json", "application/json", render_vscode),
    "jetbrains": IdeFormat(
        "jetbrains", "JetBrains", "alita.xml", "application/xml", render_jetbrains
    ),
}


def offered_formats() -> dict[str, IdeFormat]:
    """The formats offered on the current app: those ``PAT_IDE_FORMATS`` picks among the
    built-in ones, then those registered with ``pat.ide_format``."""
    chosen = current_app.config["PAT_IDE_FORMATS"]
    formats = {key: BUILTIN_FORMATS[key] for key in chosen}
    formats.update(current_app.extensions["pat"].extra_ide_formats)
    return formats

"""IDE settings files: VSCode ``settings.json`` and JetBrains ``alita.xml``, and more formats
registered by the host."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Characters XML 1.0 cannot hold, even escaped.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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


BUILTIN_FORMATS = {
    "vscode": IdeFormat("vscode", "VSCode", "settings.json", "application/json", render_vscode),
    "jetbrains": IdeFormat(
        "jetbrains", "JetBrains", "alita.xml", "application/xml", render_jetbrains
    ),
}

"""The OpenAPI paths of the leak routes: GitHub's reports and revocation by value."""

from __future__ import annotations

from typing import Any

from apispec import APISpec

from ...leaks.github import KEY_ID_HEADER, SIGNATURE_HEADER
from ...leaks.revoke import MAX_CREDENTIALS
from .common import error


def add_paths(spec: APISpec, base: str) -> None:
    """Add the leak routes to the OpenAPI document ``spec`` of the API at ``base``."""
    public: dict[str, Any] = {"security": []}
    spec.path(
        f"{base}/leaks/github",
        operations={
            "post": {
                **public,
                "summary": "GitHub secret scanning report: revoke the tokens it names",
                "description": (
                    "Signed by GitHub: the base64 ECDSA P-256 SHA-256 signature of the raw"
                    " body, with the key named by Github-Public-Key-Identifier. Answers 404"
                    " where PAT_SECRET_SCANNING_KEYS_URL is not set."
                ),
                "parameters": [
                    {
                        "name": KEY_ID_HEADER,
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {
                        "name": SIGNATURE_HEADER,
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _REPORT}},
                },
                "responses": {
                    "200": {
                        "description": "One entry per reported token",
                        "content": {"application/json": {"schema": _FEEDBACK}},
                    },
                    "400": error("Missing or wrong signature (bad_signature), or not JSON"),
                    "404": error("Secret scanning is not configured"),
                    "413": error("The body is over 1 MiB"),
                    "422": error("Not a list of reported tokens"),
                    "503": error("The signing keys or the database are unavailable"),
                },
            }
        },
    )
    spec.path(
        f"{base}/credentials/revoke",
        operations={
            "post": {
                **public,
                "summary": "Revoke leaked tokens by their text",
                "description": (
                    "Each text that is a live token of this app is revoked (reason leaked)."
                    " The answer is the same whether any was."
                ),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _CREDENTIALS}},
                },
                "responses": {
                    "202": {
                        "description": "Accepted",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "400": error("Not a JSON body"),
                    "413": error("The body is over 64 KiB"),
                    "422": error("Not 1 to 1000 strings"),
                },
            }
        },
    )


_REPORT = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["token", "type"],
        "properties": {
            "token": {"type": "string"},
            "type": {"type": "string"},
            "url": {"type": "string"},
            "source": {"type": "string"},
        },
    },
}
_FEEDBACK = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["token_hash", "token_type", "label"],
        "properties": {
            "token_hash": {"type": "string", "description": "SHA-256 hex of the token"},
            "token_type": {"type": "string"},
            "label": {"type": "string", "enum": ["true_positive", "false_positive"]},
        },
    },
}
_CREDENTIALS = {
    "type": "object",
    "required": ["credentials"],
    "additionalProperties": False,
    "properties": {
        "credentials": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_CREDENTIALS,
            "items": {"type": "string"},
        }
    },
}

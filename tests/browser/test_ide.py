"""IDE settings: the preview panel, downloads from the table, and downloads from the
Token Successfully Generated dialog, which alone carry the full token."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .helpers import LiveApp, open_tokens_page, row

pytestmark = pytest.mark.browser

DOWNLOADS = ("Download VSCode settings", "Download JetBrains settings")


def download(page: Any, button: Any) -> tuple[str, str]:
    with page.expect_download() as info:
        button.click()
    saved = info.value
    return saved.suggested_filename, Path(saved.path()).read_text(encoding="utf-8")


def test_preview_switch_copy_and_download(page: Any, live: LiveApp) -> None:
    _, secret = live.add_token("ide", project_id=1)
    open_tokens_page(page)
    page.get_by_label("Integration", exact=True).select_option(label="GPT-5 mini")

    opener = row(page, "ide").get_by_role("button", name="Preview settings")
    opener.click()
    panel = page.get_by_role("dialog", name="Settings preview")
    expect(panel).to_be_visible()
    ide = panel.get_by_label("IDE")
    expect(ide.locator("option")).to_have_text(["VSCode", "JetBrains"])
    code = panel.locator("pre")
    expect(code).to_contain_text('"alitacode.authToken": "...' + secret[-4:] + '"')
    settings = json.loads(code.inner_text())
    assert settings["alitacode.modelName"] == "gpt-5-mini"
    assert settings["alitacode.integrationUid"] == "gpt-5-mini"
    assert settings["alitacode.projectId"] == 1
    assert settings["alitacode.providerServerURL"] == live.url
    assert secret not in code.inner_text()

    filename, text = download(page, panel.get_by_role("button", name="Download"))
    assert filename == "settings.json"
    assert json.loads(text) == settings

    ide.select_option(label="JetBrains")
    expect(code).to_contain_text('name="AlitaSettings"')
    expect(code).to_contain_text(f"...{secret[-4:]}")
    xml = code.inner_text()
    filename, text = download(page, panel.get_by_role("button", name="Download"))
    assert filename == "alita.xml"
    assert text == xml

    panel.get_by_role("button", name="Copy").click()
    expect(panel.get_by_text("Copied to the clipboard.", exact=True)).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == xml

    panel.get_by_role("button", name="Close").click()
    expect(panel).to_be_hidden()
    expect(opener).to_be_focused()

    opener.click()
    expect(panel).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(opener).to_be_focused()


def test_preview_without_integration_says_what_to_do(page: Any, live: LiveApp) -> None:
    live.add_token("ide")
    open_tokens_page(page)
    opener = row(page, "ide").get_by_role("button", name="Preview settings")
    opener.click()
    panel = page.get_by_role("dialog", name="Settings preview")
    # No empty preview: it says how to choose an integration, and takes you there.
    expect(panel).to_contain_text("Choose one in the Integration list")
    expect(panel.locator("pre")).to_be_hidden()
    expect(panel.get_by_role("button", name="Download")).to_be_hidden()
    panel.get_by_role("button", name="Choose an integration").click()
    expect(panel).to_be_hidden()
    integration = page.get_by_label("Integration", exact=True)
    expect(integration).to_be_focused()
    integration.select_option(label="GPT-5 mini")
    opener.click()
    expect(panel.locator("pre")).to_contain_text("gpt-5-mini")


def test_row_downloads(page: Any, live: LiveApp) -> None:
    _, secret = live.add_token("ide")
    open_tokens_page(page)
    page.get_by_label("Integration", exact=True).select_option(label="Claude Sonnet")

    filename, text = download(page, row(page, "ide").get_by_role("button", name=DOWNLOADS[0]))
    assert filename == "settings.json"
    settings = json.loads(text)
    assert settings["alitacode.authToken"] == f"...{secret[-4:]}"
    assert settings["alitacode.modelName"] == "claude-sonnet"

    filename, text = download(page, row(page, "ide").get_by_role("button", name=DOWNLOADS[1]))
    assert filename == "alita.xml"
    assert f'"...{secret[-4:]}"' in text
    assert "claude-sonnet" in text


def test_download_buttons_only_with_an_integration_and_a_private_project(
    page: Any, live: LiveApp
) -> None:
    live.add_token("private", project_id=1)
    live.add_token("public", project_id=2)
    live.add_token("unbound")
    open_tokens_page(page)
    buttons = page.locator("tbody").get_by_role("button", name="Download", exact=False)

    # No integration chosen: no downloads, and a hint says why.
    expect(buttons).to_have_count(0)
    expect(page.get_by_text("Choose an Integration to download IDE settings")).to_be_visible()
    expect(page.locator("tbody").get_by_role("button", name="Preview settings")).to_have_count(3)

    integration = page.get_by_label("Integration", exact=True)
    expect(integration.locator("option").first).to_have_text("None")
    integration.select_option(label="GPT-5 mini")
    for name in ("private", "unbound"):
        for label in DOWNLOADS:
            expect(row(page, name).get_by_role("button", name=label)).to_be_visible()
    # A token bound to the public project offers none.
    expect(row(page, "public").get_by_role("button", name="Download", exact=False)).to_have_count(0)

    page.get_by_label("Project", exact=True).select_option(label="Public")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(buttons).to_have_count(0)
    expect(page.get_by_text("not offered for public projects")).to_be_visible()

    page.get_by_label("Project", exact=True).select_option(label="My project")
    expect(row(page, "private").get_by_role("button", name=DOWNLOADS[0])).to_be_visible()

    integration.select_option(label="None")
    expect(buttons).to_have_count(0)


def test_generated_dialog_downloads_carry_the_full_token(signed_in: Any) -> None:
    page = signed_in
    page.get_by_label("Integration", exact=True).select_option(label="GPT-5 mini")
    page.get_by_label("Project", exact=True).select_option(label="My project")
    page.get_by_role("button", name="New token").click()
    form = page.get_by_role("dialog", name="New token")
    form.get_by_label("Name", exact=True).fill("vscode")
    form.get_by_role("button", name="Generate").click()

    dialog = page.get_by_role("dialog", name="Token Successfully Generated")
    secret = dialog.get_by_label("Token secret").input_value()

    filename, text = download(page, dialog.get_by_role("button", name=DOWNLOADS[0]))
    assert filename == "settings.json"
    settings = json.loads(text)
    assert settings["alitacode.authToken"] == secret
    assert settings["alitacode.LLMAuthToken"] == secret
    assert settings["eliteacode.LLMAuthToken"] == secret
    assert settings["alitacode.projectId"] == 1
    assert f"...{secret[-4:]}" not in text

    filename, text = download(page, dialog.get_by_role("button", name=DOWNLOADS[1]))
    assert filename == "alita.xml"
    assert f'<option name="llmAuthToken" value="{secret}"' in text
    assert f"...{secret[-4:]}" not in text


def test_generated_dialog_without_integration_explains(signed_in: Any) -> None:
    page = signed_in
    page.get_by_role("button", name="New token").click()
    form = page.get_by_role("dialog", name="New token")
    form.get_by_label("Name", exact=True).fill("plain")
    form.get_by_role("button", name="Generate").click()
    dialog = page.get_by_role("dialog", name="Token Successfully Generated")
    expect(dialog.get_by_role("button", name="Download", exact=False)).to_have_count(0)
    expect(dialog).to_contain_text("Choose the integration for these settings")
    # The choice it asks for is offered right there, and brings the downloads.
    dialog.get_by_label("Integration for these settings").select_option(label="GPT-5 mini")
    expect(dialog.get_by_role("button", name="Download VSCode settings")).to_be_visible()
    expect(page.get_by_label("Integration", exact=True)).to_have_value(
        page.get_by_label("Integration", exact=True).locator("option").nth(1).get_attribute("value")
        or ""
    )


@pytest.mark.live_config(PAT_INTEGRATIONS=[], PAT_PROJECTS=None, PAT_SCOPES={})
def test_host_without_integrations_projects_or_scopes(page: Any, live: LiveApp) -> None:
    _, secret = live.add_token("simple")
    open_tokens_page(page)
    expect(page.get_by_label("Integration", exact=True)).to_be_hidden()
    expect(page.get_by_label("Project", exact=True)).to_be_hidden()
    filename, text = download(page, row(page, "simple").get_by_role("button", name=DOWNLOADS[0]))
    assert json.loads(text)["alitacode.authToken"] == f"...{secret[-4:]}"

    page.get_by_role("button", name="New token").click()
    form = page.get_by_role("dialog", name="New token")
    expect(form.get_by_role("group", name="Scopes")).to_be_hidden()
    expect(form.get_by_label("Token project")).to_be_hidden()

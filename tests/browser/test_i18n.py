"""The page in the host's language: the example app with Flask-Babel choosing the locale
from Accept-Language (Chromium's own language here), and without Flask-Babel, English.

With ``PAT_SCREENSHOTS=1`` the Spanish and German pages are written to ``docs/img/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask_babel import Babel
from playwright.sync_api import expect

from .conftest import REPORT_CSP_VIOLATIONS, PageProblems
from .helpers import LiveApp, open_tokens_page, row, serve_example_app, shown

pytestmark = pytest.mark.browser

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


#: The texts of table cells and headers that run past their cell's right edge.
OVERFLOWING = """() => [
  ...document.querySelectorAll(".pat-table :is(td, th) *:not(.pat-tip, .pat-tip *)"),
]
  .filter((e) => {
    const cell = e.closest("td, th").getBoundingClientRect();
    return e.getBoundingClientRect().right > cell.right + 1;
  })
  .map((e) => `${e.closest("td, th").className}: ${e.textContent.trim()}`)"""


def _with_babel(app: Flask) -> None:
    def select_locale() -> str | None:
        return request.accept_languages.best_match(["en", "de", "es", "fr"])

    Babel(app, locale_selector=select_locale)


@pytest.fixture(scope="module")
def babel_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The example app with Flask-Babel, served on 127.0.0.1."""
    db_path = tmp_path_factory.mktemp("babel") / "browser.db"
    with serve_example_app(
        db_path, setup=_with_babel, PAT_SERVER_URL="https://notes.example.com"
    ) as live:
        yield live


def _seed(live: LiveApp) -> None:
    live.delete_all_tokens()
    now = live.now()
    live.add_token("Leaked in a chat", revoked=True, created_at=now - timedelta(days=20))
    live.add_token("JetBrains workstation", "never", None, project_id=1)
    live.add_token(
        "CI deploy",
        scopes=["notes:read"],
        created_at=now - timedelta(days=3),
        last_used_at=now - timedelta(minutes=3),
    )
    live.add_token("VSCode on my laptop", "days", 90, project_id=1)
    live.add_token("Nightly backup", "days", 3)


def _open(
    browser: Any, live: LiveApp, state: dict[str, Any], locale: str
) -> tuple[Any, Any, PageProblems]:
    context = browser.new_context(
        base_url=live.url,
        storage_state=state,
        viewport={"width": 1200, "height": 640},
        device_scale_factor=1,
        locale=locale,
        color_scheme="light",
        reduced_motion="reduce",
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.set_default_timeout(10_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    problems = PageProblems()
    problems.watch(page)
    open_tokens_page(page)
    return context, page, problems


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    if os.environ.get("PAT_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        return DOCS_IMG
    return tmp_path


def test_the_page_in_spanish(
    browser: Any, babel_live: LiveApp, signed_in_state: dict[str, Any], shots: Path
) -> None:
    _seed(babel_live)
    context, page, problems = _open(browser, babel_live, signed_in_state, "es-ES")
    try:
        expect(page.locator("[data-pat=root]")).to_have_attribute("lang", "es")
        expect(page.get_by_role("searchbox", name="Buscar tokens")).to_have_attribute(
            "placeholder", "Buscar tokens..."
        )
        for header in ("Nombre del token", "Caducidad", "Último uso", "Estado", "Acciones"):
            expect(page.get_by_role("columnheader", name=header)).to_have_count(1)
        status = page.get_by_label("Estado", exact=True)
        expect(status.locator("option")).to_have_text(
            ["Todos", "Activo", "Caduca pronto", "Caducado", "Revocado"]
        )
        expect(page.get_by_label("Filas por página")).to_be_visible()

        # Dates and relative times from Intl, in Spanish.
        expect(shown(page, "VSCode on my laptop", "expiration")).to_have_text("dentro de 90 días")
        expect(shown(page, "CI deploy", "used")).to_have_text("hace 3 minutos")
        expect(shown(page, "JetBrains workstation", "expiration")).to_have_text("Nunca")
        expect(shown(page, "Leaked in a chat", "status")).to_have_text("Revocado")
        expect(shown(page, "CI deploy", "status")).to_have_text("Activo")
        expect(shown(page, "Nightly backup", "status")).to_have_text("Caduca pronto")
        created = shown(page, "Leaked in a chat", "created")
        expected = page.evaluate(
            """(iso) => new Intl.DateTimeFormat("es", {year: "numeric", month: "short",
                day: "numeric"}).format(new Date(iso))""",
            created.get_attribute("datetime"),
        )
        expect(created).to_have_text(expected)
        # Longer words than English stay inside their cells.
        assert page.evaluate(OVERFLOWING) == []
        page.mouse.move(0, 0)
        page.screenshot(path=str(shots / "tokens-es.png"), animations="disabled")

        # The New token form, and an error of the API next to its field.
        page.get_by_role("button", name="Nuevo token").click()
        form = page.get_by_role("dialog", name="Nuevo token")
        expect(form.get_by_label("Periodo de caducidad").locator("option")).to_have_text(
            ["Nunca", "Días", "Semanas", "Horas", "Minutos"]
        )
        form.get_by_label("Nombre", exact=True).fill("CI deploy")
        expect(form.get_by_label("Cantidad", exact=True)).to_be_visible()
        form.get_by_role("button", name="Generar").click()
        expect(form).to_contain_text("Ya tienes otro token con este nombre.")
        form.get_by_label("Nombre", exact=True).fill("Notes sync")
        form.get_by_role("button", name="Generar").click()
        generated = page.get_by_role("dialog", name="Token generado correctamente")
        expect(generated.get_by_label("Secreto del token")).to_be_visible()
        expect(generated).to_contain_text("solo se muestra una vez")
        generated.get_by_role("button", name="Copiar token").click()
        expect(generated.get_by_text("Copiado al portapapeles.", exact=True)).to_be_visible()
        generated.get_by_role("button", name="Cerrar token generado").click()
        expect(page.locator('[data-pat="toast"]')).to_contain_text("Token «Notes sync» creado.")

        # Revoke, rotate and delete ask first, in Spanish.
        row(page, "CI deploy").get_by_role("button", name="Revocar CI deploy").click()
        revoke = page.get_by_role("dialog", name="¿Revocar el token?")
        expect(revoke).to_contain_text("deja de funcionar al momento")
        revoke.get_by_role("button", name="Cancelar revocación").click()

        row(page, "CI deploy").get_by_role("button", name="Rotar CI deploy").click()
        rotate = page.get_by_role("dialog", name="¿Rotar el token?")
        expect(rotate).to_contain_text("recibe un secreto nuevo")
        rotate.get_by_role("button", name="Cancelar rotación").click()

        row(page, "CI deploy").get_by_role("button", name="Eliminar CI deploy").click()
        delete = page.get_by_role("dialog", name="¿Eliminar el token?")
        expect(delete.get_by_label("Confirmación")).to_be_visible()
        expect(delete.get_by_role("button", name="Eliminar", exact=True)).to_be_disabled()
        delete.get_by_role("button", name="Cancelar eliminación").click()

        # The settings preview and the history.
        page.get_by_label("Integración", exact=True).select_option(index=1)
        row(page, "VSCode on my laptop").get_by_role(
            "button", name="Vista previa de los ajustes de VSCode on my laptop"
        ).click()
        preview = page.get_by_role("dialog", name="Vista previa de los ajustes")
        expect(preview.get_by_label("IDE", exact=True)).to_be_visible()
        expect(preview.get_by_role("button", name="Descargar", exact=True)).to_be_visible()
        preview.get_by_role("button", name="Cerrar vista previa de los ajustes").first.click()

        row(page, "CI deploy").get_by_role("button", name="Historial de CI deploy").click()
        history = page.get_by_role("dialog", name="Historial del token")
        expect(history.get_by_role("cell", name="Creado", exact=True)).to_be_visible()
        expect(history.get_by_role("cell", name="Propietario", exact=True)).to_be_visible()
        history.get_by_role("button", name="Cerrar historial").click()

        # The revoke goes through, and says so in Spanish.
        row(page, "CI deploy").get_by_role("button", name="Revocar CI deploy").click()
        page.get_by_role("dialog", name="¿Revocar el token?").get_by_role(
            "button", name="Revocar", exact=True
        ).click()
        expect(shown(page, "CI deploy", "status")).to_have_text("Revocado")
        expect(page.locator('[data-pat="toast"]')).to_contain_text("ya no funciona")
        problems.check()
    finally:
        context.close()


@pytest.mark.parametrize(
    ("locale", "lang", "placeholder", "new", "never"),
    [
        ("de-DE", "de", "Tokens suchen...", "Neues Token", "Nie"),
        ("fr-FR", "fr", "Rechercher des jetons...", "Nouveau jeton", "Jamais"),
        ("en-US", "en", "Search tokens...", "New token", "Never"),
    ],
)
def test_the_page_in_other_languages(
    browser: Any,
    babel_live: LiveApp,
    signed_in_state: dict[str, Any],
    shots: Path,
    locale: str,
    lang: str,
    placeholder: str,
    new: str,
    never: str,
) -> None:
    _seed(babel_live)
    context, page, problems = _open(browser, babel_live, signed_in_state, locale)
    try:
        expect(page.locator("[data-pat=root]")).to_have_attribute("lang", lang)
        expect(page.get_by_role("searchbox")).to_have_attribute("placeholder", placeholder)
        expect(page.get_by_role("button", name=new)).to_be_enabled()
        expect(shown(page, "JetBrains workstation", "expiration")).to_have_text(never)
        assert page.evaluate(OVERFLOWING) == []
        if lang == "de":
            expect(shown(page, "VSCode on my laptop", "expiration")).to_have_text("in 90 Tagen")
            page.mouse.move(0, 0)
            page.screenshot(path=str(shots / "tokens-de.png"), animations="disabled")
        problems.check()
    finally:
        context.close()


def test_without_flask_babel_the_page_is_english(
    browser: Any, live: LiveApp, signed_in_state: dict[str, Any]
) -> None:
    live.add_token("CI deploy", "days", 30)
    context, page, problems = _open(browser, live, signed_in_state, "es-ES")
    try:
        expect(page.locator("[data-pat=root]")).to_have_attribute("lang", "en")
        expect(page.get_by_role("searchbox")).to_have_attribute("placeholder", "Search tokens...")
        expect(shown(page, "CI deploy", "expiration")).to_have_text("in 30 days")
        expect(page.get_by_role("button", name="Revoke CI deploy")).to_be_visible()
        problems.check()
    finally:
        context.close()

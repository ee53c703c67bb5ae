"""Languages: the catalogues are complete and in step with the code, and a Flask-Babel host
gets the API, the CLI and the page's catalogue in its locale; a host without it, English."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from click.testing import Result
from flask import Flask, request
from flask_babel import Babel

from flask_pat import i18n

from .conftest import bearer, sign_in

try:
    from babel.messages.frontend import parse_mapping_cfg
except ImportError:  # Babel before 2.14
    from babel.messages.frontend import parse_mapping as parse_mapping_cfg

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "flask_pat" / "translations"
LANGUAGES = ("de", "es", "fr")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def _po(lang: str) -> Catalog:
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "flask_pat.po", "rb") as f:
        return read_po(f, locale=lang)


def _code_messages() -> set[str | tuple[str, ...]]:
    """The messages of the code, extracted as ``make translations`` does."""
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "flask_pat", method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def _id(message: Any) -> str | tuple[str, ...]:
    return message.id if isinstance(message.id, str) else tuple(message.id)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_has_every_message_of_the_code_and_no_other(lang: str) -> None:
    catalog = _po(lang)
    in_catalog = {_id(m) for m in catalog if m.id}
    in_code = _code_messages()
    assert sorted(map(str, in_code - in_catalog)) == [], "run make translations and translate"
    assert sorted(map(str, in_catalog - in_code)) == [], "run make translations"
    assert not catalog.obsolete


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_is_complete_with_the_same_placeholders(lang: str) -> None:
    catalog = _po(lang)
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert len(strings) == (1 if isinstance(message.id, str) else catalog.num_plurals)
        for text in strings:
            assert text, f"untranslated in {lang}: {message.id!r}"
            for source in ids:
                assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), (
                    lang,
                    message.id,
                    text,
                )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_compiles_and_the_shipped_mo_is_up_to_date(lang: str) -> None:
    catalog = _po(lang)
    errors = [(m.id, e) for m, e in catalog.check()]
    assert errors == []
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    fresh = {_id(m): m.string for m in read_mo(compiled) if m.id}
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "flask_pat.mo", "rb") as f:
        shipped = {_id(m): m.string for m in read_mo(f) if m.id}
    assert shipped == fresh, "run make translations"


# -- a host app with Flask-Babel ------------------------------------------------------


def _babel(app: Flask, *, default: str = "en") -> None:
    """Flask-Babel with a locale selector from Accept-Language, as hosts write it."""
    app.config["BABEL_DEFAULT_LOCALE"] = default

    def select() -> str | None:
        return request.accept_languages.best_match(["en", "de", "es", "fr", "it"])

    Babel(app, locale_selector=select)


@pytest.fixture
def babel_app(host_app: Callable[..., Any]) -> tuple[Flask, Any, Any, Any]:
    app, db, pat, User = host_app()
    _babel(app)
    return app, db, pat, User


def _user(app: Flask, db: Any, User: Any) -> Any:
    with app.app_context():
        user = User(email="ana@example.com")
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


def _create(app: Flask, client: Any, body: Any, lang: str) -> Any:
    prefix = app.config["PAT_URL_PREFIX"]
    csrf = client.get(f"{prefix}/api/meta").get_json()["csrf_token"]
    return client.post(
        f"{prefix}/api/tokens",
        json=body,
        headers={"X-CSRF-Token": csrf, "Accept-Language": lang},
    )


def test_api_422_in_spanish_keeps_its_code(babel_app: tuple[Flask, Any, Any, Any]) -> None:
    app, db, _pat, User = babel_app
    client = sign_in(app, _user(app, db, User))
    response = _create(app, client, {"name": "  "}, "es-ES,es;q=0.9")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == "Escribe un nombre para el token."
    assert error["fields"] == {"name": ["Escribe un nombre para el token."]}


@pytest.mark.parametrize(
    ("lang", "message", "field"),
    [
        ("de", "Prüfen Sie die markierten Felder.", "Unbekanntes Feld."),
        ("fr", "Vérifiez les champs signalés.", "Champ inconnu."),
        ("en", "Check the highlighted fields.", "Unknown field."),
    ],
)
def test_schema_errors_in_the_locale(
    babel_app: tuple[Flask, Any, Any, Any], lang: str, message: str, field: str
) -> None:
    app, db, _pat, User = babel_app
    client = sign_in(app, _user(app, db, User))
    response = _create(app, client, {"name": "ci", "colour": "red"}, lang)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["message"], error["fields"]) == (
        "invalid",
        message,
        {"colour": [field]},
    )


def test_plural_messages_in_the_locale(host_app: Callable[..., Any]) -> None:
    from datetime import timedelta

    app, db, _pat, User = host_app(PAT_MAX_LIFETIME=timedelta(days=14))
    _babel(app)
    client = sign_in(app, _user(app, db, User))
    response = _create(
        app, client, {"name": "ci", "expiration": {"unit": "days", "value": 30}}, "es"
    )
    assert response.get_json()["error"]["fields"]["expiration"] == [
        "Elige una duración de como máximo 2 semanas."
    ]


def test_unauthorized_message_translated_header_stays_english(
    babel_app: tuple[Flask, Any, Any, Any],
) -> None:
    app, _db, _pat, _User = babel_app
    response = app.test_client().get(
        "/notes", headers={**bearer("pat_nonsense"), "Accept-Language": "fr"}
    )
    assert response.status_code == 401
    assert response.get_json()["error"]["message"].startswith("Le jeton est mal formé")
    challenge = response.headers["WWW-Authenticate"]
    assert "The token is malformed" in challenge
    challenge.encode("ascii")


def test_cli_error_in_the_default_locale_outside_a_request(host_app: Callable[..., Any]) -> None:
    app, _db, _pat, _User = host_app()
    # The selector reads the request; a command has none, so BABEL_DEFAULT_LOCALE decides.
    _babel(app, default="es")
    result = _cli(app, "revoke", "999")
    assert result.exit_code == 2
    assert "No hay ningún token con el id '999'" in result.output


def test_cli_follows_a_selector_that_works_without_a_request(
    host_app: Callable[..., Any],
) -> None:
    app, _db, _pat, _User = host_app()
    Babel(app, locale_selector=lambda: "de")
    result = _cli(app, "create", "--user", "1", "--name", "x", "--expires", "soon")
    assert result.exit_code == 2
    assert "'soon' ist keine Dauer" in result.output


def _cli(app: Flask, *args: str) -> Result:
    with app.app_context():
        return app.test_cli_runner().invoke(args=["pat", *args])


# -- a host app without Flask-Babel ---------------------------------------------------


def test_without_flask_babel_everything_is_english(host_app: Callable[..., Any]) -> None:
    app, db, _pat, User = host_app(BABEL_DEFAULT_LOCALE="es")
    assert "babel" not in app.extensions
    client = sign_in(app, _user(app, db, User))
    error = _create(app, client, {"name": ""}, "es").get_json()["error"]
    assert (error["code"], error["message"]) == ("invalid", "Enter a name for the token.")
    assert "No token with id '999'" in _cli(app, "revoke", "999").output
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert i18n.js_catalog() == {"locale": "en", "plural_forms": 2, "messages": {}}
        assert i18n.locale() == "en"


# -- the page's catalogue -------------------------------------------------------------


def test_js_catalog_holds_the_scripts_messages_in_the_locale(
    babel_app: tuple[Flask, Any, Any, Any],
) -> None:
    app, _db, _pat, _User = babel_app
    spanish = {_id(m): m.string for m in _po("es") if m.id}
    with app.test_request_context(headers={"Accept-Language": "es"}):
        catalog = i18n.js_catalog()
    assert catalog["locale"] == "es"
    assert catalog["plural_forms"] == _po("es").num_plurals
    scripts = i18n._script_messages()
    expected = {}
    for singular, plural in scripts:
        if plural is None:
            expected[singular] = spanish[singular]
        else:
            expected[singular] = list(spanish[(singular, plural)])
    assert catalog["messages"] == expected
    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert i18n.js_catalog()["locale"] == "en"


def test_lazy_gettext_follows_the_locale_of_each_use(
    babel_app: tuple[Flask, Any, Any, Any],
) -> None:
    app, _db, _pat, _User = babel_app
    text = i18n.lazy_gettext("Unknown field.")
    for lang, expected in (
        ("de", "Unbekanntes Feld."),
        ("fr", "Champ inconnu."),
        ("en", "Unknown field."),
    ):
        with app.test_request_context(headers={"Accept-Language": lang}):
            assert str(text) == expected
            assert text == expected
            assert f"{text}!" == f"{expected}!"


# -- a host's own catalogues ----------------------------------------------------------


def _host_catalogue(directory: Path, lang: str, messages: dict[str, str]) -> None:
    catalog = Catalog(locale=lang, domain="flask_pat")
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr)
    folder = directory / lang / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "flask_pat.mo", "wb") as f:
        write_mo(f, catalog)


@pytest.fixture
def host_translations(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "translations"
    _host_catalogue(directory, "it", {"Enter a name for the token.": "Dai un nome al token."})
    _host_catalogue(directory, "es", {"Enter a name for the token.": "Ponle un nombre a tu token."})
    yield directory


def test_a_host_adds_a_language_and_rewords_a_message(
    host_app: Callable[..., Any], host_translations: Path
) -> None:
    app, db, _pat, User = host_app(BABEL_TRANSLATION_DIRECTORIES=str(host_translations))
    _babel(app)
    client = sign_in(app, _user(app, db, User))
    italian = _create(app, client, {"name": ""}, "it").get_json()["error"]
    assert italian["message"] == "Dai un nome al token."
    spanish = _create(app, client, {"name": ""}, "es").get_json()["error"]
    assert spanish["message"] == "Ponle un nombre a tu token."
    # The rest of flask-pat's Spanish catalogue still applies.
    unknown = _create(app, client, {"name": "x", "colour": 1}, "es").get_json()["error"]
    assert unknown["fields"] == {"colour": ["Campo desconocido."]}


def test_messages_flask_pat_lacks_come_from_the_hosts_catalogue(
    host_app: Callable[..., Any], tmp_path: Path
) -> None:
    # A PAT_BASE_TEMPLATE around the page calls the same _() as the page: the host's own
    # words ("messages" domain) must keep their translation.
    directory = tmp_path / "translations"
    folder = directory / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog = Catalog(locale="es", domain="messages")
    catalog.add("Sign out", "Cerrar sesión")
    with open(folder / "messages.mo", "wb") as f:
        write_mo(f, catalog)
    app, _db, _pat, _User = host_app(BABEL_TRANSLATION_DIRECTORIES=str(directory))
    _babel(app)
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert i18n.gettext("Sign out") == "Cerrar sesión"
        assert i18n.gettext("Unknown field.") == "Campo desconocido."
        assert i18n.ngettext("%(num)d day", "%(num)d days", 3) == "3 días"
        assert i18n.ngettext("%(num)d day", "%(num)d days", 1) == "1 día"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert i18n.gettext("Sign out") == "Sign out"
        assert i18n.ngettext("%(num)d day", "%(num)d days", 3) == "3 days"


def test_cli_with_a_selector_that_reads_the_signed_in_user(host_app: Callable[..., Any]) -> None:
    from flask_login import current_user

    app, _db, _pat, _User = host_app(BABEL_DEFAULT_LOCALE="fr")
    # Outside a request current_user is None: the selector fails, the default locale speaks.
    Babel(app, locale_selector=lambda: current_user.locale)
    result = _cli(app, "revoke", "abc")
    assert result.exit_code == 2
    assert "Aucun jeton avec l’identifiant 'abc'" in result.output


def test_admin_page_in_the_locale(host_app: Callable[..., Any]) -> None:
    import json

    app, db, _pat, User = host_app(PAT_ADMIN=lambda user: True)
    _babel(app)
    client = sign_in(app, _user(app, db, User))
    prefix = app.config["PAT_URL_PREFIX"]
    html = client.get(f"{prefix}/admin/", headers={"Accept-Language": "es"}).get_data(True)
    assert '<html lang="es">' in html
    assert "Inventario de tokens" in html
    start = html.index('id="pat-i18n">') + len('id="pat-i18n">')
    catalog = json.loads(html[start : html.index("</script>", start)])
    assert catalog["locale"] == "es"
    assert catalog["messages"]["No tokens match."] == "Ningún token coincide."

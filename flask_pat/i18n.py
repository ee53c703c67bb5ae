"""Translations: flask-pat's own catalogues, in the locale the host's Flask-Babel picks.

Where the host initialised Flask-Babel, its locale selector decides the language and
flask-pat looks its messages up in the ``flask_pat`` domain: first in each of the host's
``BABEL_TRANSLATION_DIRECTORIES`` (so a host adds a language, or rewords a message, with
``<dir>/<lang>/LC_MESSAGES/flask_pat.mo``), then in ``flask_pat/translations``; a message
flask-pat has no translation of is looked up in the host's own catalogue. Without
Flask-Babel every message is the English it is written in, and neither Babel nor
Flask-Babel is imported.

Outside a request (the CLI) the host's selector is still asked; one that needs the request
gives way to ``BABEL_DEFAULT_LOCALE``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from flask import current_app, has_app_context, has_request_context

if TYPE_CHECKING:
    from babel.support import Translations

DOMAIN = "flask_pat"
#: flask-pat's own catalogues: ``<lang>/LC_MESSAGES/flask_pat.mo``.
TRANSLATIONS = Path(__file__).parent / "translations"
#: The scripts of the page, whose messages :func:`js_catalog` hands over.
SCRIPTS = Path(__file__).parent / "static" / "pat"
ENGLISH = "en"

_cache: dict[tuple[str, tuple[str, ...]], Translations | None] = {}
_lock = threading.Lock()


def gettext(message: str, **variables: Any) -> str:
    """``message`` in the current locale, with ``%(name)s`` placeholders filled."""
    text = _lookup(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """``singular`` or ``plural`` for ``num`` in the current locale (``%(num)d`` is set)."""
    variables.setdefault("num", num)
    translations = _translations()
    if translations is not None and (singular, 0) in translations._catalog:
        text: str = translations.ngettext(singular, plural, num)
    else:
        text = singular if num == 1 else plural
    return text % variables


def lazy_gettext(message: str, **variables: Any) -> str:
    """Like :func:`gettext`, translated each time the text is used (module-level messages).

    A :class:`LazyString`, typed as ``str`` because it goes wherever text goes.
    """
    return cast(str, LazyString(gettext, message, **variables))


def N_(message: str) -> str:
    """Marks ``message`` for the catalogues, to be translated later where it is shown."""
    return message


def locale() -> str:
    """The locale flask-pat speaks in now: the host's where a catalogue has it, else ``en``."""
    chosen = _chosen_locale()
    return chosen if chosen is not None and _translations() is not None else ENGLISH


def js_catalog() -> dict[str, Any]:
    """What the page's scripts need: ``{"locale", "plural_forms", "messages"}``.

    ``messages`` maps each message of ``static/pat/*.js`` that has a translation to its
    text, or to the list of its plural forms.
    """
    translations = _translations()
    if translations is None:
        return {"locale": ENGLISH, "plural_forms": 2, "messages": {}}
    catalog: dict[Any, str] = translations._catalog
    forms = _plural_count(translations)
    messages: dict[str, str | list[str]] = {}
    for singular, plural in _script_messages():
        if plural is None:
            if singular in catalog:
                messages[singular] = catalog[singular]
        elif (singular, 0) in catalog:
            messages[singular] = [catalog.get((singular, n), plural) for n in range(forms)]
    return {"locale": locale(), "plural_forms": forms, "messages": messages}


class LazyString:
    """A message looked up when it is turned into text, so in the locale of that moment."""

    def __init__(self, func: Callable[..., str], *args: Any, **kwargs: Any) -> None:
        self._func = func
        self._args = args
        self._kwargs = kwargs

    def __str__(self) -> str:
        return self._func(*self._args, **self._kwargs)

    def __repr__(self) -> str:
        return f"lazy_gettext({str(self)!r})"

    def __len__(self) -> int:
        return len(str(self))

    def __eq__(self, other: object) -> bool:
        return str(self) == (str(other) if isinstance(other, LazyString) else other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __add__(self, other: str) -> str:
        return str(self) + other

    def __radd__(self, other: str) -> str:
        return other + str(self)

    def __mod__(self, other: Any) -> str:
        return str(str(self) % other)

    def __contains__(self, item: str) -> bool:
        return item in str(self)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(str(self), name)


# -- lookup ---------------------------------------------------------------------------


def _lookup(message: str) -> str:
    translations = _translations()
    if translations is not None and message in translations._catalog:
        return str(translations._catalog[message])
    chosen = _chosen_locale()
    if chosen is not None:
        # Not one of flask-pat's messages: the host's own catalogue may have it (a host
        # base template rendered around the page calls this as ``_`` too).
        import flask_babel

        if has_request_context():
            return str(flask_babel.get_translations().ugettext(message))
        # Outside a request Flask-Babel would ask the host's selector again, uncaught:
        # the locale is the one chosen above (the default, where the selector needs one).
        with flask_babel.force_locale(chosen):
            return str(flask_babel.get_translations().ugettext(message))
    return message


def _chosen_locale() -> str | None:
    """The locale Flask-Babel picks for now; ``None`` where the host does not use it."""
    if not has_app_context() or "babel" not in current_app.extensions:
        return None
    try:
        import flask_babel
    except ImportError:  # pragma: no cover - the extension is there, so the module is
        return None
    try:
        chosen = flask_babel.get_locale()
    except Exception:
        if has_request_context():
            raise  # the host's selector is broken for its own pages too
        # A selector that reads the request (or the signed-in user), asked outside one: a
        # CLI command. Its messages are still worth reading, in the default locale.
        chosen = current_app.config.get("BABEL_DEFAULT_LOCALE", ENGLISH)
    return None if chosen is None else str(chosen)


def _translations() -> Translations | None:
    """flask-pat's catalogue for the current locale, with the host's overrides; ``None``
    where there is none (English)."""
    chosen = _chosen_locale()
    if chosen is None:
        return None
    directories = tuple(_host_directories())
    key = (chosen, directories)
    try:
        return _cache[key]
    except KeyError:
        pass
    with _lock:
        if key not in _cache:
            _cache[key] = _load(chosen, directories)
        return _cache[key]


def _host_directories() -> Iterator[str]:
    setting = current_app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations")
    for path in str(setting).split(";"):
        if path:
            yield path if os.path.isabs(path) else os.path.join(current_app.root_path, path)


def _load(chosen: str, host_directories: tuple[str, ...]) -> Translations | None:
    from babel.support import Translations

    found: Translations | None = None
    # flask-pat's first, then the host's in their order, each merged over the ones before
    # (as Flask-Babel merges its directories).
    for directory in (str(TRANSLATIONS), *host_directories):
        loaded = Translations.load(directory, [chosen], DOMAIN)
        if not isinstance(loaded, Translations):
            continue
        if found is None:
            found = loaded
        else:
            found.merge(loaded)
    return found


def _plural_count(translations: Translations) -> int:
    header = str(translations._info.get("plural-forms", ""))
    for part in header.split(";"):
        name, _, value = part.partition("=")
        if name.strip() == "nplurals" and value.strip().isdigit():
            return int(value.strip())
    return 2


@cache
def _script_messages() -> tuple[tuple[str, str | None], ...]:
    """The ``gettext``/``ngettext`` messages of the page's scripts, as pybabel finds them."""
    from babel.messages.extract import extract_from_file

    found: dict[tuple[str, str | None], None] = {}
    for path in sorted(SCRIPTS.glob("*.js")):
        for _line, message, _comments, _context in extract_from_file(
            "javascript", str(path), keywords={"gettext": None, "ngettext": (1, 2)}
        ):
            if isinstance(message, str):
                found[(message, None)] = None
            elif message[0]:
                found[(message[0], message[1])] = None
    return tuple(found)

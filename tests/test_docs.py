"""The documentation keeps up with the code: every setting and every public name is in it.
(``make docs`` builds it with warnings as errors; CI runs that too.)"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import textwrap
import threading
import types
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

import flask_pat
from flask_pat import service, signals
from flask_pat.leaks import github
from flask_pat.settings.defaults import DEFAULTS
from tests.conftest import bearer, cli_runner

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_setting_is_documented() -> None:
    documented = set(
        re.findall(r"^\| `(PAT_[A-Z_]+)`", (DOCS / "configuration.md").read_text(), re.M)
    )
    assert set(DEFAULTS) <= documented, sorted(set(DEFAULTS) - documented)


def test_every_public_name_is_in_the_reference() -> None:
    reference = (DOCS / "reference.md").read_text()
    missing = [name for name in flask_pat.__all__ if f"flask_pat.{name}" not in reference]
    assert missing == []


# -- code in the docs runs as shown -------------------------------------------------------

ROOT = DOCS.parent
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
SAMPLE_LANGUAGES = {"python", "py", "python3", "{code-block} python", "{code} python"}
#: A fenced block, indented or not (in a list item), with the ``<!-- sample: ... -->``
#: comment on the line before it, if any.
FENCE = re.compile(
    r"(?:^[ ]*<!--\s*sample:\s*(?P<marker>.*?)\s*-->\n)?"
    r"^(?P<indent>[ ]*)```(?P<info>[^\n`]*)\n(?P<code>.*?)^(?P=indent)```[ ]*$",
    re.M | re.S,
)


@dataclass
class Block:
    """A fenced block of a page: where it starts, its code and its ``sample:`` marker."""

    page: Path
    line: int
    code: str
    marker: str

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def fenced(page: Path, *languages: str) -> list[Block]:
    text = page.read_text()
    return [
        Block(
            page,
            text.count("\n", 0, m.start("code")),
            textwrap.dedent(m["code"]),
            m["marker"] or "",
        )
        for m in FENCE.finditer(text)
        if m["info"].strip() in languages
    ]


def python_blocks(page: Path) -> list[Block]:
    return fenced(page, *SAMPLE_LANGUAGES)


def literal_includes(page: Path) -> list[Path]:
    """The files a page shows with ``{literalinclude}`` (MyST), resolved."""
    return [
        (page.parent / m["info"].split(maxsplit=1)[1]).resolve()
        for m in FENCE.finditer(page.read_text())
        if m["info"].startswith("{literalinclude}") and len(m["info"].split()) == 2
    ]


def _test_sources() -> str:
    return "\n".join(p.read_text() for p in (ROOT / "tests").rglob("*.py"))


def test_every_python_block_is_a_sample() -> None:
    """Each ``python`` block of README.md and docs/ runs in a test: as it stands, after a
    setup named in its marker, or in the test its marker names; a ``{literalinclude}`` shows
    a file the tests import."""
    tests = _test_sources()
    wrong = []
    for page in PAGES:
        for block in python_blocks(page):
            kind, _, target = block.marker.partition(" ")
            if kind == "":
                continue
            if kind == "after" and (ROOT / target).is_file():
                continue
            if kind == "run-by":
                path, _, name = target.partition("::")
                if (ROOT / path).is_file() and f"def {name}(" in (ROOT / path).read_text():
                    continue
            wrong.append(f"{block}: <!-- sample: {block.marker} --> names nothing that runs it")
        for included in literal_includes(page):
            where = f"{page.relative_to(ROOT)}: {{literalinclude}} {included}"
            if not included.is_file() or not included.is_relative_to(ROOT):
                wrong.append(f"{where} is no file of the project")
                continue
            relative = included.relative_to(ROOT)
            module = ".".join(relative.with_suffix("").parts)
            parent, _, name = module.rpartition(".")
            imports = [
                rf"\bimport {re.escape(module)}\b",
                rf"\bfrom {re.escape(parent)} import [^\n]*\b{name}\b",
                re.escape(str(relative)),  # a test that loads it by its path
            ]
            if not re.search("|".join(imports), tests):
                wrong.append(f"{where}: no test imports {module}")
    assert wrong == []


def _pages_with_samples() -> list[Any]:
    return [
        pytest.param(page, id=str(page.relative_to(ROOT)))
        for page in PAGES
        if any(not b.marker.startswith("run-by") for b in python_blocks(page))
    ]


def run_samples(page: Path) -> dict[str, Any]:
    """Run the page's python blocks in order, in one namespace, each after the setup its
    marker names; the namespace as the last block left it."""
    namespace = _module()
    for block in python_blocks(page):
        kind, _, target = block.marker.partition(" ")
        if kind == "run-by":
            continue
        if kind == "after":
            setup = ROOT / target
            namespace = _module()
            exec(compile(setup.read_text(), str(setup), "exec"), namespace)
        code = compile(block.code, str(block), "exec")
        try:
            exec(code, namespace)
        except Exception as error:
            raise AssertionError(f"{block} does not run as shown: {error!r}") from error
    return namespace


def _module() -> dict[str, Any]:
    """A fresh module ``sample`` in the current directory, as a pasted app.py would be
    (SQLAlchemy resolves annotations through sys.modules, Flask finds its root by it)."""
    module = types.ModuleType("sample")
    module.__file__ = str(Path.cwd() / "app.py")
    sys.modules["sample"] = module
    return module.__dict__


@pytest.fixture(autouse=True)
def _forget_sample_module() -> Iterator[None]:
    yield
    sys.modules.pop("sample", None)


@pytest.fixture
def no_stray_receivers() -> Iterator[None]:
    """Signal receivers a sample connects are disconnected afterwards."""
    before = {name: dict(getattr(signals, name).receivers) for name in _signal_names()}
    yield
    for name in _signal_names():
        signal = getattr(signals, name)
        for key in set(signal.receivers) - set(before[name]):
            receiver = signal.receivers[key]
            if isinstance(receiver, weakref.ref):
                receiver = receiver()
            if receiver is not None:
                signal.disconnect(receiver)


def _signal_names() -> list[str]:
    return [n for n in dir(signals) if hasattr(getattr(signals, n), "receivers")]


@pytest.mark.parametrize("page", _pages_with_samples())
def test_python_samples_run_as_shown(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_stray_receivers: None
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace = run_samples(page)
    if "create_app" in namespace:
        app = namespace["create_app"]()
        assert app.url_map.bind("localhost").match("/settings/tokens/")[0] == "pat.page"


@pytest.mark.parametrize("page", ["README.md", "docs/quickstart.md"])
def test_the_quick_start_app_does_what_its_comments_say(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace = run_samples(ROOT / page)
    app, db, user_model = namespace["create_app"](), namespace["db"], namespace["User"]
    with app.app_context():
        user = user_model()
        db.session.add(user)
        db.session.commit()
        user_id = user.id
        reader = service.create(user, "reader", None, ["notes:read"])[1]
        writer = service.create(user, "writer", None, ["notes:read", "notes:write"])[1]
    paths = {rule.endpoint.rpartition(".")[2]: rule.rule for rule in app.url_map.iter_rules()}
    client = app.test_client()
    assert client.get(paths["notes"]).status_code == 401
    assert client.get(paths["notes"], headers=bearer(reader)).status_code == 200
    assert client.get(paths["account"], headers=bearer(writer)).status_code == 401
    whoami = client.get(paths["whoami"], headers=bearer(reader))
    assert whoami.get_json() == {"user": user_id, "token": "reader"}
    if "add_note" in paths:
        note = {"json": {"text": "written by curl"}}
        assert client.post(paths["add_note"], headers=bearer(reader), **note).status_code == 403
        assert client.post(paths["add_note"], headers=bearer(writer), **note).status_code == 201
        listed = client.get(paths["notes"], headers=bearer(reader)).get_json()
        assert [n["text"] for n in listed["items"]] == ["written by curl"]


def _shell_lines(page: Path) -> list[str]:
    lines = []
    for block in fenced(page, "sh", "shell", "bash", "console"):
        lines += block.code.replace("\\\n", " ").splitlines()
    return lines


@pytest.mark.parametrize("page", ["README.md", "docs/quickstart.md"])
def test_the_cli_line_makes_a_token_every_curl_line_may_use(page: str, tmp_path: Path) -> None:
    import example_app

    lines = _shell_lines(ROOT / page)
    (create,) = [line for line in lines if " pat create " in line]
    command = shlex.split(create.split("example_app ", 1)[1].rstrip(")"))
    curls = [shlex.split(line) for line in lines if line.lstrip().startswith("curl ")]
    assert len(curls) == 3
    app = example_app.create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.db'}", "TESTING": True}
    )
    try:
        result = cli_runner(app).invoke(args=command)
        assert result.exit_code == 0, result.output
        secret = result.stdout.strip()
        client = app.test_client()
        for curl in curls:
            url = curl[-1].replace("$BASE", "")
            data = curl[curl.index("-d") + 1] if "-d" in curl else None
            method = "POST" if data is not None else "GET"
            response = client.open(
                url,
                method=method,
                data=data,
                headers={**bearer(secret), "Content-Type": "application/json"},
            )
            assert response.status_code in (200, 201), (curl, response.get_json())
    finally:
        with app.app_context():
            example_app.db.session.remove()
            example_app.db.engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize(
    "app_config", [{"PAT_SECRET_SCANNING_KEYS_URL": "http://127.0.0.1:8765/keys"}]
)
def test_the_leak_report_script_reports_a_token(app: Flask, user: Any, make_token: Any) -> None:
    """docs/leaks.md's script, run as its page says, against the app on a real server."""
    ((script),) = [b for b in python_blocks(DOCS / "leaks.md") if "report_leak.py" in b.code]
    token_id, secret = make_token(user, "leaky")
    # Each run of the script makes a new key under one identifier: the page says to restart
    # the app between runs, which forgets the keys this process keeps.
    github._rings.pop(app.config["PAT_SECRET_SCANNING_KEYS_URL"], None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}{app.config['PAT_URL_PREFIX']}"
        run = subprocess.run(
            [sys.executable, "-c", script.code, base, secret],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("200 ") and '"label":"true_positive"' in run.stdout.replace(
        " ", ""
    )
    refused = app.test_client().get("/notes", headers=bearer(secret))
    assert refused.status_code == 401
    with app.app_context():
        pat = app.extensions["pat"]
        assert pat.db.session.get(pat.Token, token_id).revoked_reason == "leaked"

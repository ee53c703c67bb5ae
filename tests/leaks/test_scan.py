"""``flask pat scan`` and ``flask-pat-scan``: tokens found in files, never printed whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_pat import tokens
from flask_pat.leaks import scan
from tests.conftest import cli_runner


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def broken_checksum(text: str) -> str:
    return text[:-1] + ("A" if text[-1] != "A" else "B")


def masked(token: str) -> str:
    return f"pat_...{token[-4:]}"


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Any]:
    """A project with tokens in text files, and tokens where none may be reported."""
    one, two, three = (tokens.generate("pat") for _ in range(3))
    root = tmp_path / "project"
    write(root / "settings.py", f'DEBUG = True\n\nAPI_TOKEN = "{one}"\n')
    write(root / "docs" / "deep" / "notes.md", f"first\n{two} and {three}\n\nend {one}")
    write(root / "clean.txt", "nothing to see\n" * 100)
    # Skipped or not tokens of this app:
    write(root / ".git" / "config", f"[remote]\ntoken = {tokens.generate('pat')}\n")
    write(root / "image.png", b"\x89PNG\r\n\x1a\n\0\0" + tokens.generate("pat").encode() + b"\n")
    write(root / "wrong.txt", f"token = {broken_checksum(tokens.generate('pat'))}\n")
    write(root / "other.txt", f"theirs = {tokens.generate('other')}\n")
    write(root / "glued.txt", f"x{tokens.generate('pat')}\n{tokens.generate('pat')}y\n")
    return {
        "root": root,
        "tokens": (one, two, three),
        "expected": [
            f"{root / 'docs' / 'deep' / 'notes.md'}:2: {masked(two)}",
            f"{root / 'docs' / 'deep' / 'notes.md'}:2: {masked(three)}",
            f"{root / 'docs' / 'deep' / 'notes.md'}:4: {masked(one)}",
            f"{root / 'settings.py'}:3: {masked(one)}",
        ],
    }


def run_scan(app: Flask, *args: str) -> Any:
    return cli_runner(app).invoke(args=["pat", "scan", *args])


def test_scan_finds_tokens_in_text_files_and_masks_them(app: Flask, tree: dict[str, Any]) -> None:
    result = run_scan(app, str(tree["root"]))
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == tree["expected"]
    for token in tree["tokens"]:
        assert token not in result.output
    assert "4 tokens found" in result.stderr


def test_scan_of_a_clean_tree_exits_0(app: Flask, tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "hello\n")
    write(tmp_path / ".git" / "HEAD", f"{tokens.generate('pat')}\n")
    result = run_scan(app, str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout == result.stderr == ""


def test_scan_of_a_missing_path_is_bad_input(app: Flask, tmp_path: Path) -> None:
    result = run_scan(app, str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    assert run_scan(app).exit_code == 2


def test_a_file_named_directly_is_scanned(app: Flask, tree: dict[str, Any]) -> None:
    result = run_scan(app, str(tree["root"] / "settings.py"), str(tree["root"] / "clean.txt"))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [tree["expected"][-1]]


def test_scan_revoke_revokes_the_tokens_found_as_leaked(
    app: Flask, user: Any, make_token: Any, tmp_path: Path
) -> None:
    found_id, found = make_token(user, "found")
    kept_id, kept = make_token(user, "kept")
    path = write(tmp_path / "app.cfg", f"a\nTOKEN={found}\nTOKEN_AGAIN={found}\n")
    unknown = tokens.generate("pat")
    write(tmp_path / "b.cfg", f"{unknown}\n")

    result = run_scan(app, "--revoke", str(tmp_path))

    assert result.exit_code == 1
    assert found not in result.output
    assert "1 token revoked" in result.stderr
    pat = app.extensions["pat"]
    with app.app_context():
        Token, Event = pat.Token, pat.Event
        assert pat.db.session.get(Token, found_id).revoked_reason == "leaked"
        assert pat.db.session.get(Token, kept_id).revoked_at is None
        (event,) = pat.db.session.scalars(sa.select(Event).where(Event.event == "leaked"))
    assert event.token_id == found_id and event.actor == "system"
    assert json.loads(event.detail_text) == {
        "reason": "leaked",
        "source": "scan",
        "location": f"{path}:2",
    }
    # Scanning again finds it again, and records nothing more.
    again = run_scan(app, "--revoke", str(tmp_path))
    assert again.exit_code == 1 and "0 tokens revoked" in again.stderr


def test_a_token_across_chunks_of_a_large_file_is_found_on_its_line(tmp_path: Path) -> None:
    token = tokens.generate("pat")
    line = "x" * 99 + "\n"
    # Place the token so that it straddles the first chunk's edge.
    head = line * (scan.CHUNK // len(line)) + " " * (scan.CHUNK % len(line) - 10)
    text = head + token + "\n" + line * 3 + f"tail {token}\n"
    path = write(tmp_path / "big.log", text)
    assert len(text.encode()) > scan.CHUNK
    findings = list(scan.scan([str(path)], "pat"))
    first_line = head.count("\n") + 1
    assert [(f.line, f.token) for f in findings] == [
        (first_line, token),
        (first_line + 4, token),
    ]


def test_flask_pat_scan_runs_without_the_app(tree: dict[str, Any], tmp_path: Path) -> None:
    """The pre-commit hook's command: the prefix given, no app to import."""
    command = [sys.executable, "-m", "flask_pat.leaks.scan", "--prefix", "pat", str(tree["root"])]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout.splitlines() == tree["expected"]
    clean = write(tmp_path / "clean" / "a.txt", "nothing\n")
    done = subprocess.run([*command[:-1], str(clean)], capture_output=True, timeout=60)
    assert done.returncode == 0
    for bad in (["--prefix", "PAT!", str(clean)], [str(tmp_path / "nowhere")]):
        done = subprocess.run([*command[:3], *bad], capture_output=True, timeout=60)
        assert done.returncode == 2


def test_the_pre_commit_hook_names_the_command() -> None:
    hooks = (Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml").read_text()
    assert "id: flask-pat-scan" in hooks
    assert "entry: flask-pat-scan" in hooks


@pytest.mark.slow
def test_a_tree_of_100000_files_is_scanned_in_seconds(tmp_path: Path) -> None:
    root = tmp_path / "big"
    planted = []
    body = b"import os\n\nVALUE = 42\n" * 10
    for folder in range(500):
        directory = root / f"pkg{folder:03d}" / "sub"
        directory.mkdir(parents=True)
        for index in range(200):
            data = body
            if index == 7 and folder % 50 == 0:
                token = tokens.generate("pat")
                planted.append(token)
                data = body + f"TOKEN = '{token}'\n".encode()
            fd = os.open(directory / f"m{index:03d}.py", os.O_WRONLY | os.O_CREAT, 0o644)
            os.write(fd, data)
            os.close(fd)
    # A large binary file, given up after its first read.
    write(root / "model.bin", b"\0" * (64 * 1024 * 1024) + tokens.generate("pat").encode())
    started = time.perf_counter()
    findings = list(scan.scan([str(root)], "pat"))
    elapsed = time.perf_counter() - started
    print(f"\n100,000 files (and a 64 MiB binary) scanned in {elapsed:.2f} s")
    assert sorted(f.token for f in findings) == sorted(planted)
    assert elapsed < 30


def test_control_characters_in_paths_are_printed_escaped(app: Flask, tmp_path: Path) -> None:
    """A scanned tree cannot drive the operator's terminal: an OSC sequence that would set
    its title, a bell, a newline and bytes that are no text in a file name reach the
    output escaped, in the CLI and in the app-less command."""
    token = tokens.generate("pat")
    name = b"\x1b]0;owned\x07\nfake.py:1: pat_...abcd\x9b2J\xff.txt"
    folder = tmp_path / "evil"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), name), "w") as handle:
        handle.write(f"TOKEN = {token}\n")
    expected = (
        f"{folder}/\\x1b]0;owned\\x07\\nfake.py:1: pat_...abcd\\x9b2J\\xff.txt:1: {masked(token)}"
    )
    result = run_scan(app, str(folder))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [expected]
    command = [sys.executable, "-m", "flask_pat.leaks.scan", str(folder)]
    done = subprocess.run(command, capture_output=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout.decode("ascii").splitlines() == [expected]
    for control in (b"\x1b", b"\x07", b"\x9b"):
        assert control not in done.stdout

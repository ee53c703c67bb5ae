"""Find tokens of one prefix in files and folders, before they are pushed. No Flask.

A match needs the prefix, the length, the alphabet and a matching checksum, so the
scanner reports almost nothing that is not a token. Folders are walked recursively;
``.git`` folders, symbolic links and binary files (a NUL byte in their first 8 KiB, as git
decides) are skipped. Output names the file, the line and the last four characters, never
the token.

Also a command of its own, for pre-commit hooks where the host app cannot be imported::

    flask-pat-scan --prefix pat src/ settings.py
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .. import tokens as token_text

#: Bytes read at a time; a file's first read also decides whether it is binary.
CHUNK = 1024 * 1024
BINARY_PROBE = 8 * 1024
#: A line longer than this (a minified file) is searched in pieces of this size.
MAX_LINE = 16 * 1024 * 1024
SKIPPED_DIRS = frozenset({".git"})
_BODY_LENGTH = token_text.RANDOM_LENGTH + token_text.CHECKSUM_LENGTH


@dataclass(frozen=True)
class Finding:
    """A token found at ``path``, line ``line`` (from 1)."""

    path: str
    line: int
    token: str

    def masked(self) -> str:
        """``path:line: <prefix>_...<last4>``: where it is, never what it is."""
        prefix = self.token.partition("_")[0]
        return f"{printable(self.path)}:{self.line}: {prefix}_...{token_text.last4(self.token)}"


def printable(path: str) -> str:
    """``path`` with control characters escaped (``\\x1b``, ``\\n``), so that a file name
    cannot drive the terminal it is printed on (retitle it, clear it, fake a line).

    Bytes that are no text in the file system's encoding (kept by Python as lone
    surrogates) are written as the ``\\xNN`` of the byte.
    """
    return "".join(_escaped(char) for char in path)


def _escaped(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as os.fsdecode keeps it
        return f"\\x{code - 0xDC00:02x}"
    if unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Zl", "Zp"):
        return char
    if char == "\n":
        return "\\n"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def pattern(prefix: str) -> re.Pattern[bytes]:
    """One compiled expression over bytes for candidate tokens of ``prefix``."""
    if not token_text.PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError(f"not a token prefix: {prefix!r} (1 to 10 of [a-z0-9])")
    return re.compile(
        rb"(?<![0-9A-Za-z])"
        + prefix.encode("ascii")
        + rb"_[0-9A-Za-z]{%d}(?![0-9A-Za-z])" % _BODY_LENGTH
    )


def regular_expression(prefix: str) -> str:
    """The expression to give secret scanners (GitHub, gitleaks, trufflehog) for ``prefix``."""
    return rf"\b{prefix}_[0-9A-Za-z]{{{_BODY_LENGTH}}}\b"


def files(paths: Iterable[str]) -> Iterator[str]:
    """The files named by ``paths``, folders walked recursively, ``.git`` and links skipped.

    A file named directly is scanned wherever it is.
    """
    for path in paths:
        if os.path.isdir(path):
            yield from _walk(path)
        else:
            yield path


def _walk(folder: str) -> Iterator[str]:
    # Depth first, entries in name order, so the output reads like a sorted listing.
    stack = [iter(_entries(folder))]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIPPED_DIRS:
                    stack.append(iter(_entries(entry.path)))
            elif entry.is_file(follow_symlinks=False):
                yield entry.path
        except OSError:
            continue


def _entries(folder: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError:
        return []


def scan_file(path: str, expression: re.Pattern[bytes], prefix: str) -> list[Finding]:
    """The tokens of ``prefix`` in the file at ``path``; none for a binary or unreadable one.

    The file is read a chunk at a time and searched in whole lines (a token holds no line
    break), so a large text file costs no more memory than a chunk or so, and a large
    binary file is given up after its first read.
    """
    findings: list[Finding] = []
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return findings
    try:
        data = os.read(fd, CHUNK)
        if b"\0" in data[:BINARY_PROBE]:
            return findings
        line = 1
        rest = b""
        while data:
            buffer = rest + data
            cut = buffer.rfind(b"\n") + 1
            if cut == 0 and len(buffer) < MAX_LINE:
                rest = buffer  # no line ends here yet: read on
            else:
                cut = cut or len(buffer)
                line = _search(buffer[:cut], expression, prefix, path, line, findings)
                rest = buffer[cut:]
            data = os.read(fd, CHUNK)
        _search(rest, expression, prefix, path, line, findings)
    except OSError:
        pass
    finally:
        os.close(fd)
    return findings


def _search(
    text: bytes,
    expression: re.Pattern[bytes],
    prefix: str,
    path: str,
    line: int,
    findings: list[Finding],
) -> int:
    """Add the tokens in ``text`` (whole lines, the first numbered ``line``) to
    ``findings``; the number of the line after ``text``."""
    counted = 0
    for match in expression.finditer(text):
        token = match.group().decode("ascii")
        if token_text.is_well_formed(token, prefix):
            line += text.count(b"\n", counted, match.start())
            counted = match.start()
            findings.append(Finding(path, line, token))
    return line + text.count(b"\n", counted)


def scan(paths: Iterable[str], prefix: str) -> Iterator[Finding]:
    """Every token of ``prefix`` in ``paths`` (files and folders), in walking order."""
    expression = pattern(prefix)
    for path in files(paths):
        yield from scan_file(path, expression, prefix)


def main(argv: Sequence[str] | None = None) -> int:
    """``flask-pat-scan --prefix PREFIX PATH...``: exit 1 when a token is found, 0 when
    none, 2 for bad input."""
    parser = argparse.ArgumentParser(
        prog="flask-pat-scan",
        description="Find personal access tokens in files before they are committed.",
    )
    parser.add_argument("--prefix", default="pat", help="The app's PAT_TOKEN_PREFIX.")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    args = parser.parse_args(argv)
    if not token_text.PREFIX_PATTERN.fullmatch(args.prefix):
        parser.error(f"--prefix must be 1 to 10 of [a-z0-9], not {args.prefix!r}")
    missing = [path for path in args.paths if not os.path.exists(path)]
    if missing:
        parser.error(f"no such file or folder: {', '.join(missing)}")
    found = 0
    for finding in scan(args.paths, args.prefix):
        print(finding.masked())
        found += 1
    if found:
        print(
            f"{found} token(s) found: revoke them, and remove them before committing.",
            file=sys.stderr,
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

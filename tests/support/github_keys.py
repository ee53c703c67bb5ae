"""GitHub's side of secret scanning, played here: P-256 signing keys, a real keys server
on 127.0.0.1, and reports signed with them."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.hashes import SHA256


class Key:
    """A P-256 signing key with its identifier, as GitHub holds one."""

    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.id = secrets.token_hex(32)

    def pem(self) -> str:
        return (
            self.private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def sign(self, body: bytes) -> str:
        return base64.b64encode(self.private.sign(body, ec.ECDSA(SHA256()))).decode()


class KeysServer:
    """A real HTTP server on 127.0.0.1 serving a keys document; counts the fetches."""

    def __init__(self) -> None:
        self.keys: list[Key] = []
        self.fetches = 0
        #: The Accept header of each fetch.
        self.accepts: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.fetches += 1
                outer.accepts.append(self.headers.get("Accept"))
                body = json.dumps(
                    {
                        "public_keys": [
                            {"key_identifier": k.id, "key": k.pem(), "is_current": i == 0}
                            for i, k in enumerate(outer.keys)
                        ]
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/meta/public_keys"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@contextmanager
def serving(
    parts: Sequence[bytes], *, pause: float = 0.0, length: bool = True, stall: float = 0.0
) -> Iterator[str]:
    """The URL of a real HTTP server on 127.0.0.1 answering every GET with ``parts``, each
    written and flushed on its own, ``pause`` seconds apart (a server that dribbles).

    Without ``length`` the body has no ``Content-Length``: it ends when the server closes
    the connection. With ``stall`` the server answers nothing for that many seconds, unless
    the client hangs up first or the block ends.
    """
    done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if stall:
                done.wait(stall)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if length:
                self.send_header("Content-Length", str(sum(len(part) for part in parts)))
            self.end_headers()
            for index, part in enumerate(parts):
                if index and pause and done.wait(pause):
                    return
                self.wfile.write(part)
                self.wfile.flush()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/meta/public_keys"
    finally:
        done.set()
        server.shutdown()
        server.server_close()


def signed(entries: Any, key: Key, *, key_id: str | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(entries).encode()
    headers = {
        "Github-Public-Key-Identifier": key_id or key.id,
        "Github-Public-Key-Signature": key.sign(body),
        "Content-Type": "application/json",
    }
    return body, headers

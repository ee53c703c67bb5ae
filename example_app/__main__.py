"""``python -m example_app``: serve the example app on http://127.0.0.1:5000 (or ``$PORT``)."""

from __future__ import annotations

import os

from example_app import DEMO_EMAIL, DEMO_PASSWORD, create_app

app = create_app()
port = int(os.environ.get("PORT", "5000"))
print(f"\n  flask-pat example app: http://127.0.0.1:{port}/")
print(f"  Sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}\n", flush=True)
app.run(host="127.0.0.1", port=port)

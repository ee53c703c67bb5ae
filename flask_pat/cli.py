"""``flask pat ...``: token commands for operators."""

from __future__ import annotations

from flask.cli import AppGroup

pat_cli = AppGroup("pat", help="Manage personal access tokens.")

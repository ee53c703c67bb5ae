"""``flask pat ...``: the command group, one module per command family (tokens, expiry and
pruning, notices, leak scanning), what the commands take, and how they print."""

from __future__ import annotations

from . import maintenance, notices, scan, tokens  # noqa: F401 (each registers its commands)
from .group import pat_cli

__all__ = ["pat_cli"]

"""Helpers the tests share: real servers, the gunicorn app, GitHub's signing keys. No tests."""

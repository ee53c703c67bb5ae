"""Leaked tokens: GitHub's secret scanning signatures (``github``), revoking tokens by their
text (``revoke``), and finding token-shaped strings in files (``scan``, also the app-less
``flask-pat-scan`` command)."""

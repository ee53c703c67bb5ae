"""Deciding a request by its token: reading the credential (``credentials``), looking the
token up (``lookup``), the request hooks and Flask-Login's loader (``decide``), what routes
say of tokens (``marking``: ``accepts_tokens``, ``scopes_required``, ``current_token``), the
401/403 answers (``challenges``), and the wrappers that keep a token request apart from the
host's session, CSRF check and Flask-Login hooks (``sessions``, ``csrf``, ``login_hooks``)."""

"""Blinker signals sent by flask-pat. The sender is the app; ``token=`` is the record."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A token was created (``token=``, ``user=``).
token_created = _signals.signal("token-created")
#: A token was revoked (``token=``, ``user=``, ``by=``: owner, token, admin, cli or system).
token_revoked = _signals.signal("token-revoked")
#: A revoked token was restored (``token=``, ``user=``).
token_restored = _signals.signal("token-restored")
#: A token got a new secret (``token=``, ``user=``).
token_rotated = _signals.signal("token-rotated")
#: A token was deleted; the record passed is already detached (``token=``, ``user=``).
token_deleted = _signals.signal("token-deleted")
#: A token signed its user in, on a route that accepts tokens (``token=``, ``user=``).
token_authenticated = _signals.signal("token-authenticated")
#: A presented flask-pat token authenticated nobody (``reason=``: malformed, unknown,
#: expired, revoked, inactive user, not allowed or user changed; never the token text).
#: Credentials that are not flask-pat's (no ``<PAT_TOKEN_PREFIX>_``) never fire it.
token_rejected = _signals.signal("token-rejected")
#: A token was used from a client address it had not used lately (``token=``, ``user=``,
#: ``ip=``).
token_used_from_new_ip = _signals.signal("token-used-from-new-ip")
#: ``flask pat notify``: a token reached an expiry notice threshold (``token=``, ``user=``,
#: ``days_left=``); connect it to send the owner a mail.
token_expiring = _signals.signal("token-expiring")
#: A token was found leaked and revoked (``token=``, ``user=``, ``source=``, ``url=``).
token_leaked = _signals.signal("token-leaked")
#: A rotated-out secret was presented to the management API: the token was revoked with
#: the reason ``reused`` (``token=``, ``user=``); whoever rotated first, owner or thief,
#: the other still holds the old secret.
token_reused = _signals.signal("token-reused")

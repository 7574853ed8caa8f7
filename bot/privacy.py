"""Pseudonymous resident ids: a keyed hash of the Telegram user id, never the id itself."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(user_id: int, secret: bytes) -> str:
    """HMAC-SHA256 of the user id under the deployment's secret, hex, 32 characters."""
    return hmac.new(secret, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]


def text_digest(text: str) -> str:
    """A short digest of an answer's text, to count a repeated answer once."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:24]

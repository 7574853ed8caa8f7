"""Keyed tokens of the web channel, all derived from `privacy.secret` with HMAC-SHA256.

- A page address names a round and a community without showing either: the pair is
  encrypted deterministically (an SIV construction: the tag is a MAC of the pair, the pair is
  masked with a keystream derived from the tag), so a request is checked with two HMACs and no
  database read, and a guessed address fails the MAC (96 bits) and is a plain 404.
- A browser token (random, in a cookie) is stored only as its keyed hash, the web resident's
  pseudonym, like Telegram ids (bot/core/privacy.py); the two live in separate key domains.
- A form carries a one-time nonce and a CSRF token: a MAC of the browser token, the page and
  the nonce, so a form is valid only for the browser it was served to.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import struct
import time

_TAG = 12  # bytes of MAC in a page address: 96 bits to guess
_ID_LIMIT = 2**32  # round and community ids are packed as unsigned 32-bit integers
_BROWSER = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 random bytes, URL-safe base64
_NONCE = re.compile(r"[0-9]{1,12}\.[A-Za-z0-9_-]{22}")
_PAGE = re.compile(r"[a-z2-7]{32}")


def _key(secret: bytes, purpose: str) -> bytes:
    """A subkey per purpose, so no token of one kind is ever valid as another."""
    return hmac.new(secret, f"minyi-web/{purpose}".encode(), hashlib.sha256).digest()


def _mac(key: bytes, *parts: str | bytes) -> bytes:
    message = b"\x1f".join(p.encode() if isinstance(p, str) else p for p in parts)
    return hmac.new(key, message, hashlib.sha256).digest()


def page_token(secret: bytes, round_id: int, community_id: int) -> str:
    """The unguessable address part of a round's page for one community (32 characters,
    lowercase letters and digits, so chat apps and printed posters keep it intact)."""
    if not (0 <= round_id < _ID_LIMIT and 0 <= community_id < _ID_LIMIT):
        raise ValueError("round and community ids must fit in 32 bits")
    pair = struct.pack(">II", round_id, community_id)
    tag = _mac(_key(secret, "page-tag"), pair)[:_TAG]
    mask = _mac(_key(secret, "page-mask"), tag)[: len(pair)]
    sealed = tag + bytes(a ^ b for a, b in zip(pair, mask, strict=True))
    return base64.b32encode(sealed).decode().lower()


def open_page_token(secret: bytes, token: str) -> tuple[int, int] | None:
    """(round id, community id) a page address names, or None if it is not one of ours."""
    if not _PAGE.fullmatch(token):
        return None
    try:
        sealed = base64.b32decode(token.upper())
    except binascii.Error:
        return None
    tag, masked = sealed[:_TAG], sealed[_TAG:]
    mask = _mac(_key(secret, "page-mask"), tag)[: len(masked)]
    pair = bytes(a ^ b for a, b in zip(masked, mask, strict=True))
    if not hmac.compare_digest(tag, _mac(_key(secret, "page-tag"), pair)[:_TAG]):
        return None
    round_id, community_id = struct.unpack(">II", pair)
    return round_id, community_id


def new_browser_token() -> str:
    """A fresh random browser token (256 bits) for the cookie."""
    return secrets.token_urlsafe(32)


def valid_browser_token(value: str | None) -> bool:
    """Whether a cookie value has the shape of a browser token (anything else is ignored)."""
    return value is not None and bool(_BROWSER.fullmatch(value))


def web_pseudonym(secret: bytes, browser_token: str) -> str:
    """The pseudonym stored for a browser: a keyed hash of its token, 32 hex characters (the
    shape of Telegram pseudonyms, in a separate key domain)."""
    return _mac(_key(secret, "resident"), browser_token).hex()[:32]


def address_key(secret: bytes, address: str) -> str:
    """A client address as the rate limiter keeps it in memory (keyed, never the address)."""
    return _mac(_key(secret, "address"), address).hex()[:24]


def new_nonce(now: float | None = None) -> str:
    """A one-time form nonce: issue time (epoch seconds) and 128 random bits."""
    issued = int(time.time() if now is None else now)
    return f"{issued}.{secrets.token_urlsafe(16)}"


def nonce_age(nonce: str, now: float | None = None) -> float | None:
    """Seconds since a nonce was issued, or None if it is malformed."""
    if not _NONCE.fullmatch(nonce):
        return None
    issued = int(nonce.split(".", 1)[0])
    return (time.time() if now is None else now) - issued


def form_token(secret: bytes, browser_token: str, scope: str, nonce: str) -> str:
    """The CSRF token of one form: valid only with this browser's cookie, this page (or
    `scope`, e.g. "me") and this nonce."""
    return _mac(_key(secret, "form"), browser_token, scope, nonce).hex()[:32]


def check_form_token(secret: bytes, browser_token: str, scope: str, nonce: str, given: str) -> bool:
    """Whether `given` is the CSRF token of this form (constant time)."""
    expected = form_token(secret, browser_token, scope, nonce)
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def flash_token(secret: bytes, browser_token: str, scope: str, outcome: str) -> str:
    """A short MAC that lets the page after a redirect say "saved" only to the browser whose
    form was saved (a link with ?done=… from anyone else shows nothing)."""
    return _mac(_key(secret, "flash"), browser_token, scope, outcome).hex()[:16]

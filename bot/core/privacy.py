"""Pseudonymous resident ids: a keyed hash of the Telegram user id, never the id itself."""

from __future__ import annotations

import hashlib
import hmac
import json
import traceback
from typing import Any

from nlp.redact import redact
from storage.repository.flood import private_chat_label
from storage.repository.refusals import private_chat_key


def pseudonym(user_id: int, secret: bytes) -> str:
    """HMAC-SHA256 of the user id under the deployment's secret, hex, 32 characters."""
    return hmac.new(secret, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]


def chat_label(chat_id: int, secret: bytes) -> str:
    """How a log line names a chat: a group (negative id) by its id, a private chat (whose id is
    the person's Telegram user id) by a short pseudonym, never the raw id."""
    return str(chat_id) if chat_id < 0 else private_chat_label(pseudonym(chat_id, secret))


def stored_chat(chat_id: int, secret: bytes) -> int:
    """How storage names a chat it keeps counts or progress of (refusals, a staff chat's
    digest): a group by its id, a private chat (whose id is the person's Telegram id) by a
    number made from the person's pseudonym, which their /forget deletes
    (storage/repository/refusals.py `private_chat_key`)."""
    return chat_id if chat_id < 0 else private_chat_key(pseudonym(chat_id, secret))


def failure(exc: BaseException) -> str:
    """An exception as a log line may show it: its type and where it was raised (the
    traceback's frames, without locals), never its message, which can quote what a resident
    wrote (a validation error repeats the input) and would outlive /forget in the logs."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    chained = exc.__cause__ or exc.__context__
    cause = f" (from {type(chained).__name__})" if chained is not None else ""
    return f"{type(exc).__name__}{cause}\n{frames}".rstrip()


def text_digest(text: str) -> str:
    """A short digest of an answer's text, to count a repeated answer once."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:24]


# Keys of Telegram objects that name a person (users, private chats, contacts, mentions; a
# message forwarded from someone hiding their account names them only by `sender_user_name`,
# or `forward_sender_name` in older updates; an anonymous admin or a channel's author signs
# with `author_signature`).
_NAME_KEYS = frozenset(
    {
        "first_name",
        "last_name",
        "username",
        "phone_number",
        "vcard",
        "bio",
        "sender_user_name",
        "forward_sender_name",
        "author_signature",
    }
)


# Keys whose number is a person's Telegram id: `id` of a user or private chat, and `user_id`
# (a contact, a shared user) and `user_chat_id` (a join request, a business connection) anywhere.
_PERSON_ID_KEYS = frozenset({"id", "user_id", "user_chat_id"})


# Deeper than any real Telegram update (a reply inside a message is a few levels): below this,
# a value is replaced by a marker rather than walked (an update nested thousands deep once
# made scrubbing raise RecursionError, so the dead letter itself failed).
MAX_DEPTH = 32
TOO_DEEP = "[too deep]"


def scrub_update(data: Any, secret: bytes, depth: int = 0) -> Any:
    """A Telegram update (as JSON data) with every person reduced to their pseudonym.

    Users and private chats keep only `pseudonym` (and `is_bot`, `type`); names, usernames,
    phone numbers and raw user ids are dropped, and free text is redacted. What a resident
    wrote stays, so a dead letter loses nothing of the answer, only who they are. Values
    nested deeper than MAX_DEPTH become TOO_DEEP; keys that are not text are written as text.
    """
    if depth > MAX_DEPTH:
        return TOO_DEEP
    if isinstance(data, list):
        return [scrub_update(item, secret, depth + 1) for item in data]
    if not isinstance(data, dict):
        return data
    is_person = "first_name" in data or data.get("type") == "private"
    out: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = raw_key if isinstance(raw_key, str) else repr(raw_key)
        if key in _NAME_KEYS:
            continue
        if key in _PERSON_ID_KEYS and (is_person or key != "id") and isinstance(value, int):
            out["pseudonym"] = pseudonym(value, secret)
        elif key in ("text", "caption") and isinstance(value, str):
            out[key] = redact(value)
        else:
            out[key] = scrub_update(value, secret, depth + 1)
    return out


def dead_letter_payload(raw: Any, secret: bytes) -> str:
    """What a dead letter keeps of an update: its scrubbed JSON, ASCII only (a lone surrogate is
    kept as its `\\ud800` escape, so any database can store it).

    It never fails on content: if the update cannot be scrubbed or written as JSON, what is
    kept is its update id (when it is a number) and why, never the unscrubbed data.
    """
    try:
        return json.dumps(scrub_update(raw, secret), ensure_ascii=True)
    except Exception as exc:  # any content at all must still give a dead letter
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        kept = update_id if type(update_id) is int else None
        return json.dumps({"update_id": kept, "unreadable": type(exc).__name__})

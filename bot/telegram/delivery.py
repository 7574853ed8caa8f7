"""One attempt at sending something a community is owed, and what became of it.

Round posts (bot/telegram/outbox.py) and index scorecards (bot/telegram/index_outbox.py) are
both stored as owed, marked as started, sent once and marked as sent. What Telegram answers is
handled the same way for both, here:

- sent: the caller marks it sent;
- inactive (403, the bot was removed from the group): the community is marked inactive;
- migrated (the group became a supergroup): the move is remembered and the community moves to
  the new chat id (`moved_to`), where the caller sends it at once (nothing was sent: Telegram
  refused the old id);
- refused (400): left owed for a later pass, so it never blocks what comes after it, and
  given up once it has been tried `max_attempts` times;
- deferred (429 flood wait, network error, timeout): the caller ends its pass; never retried at
  once, since a lost response may hide a message Telegram accepted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.core.base import Core
from bot.core.chats import set_chat_migrated
from bot.core.privacy import chat_label

log = logging.getLogger(__name__)

T = TypeVar("T")

Status = Literal["sent", "inactive", "migrated", "refused", "given_up", "deferred"]


@dataclass(frozen=True)
class Delivery(Generic[T]):
    """The outcome of one send: its status, and the send's result when it was sent."""

    status: Status
    value: T | None = None
    moved_to: int | None = None  # migrated: the group's new chat id


async def deliver(
    core: Core,
    chat_id: int,
    what: str,
    *,
    attempts: int,
    max_attempts: int,
    send: Callable[[], Awaitable[T]],
) -> Delivery[T]:
    """`send()` once. `what` names the message in log lines (never its text); `attempts` is how
    many times it has been started, this one included."""
    where = chat_label(chat_id, core.secret)
    try:
        return Delivery("sent", await send())
    except Forbidden:
        log.warning("bot cannot post in chat %s: community inactive", where)
        async with core.repo.transaction() as session:
            await session.set_community_active(chat_id, False)
        return Delivery("inactive")
    except ChatMigrated as exc:
        log.info("chat %s migrated to %s", where, chat_label(exc.new_chat_id, core.secret))
        await set_chat_migrated(core, chat_id, exc.new_chat_id)
        return Delivery("migrated", moved_to=exc.new_chat_id)
    except BadRequest as exc:
        # Caught before NetworkError: BadRequest is one in PTB. Telegram's description names
        # what it refused (never the message's text).
        if attempts >= max_attempts:
            log.error("giving up %s to chat %s after %s attempts: %s", what, where, attempts, exc)
            return Delivery("given_up")
        log.warning("%s to chat %s refused: %s", what, where, exc)
        return Delivery("refused")
    except (RetryAfter, NetworkError) as exc:
        log.warning("%s to chat %s deferred to the next pass: %s", what, where, type(exc).__name__)
        return Delivery("deferred")

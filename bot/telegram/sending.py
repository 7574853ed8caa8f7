"""Sending a text of any length to a chat: split under Telegram's limit, optionally retried.

Replies retry flood waits, network errors and a group's move to a supergroup themselves
(`attempts` > 1). Outbox posts (bot/telegram/outbox.py) send once (`attempts=1`): the outbox counts
attempts and tries again on its next pass, and a retry here would hide a possible duplicate
from that accounting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.render.report import split_message

log = logging.getLogger(__name__)

T = TypeVar("T")


def flood_wait(exc: TelegramError) -> float:
    """Seconds Telegram asked us to wait (`429 retry_after`), 0 for any other error."""
    if not isinstance(exc, RetryAfter):
        return 0.0
    wait = exc.retry_after
    return float(wait) if isinstance(wait, int | float) else wait.total_seconds()


# Called as `moved(old_chat_id, new_chat_id)` when a send follows a group to its supergroup,
# so that the caller can remember the move (bot/core/chats.py `set_chat_migrated`).
Moved = Callable[[int, int], Awaitable[object]]


async def with_retry(
    send: Callable[[int], Awaitable[T]],
    chat_id: int,
    *,
    attempts: int = 1,
    moved: Moved | None = None,
) -> T:
    """`send(chat_id)`; with `attempts` > 1, RetryAfter and network errors are waited out and
    retried (backing off) and a migrated group is followed (told to `moved`, if given)."""
    delay = 0.5
    for attempt in range(attempts):
        last = attempt == attempts - 1
        try:
            return await send(chat_id)
        except RetryAfter as exc:
            if last:
                raise
            await asyncio.sleep(flood_wait(exc))
        except ChatMigrated as exc:
            if last:
                raise
            # Group ids only (a private chat never migrates): no person is named.
            log.info("chat %s migrated to %s: sending there", chat_id, exc.new_chat_id)
            if moved is not None:
                await moved(chat_id, exc.new_chat_id)
            chat_id = exc.new_chat_id
        except (TimedOut, NetworkError) as exc:
            if isinstance(exc, BadRequest) or last:
                raise
            await asyncio.sleep(delay)
            delay *= 2
    raise ValueError("attempts must be at least 1")


async def send_text(
    bot: Bot,
    chat_id: int,
    text: str,
    *,
    attempts: int = 1,
    moved: Moved | None = None,
    **kwargs: Any,
) -> list[Message]:
    """Send `text` as one or more messages; with `attempts` > 1, RetryAfter and network
    errors are waited out and retried (backing off) and a migrated group is followed (told
    to `moved`, if given)."""
    sent: list[Message] = []
    for chunk in split_message(text):

        async def one(chat: int, chunk: str = chunk) -> Message:
            return await bot.send_message(chat, chunk, **kwargs)

        message = await with_retry(one, chat_id, attempts=attempts, moved=moved)
        # A migrated group: the rest of the text follows it there.
        chat_id = message.chat_id
        sent.append(message)
    return sent


async def send_photo(
    bot: Bot, chat_id: int, photo: bytes, *, caption: str, filename: str, attempts: int = 1
) -> Message:
    """Send a PNG with its caption (retried as `with_retry` says)."""

    async def one(chat: int) -> Message:
        return await bot.send_photo(chat, photo=photo, caption=caption, filename=filename)

    return await with_retry(one, chat_id, attempts=attempts)

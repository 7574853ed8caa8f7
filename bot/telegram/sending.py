"""Sending a text of any length to a chat (split under Telegram's limit, optionally retried),
and files as documents or photos (in albums when there are several).

Replies retry flood waits, network errors and a group's move to a supergroup themselves
(`attempts` > 1). Outbox posts (bot/telegram/outbox.py) send once (`attempts=1`): the outbox counts
attempts and tries again on its next pass, and a retry here would hide a possible duplicate
from that accounting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import Bot, InputMediaDocument, InputMediaPhoto, Message
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


# Telegram's sendMediaGroup takes 2 to 10 items.
ALBUM_MOST = 10


@dataclass(frozen=True)
class Document:
    """A file to send as a document with its own caption."""

    data: bytes
    filename: str
    caption: str


@dataclass(frozen=True)
class Photo:
    """A picture to send as a photo with its own caption."""

    data: bytes
    filename: str
    caption: str


def album_sizes(count: int, most: int = ALBUM_MOST) -> list[int]:
    """How `count` items split into the fewest albums of at most `most`, as even as can be,
    so that none is left with a lone item (11: 6 and 5, not 10 and 1)."""
    if count <= 0:
        return []
    albums = -(-count // most)
    small, extra = divmod(count, albums)
    return [small + 1] * extra + [small] * (albums - extra)


def _media(item: Document | Photo) -> InputMediaDocument | InputMediaPhoto:
    if isinstance(item, Photo):
        return InputMediaPhoto(item.data, filename=item.filename, caption=item.caption)
    return InputMediaDocument(item.data, filename=item.filename, caption=item.caption)


async def send_album(
    bot: Bot,
    chat_id: int,
    items: Sequence[Document] | Sequence[Photo],
    *,
    attempts: int = 1,
) -> list[Message]:
    """Send `items` (all documents or all photos: Telegram mixes no documents with photos) in
    albums (sendMediaGroup) of at most ten, each with its caption; a single one as a plain
    document or photo. Each album is one request, which Telegram takes or refuses whole: a
    flood wait is waited out and the album sent again by the rate limiter
    (bot/telegram/flood.py), which counts each of its items as a message; with `attempts` > 1
    `with_retry` also waits out what reaches it."""
    if len(items) == 1:
        [one] = items

        async def single(chat: int) -> Message:
            if isinstance(one, Photo):
                return await bot.send_photo(
                    chat, photo=one.data, filename=one.filename, caption=one.caption
                )
            return await bot.send_document(
                chat, document=one.data, filename=one.filename, caption=one.caption
            )

        return [await with_retry(single, chat_id, attempts=attempts)]
    sent: list[Message] = []
    start = 0
    for size in album_sizes(len(items)):
        media = [_media(item) for item in items[start : start + size]]

        async def album(chat: int, media: list[Any] = media) -> Sequence[Message]:
            return await bot.send_media_group(chat, media)

        messages = await with_retry(album, chat_id, attempts=attempts)
        # A migrated group: the next albums follow it there.
        chat_id = messages[0].chat_id if messages else chat_id
        sent.extend(messages)
        start += size
    return sent

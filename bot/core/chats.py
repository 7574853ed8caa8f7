"""Group chats Telegram upgraded to supergroups: what the bot owes a chat follows it there.

An upgrade gives the group a new chat id; the old one refuses every message from then on,
naming the new one. The move is learnt from the upgrade's service messages or from such a
refusal, whichever comes first, and kept (storage `chat_migrations`): a community's row
follows its group, and the staff chats, which only the configuration names
(`roles.staff_chats`), are read through the moves until the operator updates it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from bot.core.base import Core, Turn
from bot.core.privacy import chat_label
from storage.repository import Session

log = logging.getLogger(__name__)

# Telegram upgrades a basic group once (a supergroup stays one): a longer chain of moves could
# only be a loop.
MAX_MOVES = 4


async def set_chat_migrated(
    core: Core, old_chat_id: int, new_chat_id: int, *, turn: Turn | None = None
) -> bool:
    """Group `old_chat_id` became supergroup `new_chat_id`: the move is remembered, and the
    group's community, if it is one, follows it with its rounds (True if it moved)."""
    async with core.transaction(turn) as session:
        learnt = await session.add_chat_migration(old_chat_id, new_chat_id, core.now())
        moved = await session.set_community_chat(old_chat_id, new_chat_id)
    if learnt and old_chat_id in core.settings.roles.staff_chats:
        warn_staff_chat_moved(core, old_chat_id, new_chat_id)
    return moved


def current_chat(moves: Mapping[int, int], chat_id: int) -> int:
    """The id a chat has now, after the upgrades in `moves` (old id -> new id)."""
    for _ in range(MAX_MOVES):
        if chat_id not in moves:
            break
        chat_id = moves[chat_id]
    return chat_id


async def staff_chats(session: Session, period: datetime, configured: list[int]) -> dict[int, int]:
    """Each configured staff chat's current id (a chat upgraded to a supergroup: its new one);
    a delivery of the digest of `period` begun under an old id moves to the new one with
    what it had (storage `set_digest_delivery_chat`)."""
    moves = await session.list_chat_migrations()
    for delivery in await session.list_digest_deliveries(period):
        if delivery.chat_id in moves:
            new = current_chat(moves, delivery.chat_id)
            await session.set_digest_delivery_chat(period, delivery.chat_id, new)
    return {chat_id: current_chat(moves, chat_id) for chat_id in configured}


def warn_staff_chat_moved(core: Core, old_chat_id: int, new_chat_id: int) -> None:
    """Tell the operator that a configured staff chat has a new id."""
    log.warning(
        "staff chat %s was upgraded to the supergroup %s: the digest goes there; "
        "replace %s by %s in roles.staff_chats",
        chat_label(old_chat_id, core.secret),
        chat_label(new_chat_id, core.secret),
        chat_label(old_chat_id, core.secret),
        chat_label(new_chat_id, core.secret),
    )

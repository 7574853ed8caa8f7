"""Refusals sent per chat and minute, counted for every process (table `refusal_counts`,
migration 0014; bot/telegram/replies.py).

A private chat's id is its person's Telegram id, which storage never holds (SPEC §9): such a
chat is counted under `private_chat_key` of the person's pseudonym instead.
"""

from __future__ import annotations

import hashlib

from storage.repository.base import Part


def private_chat_key(resident: str) -> int:
    """How `refusal_counts` names a private chat: a number made from its person's pseudonym
    (60 bits of its hash), never negative, so never one of the groups' ids."""
    return int.from_bytes(hashlib.sha256(resident.encode()).digest()[:8], "big") >> 4


class RefusalCounts(Part):
    """Table `refusal_counts`."""

    async def count_refusal(self, chat_id: int, minute: int) -> int:
        """Count one more refusal to `chat_id` (a group's id, or a private chat's
        `private_chat_key`) in `minute` (minutes since the epoch); how many that makes, this
        one included. The chat's rows of earlier minutes are deleted."""
        await self.tx.execute(
            "DELETE FROM refusal_counts WHERE chat_id = ? AND minute < ?", (chat_id, minute)
        )
        sent = await self.tx.fetchval(
            "INSERT INTO refusal_counts (chat_id, minute, sent) VALUES (?, ?, 1) "
            "ON CONFLICT (chat_id, minute) DO UPDATE SET sent = refusal_counts.sent + 1 "
            "RETURNING sent",
            (chat_id, minute),
        )
        return int(sent)

"""Refusals sent per chat and minute, counted for every process (table `refusal_counts`,
migration 0014; bot/telegram/replies.py)."""

from __future__ import annotations

from storage.repository.base import Part


class RefusalCounts(Part):
    """Table `refusal_counts`."""

    async def count_refusal(self, chat_id: int, minute: int) -> int:
        """Count one more refusal to `chat_id` in `minute` (minutes since the epoch); how many
        that makes, this one included. The chat's rows of earlier minutes are deleted."""
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

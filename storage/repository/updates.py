"""Telegram updates already processed (so a redelivery changes nothing, SPEC §9), and the
dead letters of updates that could not be processed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.models import to_ts
from storage.repository.base import Part, placeholders


class Updates(Part):
    """Tables `processed_updates` and `dead_letters`."""

    async def is_update_processed(self, update_id: int) -> bool:
        """Whether this Telegram update's effects are already committed."""
        row = await self.tx.fetchone(
            "SELECT 1 AS x FROM processed_updates WHERE update_id = ?", (update_id,)
        )
        return row is not None

    async def add_processed_update(self, update_id: int, at: datetime) -> bool:
        """Record an update as processed; False if it already was."""
        changed = await self.tx.execute(
            "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?) "
            "ON CONFLICT (update_id) DO NOTHING",
            (update_id, to_ts(at)),
        )
        return changed > 0

    async def list_processed_updates(self, update_ids: Sequence[int]) -> set[int]:
        """Which of these updates already have their effects committed."""
        if not update_ids:
            return set()
        rows = await self.tx.fetchall(
            "SELECT update_id FROM processed_updates "
            f"WHERE update_id IN {placeholders(update_ids)}",
            list(update_ids),
        )
        return {int(r["update_id"]) for r in rows}

    async def add_processed_updates(self, update_ids: Sequence[int], at: datetime) -> None:
        """Claim updates; fails (rolling the transaction back) if one was already claimed."""
        await self.tx.executemany(
            "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?)",
            [(i, to_ts(at)) for i in update_ids],
        )

    async def delete_processed_updates_before(self, before: datetime) -> int:
        """Forget old update ids (Telegram never re-sends updates older than a day)."""
        return await self.tx.execute(
            "DELETE FROM processed_updates WHERE processed_at < ?", (to_ts(before),)
        )

    async def add_dead_letter(self, update_id: int, payload: str, error: str, at: datetime) -> None:
        """Keep an update that could not be processed, whole, for an operator to replay."""
        await self.tx.execute(
            "INSERT INTO dead_letters (update_id, payload, error, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (update_id) DO NOTHING",
            (update_id, payload, error, to_ts(at)),
        )

"""Weekly digests: each period is claimed once, then delivered to every staff chat, with each
chat's progress kept so that a crash or a refusal does not send a part twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from bot.core.models import DigestDelivery, from_ts, to_ts
from storage.repository.base import Part, optional_time


class Digests(Part):
    """Tables `digests` and `digest_deliveries`."""

    async def add_digest_period(self, period_start: datetime) -> bool:
        """Claim a digest period; False if it was already claimed (sent or being sent)."""
        changed = await self.tx.execute(
            "INSERT INTO digests (period_start) VALUES (?) ON CONFLICT (period_start) DO NOTHING",
            (to_ts(period_start),),
        )
        return changed > 0

    async def set_digest_sent(self, period_start: datetime, at: datetime) -> None:
        """The digest for this period reached every staff chat."""
        await self.tx.execute(
            "UPDATE digests SET sent_at = ? WHERE period_start = ?",
            (to_ts(at), to_ts(period_start)),
        )

    async def list_unsent_digests(self) -> list[datetime]:
        """Digest periods claimed but not yet delivered (a crash in between)."""
        rows = await self.tx.fetchall(
            "SELECT period_start FROM digests WHERE sent_at IS NULL ORDER BY period_start"
        )
        return [from_ts(r["period_start"]) for r in rows]

    async def add_digest_deliveries(self, period_start: datetime, chat_ids: Sequence[int]) -> None:
        """Owe each staff chat this period's digest (once; a chat already owed keeps its row)."""
        await self.tx.executemany(
            "INSERT INTO digest_deliveries (period_start, chat_id) VALUES (?, ?) "
            "ON CONFLICT (period_start, chat_id) DO NOTHING",
            [(to_ts(period_start), chat_id) for chat_id in chat_ids],
        )

    async def list_digest_deliveries(self, period_start: datetime) -> list[DigestDelivery]:
        """Every staff chat's delivery of one period's digest, by chat id."""
        rows = await self.tx.fetchall(
            "SELECT period_start, chat_id, parts_sent, attempts, retry_at, done_at, outcome "
            "FROM digest_deliveries WHERE period_start = ? ORDER BY chat_id",
            (to_ts(period_start),),
        )
        return [
            DigestDelivery(
                period_start=from_ts(r["period_start"]),
                chat_id=r["chat_id"],
                parts_sent=r["parts_sent"],
                attempts=r["attempts"],
                retry_at=optional_time(r["retry_at"]),
                done_at=optional_time(r["done_at"]),
                outcome=r["outcome"],
            )
            for r in rows
        ]

    async def set_digest_delivery_chat(
        self, period_start: datetime, old_chat_id: int, new_chat_id: int
    ) -> DigestDelivery | None:
        """Staff chat `old_chat_id` became supergroup `new_chat_id`: its delivery of this period
        moves there with the parts it already has (the chat's history moves with it). If the
        new id was owed the digest too (both ids configured), the row that got further is
        kept, so that the chat gets each part once. The new id's delivery (None if neither
        id is owed this period)."""
        rows = {d.chat_id: d for d in await self.list_digest_deliveries(period_start)}
        moving, staying = rows.get(old_chat_id), rows.get(new_chat_id)
        if moving is not None:
            if staying is not None and _progress(staying) >= _progress(moving):
                drop, keep_old = old_chat_id, False
            else:
                drop, keep_old = new_chat_id, True
            await self.tx.execute(
                "DELETE FROM digest_deliveries WHERE period_start = ? AND chat_id = ?",
                (to_ts(period_start), drop),
            )
            if keep_old:
                await self.tx.execute(
                    # The old id refused the part it was sent: nothing of it reached the chat.
                    "UPDATE digest_deliveries SET chat_id = ?, part_started = parts_sent "
                    "WHERE period_start = ? AND chat_id = ?",
                    (new_chat_id, to_ts(period_start), old_chat_id),
                )
            rows = {d.chat_id: d for d in await self.list_digest_deliveries(period_start)}
        return rows.get(new_chat_id)

    async def set_digest_parts_sent(
        self, period_start: datetime, chat_id: int, parts_sent: int
    ) -> None:
        """Telegram accepted the digest's messages up to `parts_sent` in this chat."""
        await self.tx.execute(
            "UPDATE digest_deliveries SET parts_sent = ? WHERE period_start = ? AND chat_id = ?",
            (parts_sent, to_ts(period_start), chat_id),
        )

    async def start_digest_part(self, period_start: datetime, chat_id: int, index: int) -> bool:
        """The send of part `index` to this chat is about to start; True if an earlier send
        of it started already (and may have reached the chat, its success never stored)."""
        again = await self.tx.fetchval(
            "SELECT 1 FROM digest_deliveries WHERE period_start = ? AND chat_id = ? "
            "AND part_started > ?",
            (to_ts(period_start), chat_id, index),
        )
        await self.tx.execute(
            "UPDATE digest_deliveries SET part_started = ? WHERE period_start = ? AND chat_id = ?",
            (index + 1, to_ts(period_start), chat_id),
        )
        return again is not None

    async def set_digest_delivery_failed(
        self, period_start: datetime, chat_id: int, retry_at: datetime
    ) -> int:
        """A passing failure: try this chat again at `retry_at`; the failed attempts so far."""
        await self.tx.execute(
            "UPDATE digest_deliveries SET attempts = attempts + 1, retry_at = ? "
            "WHERE period_start = ? AND chat_id = ?",
            (to_ts(retry_at), to_ts(period_start), chat_id),
        )
        value = await self.tx.fetchval(
            "SELECT attempts FROM digest_deliveries WHERE period_start = ? AND chat_id = ?",
            (to_ts(period_start), chat_id),
        )
        return int(value or 0)

    async def set_digest_delivery_done(
        self,
        period_start: datetime,
        chat_id: int,
        outcome: Literal["sent", "refused"],
        at: datetime,
    ) -> None:
        """This chat has the whole digest (`sent`) or cannot receive it (`refused`)."""
        await self.tx.execute(
            "UPDATE digest_deliveries SET done_at = ?, outcome = ?, retry_at = NULL "
            "WHERE period_start = ? AND chat_id = ?",
            (to_ts(at), outcome, to_ts(period_start), chat_id),
        )


def _progress(delivery: DigestDelivery) -> tuple[bool, int]:
    """How far a chat's delivery got: done beats owed, then more parts beat fewer."""
    return delivery.done_at is not None, delivery.parts_sent

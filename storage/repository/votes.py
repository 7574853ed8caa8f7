"""Votes: each resident's current choice in a poll or rating round, and the totals Telegram
reports for anonymous polls (which give no voter)."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from datetime import datetime

from bot.core.models import Channel, from_ts, to_ts
from storage.backends.base import Tx
from storage.repository.base import Part
from storage.repository.tallies import VOTE_FACTS, pending

# The update id stored with a poll's final totals (from closing it): later than any update.
_FINAL_TOTALS = 2**63 - 1
# PostgreSQL: the first half of the schema's stray vote lock ("MNYS").
_STRAY_LOCK = 0x4D4E5953
# Transactions that took the stray vote lock shared (see `Votes.share_stray_votes`).
_SHARING: weakref.WeakSet[Tx] = weakref.WeakSet()


class Votes(Part):
    """Tables `votes`, `poll_tallies`, `poll_totals` and `stray_poll_votes`."""

    async def set_votes(
        self,
        round_id: int,
        community_id: int,
        resident: str,
        option_indexes: Sequence[int],
        at: datetime,
        channel: Channel = "telegram",
    ) -> None:
        """A resident's current choice replaces any earlier one (empty = retracted)."""
        await self.share_stray_votes()
        tallies = pending(self.tx)
        for old in await self.tx.fetchall(
            f"DELETE FROM votes WHERE round_id = ? AND resident = ? RETURNING {VOTE_FACTS}",
            (round_id, resident),
        ):
            tallies.vote(old, -1)
        options = sorted(set(option_indexes))
        await self.tx.executemany(
            "INSERT INTO votes (round_id, community_id, resident, option_index, created_at, "
            "channel) VALUES (?, ?, ?, ?, ?, ?)",
            [(round_id, community_id, resident, i, to_ts(at), channel) for i in options],
        )
        for i in options:
            vote = {
                "round_id": round_id,
                "community_id": community_id,
                "resident": resident,
                "option_index": i,
                "created_at": to_ts(at),
            }
            tallies.vote(vote, 1)

    async def list_round_votes(self, round_id: int, resident: str) -> list[int]:
        """The options (or the rating) one resident chose in one round, in order."""
        rows = await self.tx.fetchall(
            "SELECT option_index FROM votes WHERE round_id = ? AND resident = ? "
            "ORDER BY option_index",
            (round_id, resident),
        )
        return [int(r["option_index"]) for r in rows]

    async def list_resident_votes(self, resident: str) -> list[tuple[int, int]]:
        """(round id, option) pairs of one resident."""
        rows = await self.tx.fetchall(
            "SELECT round_id, option_index FROM votes WHERE resident = ? "
            "ORDER BY round_id, option_index",
            (resident,),
        )
        return [(r["round_id"], r["option_index"]) for r in rows]

    async def list_votes(self, round_id: int) -> list[tuple[int, str, int, datetime]]:
        """(community id, resident pseudonym, option, when) of every recorded vote of a round,
        by community, resident and option (anonymous polls have none: only tallies)."""
        rows = await self.tx.fetchall(
            "SELECT community_id, resident, option_index, created_at FROM votes "
            "WHERE round_id = ? ORDER BY community_id, resident, option_index",
            (round_id,),
        )
        return [
            (
                int(r["community_id"]),
                r["resident"],
                int(r["option_index"]),
                from_ts(r["created_at"]),
            )
            for r in rows
        ]

    async def set_poll_tally(
        self, poll_id: str, counts: Sequence[int], voters: int, update_id: int | None = None
    ) -> bool:
        """Anonymous polls: the totals Telegram reports for one poll, from update `update_id`
        (None: final, from closing the poll). False, and nothing written, if the stored totals
        came from a later update (deliveries may arrive out of order)."""
        written = await self.tx.fetchall(
            "INSERT INTO poll_totals (poll_id, voters, update_id) VALUES (?, ?, ?) "
            "ON CONFLICT (poll_id) DO UPDATE SET voters = excluded.voters, "
            "update_id = excluded.update_id "
            "WHERE poll_totals.update_id IS NULL OR poll_totals.update_id <= excluded.update_id "
            "RETURNING poll_id",
            (poll_id, voters, _FINAL_TOTALS if update_id is None else update_id),
        )
        if not written:
            return False
        await self.tx.execute("DELETE FROM poll_tallies WHERE poll_id = ?", (poll_id,))
        await self.tx.executemany(
            "INSERT INTO poll_tallies (poll_id, option_index, votes) VALUES (?, ?, ?)",
            [(poll_id, i, n) for i, n in enumerate(counts)],
        )
        return True

    async def hold_stray_votes(self) -> None:
        """Until this transaction ends, no other one stores a stray poll vote, or any vote (so
        a vote kept as stray can never miss the poll id stored meanwhile, and counting the
        stray votes of a poll found now never waits on a vote another transaction is storing).
        SQLite: the transaction holds the write lock already."""
        if self.tx.dialect == "postgresql":
            await self.tx.fetchval(
                f"SELECT count(pg_advisory_xact_lock({_STRAY_LOCK}, hashtext(current_schema())))"
            )

    async def share_stray_votes(self) -> None:
        """Until this transaction ends, no other one holds the stray votes (`hold_stray_votes`);
        others storing votes may go on. Taken before a transaction writes its first vote, stray
        or not, or deletes any: a transaction that stored a vote and then waited to keep a
        stray one, while the one holding the stray votes waited on that vote's row to count a
        stray vote of the same resident, was a deadlock (PostgreSQL aborted one of them). Once
        per transaction; SQLite: the write lock orders them already."""
        if self.tx.dialect != "postgresql" or self.tx in _SHARING:
            return
        await self.tx.fetchval(
            f"SELECT count(pg_advisory_xact_lock_shared({_STRAY_LOCK}, hashtext(current_schema())))"
        )
        _SHARING.add(self.tx)

    async def add_stray_poll_vote(
        self, poll_id: str, resident: str, options: Sequence[int], at: datetime
    ) -> None:
        """A resident's vote in a poll whose id is not stored: their last one kept."""
        await self.share_stray_votes()
        await self.tx.execute(
            "INSERT INTO stray_poll_votes (poll_id, resident, options, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (poll_id, resident) DO UPDATE SET options = excluded.options, "
            "at = excluded.at WHERE stray_poll_votes.at <= excluded.at",
            (poll_id, resident, ",".join(str(i) for i in options), to_ts(at)),
        )

    async def take_stray_poll_votes(self, poll_id: str) -> list[tuple[str, list[int], datetime]]:
        """(resident, options, when) of the stray votes in a poll, deleted, oldest first."""
        rows = await self.tx.fetchall(
            "DELETE FROM stray_poll_votes WHERE poll_id = ? RETURNING resident, options, at",
            (poll_id,),
        )
        out = [
            (r["resident"], [int(i) for i in r["options"].split(",") if i], from_ts(r["at"]))
            for r in rows
        ]
        return sorted(out, key=lambda v: (v[2], v[0]))

    async def list_resident_stray_votes(self, resident: str) -> list[tuple[list[int], datetime]]:
        """(options, when) of a resident's votes kept in polls whose id is not stored yet."""
        rows = await self.tx.fetchall(
            "SELECT options, at FROM stray_poll_votes WHERE resident = ? ORDER BY at, poll_id",
            (resident,),
        )
        return [([int(i) for i in r["options"].split(",") if i], from_ts(r["at"])) for r in rows]

    async def count_stray_poll_votes(self) -> int:
        """Votes kept in polls whose id is not stored (yet)."""
        return int(await self.tx.fetchval("SELECT count(*) FROM stray_poll_votes") or 0)

    async def vote_time(self, round_id: int, resident: str) -> datetime | None:
        """When the resident's current vote in a round was cast (None: no vote)."""
        value = await self.tx.fetchval(
            "SELECT max(created_at) FROM votes WHERE round_id = ? AND resident = ?",
            (round_id, resident),
        )
        return None if value is None else from_ts(value)

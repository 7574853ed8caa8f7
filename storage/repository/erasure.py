"""Deleting personal data: a resident's `/forget`, and retention of old answers (SPEC §9).

Both reach across several tables (answers, their themes, votes, private sessions, dead
letters); they live together so that what is erased can be reviewed in one module.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.models import to_ts
from storage.repository.base import Part
from storage.repository.rounds import PrivateSessions


class Erasure(Part):
    """Deletes across `answers`, `answer_themes`, `answer_labels`, `votes`,
    `private_sessions`, `dead_letters`."""

    async def delete_resident_data(self, resident: str) -> tuple[int, int]:
        """`/forget`: delete a resident's answers (and their themes) and votes."""
        for table in ("answer_themes", "answer_labels"):
            await self.tx.execute(
                f"DELETE FROM {table} WHERE answer_id IN "
                "(SELECT id FROM answers WHERE resident = ?)",
                (resident,),
            )
        answers = await self.tx.execute("DELETE FROM answers WHERE resident = ?", (resident,))
        await PrivateSessions(self.tx).delete_private_session(resident)
        votes = await self.tx.execute("DELETE FROM votes WHERE resident = ?", (resident,))
        # Dead letters are scrubbed to pseudonyms (bot/privacy.scrub_update) but still hold
        # what the resident wrote.
        await self.tx.execute(
            "DELETE FROM dead_letters WHERE payload LIKE ?", (f'%"pseudonym": "{resident}"%',)
        )
        return answers, votes

    async def delete_answers_before(self, before: datetime) -> int:
        """Retention: delete answers (and their themes) older than `before`."""
        ts = to_ts(before)
        for table in ("answer_themes", "answer_labels"):
            await self.tx.execute(
                f"DELETE FROM {table} WHERE answer_id IN "
                "(SELECT id FROM answers WHERE created_at < ?)",
                (ts,),
            )
        count = await self.tx.execute("DELETE FROM answers WHERE created_at < ?", (ts,))
        await self.tx.execute("DELETE FROM votes WHERE created_at < ?", (ts,))
        await self.tx.execute("DELETE FROM dead_letters WHERE at < ?", (ts,))
        return count

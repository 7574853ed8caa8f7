"""Deleting personal data: a resident's `/forget`, and retention of old answers (SPEC §9).

Both reach across several tables (answers, their themes, votes, private sessions, dead
letters, and the report tallies counting them); they live together so that what is erased can
be reviewed in one module.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.models import to_ts
from storage.backends.base import Row
from storage.repository.answers import source_digest
from storage.repository.base import Part, placeholders
from storage.repository.flood import private_chat_label
from storage.repository.learned import LearnedModels
from storage.repository.refusals import private_chat_key
from storage.repository.rounds import PrivateSessions
from storage.repository.tallies import (
    ANSWER_FACTS,
    THEME_FACTS,
    VOTE_FACTS,
    AnswerFacts,
    pending,
    themes_by_answer,
)
from storage.repository.votes import Votes

# What stands for a person who used /forget where a row of theirs must stay: a round they
# created, an answer they hid, a label they gave (no pseudonym is this word; recurring rounds'
# later occurrences are created by "cron").
FORGOTTEN = "forgotten"


class Erasure(Part):
    """Deletes across `answers`, `answer_themes`, `answer_labels`, `votes`,
    `stray_poll_votes`, `private_sessions`, `dead_letters`, `refusal_counts`, `flood_windows`
    (PostgreSQL), a staff member's `digest_deliveries`, and an organiser's
    `organiser_languages`, `missed_reports` and `label_claims`; an organiser's rounds,
    moderation and labels stay, no longer naming them (FORGOTTEN); the tallies follow
    (storage/repository/tallies.py: a resident's rows there go when their counts reach zero),
    and a deletion that took a labelled answer away is counted in `label_erasures`, so that
    the models learned from it are learned again (bot/core/labelling.py `relearn_if_erased`).
    """

    async def delete_resident_data(self, resident: str) -> tuple[int, int]:
        """`/forget`: delete a resident's answers (and their themes) and votes; returns how
        many answers and in how many rounds votes (a multiple-answer poll is one vote, however
        many options it had), and votes in polls not found yet (each one)."""
        # Votes and stray votes are deleted: taken as any vote writer takes it (see
        # `Votes.share_stray_votes`), before any of their rows.
        await Votes(self.tx).share_stray_votes()
        answers = await self._delete_answers("resident = ?", resident)
        await PrivateSessions(self.tx).delete_private_session(resident)
        row = await self.tx.fetchone(
            "SELECT COUNT(DISTINCT round_id) AS n FROM votes WHERE resident = ?", (resident,)
        )
        votes = int(row["n"]) if row is not None else 0
        await self._delete_votes("resident = ?", resident)
        # Votes in polls not found yet: each one a vote, as /mydata lists them.
        votes += len(
            await self.tx.fetchall(
                "DELETE FROM stray_poll_votes WHERE resident = ? RETURNING poll_id", (resident,)
            )
        )
        # Dead letters are scrubbed to pseudonyms (bot/privacy.scrub_update) but still hold
        # what the resident wrote.
        await self.tx.execute(
            "DELETE FROM dead_letters WHERE payload LIKE ?", (f'%"pseudonym": "{resident}"%',)
        )
        # Refusals the bot sent to their private chat this minute, counted under a number made
        # from their pseudonym.
        await self.tx.execute(
            "DELETE FROM refusal_counts WHERE chat_id = ?", (private_chat_key(resident),)
        )
        # An organiser's too, kept under the same pseudonym (storage/repository/organisers.py):
        # the language they write in and the close reports they could not be sent.
        await self.tx.execute("DELETE FROM organiser_languages WHERE organiser = ?", (resident,))
        await self.tx.execute("DELETE FROM missed_reports WHERE organiser = ?", (resident,))
        await self.tx.execute("DELETE FROM label_claims WHERE labeller = ?", (resident,))
        # A staff member's private chat: how far the digests of past periods went there (a
        # period still being sent keeps its row until it is sent, so that it is not sent again).
        await self.tx.execute(
            "DELETE FROM digest_deliveries WHERE chat_id = ? AND period_start IN "
            "(SELECT period_start FROM digests WHERE sent_at IS NOT NULL)",
            (private_chat_key(resident),),
        )
        # What an organiser did stays (a round goes on, an answer hidden stays hidden, a label
        # still teaches), but no longer says who did it.
        for table, column in (
            ("rounds", "created_by"),
            ("moderation_log", "actor"),
            ("answer_labels", "labeller"),
        ):
            await self.tx.execute(
                f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (FORGOTTEN, resident)
            )
        if self.tx.dialect == "postgresql":
            # A flood wait Telegram asked of their private chat, kept for every process.
            await self.tx.execute(
                "DELETE FROM flood_windows WHERE chat = ?", (private_chat_label(resident),)
            )
        return answers, votes

    async def delete_answers_before(self, before: datetime) -> int:
        """Retention: delete answers (and their themes) older than `before`, with votes, dead
        letters, private sessions (which round a resident's private messages go to; kept
        after the round closes, to tell them so), refusal counts, the moderation log (which
        organiser hid which answer) and the deliveries of digests sent from before it, and
        the close reports organisers were never sent of rounds closed before it."""
        ts = to_ts(before)
        await Votes(self.tx).share_stray_votes()
        count = await self._delete_answers("created_at < ?", ts)
        await self._delete_votes("created_at < ?", ts)
        await self.tx.execute("DELETE FROM stray_poll_votes WHERE at < ?", (ts,))
        await self.tx.execute("DELETE FROM dead_letters WHERE at < ?", (ts,))
        await self.tx.execute("DELETE FROM private_sessions WHERE started_at < ?", (ts,))
        # Counts of refusals matter only in their minute; a private chat's outlive it until
        # the next refusal to that chat.
        await self.tx.execute("DELETE FROM refusal_counts WHERE minute < ?", (int(ts // 60),))
        # Hiding comes after the answer: the answers of log rows this old are gone.
        await self.tx.execute("DELETE FROM moderation_log WHERE at < ?", (ts,))
        # Which staff chats got the digests of periods sent long ago (a staff chat may be a
        # person's private chat; before schema 21 it was kept under their Telegram id).
        await self.tx.execute(
            "DELETE FROM digest_deliveries WHERE period_start < ? AND period_start IN "
            "(SELECT period_start FROM digests WHERE sent_at IS NOT NULL)",
            (ts,),
        )
        # A close report an organiser was never sent, of a round whose answers are gone by now.
        await self.tx.execute(
            "DELETE FROM missed_reports WHERE round_id IN "
            "(SELECT id FROM rounds WHERE closed_at < ?)",
            (ts,),
        )
        return count

    async def _delete_answers(self, where: str, value: object) -> int:
        """Delete the answers matching `where` (one parameter) with their themes and labels,
        and take them out of the tallies; return how many."""
        themes = themes_by_answer(
            await self.tx.fetchall(
                "DELETE FROM answer_themes WHERE answer_id IN "
                f"(SELECT id FROM answers WHERE {where}) RETURNING {THEME_FACTS}",
                (value,),
            )
        )
        labels = await self.tx.fetchall(
            "DELETE FROM answer_labels WHERE answer_id IN "
            f"(SELECT id FROM answers WHERE {where}) RETURNING skipped",
            (value,),
        )
        if any(not r["skipped"] for r in labels):
            # Learning read this answer's text (skipped ones it never reads).
            await LearnedModels(self.tx).add_label_erasure()
        rows = await self.tx.fetchall(
            f"DELETE FROM answers WHERE {where} RETURNING {ANSWER_FACTS}, source", (value,)
        )
        await self._keep_deleted_sources(rows)
        tallies = pending(self.tx)
        for row in rows:
            facts = AnswerFacts.of(row)
            tallies.untagged.pop(facts.id, None)
            tallies.answer(facts, -1)
            tallies.tags(facts, themes.get(facts.id, []), -1)
        return len(rows)

    async def _keep_deleted_sources(self, rows: Sequence[Row]) -> None:
        """Remember the messages of deleted answers to rounds still open, so that an edit of
        one stores nothing (migration 0021); a closed round takes no edit anyway."""
        if not rows:
            return
        round_ids = sorted({int(r["round_id"]) for r in rows})
        open_rows = await self.tx.fetchall(
            f"SELECT id FROM rounds WHERE state = 'open' AND id IN {placeholders(round_ids)}",
            round_ids,
        )
        still_open = {int(r["id"]) for r in open_rows}
        await self.tx.executemany(
            "INSERT INTO deleted_sources (source, round_id) VALUES (?, ?) "
            "ON CONFLICT (source) DO NOTHING",
            [
                (source_digest(r["source"]), int(r["round_id"]))
                for r in rows
                if int(r["round_id"]) in still_open
            ],
        )

    async def delete_deleted_sources_of_closed_rounds(self) -> None:
        """Forget the deleted answers' messages of rounds no longer open."""
        await self.tx.execute(
            "DELETE FROM deleted_sources WHERE round_id NOT IN "
            "(SELECT id FROM rounds WHERE state = 'open')"
        )

    async def _delete_votes(self, where: str, value: object) -> int:
        """Delete the votes matching `where` and take them out of the tallies."""
        rows = await self.tx.fetchall(
            f"DELETE FROM votes WHERE {where} RETURNING {VOTE_FACTS}", (value,)
        )
        tallies = pending(self.tx)
        for row in rows:
            tallies.vote(row, -1)
        return len(rows)

"""Posts, the outbox: the messages each community is owed for a round's transitions, and what
Telegram made of them (message and poll ids); and the index scorecards owed by `/index post`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.models import IndexPost, Post, PostPurpose, Round, to_ts
from storage.backends.base import Row
from storage.dialect import by_code_point
from storage.repository.base import ROUND_COLUMNS, Part, optional_time, round_from

_POST_SELECT = (
    "SELECT p.round_id, p.community_id, c.name, c.chat_id, p.purpose, p.message_id, p.poll_id, "
    "p.sent_at, p.attempts, rc.topic FROM posts p JOIN communities c ON c.id = p.community_id "
    "LEFT JOIN round_communities rc "
    "ON rc.round_id = p.round_id AND rc.community_id = p.community_id"
)


def _post(row: Row) -> Post:
    return Post(
        round_id=row["round_id"],
        community_id=row["community_id"],
        community_name=row["name"],
        chat_id=row["chat_id"],
        purpose=row["purpose"],
        message_id=row["message_id"],
        poll_id=row["poll_id"],
        sent_at=optional_time(row["sent_at"]),
        attempts=row["attempts"],
        topic=row["topic"],
    )


class Posts(Part):
    """Table `posts`."""

    async def add_posts(
        self, round_id: int, purpose: PostPurpose, community_ids: Sequence[int]
    ) -> None:
        """Owe each community a message for this transition (once)."""
        await self.tx.executemany(
            "INSERT INTO posts (round_id, community_id, purpose) VALUES (?, ?, ?) "
            "ON CONFLICT (round_id, community_id, purpose) DO NOTHING",
            [(round_id, cid, purpose) for cid in community_ids],
        )

    async def list_unsent_posts(self) -> list[Post]:
        """Messages owed and not yet accepted by Telegram, oldest round first. Posts to a
        community the bot was removed from are not owed any more; the organisers' report is
        (it goes to their private chats, only keyed by one of the round's communities)."""
        rows = await self.tx.fetchall(
            f"{_POST_SELECT} WHERE p.sent_at IS NULL AND (c.active = 1 OR p.purpose = 'report') "
            "ORDER BY p.round_id, CASE p.purpose WHEN 'open' THEN 0 WHEN 'orphan' THEN 1 "
            "WHEN 'note' THEN 2 WHEN 'reminder' THEN 3 WHEN 'close' THEN 4 ELSE 5 END, "
            "p.community_id"
        )
        return [_post(r) for r in rows]

    async def add_post_attempt(self, round_id: int, community_id: int, purpose: PostPurpose) -> int:
        """A send of this post is about to start; returns the attempts so far, this one
        included, or 0 if the post is stored as sent meanwhile (nothing to send)."""
        await self.tx.execute(
            "UPDATE posts SET attempts = attempts + 1 "
            "WHERE round_id = ? AND community_id = ? AND purpose = ? AND sent_at IS NULL",
            (round_id, community_id, purpose),
        )
        value = await self.tx.fetchval(
            "SELECT attempts FROM posts WHERE round_id = ? AND community_id = ? AND purpose = ? "
            "AND sent_at IS NULL",
            (round_id, community_id, purpose),
        )
        return int(value or 0)

    async def delete_post_attempt(
        self, round_id: int, community_id: int, purpose: PostPurpose
    ) -> None:
        """The send just started never reached the chat (Telegram refused the group's old id):
        it is not counted as an attempt that may have been delivered."""
        await self.tx.execute(
            "UPDATE posts SET attempts = attempts - 1 "
            "WHERE round_id = ? AND community_id = ? AND purpose = ? AND attempts > 0",
            (round_id, community_id, purpose),
        )

    async def set_post_sent(
        self,
        round_id: int,
        community_id: int,
        purpose: PostPurpose,
        at: datetime,
        message_id: int | None,
        poll_id: str | None = None,
    ) -> None:
        """Telegram accepted the message."""
        await self.tx.execute(
            "UPDATE posts SET sent_at = ?, message_id = ?, poll_id = ? "
            "WHERE round_id = ? AND community_id = ? AND purpose = ?",
            (to_ts(at), message_id, poll_id, round_id, community_id, purpose),
        )

    async def list_posts(self, round_id: int, purpose: PostPurpose | None = None) -> list[Post]:
        """The posts of a round."""
        params: list[Any] = [round_id]
        extra = ""
        if purpose is not None:
            extra = " AND p.purpose = ?"
            params.append(purpose)
        rows = await self.tx.fetchall(
            f"{_POST_SELECT} WHERE p.round_id = ?{extra} "
            f"ORDER BY {by_code_point('c.name', self.tx.dialect)}",
            params,
        )
        return [_post(r) for r in rows]

    async def adopt_unconfirmed_post(
        self, round_id: int, chat_id: int, message_id: int, at: datetime
    ) -> Post | None:
        """The opening post of round `round_id` in `chat_id` whose send started but whose
        message id was never stored (a crash, or a lost response, after Telegram took it):
        stored as sent as `message_id`, the message that shows Telegram took it; None if that
        post is not in that state."""
        changed = await self.tx.execute(
            "UPDATE posts SET sent_at = ?, message_id = ? WHERE round_id = ? AND purpose = 'open' "
            "AND sent_at IS NULL AND attempts > 0 "
            "AND community_id IN (SELECT id FROM communities WHERE chat_id = ?)",
            (to_ts(at), message_id, round_id, chat_id),
        )
        return await self.get_post_by_message(chat_id, message_id) if changed else None

    async def owe_orphan_search(self, round_id: int, community_id: int) -> None:
        """The round's poll in this community was sent again (or its round closed while it was
        being sent): its earlier copy, which Telegram may have taken, is owed a search (an
        `orphan` post unsent until the search ends; its `attempts` count the message ids
        below the copy looked at so far). Once per round and community."""
        await self.tx.execute(
            "INSERT INTO posts (round_id, community_id, purpose) VALUES (?, ?, 'orphan') "
            "ON CONFLICT (round_id, community_id, purpose) DO NOTHING",
            (round_id, community_id),
        )

    async def set_orphan_search_progress(
        self, round_id: int, community_id: int, looked: int
    ) -> bool:
        """`looked` message ids below the copy are looked at; False if the search is over (its
        poll found meanwhile, from the update Telegram sends when it was stopped)."""
        changed = await self.tx.execute(
            "UPDATE posts SET attempts = ? WHERE round_id = ? AND community_id = ? "
            "AND purpose = 'orphan' AND sent_at IS NULL AND poll_id IS NULL",
            (looked, round_id, community_id),
        )
        return changed > 0

    async def end_orphan_search(self, round_id: int, community_id: int, at: datetime) -> None:
        """The search is over (found, or nothing found as far as it may look): owed no more."""
        await self.tx.execute(
            "UPDATE posts SET sent_at = ? WHERE round_id = ? AND community_id = ? "
            "AND purpose = 'orphan' AND sent_at IS NULL",
            (to_ts(at), round_id, community_id),
        )

    async def add_orphan_poll(
        self,
        round_id: int,
        community_id: int,
        message_id: int | None,
        poll_id: str,
        at: datetime | None,
    ) -> bool:
        """A poll Telegram took for this round and community whose id was never stored (see
        PostPurpose `orphan`), found by its search or by the update Telegram sent when it was
        stopped (`message_id` None: not known then); `at` None leaves its search owed, to be
        ended by the outbox. False if one is stored already (one per round and community)."""
        changed = await self.tx.execute(
            "INSERT INTO posts (round_id, community_id, purpose, message_id, poll_id, sent_at, "
            "attempts) VALUES (?, ?, 'orphan', ?, ?, ?, 0) "
            "ON CONFLICT (round_id, community_id, purpose) DO UPDATE SET "
            "message_id = excluded.message_id, poll_id = excluded.poll_id, "
            "sent_at = excluded.sent_at WHERE posts.poll_id IS NULL",
            (round_id, community_id, message_id, poll_id, None if at is None else to_ts(at)),
        )
        return changed > 0

    async def list_orphan_searches(self, question: str) -> list[tuple[Round, int, bool]]:
        """(round, community id, still looking) of the poll rounds asking `question` whose
        earlier copy of their poll in a community is looked for or was not found (an `orphan`
        post without a poll id)."""
        columns = ", ".join(f"r.{c.strip()}" for c in ROUND_COLUMNS.split(","))
        rows = await self.tx.fetchall(
            f"SELECT {columns}, p.community_id AS post_community, p.sent_at AS post_sent "
            "FROM posts p JOIN rounds r ON r.id = p.round_id WHERE p.purpose = 'orphan' "
            "AND p.poll_id IS NULL AND r.question = ? ORDER BY r.id, p.community_id",
            (question,),
        )
        out = []
        for row in rows:
            community_id = int(row.pop("post_community"))
            looking = row.pop("post_sent") is None
            out.append((round_from(row), community_id, looking))
        return out

    async def list_chat_message_ids(
        self, chat_id: int, sent_before: datetime | None = None
    ) -> set[int]:
        """The message ids of every post stored as sent to a chat (before `sent_before`)."""
        extra = "" if sent_before is None else " AND p.sent_at < ?"
        params: tuple[object, ...] = (
            (chat_id,)
            if sent_before is None
            else (
                chat_id,
                to_ts(sent_before),
            )
        )
        rows = await self.tx.fetchall(
            "SELECT p.message_id FROM posts p JOIN communities c ON c.id = p.community_id "
            f"WHERE c.chat_id = ? AND p.message_id IS NOT NULL{extra}",
            params,
        )
        return {int(r["message_id"]) for r in rows}

    async def get_post_by_message(self, chat_id: int, message_id: int) -> Post | None:
        """The round post a group message replies to."""
        row = await self.tx.fetchone(
            f"{_POST_SELECT} WHERE c.chat_id = ? AND p.message_id = ?", (chat_id, message_id)
        )
        return None if row is None else _post(row)

    async def get_round_of_post(
        self, chat_id: int, message_id: int
    ) -> tuple[Round, int, PostPurpose] | None:
        """(round, community id, purpose) of the round post with this chat and message id:
        one query for the hot path of residents replying to a round."""
        columns = ", ".join(f"r.{c.strip()}" for c in ROUND_COLUMNS.split(","))
        row = await self.tx.fetchone(
            f"SELECT {columns}, p.community_id AS post_community, p.purpose AS post_purpose "
            "FROM posts p JOIN communities c ON c.id = p.community_id "
            "JOIN rounds r ON r.id = p.round_id WHERE c.chat_id = ? AND p.message_id = ?",
            (chat_id, message_id),
        )
        if row is None:
            return None
        community_id, purpose = row.pop("post_community"), row.pop("post_purpose")
        return round_from(row), int(community_id), purpose

    async def round_post_in_flight(
        self, kinds: tuple[str, ...], since: datetime, chat_id: int | None = None
    ) -> bool:
        """Whether an opening post of a round of one of `kinds` opened at `since` or later (in
        `chat_id`, or any chat) is being sent: started, and its message and poll ids not
        stored yet. (`since` bounds it: a post whose send failed and waits for its retry is
        not what an update of long after can be about.)"""
        marks = ", ".join("?" for _ in kinds)
        params: list[object] = [*kinds, to_ts(since)]
        extra = ""
        if chat_id is not None:
            extra = " AND c.chat_id = ?"
            params.append(chat_id)
        value = await self.tx.fetchval(
            "SELECT 1 FROM posts p JOIN communities c ON c.id = p.community_id "
            "JOIN rounds r ON r.id = p.round_id WHERE p.purpose = 'open' "
            "AND p.sent_at IS NULL AND p.attempts > 0 AND r.state = 'open' "
            f"AND r.kind IN ({marks}) AND r.opened_at >= ?{extra} LIMIT 1",
            params,
        )
        return value is not None

    async def get_post_by_poll(self, poll_id: str) -> Post | None:
        """The round post that carries a Telegram poll."""
        row = await self.tx.fetchone(f"{_POST_SELECT} WHERE p.poll_id = ?", (poll_id,))
        return None if row is None else _post(row)


class IndexPosts(Part):
    """Table `index_posts`: the scorecards `/index post` owes communities' groups."""

    async def add_index_posts(
        self, period: str, community_ids: Sequence[int], at: datetime
    ) -> None:
        """Owe each community its scorecard for `period`; one owed (or sent) before is owed
        again, as the organiser asked to post it once more."""
        await self.tx.executemany(
            "INSERT INTO index_posts (period, community_id, requested_at) VALUES (?, ?, ?) "
            "ON CONFLICT (period, community_id) DO UPDATE SET "
            "requested_at = excluded.requested_at, sent_at = NULL, message_id = NULL, attempts = 0",
            [(period, cid, to_ts(at)) for cid in community_ids],
        )

    async def list_unsent_index_posts(self) -> list[IndexPost]:
        """Scorecards owed and not yet accepted by Telegram, to communities still active,
        oldest request first."""
        rows = await self.tx.fetchall(
            "SELECT p.period, p.community_id, c.name, c.chat_id, p.sent_at, p.attempts "
            "FROM index_posts p JOIN communities c ON c.id = p.community_id "
            "WHERE p.sent_at IS NULL AND c.active = 1 "
            "ORDER BY p.requested_at, p.period, p.community_id"
        )
        return [
            IndexPost(
                period=r["period"],
                community_id=r["community_id"],
                community_name=r["name"],
                chat_id=r["chat_id"],
                sent_at=optional_time(r["sent_at"]),
                attempts=r["attempts"],
            )
            for r in rows
        ]

    async def add_index_post_attempt(self, period: str, community_id: int) -> int:
        """A send of this scorecard is about to start; the attempts so far, this one included."""
        await self.tx.execute(
            "UPDATE index_posts SET attempts = attempts + 1 WHERE period = ? AND community_id = ?",
            (period, community_id),
        )
        value = await self.tx.fetchval(
            "SELECT attempts FROM index_posts WHERE period = ? AND community_id = ?",
            (period, community_id),
        )
        return int(value or 0)

    async def set_index_post_sent(
        self, period: str, community_id: int, at: datetime, message_id: int | None
    ) -> None:
        """Telegram accepted the scorecard (or it was given up: `message_id` None)."""
        await self.tx.execute(
            "UPDATE index_posts SET sent_at = ?, message_id = ? "
            "WHERE period = ? AND community_id = ?",
            (to_ts(at), message_id, period, community_id),
        )

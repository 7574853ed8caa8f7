"""The repository: every SQL statement Minyi runs, over any Backend.

`Repository.transaction()` yields a `Session`; everything done through one session commits
together or not at all. Method names follow add_/get_/list_/count_/delete_/set_.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.core.models import (
    Community,
    DigestDelivery,
    NewAnswer,
    OptionCount,
    Post,
    PostPurpose,
    Quote,
    Round,
    RoundKind,
    RoundState,
    StoredAnswer,
    TagRecord,
    ThemeCount,
    from_ts,
    to_ts,
)
from storage.backend import Backend, Leadership, Row, Tx, backend_for
from storage.copy import advance_identities
from storage.migrations import migrate


@dataclass(frozen=True)
class Scope:
    """Which answers and votes an aggregate covers: some rounds, a time window, communities."""

    round_ids: Sequence[int] | None = None
    since: datetime | None = None
    until: datetime | None = None
    community_ids: Sequence[int] | None = None

    def where(self, alias: str, *, votes: bool = False) -> tuple[str, list[Any]]:
        """A WHERE clause (and its parameters) over table `alias`."""
        parts: list[str] = [] if votes else [f"{alias}.hidden = 0"]
        params: list[Any] = []
        if self.round_ids is not None:
            parts.append(f"{alias}.round_id IN {_in(self.round_ids)}" if self.round_ids else "1=0")
            params.extend(self.round_ids)
        if self.community_ids is not None:
            ids = self.community_ids
            parts.append(f"{alias}.community_id IN {_in(ids)}" if ids else "1=0")
            params.extend(ids)
        if self.since is not None:
            parts.append(f"{alias}.created_at >= ?")
            params.append(to_ts(self.since))
        if self.until is not None:
            parts.append(f"{alias}.created_at < ?")
            params.append(to_ts(self.until))
        return (" AND ".join(parts) or "1=1"), params


class NameTaken(Exception):
    """Another chat already uses this community name."""


def _in(values: Sequence[Any]) -> str:
    return "(" + ",".join("?" for _ in values) + ")"


def _community(row: Row) -> Community:
    return Community(
        id=row["id"], chat_id=row["chat_id"], name=row["name"], active=bool(row["active"])
    )


def _opt_dt(value: float | None) -> datetime | None:
    return None if value is None else from_ts(value)


def _round(row: Row) -> Round:
    return Round(
        id=row["id"],
        kind=row["kind"],
        state=row["state"],
        question=row["question"],
        options=json.loads(row["options"]),
        multi=bool(row["multi"]),
        anonymous=bool(row["anonymous"]),
        opens_at=from_ts(row["opens_at"]),
        closes_at=from_ts(row["closes_at"]),
        reminder_at=_opt_dt(row["reminder_at"]),
        cron=row["cron"],
        recurrence_of=row["recurrence_of"],
        created_at=from_ts(row["created_at"]),
        opened_at=_opt_dt(row["opened_at"]),
        closed_at=_opt_dt(row["closed_at"]),
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
        sent_at=_opt_dt(row["sent_at"]),
        attempts=row["attempts"],
    )


_ROUND_COLUMNS = (
    "id, kind, state, question, options, multi, anonymous, opens_at, closes_at, reminder_at, "
    "cron, recurrence_of, created_at, opened_at, closed_at"
)
# Answers per multi-row INSERT: 9 parameters each stays far below the limits of SQLite (32,766)
# and PostgreSQL (65,535) on parameters per statement.
_ROWS_PER_INSERT = 100
_THEME_COLUMNS = (
    "answer_id, theme_id, kind, score, evidence, round_id, community_id, created_at, hidden"
)
_POST_SELECT = (
    "SELECT p.round_id, p.community_id, c.name, c.chat_id, p.purpose, p.message_id, p.poll_id, "
    "p.sent_at, p.attempts FROM posts p JOIN communities c ON c.id = p.community_id"
)


class Session:
    """Repository operations inside one transaction."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        # Set when work that joined this session failed (see Repository.transaction).
        self.failed = False

    # -- processed updates ------------------------------------------------------------------
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
            f"SELECT update_id FROM processed_updates WHERE update_id IN {_in(update_ids)}",
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

    # -- communities ------------------------------------------------------------------------
    async def get_community_by_chat(self, chat_id: int) -> Community | None:
        """The community registered for a chat."""
        row = await self.tx.fetchone("SELECT * FROM communities WHERE chat_id = ?", (chat_id,))
        return None if row is None else _community(row)

    async def get_community_by_name(self, name: str) -> Community | None:
        """The community with this name."""
        row = await self.tx.fetchone("SELECT * FROM communities WHERE name = ?", (name,))
        return None if row is None else _community(row)

    async def list_communities(self, active_only: bool = False) -> list[Community]:
        """All communities, by name."""
        where = " WHERE active = 1" if active_only else ""
        rows = await self.tx.fetchall(f"SELECT * FROM communities{where} ORDER BY name")
        return [_community(r) for r in rows]

    async def set_community(self, chat_id: int, name: str, at: datetime) -> tuple[Community, bool]:
        """Register a chat under `name`, or rename it; returns (community, created)."""
        other = await self.get_community_by_name(name)
        if other is not None and other.chat_id != chat_id:
            raise NameTaken(name)
        existing = await self.get_community_by_chat(chat_id)
        if existing is None:
            await self.tx.execute(
                "INSERT INTO communities (chat_id, name, active, created_at) VALUES (?, ?, 1, ?)",
                (chat_id, name, to_ts(at)),
            )
        else:
            await self.tx.execute(
                "UPDATE communities SET name = ?, active = 1 WHERE chat_id = ?", (name, chat_id)
            )
        community = await self.get_community_by_chat(chat_id)
        assert community is not None
        return community, existing is None

    async def set_community_active(self, chat_id: int, active: bool) -> bool:
        """Mark a chat's community active or not; False if the chat is no community."""
        changed = await self.tx.execute(
            "UPDATE communities SET active = ? WHERE chat_id = ?", (int(active), chat_id)
        )
        return changed > 0

    async def set_community_chat(self, old_chat_id: int, new_chat_id: int) -> bool:
        """A group became a supergroup: its community follows it to the new chat id."""
        changed = await self.tx.execute(
            "UPDATE communities SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
        )
        return changed > 0

    # -- rounds -----------------------------------------------------------------------------
    async def add_round(
        self,
        *,
        kind: RoundKind,
        state: RoundState,
        question: str,
        community_ids: Sequence[int],
        opens_at: datetime,
        closes_at: datetime,
        reminder_at: datetime | None,
        created_by: str,
        at: datetime,
        options: Sequence[str] = (),
        multi: bool = False,
        anonymous: bool = False,
        cron: str | None = None,
        recurrence_of: int | None = None,
    ) -> Round:
        """Store a new round for these communities."""
        rows = await self.tx.fetchall(
            "INSERT INTO rounds (kind, state, question, options, multi, anonymous, opens_at, "
            "closes_at, reminder_at, cron, recurrence_of, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                kind,
                state,
                question,
                json.dumps(list(options), ensure_ascii=False),
                int(multi),
                int(anonymous),
                to_ts(opens_at),
                to_ts(closes_at),
                None if reminder_at is None else to_ts(reminder_at),
                cron,
                recurrence_of,
                created_by,
                to_ts(at),
            ),
        )
        round_id = int(rows[0]["id"])
        await self.tx.executemany(
            "INSERT INTO round_communities (round_id, community_id) VALUES (?, ?)",
            [(round_id, cid) for cid in community_ids],
        )
        found = await self.get_round(round_id)
        assert found is not None
        return found

    async def get_round(self, round_id: int) -> Round | None:
        """A round by id."""
        row = await self.tx.fetchone(
            f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE id = ?", (round_id,)
        )
        return None if row is None else _round(row)

    async def list_rounds(
        self,
        *,
        community_id: int | None = None,
        states: Sequence[str] = (),
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[Round]:
        """Rounds, newest first, filtered by community, state and opening time."""
        where: list[str] = []
        params: list[Any] = []
        if community_id is not None:
            where.append("id IN (SELECT round_id FROM round_communities WHERE community_id = ?)")
            params.append(community_id)
        if states:
            where.append(f"state IN {_in(states)}")
            params.extend(states)
        if since is not None:
            where.append("opens_at >= ?")
            params.append(to_ts(since))
        sql = f"SELECT {_ROUND_COLUMNS} FROM rounds"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY opens_at DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_round(r) for r in await self.tx.fetchall(sql, params)]

    async def list_round_communities(self, round_id: int) -> list[Community]:
        """The communities a round is put to."""
        rows = await self.tx.fetchall(
            "SELECT c.* FROM communities c JOIN round_communities rc ON rc.community_id = c.id "
            "WHERE rc.round_id = ? ORDER BY c.name",
            (round_id,),
        )
        return [_community(r) for r in rows]

    async def set_round_state(
        self, round_id: int, state: RoundState, at: datetime, *, expect: RoundState
    ) -> bool:
        """Move a round from `expect` to `state`; False if it was not in `expect` any more."""
        stamp = {"open": ", opened_at = ?", "closed": ", closed_at = ?"}.get(state, "")
        params: list[Any] = [state]
        if stamp:
            params.append(to_ts(at))
        params += [round_id, expect]
        changed = await self.tx.execute(
            f"UPDATE rounds SET state = ?{stamp} WHERE id = ? AND state = ?", params
        )
        return changed > 0

    async def set_round_closes_at(self, round_id: int, closes_at: datetime) -> None:
        """Move a round's closing time (closing early)."""
        await self.tx.execute(
            "UPDATE rounds SET closes_at = ? WHERE id = ?", (to_ts(closes_at), round_id)
        )

    async def clear_round_reminder(self, round_id: int) -> None:
        """A reminder was queued: do not queue it again."""
        await self.tx.execute("UPDATE rounds SET reminder_at = NULL WHERE id = ?", (round_id,))

    async def list_due_rounds(self, now: datetime) -> list[Round]:
        """Rounds with a transition due at `now`: opening, reminding or closing."""
        ts = to_ts(now)
        rows = await self.tx.fetchall(
            f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE "
            "(state = 'scheduled' AND opens_at <= ?) OR "
            "(state = 'open' AND (closes_at <= ? OR reminder_at <= ?)) "
            "ORDER BY opens_at, id",
            (ts, ts, ts),
        )
        return [_round(r) for r in rows]

    async def list_open_rounds_for(
        self, community_id: int, kind: RoundKind | None = None
    ) -> list[Round]:
        """Open rounds put to this community, newest first."""
        params: list[Any] = []
        extra = ""
        if kind is not None:
            extra = " AND kind = ?"
            params.append(kind)
        params.append(community_id)
        rows = await self.tx.fetchall(
            f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE state = 'open'{extra} AND id IN "
            "(SELECT round_id FROM round_communities WHERE community_id = ?) "
            "ORDER BY opens_at DESC, id DESC",
            params,
        )
        return [_round(r) for r in rows]

    # -- posts (the outbox) -----------------------------------------------------------------
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
            "ORDER BY p.round_id, CASE p.purpose WHEN 'open' THEN 0 WHEN 'note' THEN 1 "
            "WHEN 'reminder' THEN 2 WHEN 'close' THEN 3 ELSE 4 END, p.community_id"
        )
        return [_post(r) for r in rows]

    async def add_post_attempt(self, round_id: int, community_id: int, purpose: PostPurpose) -> int:
        """A send of this post is about to start; returns the attempts so far, this one included."""
        await self.tx.execute(
            "UPDATE posts SET attempts = attempts + 1 "
            "WHERE round_id = ? AND community_id = ? AND purpose = ?",
            (round_id, community_id, purpose),
        )
        value = await self.tx.fetchval(
            "SELECT attempts FROM posts WHERE round_id = ? AND community_id = ? AND purpose = ?",
            (round_id, community_id, purpose),
        )
        return int(value or 0)

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
            f"{_POST_SELECT} WHERE p.round_id = ?{extra} ORDER BY c.name", params
        )
        return [_post(r) for r in rows]

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
        columns = ", ".join(f"r.{c.strip()}" for c in _ROUND_COLUMNS.split(","))
        row = await self.tx.fetchone(
            f"SELECT {columns}, p.community_id AS post_community, p.purpose AS post_purpose "
            "FROM posts p JOIN communities c ON c.id = p.community_id "
            "JOIN rounds r ON r.id = p.round_id WHERE c.chat_id = ? AND p.message_id = ?",
            (chat_id, message_id),
        )
        if row is None:
            return None
        community_id, purpose = row.pop("post_community"), row.pop("post_purpose")
        return _round(row), int(community_id), purpose

    async def get_post_by_poll(self, poll_id: str) -> Post | None:
        """The round post that carries a Telegram poll."""
        row = await self.tx.fetchone(f"{_POST_SELECT} WHERE p.poll_id = ?", (poll_id,))
        return None if row is None else _post(row)

    # -- answers ----------------------------------------------------------------------------
    async def get_answer_by_source(self, source: str) -> StoredAnswer | None:
        """The answer stored from one Telegram message."""
        row = await self.tx.fetchone("SELECT * FROM answers WHERE source = ?", (source,))
        return None if row is None else self._answer(row)

    @staticmethod
    def _answer(row: Row, themes: list[TagRecord] | None = None) -> StoredAnswer:
        return StoredAnswer(
            id=row["id"],
            round_id=row["round_id"],
            community_id=row["community_id"],
            via=row["via"],
            text=row["text"],
            created_at=from_ts(row["created_at"]),
            updated_at=from_ts(row["updated_at"]),
            hidden=bool(row["hidden"]),
            themes=themes or [],
        )

    async def add_answer(self, answer: NewAnswer) -> int | None:
        """Store an answer and its themes; None if this resident already said exactly this."""
        return (await self.add_answers([answer]))[0]

    async def add_answers(self, answers: Sequence[NewAnswer]) -> list[int | None]:
        """Store answers and their themes, a few statements for the lot (the ingest path);
        for each, its id, or None if its resident already said exactly this in the round
        (earlier, or earlier in `answers`)."""
        ids: dict[str, int] = {}
        for start in range(0, len(answers), _ROWS_PER_INSERT):
            chunk = answers[start : start + _ROWS_PER_INSERT]
            rows = await self.tx.fetchall(
                "INSERT INTO answers (round_id, community_id, resident, source, via, text, "
                "text_hash, created_at, updated_at) VALUES "
                + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
                + " ON CONFLICT DO NOTHING RETURNING id, source",
                [
                    value
                    for a in chunk
                    for value in (
                        a.round_id,
                        a.community_id,
                        a.resident,
                        a.source,
                        a.via,
                        a.text,
                        a.text_hash,
                        to_ts(a.at),
                        to_ts(a.at),
                    )
                ],
            )
            ids.update((str(r["source"]), int(r["id"])) for r in rows)
        stored = [ids.get(a.source) for a in answers]
        await self.add_answer_themes(
            [
                (answer_id, a, a.themes)
                for a, answer_id in zip(answers, stored, strict=True)
                if answer_id is not None
            ]
        )
        return stored

    async def add_answer_themes(
        self, stored: Sequence[tuple[int, NewAnswer, Sequence[TagRecord]]]
    ) -> None:
        """Themes of (answer id, the answer as given to add_answers, its themes): for answers
        stored before they were tagged (the ingest path stores while tagging)."""
        await self._insert_themes(
            [
                (answer_id, themes, (a.round_id, a.community_id, to_ts(a.at), 0))
                for answer_id, a, themes in stored
            ]
        )

    async def set_answer_text(
        self, answer_id: int, text: str, text_hash: str, at: datetime, themes: Sequence[TagRecord]
    ) -> bool:
        """An edited answer replaces the stored one; False if that would duplicate another."""
        clash = await self.tx.fetchone(
            "SELECT 1 AS x FROM answers a JOIN answers b ON a.round_id = b.round_id "
            "AND a.resident = b.resident WHERE a.id = ? AND b.id <> a.id AND b.text_hash = ?",
            (answer_id, text_hash),
        )
        if clash is not None:
            return False
        await self.tx.execute(
            "UPDATE answers SET text = ?, text_hash = ?, updated_at = ? WHERE id = ?",
            (text, text_hash, to_ts(at), answer_id),
        )
        await self.set_answer_themes(answer_id, themes)
        return True

    async def set_answer_themes(self, answer_id: int, themes: Sequence[TagRecord]) -> None:
        """Replace an answer's themes."""
        await self.tx.execute("DELETE FROM answer_themes WHERE answer_id = ?", (answer_id,))
        row = await self.tx.fetchone(
            "SELECT round_id, community_id, created_at, hidden FROM answers WHERE id = ?",
            (answer_id,),
        )
        if row is not None:
            await self._insert_themes([(answer_id, themes, tuple(row.values()))])

    async def _insert_themes(
        self, answers: Sequence[tuple[int, Sequence[TagRecord], Sequence[Any]]]
    ) -> None:
        """Store the themes of (answer id, themes, (round_id, community_id, created_at,
        hidden)) in one statement; theme rows repeat their answer's columns so that reports
        count themes without a join (migration 0002)."""
        await self.tx.executemany(
            f"INSERT INTO answer_themes ({_THEME_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    answer_id,
                    t.theme_id,
                    t.kind,
                    t.score,
                    json.dumps(t.evidence, ensure_ascii=False),
                    *answer,
                )
                for answer_id, themes, answer in answers
                for t in themes
            ],
        )

    async def list_answers(
        self,
        *,
        round_ids: Sequence[int] | None = None,
        community_ids: Sequence[int] | None = None,
        include_hidden: bool = False,
        resident: str | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> list[StoredAnswer]:
        """Answers with their themes, oldest first."""
        where = ["a.id > ?"]
        params: list[Any] = [after_id]
        for column, ids in (("round_id", round_ids), ("community_id", community_ids)):
            if ids is not None:
                if not ids:
                    return []
                where.append(f"a.{column} IN {_in(ids)}")
                params.extend(ids)
        if not include_hidden:
            where.append("a.hidden = 0")
        if resident is not None:
            where.append("a.resident = ?")
            params.append(resident)
        sql = "SELECT a.* FROM answers a WHERE " + " AND ".join(where) + " ORDER BY a.id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return await self._with_themes(await self.tx.fetchall(sql, params))

    async def _with_themes(self, rows: list[Row]) -> list[StoredAnswer]:
        """Answer rows as StoredAnswer, each with its themes (one query for the lot)."""
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        theme_rows = await self.tx.fetchall(
            "SELECT answer_id, theme_id, kind, score, evidence FROM answer_themes WHERE "
            f"answer_id >= ? AND answer_id <= ? AND answer_id IN {_in(ids)} "
            "ORDER BY answer_id, score DESC, theme_id",
            [min(ids), max(ids), *ids],
        )
        by_answer: dict[int, list[TagRecord]] = {}
        for t in theme_rows:
            by_answer.setdefault(t["answer_id"], []).append(
                TagRecord(
                    theme_id=t["theme_id"],
                    kind=t["kind"],
                    score=t["score"],
                    evidence=json.loads(t["evidence"]),
                )
            )
        return [self._answer(r, by_answer.get(r["id"])) for r in rows]

    async def list_answers_between(
        self,
        since: datetime,
        until: datetime,
        *,
        after: tuple[datetime, int] | None = None,
        limit: int = 5000,
    ) -> list[StoredAnswer]:
        """One page of visible answers created in [since, until), with their themes, ordered by
        (created_at, id); pass the last answer's (created_at, id) as `after` for the next page.
        Each page is one range read on the created_at index, never the rest of the table."""
        where = "a.hidden = 0 AND a.created_at < ? AND "
        params: list[Any] = [to_ts(until)]
        if after is None:
            where += "a.created_at >= ?"
            params.append(to_ts(since))
        else:
            where += "(a.created_at > ? OR (a.created_at = ? AND a.id > ?))"
            params += [to_ts(after[0]), to_ts(after[0]), after[1]]
        rows = await self.tx.fetchall(
            f"SELECT a.* FROM answers a WHERE {where} ORDER BY a.created_at, a.id "
            f"LIMIT {int(limit)}",
            params,
        )
        return await self._with_themes(rows)

    async def get_answer(self, answer_id: int) -> StoredAnswer | None:
        """One answer by id (hidden or not), without its themes."""
        row = await self.tx.fetchone("SELECT * FROM answers WHERE id = ?", (answer_id,))
        return None if row is None else self._answer(row)

    async def list_moderation_log(self) -> list[tuple[int, str, str]]:
        """Moderation actions, oldest first: (answer id, action, pseudonymous actor)."""
        rows = await self.tx.fetchall(
            "SELECT answer_id, action, actor FROM moderation_log ORDER BY id"
        )
        return [(int(r["answer_id"]), r["action"], r["actor"]) for r in rows]

    async def list_answer_texts_page(self, after_id: int, limit: int) -> list[tuple[int, str]]:
        """(id, text) of every answer, hidden ones too, by id: a light scan for re-tagging."""
        rows = await self.tx.fetchall(
            f"SELECT id, text FROM answers WHERE id > ? ORDER BY id LIMIT {int(limit)}",
            (after_id,),
        )
        return [(int(r["id"]), r["text"]) for r in rows]

    async def get_answer_themes(self, answer_ids: Sequence[int]) -> dict[int, list[TagRecord]]:
        """The stored themes of some answers."""
        if not answer_ids:
            return {}
        rows = await self.tx.fetchall(
            "SELECT answer_id, theme_id, kind, score, evidence FROM answer_themes "
            f"WHERE answer_id IN {_in(answer_ids)}",
            list(answer_ids),
        )
        out: dict[int, list[TagRecord]] = {i: [] for i in answer_ids}
        for r in rows:
            out[r["answer_id"]].append(
                TagRecord(
                    theme_id=r["theme_id"],
                    kind=r["kind"],
                    score=r["score"],
                    evidence=json.loads(r["evidence"]),
                )
            )
        return out

    async def set_answer_hidden(self, answer_id: int, actor: str, at: datetime) -> bool:
        """Moderation: hide an answer from reports and exports, logging who did it."""
        changed = await self.tx.execute(
            "UPDATE answers SET hidden = 1 WHERE id = ? AND hidden = 0", (answer_id,)
        )
        if changed:
            await self.tx.execute(
                "UPDATE answer_themes SET hidden = 1 WHERE answer_id = ?", (answer_id,)
            )
            await self.tx.execute(
                "INSERT INTO moderation_log (answer_id, action, actor, at) VALUES (?, ?, ?, ?)",
                (answer_id, "hide", actor, to_ts(at)),
            )
        return changed > 0

    async def delete_resident_data(self, resident: str) -> tuple[int, int]:
        """`/forget`: delete a resident's answers (and their themes) and votes."""
        await self.tx.execute(
            "DELETE FROM answer_themes WHERE answer_id IN "
            "(SELECT id FROM answers WHERE resident = ?)",
            (resident,),
        )
        answers = await self.tx.execute("DELETE FROM answers WHERE resident = ?", (resident,))
        await self.delete_private_session(resident)
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
        await self.tx.execute(
            "DELETE FROM answer_themes WHERE answer_id IN "
            "(SELECT id FROM answers WHERE created_at < ?)",
            (ts,),
        )
        count = await self.tx.execute("DELETE FROM answers WHERE created_at < ?", (ts,))
        await self.tx.execute("DELETE FROM votes WHERE created_at < ?", (ts,))
        await self.tx.execute("DELETE FROM dead_letters WHERE at < ?", (ts,))
        return count

    async def set_private_session(
        self, resident: str, round_id: int, community_id: int, at: datetime
    ) -> None:
        """The resident's private messages now answer this round."""
        await self.tx.execute(
            "INSERT INTO private_sessions (resident, round_id, community_id, started_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (resident) DO UPDATE SET "
            "round_id = excluded.round_id, community_id = excluded.community_id, "
            "started_at = excluded.started_at",
            (resident, round_id, community_id, to_ts(at)),
        )

    async def get_private_session(self, resident: str) -> tuple[int, int] | None:
        """(round id, community id) the resident is answering privately, if any."""
        row = await self.tx.fetchone(
            "SELECT round_id, community_id FROM private_sessions WHERE resident = ?", (resident,)
        )
        return None if row is None else (int(row["round_id"]), int(row["community_id"]))

    async def delete_private_session(self, resident: str) -> None:
        """Forget which round a resident answers privately."""
        await self.tx.execute("DELETE FROM private_sessions WHERE resident = ?", (resident,))

    async def lock_open_round(self, round_id: int) -> bool:
        """Whether the round is open, held so until this transaction ends: an answer or vote
        written after this check cannot land in a round a concurrent close just closed
        (SQLite: the transaction already holds the write lock; PostgreSQL: FOR SHARE)."""
        suffix = " FOR SHARE" if self.tx.dialect == "postgresql" else ""
        row = await self.tx.fetchone(f"SELECT state FROM rounds WHERE id = ?{suffix}", (round_id,))
        return row is not None and row["state"] == "open"

    async def delete_private_sessions_for(self, round_id: int) -> None:
        """A round closed: nobody answers it privately any more."""
        await self.tx.execute("DELETE FROM private_sessions WHERE round_id = ?", (round_id,))

    # -- votes ------------------------------------------------------------------------------
    async def set_votes(
        self,
        round_id: int,
        community_id: int,
        resident: str,
        option_indexes: Sequence[int],
        at: datetime,
    ) -> None:
        """A resident's current choice replaces any earlier one (empty = retracted)."""
        await self.tx.execute(
            "DELETE FROM votes WHERE round_id = ? AND resident = ?", (round_id, resident)
        )
        await self.tx.executemany(
            "INSERT INTO votes (round_id, community_id, resident, option_index, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(round_id, community_id, resident, i, to_ts(at)) for i in sorted(set(option_indexes))],
        )

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

    async def set_poll_tally(self, poll_id: str, counts: Sequence[int], voters: int) -> None:
        """Anonymous polls: the totals Telegram reports for one poll."""
        await self.tx.execute(
            "INSERT INTO poll_totals (poll_id, voters) VALUES (?, ?) "
            "ON CONFLICT (poll_id) DO UPDATE SET voters = excluded.voters",
            (poll_id, voters),
        )
        await self.tx.execute("DELETE FROM poll_tallies WHERE poll_id = ?", (poll_id,))
        await self.tx.executemany(
            "INSERT INTO poll_tallies (poll_id, option_index, votes) VALUES (?, ?, ?)",
            [(poll_id, i, n) for i, n in enumerate(counts)],
        )

    # -- aggregates for reports (one query each) --------------------------------------------
    async def count_visible_answers(self, scope: Scope) -> dict[int, int]:
        """Per community: visible answers in scope (no distinct count, so one cheap pass)."""
        where, params = scope.where("a")
        rows = await self.tx.fetchall(
            f"SELECT a.community_id, count(*) AS answers FROM answers a WHERE {where} "
            "GROUP BY a.community_id",
            params,
        )
        return {r["community_id"]: int(r["answers"]) for r in rows}

    async def count_participants(self, scope: Scope) -> tuple[dict[int, int], int]:
        """Unique residents who answered or voted in scope: per community, and over all
        communities (someone in two communities counts once there).

        One statement: each side is collapsed to distinct (community, resident) pairs in index
        order first, so only those pairs, not every answer, reach the union and the counts.
        """
        answers_where, answers_params = scope.where("a")
        votes_where, votes_params = scope.where("v", votes=True)
        rows = await self.tx.fetchall(
            "WITH who AS ("
            f" SELECT a.community_id, a.resident FROM answers a WHERE {answers_where}"
            " GROUP BY a.community_id, a.resident"
            f" UNION SELECT v.community_id, v.resident FROM votes v WHERE {votes_where}"
            " GROUP BY v.community_id, v.resident)"
            " SELECT community_id, count(*) AS n FROM who GROUP BY community_id"
            " UNION ALL SELECT NULL, count(DISTINCT resident) FROM who",
            [*answers_params, *votes_params],
        )
        per_community = {r["community_id"]: int(r["n"]) for r in rows if r["community_id"]}
        overall = sum(int(r["n"]) for r in rows if r["community_id"] is None)
        return per_community, overall

    async def count_themes(self, scope: Scope) -> dict[int, list[ThemeCount]]:
        """Per community: visible answers per theme in scope (theme rows carry their answer's
        scope columns, so this reads one index of answer_themes and nothing else)."""
        where, params = scope.where("t")
        rows = await self.tx.fetchall(
            "SELECT t.community_id, t.theme_id, t.kind, count(*) AS n FROM answer_themes t "
            f"WHERE {where} GROUP BY t.community_id, t.theme_id, t.kind",
            params,
        )
        out: dict[int, list[ThemeCount]] = {}
        for r in rows:
            out.setdefault(r["community_id"], []).append(
                ThemeCount(theme_id=r["theme_id"], kind=r["kind"], count=int(r["n"]))
            )
        return out

    async def count_votes(self, round_id: int) -> list[OptionCount]:
        """Votes per community and option: recorded votes, else anonymous poll tallies."""
        rows = await self.tx.fetchall(
            "SELECT community_id, option_index, count(*) AS n FROM votes WHERE round_id = ? "
            "GROUP BY community_id, option_index "
            "UNION ALL SELECT p.community_id, t.option_index, t.votes FROM poll_tallies t "
            "JOIN posts p ON p.poll_id = t.poll_id WHERE p.round_id = ? AND p.purpose = 'open'",
            (round_id, round_id),
        )
        return [
            OptionCount(
                community_id=r["community_id"], option_index=r["option_index"], votes=r["n"]
            )
            for r in rows
        ]

    async def count_voters(self, round_id: int) -> dict[int, int]:
        """Per community: residents with a recorded vote, or an anonymous poll's voter total."""
        rows = await self.tx.fetchall(
            "SELECT community_id, count(DISTINCT resident) AS n FROM votes WHERE round_id = ? "
            "GROUP BY community_id "
            "UNION ALL SELECT p.community_id, t.voters FROM poll_totals t "
            "JOIN posts p ON p.poll_id = t.poll_id WHERE p.round_id = ? AND p.purpose = 'open'",
            (round_id, round_id),
        )
        out: dict[int, int] = {}
        for r in rows:
            out[r["community_id"]] = out.get(r["community_id"], 0) + int(r["n"])
        return out

    async def list_quote_candidates(
        self, scope: Scope, theme_ids: Sequence[str], per_theme: int = 12
    ) -> list[Quote]:
        """The best-scoring visible answers for each of these themes (by score, then id).

        Per theme, the index on (theme, hidden, score, answer) is read from its best end until
        `per_theme` rows in scope are found, instead of ranking every theme row in scope.
        """
        if not theme_ids:
            return []
        where, params = scope.where("t")
        best = (
            "SELECT * FROM (SELECT t.answer_id, t.theme_id, t.score FROM answer_themes t"
            f" WHERE t.theme_id = ? AND {where} ORDER BY t.score DESC, t.answer_id"
            f" LIMIT {int(per_theme)}) AS best_{{n}}"
        )
        union = " UNION ALL ".join(best.format(n=n) for n in range(len(theme_ids)))
        rows = await self.tx.fetchall(
            "SELECT b.answer_id, b.theme_id, a.resident, a.text, b.score"
            f" FROM ({union}) AS b JOIN answers a ON a.id = b.answer_id"
            " ORDER BY b.theme_id, b.score DESC, b.answer_id",
            [value for theme_id in theme_ids for value in (theme_id, *params)],
        )
        return [Quote(**r) for r in rows]

    async def list_voted_round_ids(self, since: datetime, until: datetime) -> list[int]:
        """Rounds with a vote cast in [since, until), and anonymous polls open then (Telegram
        gives their totals without times), oldest first."""
        rows = await self.tx.fetchall(
            "SELECT round_id FROM votes WHERE created_at >= ? AND created_at < ? "
            "UNION SELECT id FROM rounds WHERE kind = 'poll' AND anonymous = 1 "
            "AND state IN ('open', 'closed') AND opens_at < ? AND closes_at >= ? "
            "ORDER BY 1",
            (to_ts(since), to_ts(until), to_ts(until), to_ts(since)),
        )
        return [int(r["round_id"]) for r in rows]

    async def count_stored_answers(self) -> int:
        """Every stored answer, hidden or not: the bare `count(*)` benchmarks compare with."""
        return int(await self.tx.fetchval("SELECT count(*) AS n FROM answers") or 0)

    async def add_synthetic_rows(
        self,
        answers: Sequence[Sequence[Any]],
        themes: Sequence[Sequence[Any]],
        votes: Sequence[Sequence[Any]] = (),
    ) -> None:
        """Bulk-load rows for benchmarks: answers as (id, round_id, community_id, resident,
        source, via, text, text_hash, created_at), themes as (answer_id, theme_id, kind, score,
        evidence JSON) of those answers, votes as (round_id, community_id, resident,
        option_index, created_at); times as epoch seconds.

        Answers keep the ids given (so that themes can name their answer); on PostgreSQL the
        identity sequence is then moved past them, so answers stored later get fresh ids."""
        await self.tx.executemany(
            "INSERT INTO answers (id, round_id, community_id, resident, source, via, text, "
            "text_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row, row[8]) for row in answers],
        )
        scope = {row[0]: (row[1], row[2], row[8], 0) for row in answers}
        await self.tx.executemany(
            f"INSERT INTO answer_themes ({_THEME_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row, *scope[row[0]]) for row in themes],
        )
        await self.tx.executemany(
            "INSERT INTO votes (round_id, community_id, resident, option_index, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            votes,
        )
        await advance_identities(self.tx, ("answers",))

    async def list_answer_texts(
        self, scope: Scope, limit: int = 5000, *, every: int = 1
    ) -> list[str]:
        """Visible answer texts in scope (for emerging terms), newest first; with `every` > 1
        only answers whose id is a multiple of it: an even sample across the whole scope."""
        where, params = scope.where("a")
        if every > 1:
            # Knuth's multiplicative hash: a sample that does not follow any pattern in ids.
            where += " AND ((a.id * 2654435761) % 4294967296) % ? = 0"
            params.append(int(every))
        rows = await self.tx.fetchall(
            f"SELECT a.text FROM answers a WHERE {where} ORDER BY a.id DESC LIMIT {int(limit)}",
            params,
        )
        return [r["text"] for r in rows]

    # -- learned models, digests ------------------------------------------------------------
    async def set_model(self, name: str, data: bytes, at: datetime) -> None:
        """Store (replace) a learned tagging model."""
        await self.tx.execute(
            "INSERT INTO learned_models (name, data, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET data = excluded.data, "
            "created_at = excluded.created_at",
            (name, data, to_ts(at)),
        )

    async def get_model(self, name: str) -> bytes | None:
        """A learned tagging model, if one was stored."""
        value = await self.tx.fetchval("SELECT data FROM learned_models WHERE name = ?", (name,))
        return None if value is None else bytes(value)

    async def get_first_community_time(self) -> datetime | None:
        """When the deployment's first community was registered (None before that): digests
        cover only periods that end after it."""
        value = await self.tx.fetchval("SELECT min(created_at) AS t FROM communities")
        return None if value is None else from_ts(value)

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
                retry_at=_opt_dt(r["retry_at"]),
                done_at=_opt_dt(r["done_at"]),
                outcome=r["outcome"],
            )
            for r in rows
        ]

    async def set_digest_parts_sent(
        self, period_start: datetime, chat_id: int, parts_sent: int
    ) -> None:
        """Telegram accepted the digest's messages up to `parts_sent` in this chat."""
        await self.tx.execute(
            "UPDATE digest_deliveries SET parts_sent = ? WHERE period_start = ? AND chat_id = ?",
            (parts_sent, to_ts(period_start), chat_id),
        )

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


class Repository:
    """The database of one deployment."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    @classmethod
    def from_url(cls, url: str) -> Repository:
        """The repository for a `storage.url`."""
        return cls(backend_for(url))

    async def open(self) -> None:
        """Connect and apply pending migrations."""
        await self.backend.open()
        await migrate(self.backend)

    async def close(self) -> None:
        """Disconnect."""
        await self.backend.close()

    @asynccontextmanager
    async def transaction(self, join: Session | None = None) -> AsyncIterator[Session]:
        """A session whose work commits together; with `join`, that open session instead
        (a batch of updates committing as one): nothing commits until its owner commits."""
        if join is not None:
            try:
                yield join
            except BaseException:
                # Its writes cannot be undone alone: the whole batch must roll back.
                join.failed = True
                raise
            return
        async with self.backend.transaction() as tx:
            yield Session(tx)

    async def analyze(self) -> None:
        """After a bulk load (benchmarks): refresh the planner's statistics now."""
        await self.backend.analyze()

    async def scrub(self) -> None:
        """Make deleted rows (after /forget or retention) unrecoverable from the files."""
        await self.backend.scrub()

    def exclusive(self, name: str) -> AbstractAsyncContextManager[None]:
        """A critical section held by one task in all processes sharing the database."""
        return self.backend.exclusive(name)

    def leadership(self, name: str = "scheduler") -> Leadership:
        """The claim to run scheduled work; one process holds it at a time."""
        return self.backend.leadership(name)

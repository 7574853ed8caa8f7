"""Rounds (a question put to some communities, and its state), and the private sessions in
which a resident answers one round in a private chat."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.core.models import Community, Round, RoundKind, RoundState, to_ts
from storage.dialect import by_code_point
from storage.repository.base import (
    ROUND_COLUMNS,
    Part,
    community_from,
    placeholders,
    round_from,
)


class Rounds(Part):
    """Tables `rounds` and `round_communities`."""

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
        principles: Sequence[str] = (),
        indicator: str | None = None,
        topics: Mapping[int, int] | None = None,
    ) -> Round:
        """Store a new round for these communities (`principles`: a priorities round's
        principle ids in option order; `indicator`: the index indicator a rating feeds;
        `topics`: the forum topic the round is put to, by community id)."""
        rows = await self.tx.fetchall(
            "INSERT INTO rounds (kind, state, question, options, multi, anonymous, opens_at, "
            "closes_at, reminder_at, cron, recurrence_of, created_by, created_at, principles, "
            "indicator) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
                json.dumps(list(principles)) if principles else None,
                indicator,
            ),
        )
        round_id = int(rows[0]["id"])
        await self.tx.executemany(
            "INSERT INTO round_communities (round_id, community_id, topic) VALUES (?, ?, ?)",
            [(round_id, cid, (topics or {}).get(cid)) for cid in community_ids],
        )
        found = await self.get_round(round_id)
        assert found is not None
        return found

    async def get_round(self, round_id: int) -> Round | None:
        """A round by id."""
        row = await self.tx.fetchone(
            f"SELECT {ROUND_COLUMNS} FROM rounds WHERE id = ?", (round_id,)
        )
        return None if row is None else round_from(row)

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
            where.append(f"state IN {placeholders(states)}")
            params.extend(states)
        if since is not None:
            where.append("opens_at >= ?")
            params.append(to_ts(since))
        sql = f"SELECT {ROUND_COLUMNS} FROM rounds"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY opens_at DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [round_from(r) for r in await self.tx.fetchall(sql, params)]

    async def get_round_topics(self, round_id: int) -> dict[int, int]:
        """The forum topic a round was put to, by community id (communities in a topic only)."""
        rows = await self.tx.fetchall(
            "SELECT community_id, topic FROM round_communities "
            "WHERE round_id = ? AND topic IS NOT NULL",
            (round_id,),
        )
        return {int(r["community_id"]): int(r["topic"]) for r in rows}

    async def list_round_communities(self, round_id: int) -> list[Community]:
        """The communities a round is put to."""
        rows = await self.tx.fetchall(
            "SELECT c.* FROM communities c JOIN round_communities rc ON rc.community_id = c.id "
            f"WHERE rc.round_id = ? ORDER BY {by_code_point('c.name', self.tx.dialect)}",
            (round_id,),
        )
        return [community_from(r) for r in rows]

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

    async def get_live_occurrence(self, series_id: int) -> Round | None:
        """The occurrence of a recurring series (`series_id`: its first round) still to come
        or open and still recurring, if any: closing it, or cancelling it, ends or continues
        the series."""
        row = await self.tx.fetchone(
            f"SELECT {ROUND_COLUMNS} FROM rounds WHERE (id = ? OR recurrence_of = ?) "
            "AND state IN ('scheduled', 'open') AND cron IS NOT NULL "
            "ORDER BY opens_at DESC, id DESC LIMIT 1",
            (series_id, series_id),
        )
        return None if row is None else round_from(row)

    async def end_round_series(self, round_id: int) -> bool:
        """An open occurrence recurs no more: its closing schedules no next one. False if it
        was not open any more (closed meanwhile, its next occurrence already stored). A
        series' first round names itself its series (`recurrence_of`): without its expression
        it is still told from a round that never recurred."""
        changed = await self.tx.execute(
            "UPDATE rounds SET cron = NULL, recurrence_of = COALESCE(recurrence_of, id) "
            "WHERE id = ? AND state = 'open'",
            (round_id,),
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
            f"SELECT {ROUND_COLUMNS} FROM rounds WHERE "
            "(state = 'scheduled' AND opens_at <= ?) OR "
            "(state = 'open' AND (closes_at <= ? OR reminder_at <= ?)) "
            "ORDER BY opens_at, id",
            (ts, ts, ts),
        )
        return [round_from(r) for r in rows]

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
            f"SELECT {ROUND_COLUMNS} FROM rounds WHERE state = 'open'{extra} AND id IN "
            "(SELECT round_id FROM round_communities WHERE community_id = ?) "
            "ORDER BY opens_at DESC, id DESC",
            params,
        )
        return [round_from(r) for r in rows]

    async def list_closed_rounds(
        self, kind: RoundKind, *, indicator: bool = False, until: datetime | None = None
    ) -> list[Round]:
        """Closed rounds of `kind` (only those feeding an indicator, with `indicator`), closed
        before `until` if given, latest closed first."""
        sql = f"SELECT {ROUND_COLUMNS} FROM rounds WHERE kind = ? AND state = 'closed'"
        params: list[Any] = [kind]
        if indicator:
            sql += " AND indicator IS NOT NULL"
        if until is not None:
            sql += " AND closed_at < ?"
            params.append(to_ts(until))
        rows = await self.tx.fetchall(sql + " ORDER BY closed_at DESC, id DESC", params)
        return [round_from(r) for r in rows]

    async def list_round_community_ids(self, round_ids: Sequence[int]) -> dict[int, list[int]]:
        """The communities each of these rounds was put to (round id -> community ids)."""
        out: dict[int, list[int]] = {rid: [] for rid in round_ids}
        for start in range(0, len(round_ids), 500):
            chunk = list(round_ids[start : start + 500])
            rows = await self.tx.fetchall(
                "SELECT round_id, community_id FROM round_communities "
                f"WHERE round_id IN {placeholders(chunk)}",
                chunk,
            )
            for r in rows:
                out[int(r["round_id"])].append(int(r["community_id"]))
        return out

    async def lock_open_round(self, round_id: int) -> bool:
        """Whether the round is open, held so until this transaction ends: an answer or vote
        written after this check cannot land in a round a concurrent close just closed
        (SQLite: the transaction already holds the write lock; PostgreSQL: FOR SHARE)."""
        suffix = " FOR SHARE" if self.tx.dialect == "postgresql" else ""
        row = await self.tx.fetchone(f"SELECT state FROM rounds WHERE id = ?{suffix}", (round_id,))
        return row is not None and row["state"] == "open"


class PrivateSessions(Part):
    """Table `private_sessions`: which round a resident's private messages answer."""

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

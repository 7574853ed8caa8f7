"""The aggregates reports are built from: one query each, over a `Scope` of answers and votes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.models import OptionCount, Quote, ThemeCount, to_ts
from storage.repository.base import Part, placeholders


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
            parts.append(
                f"{alias}.round_id IN {placeholders(self.round_ids)}" if self.round_ids else "1=0"
            )
            params.extend(self.round_ids)
        if self.community_ids is not None:
            ids = self.community_ids
            parts.append(f"{alias}.community_id IN {placeholders(ids)}" if ids else "1=0")
            params.extend(ids)
        if self.since is not None:
            parts.append(f"{alias}.created_at >= ?")
            params.append(to_ts(self.since))
        if self.until is not None:
            parts.append(f"{alias}.created_at < ?")
            params.append(to_ts(self.until))
        return (" AND ".join(parts) or "1=1"), params


class Reports(Part):
    """Counts and samples over `answers`, `answer_themes`, `votes` and poll tallies."""

    async def count_answers_by_channel(self, scope: Scope) -> dict[str, int]:
        """Visible answers in scope per channel (`telegram`, `web`)."""
        where, params = scope.where("a")
        rows = await self.tx.fetchall(
            f"SELECT a.channel, count(*) AS n FROM answers a WHERE {where} GROUP BY a.channel",
            params,
        )
        return {str(r["channel"]): int(r["n"]) for r in rows}

    async def count_voters_by_channel(self, round_id: int) -> dict[int, dict[str, int]]:
        """Per community and channel: residents with a recorded vote in a round (as
        `count_voters` counts them); an anonymous poll's voter total, which only Telegram
        reports, counts as `telegram`."""
        rows = await self.tx.fetchall(
            "SELECT community_id, channel, count(DISTINCT resident) AS n FROM votes "
            "WHERE round_id = ? GROUP BY community_id, channel "
            "UNION ALL SELECT p.community_id, 'telegram', t.voters FROM poll_totals t "
            "JOIN posts p ON p.poll_id = t.poll_id WHERE p.round_id = ? AND p.purpose = 'open'",
            (round_id, round_id),
        )
        out: dict[int, dict[str, int]] = {}
        for r in rows:
            counts = out.setdefault(int(r["community_id"]), {})
            counts[str(r["channel"])] = counts.get(str(r["channel"]), 0) + int(r["n"])
        return out

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
            "SELECT t.community_id, t.theme_id, t.kind, count(*) AS n, sum(t.score) AS s "
            "FROM answer_themes t "
            f"WHERE {where} GROUP BY t.community_id, t.theme_id, t.kind",
            params,
        )
        out: dict[int, list[ThemeCount]] = {}
        for r in rows:
            out.setdefault(r["community_id"], []).append(
                ThemeCount(
                    theme_id=r["theme_id"],
                    kind=r["kind"],
                    count=int(r["n"]),
                    score_sum=float(r["s"] or 0.0),
                )
            )
        return out

    async def count_untagged_answers(self, scope: Scope) -> dict[int, int]:
        """Per community: visible answers in scope that no theme was found in."""
        where, params = scope.where("a")
        rows = await self.tx.fetchall(
            f"SELECT a.community_id, count(*) AS n FROM answers a WHERE {where} AND NOT EXISTS "
            "(SELECT 1 FROM answer_themes t WHERE t.answer_id = a.id) GROUP BY a.community_id",
            params,
        )
        return {int(r["community_id"]): int(r["n"]) for r in rows}

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

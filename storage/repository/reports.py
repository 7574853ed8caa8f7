"""The aggregates reports are built from, over a `Scope` of answers and votes.

Counts come from the report tallies (migration 0011, storage/repository/tallies.py), kept
exact by every write: a round's figures are its tally rows; a time window's are the tally rows
of the whole hours inside it plus the stored rows of the partial hours at its two ends. A scope
the tallies cannot answer (a round and a time window at once, no window bounds, distinct
participants over several but not all communities of a window, or a window longer than
`GAP_CAP` hours) is counted from the stored rows, as before migration 0011.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.models import OptionCount, Quote, ThemeCount, to_ts
from storage.dialect import HOUR, MICROS, by_code_point, hour_of, micros_sql
from storage.repository.base import Part, placeholders
from storage.repository.tallies import GAP_CAP, flush

# The emerging-terms sample of a large scope takes answers whose id is a multiple of this
# (partial indexes answers_sample_round and answers_sample_time, migration 0011): an `every`
# that is a multiple of it reads only those index entries.
SAMPLE_STRIDE = 16


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


@dataclass(frozen=True)
class _Window:
    """A time window as the tallies see it: the whole hours [first, end) inside
    [since, until), and the partial hours at its ends as ranges of stored times."""

    since: float
    until: float
    first: int
    end: int

    @classmethod
    def of(cls, scope: Scope) -> _Window | None:
        """The window of a time-only scope (None for a round scope or an open window)."""
        if scope.round_ids is not None or scope.since is None or scope.until is None:
            return None
        return cls.between(to_ts(scope.since), to_ts(scope.until))

    @classmethod
    def between(cls, since: float, until: float) -> _Window:
        """The window [since, until) in epoch seconds."""
        first = hour_of(since)
        if first * HOUR < since:
            first += 1
        return cls(since, until, first, max(first, hour_of(until)))

    def edges(self, column: str) -> tuple[str, list[float]]:
        """A condition on a time column: in the window, outside its whole hours.

        Exact: for any stored time t, floor(t / 3600) == h exactly when
        h * 3600 <= t < (h + 1) * 3600 (a double's quotient by 3600 never rounds across an
        integer for times of this magnitude), so these rows and the tally rows of
        [first, end) never overlap and together make up the window."""
        if self.first >= self.end:
            return f"({column} >= ? AND {column} < ?)", [self.since, self.until]
        return (
            f"(({column} >= ? AND {column} < ?) OR ({column} >= ? AND {column} < ?))",
            [self.since, float(self.first * HOUR), float(self.end * HOUR), self.until],
        )


def _communities(alias: str, ids: Sequence[int] | None) -> tuple[str, list[Any]]:
    if ids is None:
        return "", []
    if not ids:
        return " AND 1=0", []
    return f" AND {alias}.community_id IN {placeholders(ids)}", list(ids)


class Reports(Part):
    """Counts and samples over the report tallies, `answers`, `answer_themes`, `votes` and
    poll tallies."""

    async def _answer_counts(self, scope: Scope) -> dict[tuple[int, str], list[int]]:
        """Per (community, channel): [visible answers, of which untagged] in scope."""
        await flush(self.tx)
        window = _Window.of(scope)
        out: dict[tuple[int, str], list[int]] = {}
        if scope.round_ids is not None and scope.since is None and scope.until is None:
            if not scope.round_ids:
                return out
            only, only_params = _communities("a", scope.community_ids)
            rows = await self.tx.fetchall(
                "SELECT a.community_id, a.channel, sum(a.answers) AS n, sum(a.untagged) AS u "
                f"FROM tally_answers a WHERE a.round_id IN {placeholders(scope.round_ids)}"
                f"{only} GROUP BY a.community_id, a.channel",
                [*scope.round_ids, *only_params],
            )
        elif window is not None:
            only, only_params = _communities("a", scope.community_ids)
            edges, edge_params = window.edges("a.created_at")
            rows = await self.tx.fetchall(
                "SELECT a.community_id, a.channel, sum(a.answers) AS n, sum(a.untagged) AS u "
                f"FROM tally_answers a WHERE a.hour >= ? AND a.hour < ?{only} "
                "GROUP BY a.community_id, a.channel "
                "UNION ALL SELECT a.community_id, a.channel, count(*), sum(CASE WHEN EXISTS "
                "(SELECT 1 FROM answer_themes t WHERE t.answer_id = a.id) THEN 0 ELSE 1 END) "
                f"FROM answers a WHERE a.hidden = 0 AND {edges}{only} "
                "GROUP BY a.community_id, a.channel",
                [window.first, window.end, *only_params, *edge_params, *only_params],
            )
        else:
            where, params = scope.where("a")
            rows = await self.tx.fetchall(
                "SELECT a.community_id, a.channel, count(*) AS n, sum(CASE WHEN EXISTS "
                "(SELECT 1 FROM answer_themes t WHERE t.answer_id = a.id) THEN 0 ELSE 1 END) "
                f"AS u FROM answers a WHERE {where} GROUP BY a.community_id, a.channel",
                params,
            )
        for r in rows:
            counts = out.setdefault((int(r["community_id"]), str(r["channel"])), [0, 0])
            counts[0] += int(r["n"] or 0)
            counts[1] += int(r["u"] or 0)
        return {key: counts for key, counts in out.items() if counts[0]}

    async def count_answers_by_channel(self, scope: Scope) -> dict[str, int]:
        """Visible answers in scope per channel (`telegram`, `web`)."""
        out: dict[str, int] = {}
        for (_, channel), (n, _) in (await self._answer_counts(scope)).items():
            out[channel] = out.get(channel, 0) + n
        return out

    async def count_voters_by_channel(self, round_id: int) -> dict[int, dict[str, int]]:
        """Per community and channel: residents with a recorded vote in a round (as
        `count_voters` counts them); an anonymous poll's voter total, which only Telegram
        reports, counts as `telegram`."""
        rows = await self.tx.fetchall(
            "SELECT community_id, channel, count(DISTINCT resident) AS n FROM votes "
            "WHERE round_id = ? GROUP BY community_id, channel "
            "UNION ALL SELECT p.community_id, 'telegram', t.voters FROM poll_totals t "
            "JOIN posts p ON p.poll_id = t.poll_id WHERE p.round_id = ? "
            "AND p.purpose IN ('open', 'orphan')",
            (round_id, round_id),
        )
        out: dict[int, dict[str, int]] = {}
        for r in rows:
            counts = out.setdefault(int(r["community_id"]), {})
            counts[str(r["channel"])] = counts.get(str(r["channel"]), 0) + int(r["n"])
        return out

    async def count_visible_answers(self, scope: Scope) -> dict[int, int]:
        """Per community: visible answers in scope."""
        out: dict[int, int] = {}
        for (community_id, _), (n, _) in (await self._answer_counts(scope)).items():
            out[community_id] = out.get(community_id, 0) + n
        return out

    async def count_untagged_answers(self, scope: Scope) -> dict[int, int]:
        """Per community: visible answers in scope that no theme was found in."""
        out: dict[int, int] = {}
        for (community_id, _), (_, untagged) in (await self._answer_counts(scope)).items():
            if untagged:
                out[community_id] = out.get(community_id, 0) + untagged
        return out

    async def count_participants(self, scope: Scope) -> tuple[dict[int, int], int]:
        """Unique residents who answered or voted in scope: per community, and over all
        communities (someone in two communities counts once there).

        A round: its rows of tally_round_people (community 0: over all its communities).
        A time window: its whole hours from tally_arrivals, where every active hour of a
        resident is filed under the gap since their previous one, so the residents active in
        [first, end) are the active hours in it whose gap reaches back before `first`; then
        the residents of the two partial hours at the ends who were not active in between.
        """
        await flush(self.tx)
        ids = scope.community_ids
        window = _Window.of(scope)
        if scope.round_ids is not None and scope.since is None and scope.until is None:
            return await self._round_participants(scope.round_ids, ids)
        if window is None or window.end - window.first > GAP_CAP:
            return await self._scan_participants(scope)
        wanted = None if ids is None else [*ids, 0]
        only, only_params = _communities("t", wanted)
        counts: dict[int, int] = {}
        for r in await self.tx.fetchall(
            "SELECT t.community_id, sum(t.n) AS n FROM tally_arrivals t "
            f"WHERE t.hour >= ? AND t.hour < ? AND t.gap > t.hour - ?{only} "
            "GROUP BY t.community_id",
            [window.first, window.end, window.first, *only_params],
        ):
            counts[int(r["community_id"])] = int(r["n"] or 0)
        answers_only, answers_params = _communities("a", ids)
        votes_only, votes_params = _communities("v", ids)
        answer_edges, answer_times = window.edges("a.created_at")
        vote_edges, vote_times = window.edges("v.created_at")
        between = (
            "NOT EXISTS (SELECT 1 FROM tally_activity x WHERE x.community_id = {c} "
            "AND x.resident = e.resident AND x.hour >= ? AND x.hour < ?)"
        )
        for r in await self.tx.fetchall(
            "WITH e AS ("
            f"SELECT a.community_id, a.resident FROM answers a WHERE a.hidden = 0 "
            f"AND {answer_edges}{answers_only} "
            f"UNION SELECT v.community_id, v.resident FROM votes v WHERE {vote_edges}{votes_only})"
            " SELECT e.community_id, count(*) AS n FROM e"
            f" WHERE {between.format(c='e.community_id')} GROUP BY e.community_id"
            " UNION ALL SELECT 0, count(*) FROM"
            f" (SELECT DISTINCT e.resident FROM e WHERE {between.format(c='0')}) AS o",
            [
                *answer_times,
                *answers_params,
                *vote_times,
                *votes_params,
                window.first,
                window.end,
                window.first,
                window.end,
            ],
        ):
            community_id = int(r["community_id"])
            counts[community_id] = counts.get(community_id, 0) + int(r["n"] or 0)
        per_community = {c: n for c, n in counts.items() if c and n}
        if ids is None:
            return per_community, counts.get(0, 0)
        if len(ids) == 1:
            return per_community, per_community.get(ids[0], 0)
        _, overall = await self._scan_participants(scope)
        return per_community, overall

    async def _round_participants(
        self, round_ids: Sequence[int], ids: Sequence[int] | None
    ) -> tuple[dict[int, int], int]:
        if not round_ids or (ids is not None and not ids):
            return {}, 0
        rounds = f"round_id IN {placeholders(round_ids)}"
        wanted = None if ids is None else [*ids, 0]
        only, only_params = _communities("p", wanted)
        if len(round_ids) == 1:
            rows = await self.tx.fetchall(
                "SELECT p.community_id, sum(p.people) AS n FROM tally_round_totals p "
                f"WHERE p.{rounds}{only} GROUP BY p.community_id",
                [*round_ids, *only_params],
            )
        else:  # someone in several of the rounds counts once
            rows = await self.tx.fetchall(
                "SELECT p.community_id, count(DISTINCT p.resident) AS n "
                f"FROM tally_round_people p WHERE p.{rounds}{only} GROUP BY p.community_id",
                [*round_ids, *only_params],
            )
        counts = {int(r["community_id"]): int(r["n"] or 0) for r in rows}
        per_community = {c: n for c, n in counts.items() if c and n}
        if ids is None:
            return per_community, counts.get(0, 0)
        if len(ids) == 1:
            return per_community, per_community.get(ids[0], 0)
        overall = await self.tx.fetchval(
            f"SELECT count(DISTINCT resident) AS n FROM tally_round_people WHERE {rounds} "
            f"AND community_id IN {placeholders(ids)}",
            [*round_ids, *ids],
        )
        return per_community, int(overall or 0)

    async def _scan_participants(self, scope: Scope) -> tuple[dict[int, int], int]:
        """count_participants from the stored rows (what the tallies cannot answer)."""
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
        """Per community: visible answers per theme in scope, with their scores' sum."""
        await flush(self.tx)
        window = _Window.of(scope)
        if scope.round_ids is not None and scope.since is None and scope.until is None:
            if not scope.round_ids:
                return {}
            only, only_params = _communities("t", scope.community_ids)
            rows = await self.tx.fetchall(
                "SELECT t.community_id, t.theme_id, t.kind, sum(t.answers) AS n, "
                f"sum(t.score_micros) AS s FROM tally_themes t "
                f"WHERE t.round_id IN {placeholders(scope.round_ids)}{only} "
                "GROUP BY t.community_id, t.theme_id, t.kind",
                [*scope.round_ids, *only_params],
            )
        elif window is not None:
            only, only_params = _communities("t", scope.community_ids)
            answers_only, answers_params = _communities("a", scope.community_ids)
            edges, edge_params = window.edges("a.created_at")
            rows = await self.tx.fetchall(
                "SELECT t.community_id, t.theme_id, t.kind, sum(t.answers) AS n, "
                "sum(t.score_micros) AS s FROM tally_themes t "
                f"WHERE t.hour >= ? AND t.hour < ?{only} "
                "GROUP BY t.community_id, t.theme_id, t.kind "
                "UNION ALL SELECT a.community_id, t.theme_id, t.kind, count(*), "
                f"sum({micros_sql('t.score', self.tx.dialect)}) "
                "FROM answers a JOIN answer_themes t ON t.answer_id = a.id "
                f"WHERE a.hidden = 0 AND {edges}{answers_only} "
                "GROUP BY a.community_id, t.theme_id, t.kind",
                [window.first, window.end, *only_params, *edge_params, *answers_params],
            )
        else:
            where, params = scope.where("t")
            rows = await self.tx.fetchall(
                "SELECT t.community_id, t.theme_id, t.kind, count(*) AS n, "
                f"sum({micros_sql('t.score', self.tx.dialect)}) AS s "
                f"FROM answer_themes t WHERE {where} GROUP BY t.community_id, t.theme_id, t.kind",
                params,
            )
        # Integer millionths in every branch: a float sum would depend on the order the
        # database visits the rows, and SQLite and PostgreSQL sum floats differently.
        merged: dict[tuple[int, str, str], list[int]] = {}
        for r in rows:
            key = (int(r["community_id"]), str(r["theme_id"]), str(r["kind"]))
            sums = merged.setdefault(key, [0, 0])
            sums[0] += int(r["n"] or 0)
            sums[1] += int(r["s"] or 0)
        out: dict[int, list[ThemeCount]] = {}
        for (community_id, theme_id, kind), (n, s) in sorted(merged.items()):
            if n:
                out.setdefault(community_id, []).append(
                    ThemeCount(theme_id=theme_id, kind=kind, count=int(n), score_sum=s / MICROS)
                )
        return out

    async def count_votes(self, round_id: int) -> list[OptionCount]:
        """Votes per community and option: recorded votes, else anonymous poll tallies."""
        await flush(self.tx)
        rows = await self.tx.fetchall(
            "SELECT community_id, option_index, sum(votes) AS n FROM tally_votes "
            "WHERE round_id = ? GROUP BY community_id, option_index HAVING sum(votes) <> 0 "
            "UNION ALL SELECT p.community_id, t.option_index, t.votes FROM poll_tallies t "
            "JOIN posts p ON p.poll_id = t.poll_id WHERE p.round_id = ? "
            "AND p.purpose IN ('open', 'orphan')",
            (round_id, round_id),
        )
        return [
            OptionCount(
                community_id=r["community_id"], option_index=r["option_index"], votes=int(r["n"])
            )
            for r in rows
        ]

    async def count_voters(self, round_id: int) -> dict[int, int]:
        """Per community: residents with a recorded vote, or an anonymous poll's voter total."""
        await flush(self.tx)
        rows = await self.tx.fetchall(
            "SELECT community_id, sum(voters) AS n FROM tally_round_totals "
            "WHERE round_id = ? AND community_id <> 0 GROUP BY community_id "
            "HAVING sum(voters) > 0 "
            "UNION ALL SELECT p.community_id, t.voters FROM poll_totals t "
            "JOIN posts p ON p.poll_id = t.poll_id WHERE p.round_id = ? "
            "AND p.purpose IN ('open', 'orphan')",
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
            f" ORDER BY {by_code_point('b.theme_id', self.tx.dialect)}, b.score DESC, b.answer_id",
            [value for theme_id in theme_ids for value in (theme_id, *params)],
        )
        return [Quote(**r) for r in rows]

    async def list_voted_round_ids(self, since: datetime, until: datetime) -> list[int]:
        """Rounds with a vote cast in [since, until), and anonymous polls open then (Telegram
        gives their totals without times), oldest first."""
        await flush(self.tx)
        window = _Window.between(to_ts(since), to_ts(until))
        edges, times = window.edges("created_at")
        rows = await self.tx.fetchall(
            "SELECT round_id FROM tally_votes WHERE hour >= ? AND hour < ? "
            "GROUP BY round_id, community_id, option_index, hour HAVING sum(votes) > 0 "
            f"UNION SELECT round_id FROM votes WHERE {edges} "
            "UNION SELECT id FROM rounds WHERE kind = 'poll' AND anonymous = 1 "
            "AND state IN ('open', 'closed') AND opens_at < ? AND closes_at >= ? "
            "ORDER BY 1",
            (window.first, window.end, *times, to_ts(until), to_ts(since)),
        )
        return [int(r["round_id"]) for r in rows]

    async def list_answer_texts(
        self, scope: Scope, limit: int = 5000, *, every: int = 1
    ) -> list[str]:
        """Visible answer texts in scope (for emerging terms), newest first; with `every` > 1
        only about one answer in `every`, chosen by a hash of its id: an even sample across
        the whole scope."""
        where, params = scope.where("s")
        if every > 1:
            # Knuth's multiplicative hash: a sample that does not follow any pattern in ids
            # (its low bits are the id's, hence the stride below).
            where += " AND ((s.id * 2654435761) % 4294967296) % ? = 0"
            params.append(int(every))
            if every % SAMPLE_STRIDE == 0:
                # Implied by the test above; said so that the sample's ids come from a partial
                # index of one answer in SAMPLE_STRIDE holding every column they are chosen
                # by (migration 0011), and only the chosen rows are read.
                rows = await self.tx.fetchall(
                    "SELECT a.text FROM answers a JOIN (SELECT s.id FROM answers s "
                    f"WHERE {where} AND s.id % {SAMPLE_STRIDE} = 0 "
                    f"ORDER BY s.id DESC LIMIT {int(limit)}) AS chosen ON a.id = chosen.id "
                    "ORDER BY a.id DESC",
                    params,
                )
                return [r["text"] for r in rows]
        rows = await self.tx.fetchall(
            f"SELECT s.text FROM answers s WHERE {where} ORDER BY s.id DESC LIMIT {int(limit)}",
            params,
        )
        return [r["text"] for r in rows]

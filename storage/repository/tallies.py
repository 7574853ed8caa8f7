"""The report tallies (migration 0010): counts that reports read instead of every answer.

Every write that changes what a report counts tells the transaction's `Pending` tallies what
changed (an answer stored, hidden, erased; its themes replaced; a vote cast or withdrawn),
with the rows' own values read back from the statement that changed them (`RETURNING`).
`Pending` adds the changes up in memory and writes them once, just before the transaction
commits (`Tx.before_commit`), or before a report reads the tallies in the same transaction:
one statement per table, its rows in key order.

Why at commit: on PostgreSQL a counter row is locked from its update until the commit, so a
counter updated early would hold every other writer of that round and hour for the rest of
the transaction. Written last, in one fixed order (advisory locks of residents, then each
table's rows sorted), two transactions never wait for each other in a cycle; hot counters
are also spread over `SLOTS` rows.

What is counted (only visible answers; votes have no visibility):
- `tally_answers`: answers per (round, community, hour, channel), and those without a theme;
- `tally_themes`: answers and score sums per (round, community, hour, theme, kind);
- `tally_votes`: vote rows per (round, community, option, hour);
- `tally_round_people`: answers + vote rows, and vote rows, per (round, community,
  resident), and per (round, 0, resident) over all communities;
- `tally_round_totals`: per (round, community), the residents in tally_round_people and the
  voters among them (each upsert there returns the new counts, which tell whether a resident
  came or went);
- `tally_activity`: answers + vote rows per (community, resident, hour), and (0, resident,
  hour);
- `tally_arrivals`: per (hour, community, gap), the active hours of residents that follow
  their previous active hour by `gap` hours (at most `GAP_CAP`): see reports.py
  `count_participants`. Kept from tally_activity: when an hour of a resident becomes active
  or inactive, its own gap and its successor's change.
"""

from __future__ import annotations

import bisect
import hashlib
import random
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from storage.backends.base import Row, Tx
from storage.dialect import hour_of, micros

# Gaps between a resident's active hours are counted up to 8 days: distinct participants of a
# time window of up to 192 whole hours come from tally_arrivals (weeks, with a day to spare
# for daylight saving time and for windows that do not start on the hour).
GAP_CAP = 192
# Counter rows that concurrent PostgreSQL writers spread over (SQLite has one writer).
SLOTS = 8
# Residents per statement when reading their active hours.
_KEYS_PER_READ = 400

ThemeFacts = tuple[str, str, float]  # theme id, kind, score


@dataclass(frozen=True)
class AnswerFacts:
    """What the tallies need of one answer."""

    id: int
    round_id: int
    community_id: int
    resident: str
    created_at: float
    channel: str
    hidden: bool

    @classmethod
    def of(cls, row: Row) -> AnswerFacts:
        """From a row with these columns (e.g. `RETURNING` of `ANSWER_FACTS`)."""
        return cls(
            id=int(row["id"]),
            round_id=int(row["round_id"]),
            community_id=int(row["community_id"]),
            resident=str(row["resident"]),
            created_at=float(row["created_at"]),
            channel=str(row["channel"]),
            hidden=bool(row["hidden"]),
        )


# The columns of `answers` that AnswerFacts.of reads.
ANSWER_FACTS = "id, round_id, community_id, resident, created_at, channel, hidden"
# The columns of `answer_themes` that `themes_by_answer` reads.
THEME_FACTS = "answer_id, theme_id, kind, score"
# The columns of `votes` that `Pending.vote` reads.
VOTE_FACTS = "round_id, community_id, resident, option_index, created_at"


def themes_by_answer(rows: Iterable[Row]) -> dict[int, list[ThemeFacts]]:
    """Theme rows (THEME_FACTS) grouped by answer."""
    out: dict[int, list[ThemeFacts]] = {}
    for r in rows:
        out.setdefault(int(r["answer_id"]), []).append(
            (str(r["theme_id"]), str(r["kind"]), float(r["score"]))
        )
    return out


def _add(counts: dict[Any, list[int]], key: Any, *deltas: int) -> None:
    current = counts.get(key)
    if current is None:
        counts[key] = list(deltas)
    else:
        for i, d in enumerate(deltas):
            current[i] += d


def _add1(counts: dict[Any, int], key: Any, delta: int) -> None:
    counts[key] = counts.get(key, 0) + delta


@dataclass
class Pending:
    """The tally changes of one transaction, not yet written."""

    answers: dict[tuple[int, int, int, str], list[int]] = field(default_factory=dict)
    themes: dict[tuple[int, int, int, str, str], list[int]] = field(default_factory=dict)
    votes: dict[tuple[int, int, int, int], int] = field(default_factory=dict)
    people: dict[tuple[int, int, str], list[int]] = field(default_factory=dict)
    activity: dict[tuple[int, str, int], int] = field(default_factory=dict)
    # Answers this transaction stored without themes (the ingest path tags while storing):
    # tagging them later need not read back what they have.
    untagged: dict[int, AnswerFacts] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.answers or self.themes or self.votes or self.people or self.activity)

    def answer(self, a: AnswerFacts, sign: int) -> None:
        """An answer (not its themes) starts (+1) or stops (-1) counting."""
        if a.hidden:
            return
        hour = hour_of(a.created_at)
        _add(self.answers, (a.round_id, a.community_id, hour, a.channel), sign, 0)
        self._took_part(a.round_id, a.community_id, a.resident, hour, sign, 0)

    def tags(self, a: AnswerFacts, themes: Sequence[ThemeFacts], sign: int) -> None:
        """An answer's themes (none: it counts as untagged) start or stop counting."""
        if a.hidden:
            return
        hour = hour_of(a.created_at)
        if not themes:
            _add(self.answers, (a.round_id, a.community_id, hour, a.channel), 0, sign)
        for theme_id, kind, score in themes:
            key = (a.round_id, a.community_id, hour, theme_id, kind)
            _add(self.themes, key, sign, sign * micros(score))

    def vote(self, row: Row, sign: int) -> None:
        """A vote row (VOTE_FACTS) starts or stops counting."""
        round_id, community_id = int(row["round_id"]), int(row["community_id"])
        hour = hour_of(float(row["created_at"]))
        _add1(self.votes, (round_id, community_id, int(row["option_index"]), hour), sign)
        self._took_part(round_id, community_id, str(row["resident"]), hour, sign, sign)

    def _took_part(
        self, round_id: int, community_id: int, resident: str, hour: int, n: int, votes: int
    ) -> None:
        for community in (community_id, 0):
            _add(self.people, (round_id, community, resident), n, votes)
            _add1(self.activity, (community, resident, hour), n)

    async def flush(self, tx: Tx) -> None:
        """Write the changes gathered so far and start afresh."""
        if not self:
            return
        answers, themes, votes, people, activity = (
            self.answers,
            self.themes,
            self.votes,
            self.people,
            self.activity,
        )
        self.answers, self.themes, self.votes, self.people, self.activity = {}, {}, {}, {}, {}
        slot = 0 if tx.dialect == "sqlite" else random.randrange(SLOTS)
        activity = {k: d for k, d in activity.items() if d}
        arrivals, emptied = await _arrivals(tx, activity)
        totals, gone = await _round_people(tx, {k: d for k, d in people.items() if any(d)})
        answers = {k: d for k, d in answers.items() if any(d)}
        themes = {k: d for k, d in themes.items() if any(d)}
        votes = {k: d for k, d in votes.items() if d}
        await tx.executemany_each(
            [
                (_UPSERT_ACTIVITY, [(*k, activity[k]) for k in sorted(activity)]),
                (_DELETE_ACTIVITY, sorted(emptied)),
                (_UPSERT_ARRIVALS, [(*k, slot, arrivals[k]) for k in sorted(arrivals)]),
                (_DELETE_ARRIVALS, [(*k, slot) for k in sorted(arrivals) if arrivals[k] < 0]),
                (_DELETE_PEOPLE, gone),
                (_UPSERT_TOTALS, [(*k, slot, *totals[k]) for k in sorted(totals)]),
                (_DELETE_TOTALS, [(*k, slot) for k in sorted(totals) if min(totals[k]) < 0]),
                (_UPSERT_ANSWERS, [(*k, slot, *answers[k]) for k in sorted(answers)]),
                (_DELETE_ANSWERS, [(*k, slot) for k in sorted(answers) if min(answers[k]) < 0]),
                (_UPSERT_THEMES, [(*k, slot, *themes[k]) for k in sorted(themes)]),
                (_DELETE_THEMES, [(*k, slot) for k in sorted(themes) if min(themes[k]) < 0]),
                (_UPSERT_VOTES, [(*k, slot, votes[k]) for k in sorted(votes)]),
                (_DELETE_VOTES, [(*k, slot) for k in sorted(votes) if votes[k] < 0]),
            ]
        )


_UPSERT_ACTIVITY = (
    "INSERT INTO tally_activity (community_id, resident, hour, n) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (community_id, resident, hour) DO UPDATE SET n = tally_activity.n + excluded.n"
)
_DELETE_ACTIVITY = (
    "DELETE FROM tally_activity WHERE community_id = ? AND resident = ? AND hour = ? AND n = 0"
)
_UPSERT_ARRIVALS = (
    "INSERT INTO tally_arrivals (hour, community_id, gap, slot, n) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (hour, community_id, gap, slot) DO UPDATE SET n = tally_arrivals.n + excluded.n"
)
_DELETE_ARRIVALS = (
    "DELETE FROM tally_arrivals WHERE hour = ? AND community_id = ? AND gap = ? AND slot = ? "
    "AND n = 0"
)
_UPSERT_PEOPLE = (
    "INSERT INTO tally_round_people (round_id, community_id, resident, n, votes) VALUES {rows} "
    "ON CONFLICT (round_id, community_id, resident) DO UPDATE SET "
    "n = tally_round_people.n + excluded.n, votes = tally_round_people.votes + excluded.votes "
    "RETURNING round_id, community_id, resident, n, votes"
)
_DELETE_PEOPLE = (
    "DELETE FROM tally_round_people WHERE round_id = ? AND community_id = ? AND resident = ? "
    "AND n = 0"
)
_UPSERT_TOTALS = (
    "INSERT INTO tally_round_totals (round_id, community_id, slot, people, voters) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (round_id, community_id, slot) "
    "DO UPDATE SET people = tally_round_totals.people + excluded.people, "
    "voters = tally_round_totals.voters + excluded.voters"
)
_DELETE_TOTALS = (
    "DELETE FROM tally_round_totals WHERE round_id = ? AND community_id = ? AND slot = ? "
    "AND people = 0 AND voters = 0"
)
_UPSERT_ANSWERS = (
    "INSERT INTO tally_answers (round_id, community_id, hour, channel, slot, answers, untagged) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (round_id, community_id, hour, channel, slot) "
    "DO UPDATE SET answers = tally_answers.answers + excluded.answers, "
    "untagged = tally_answers.untagged + excluded.untagged"
)
_DELETE_ANSWERS = (
    "DELETE FROM tally_answers WHERE round_id = ? AND community_id = ? AND hour = ? "
    "AND channel = ? AND slot = ? AND answers = 0 AND untagged = 0"
)
_UPSERT_THEMES = (
    "INSERT INTO tally_themes (round_id, community_id, hour, theme_id, kind, slot, answers, "
    "score_micros) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (round_id, community_id, hour, theme_id, kind, slot) "
    "DO UPDATE SET answers = tally_themes.answers + excluded.answers, "
    "score_micros = tally_themes.score_micros + excluded.score_micros"
)
_DELETE_THEMES = (
    "DELETE FROM tally_themes WHERE round_id = ? AND community_id = ? AND hour = ? "
    "AND theme_id = ? AND kind = ? AND slot = ? AND answers = 0 AND score_micros = 0"
)
_UPSERT_VOTES = (
    "INSERT INTO tally_votes (round_id, community_id, option_index, hour, slot, votes) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (round_id, community_id, option_index, hour, slot) "
    "DO UPDATE SET votes = tally_votes.votes + excluded.votes"
)
_DELETE_VOTES = (
    "DELETE FROM tally_votes WHERE round_id = ? AND community_id = ? AND option_index = ? "
    "AND hour = ? AND slot = ? AND votes = 0"
)
# Rows per multi-row upsert of tally_round_people (5 parameters each).
_PEOPLE_PER_UPSERT = 500


async def _round_people(
    tx: Tx, people: dict[tuple[int, int, str], list[int]]
) -> tuple[dict[tuple[int, int], list[int]], list[tuple[int, int, str]]]:
    """Apply these tally_round_people changes; return the tally_round_totals changes
    {(round, community): [people, voters]} they make, and the rows they emptied.

    Each upsert returns the row's new counts: with the change, they tell whether the
    resident (or voter) was counted before. On PostgreSQL a concurrent upsert of the same row
    waits for this transaction and then returns counts that include its change, so two
    transactions never both count the same resident's arrival."""
    totals: dict[tuple[int, int], list[int]] = {}
    gone: list[tuple[int, int, str]] = []
    keys = sorted(people)
    for start in range(0, len(keys), _PEOPLE_PER_UPSERT):
        chunk = keys[start : start + _PEOPLE_PER_UPSERT]
        rows = await tx.fetchall(
            _UPSERT_PEOPLE.format(rows=", ".join(["(?, ?, ?, ?, ?)"] * len(chunk))),
            [value for key in chunk for value in (*key, *people[key])],
        )
        for r in rows:
            key = (int(r["round_id"]), int(r["community_id"]), str(r["resident"]))
            n, votes = int(r["n"]), int(r["votes"])
            dn, dv = people[key]
            if n < 0 or votes < 0:
                raise ValueError(f"tally_round_people would go negative: {key[:2]}")
            came = int(n > 0) - int(n - dn > 0)
            voted = int(votes > 0) - int(votes - dv > 0)
            if came or voted:
                _add(totals, key[:2], came, voted)
            if n == 0:
                gone.append(key)
    return {k: d for k, d in totals.items() if any(d)}, gone


def _lock_id(community_id: int, resident: str) -> int:
    digest = hashlib.blake2b(f"{community_id}:{resident}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def _active_hours(
    tx: Tx, keys: Sequence[tuple[int, str]], low: int, high: int
) -> dict[tuple[int, str], dict[int, int]]:
    """The stored active hours in [low, high] (with their counts) of some residents."""
    out: dict[tuple[int, str], dict[int, int]] = {key: {} for key in keys}
    for start in range(0, len(keys), _KEYS_PER_READ):
        chunk = keys[start : start + _KEYS_PER_READ]
        values = ", ".join(["(CAST(? AS BIGINT), CAST(? AS TEXT))"] + ["(?, ?)"] * (len(chunk) - 1))
        rows = await tx.fetchall(
            f"SELECT a.community_id, a.resident, a.hour, a.n FROM (VALUES {values}) AS k "
            "JOIN tally_activity a ON a.community_id = k.column1 AND a.resident = k.column2 "
            "AND a.hour >= ? AND a.hour <= ?",
            [value for key in chunk for value in key] + [low, high],
        )
        for r in rows:
            out[(int(r["community_id"]), str(r["resident"]))][int(r["hour"])] = int(r["n"])
    return out


def _gap(hours: list[int], hour: int) -> int:
    """Hours since the active hour before `hour` in the sorted `hours` (capped)."""
    i = bisect.bisect_left(hours, hour)
    return GAP_CAP if i == 0 else min(hour - hours[i - 1], GAP_CAP)


def _successor(hours: list[int], hour: int) -> int | None:
    i = bisect.bisect_right(hours, hour)
    return hours[i] if i < len(hours) else None


def arrival_changes(
    before: dict[int, int], deltas: dict[int, int]
) -> tuple[dict[tuple[int, int], int], list[int]]:
    """How one resident's (community's) tally_arrivals rows change when the counts of its
    active hours change by `deltas`, given the counts `before` (every stored hour within
    GAP_CAP of a changed one): ({(hour, gap): change}, hours that become inactive)."""
    after = dict(before)
    for hour, delta in deltas.items():
        n = after.get(hour, 0) + delta
        if n < 0:
            raise ValueError(f"tally_activity would go negative at hour {hour}")
        if n:
            after[hour] = n
        else:
            after.pop(hour, None)
    turned = [hour for hour in deltas if (hour in before) != (hour in after)]
    changes: dict[tuple[int, int], int] = {}
    if not turned:
        return changes, []
    old, new = sorted(before), sorted(after)
    touched = set(turned)
    for hour in turned:
        for hours in (old, new):
            following = _successor(hours, hour)
            if following is not None:
                touched.add(following)
    for hour in touched:
        if hour in before:
            _add1(changes, (hour, _gap(old, hour)), -1)
        if hour in after:
            _add1(changes, (hour, _gap(new, hour)), 1)
    return {k: d for k, d in changes.items() if d}, [h for h in turned if h not in after]


async def _arrivals(
    tx: Tx, activity: dict[tuple[int, str, int], int]
) -> tuple[dict[tuple[int, int, int], int], list[tuple[int, str, int]]]:
    """tally_arrivals changes {(hour, community, gap): n} for these tally_activity changes, and
    the tally_activity rows they empty."""
    by_key: dict[tuple[int, str], dict[int, int]] = {}
    for (community, resident, hour), delta in activity.items():
        by_key.setdefault((community, resident), {})[hour] = delta
    if not by_key:
        return {}, []
    keys = sorted(by_key)
    if tx.dialect == "postgresql":
        # Two transactions changing one resident's hours at once would each compute gaps
        # without the other's: they take turns (in one order, so never in a cycle).
        await tx.execute(
            "SELECT count(pg_advisory_xact_lock(k)) FROM "
            "(SELECT k FROM unnest(CAST(? AS BIGINT[])) AS k ORDER BY k OFFSET 0) AS locks",
            (sorted({_lock_id(*key) for key in keys}),),
        )
    hours = [hour for _, _, hour in activity]
    stored = await _active_hours(tx, keys, min(hours) - GAP_CAP, max(hours) + GAP_CAP)
    out: dict[tuple[int, int, int], int] = {}
    emptied: list[tuple[int, str, int]] = []
    for key in keys:
        changes, gone = arrival_changes(stored[key], by_key[key])
        for (hour, gap), n in changes.items():
            _add1(out, (hour, key[0], gap), n)
        emptied += [(*key, hour) for hour in gone]
    return {k: n for k, n in out.items() if n}, emptied


_PENDING: weakref.WeakKeyDictionary[Tx, Pending] = weakref.WeakKeyDictionary()


def pending(tx: Tx) -> Pending:
    """The tally changes of the transaction `tx`, written before it commits."""
    found = _PENDING.get(tx)
    if found is not None:
        return found
    fresh = _PENDING[tx] = Pending()

    async def write() -> None:
        await fresh.flush(tx)

    tx.before_commit(write)
    return fresh


async def flush(tx: Tx) -> None:
    """Write the transaction's tally changes now (before reading tallies in it)."""
    found = _PENDING.get(tx)
    if found is not None:
        await found.flush(tx)

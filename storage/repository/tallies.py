"""The report tallies (migration 0011): counts that reports read instead of every answer.

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

from storage.backends.base import Row, Step, Steps, Tx
from storage.dialect import hour_of, micros

# Gaps between a resident's active hours are counted up to 8 days: distinct participants of a
# time window of up to 192 whole hours come from tally_arrivals (weeks, with a day to spare
# for daylight saving time and for windows that do not start on the hour).
GAP_CAP = 192
# Counter rows that concurrent PostgreSQL writers spread over (SQLite has one writer).
SLOTS = 8
# Residents per statement when reading their active hours.
_KEYS_PER_READ = 400
# PostgreSQL: residents locked one by one in a transaction, at most (see `_writes`).
_MOST_LOCKS = 256
# PostgreSQL: the first half of the schema's tally lock ("MNYT": not the class of
# storage/backends/postgres.py's named locks, which it must never wait for).
_TALLY_LOCK = 0x4D4E5954

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
        taken = Pending(self.answers, self.themes, self.votes, self.people, self.activity)
        self.answers, self.themes, self.votes, self.people, self.activity = {}, {}, {}, {}, {}
        slot = 0 if tx.dialect == "sqlite" else random.randrange(SLOTS)
        await tx.run_steps(_writes(taken, tx.dialect, slot))


@dataclass(frozen=True)
class _Table:
    """A tally table: its key columns, its count columns, their PostgreSQL types."""

    name: str
    keys: tuple[str, ...]
    counts: tuple[str, ...]
    types: tuple[str, ...]

    def upsert(self, dialect: str, rows: Sequence[Sequence[Any]], returning: bool) -> list[Step]:
        """Add `rows` (keys, then count changes) to the counts; with `returning`, each
        statement returns the rows' keys and new counts."""
        columns = self.keys + self.counts
        head = f"INSERT INTO {self.name} ({', '.join(columns)}) "
        tail = (
            f" ON CONFLICT ({', '.join(self.keys)}) DO UPDATE SET "
            + ", ".join(f"{c} = {self.name}.{c} + excluded.{c}" for c in self.counts)
            + (f" RETURNING {', '.join(columns)}" if returning else "")
        )
        if dialect == "postgresql":
            # One statement of arrays, whatever the number of rows: its text never changes, so
            # the server prepares it once per connection.
            return [Step(head + f"SELECT * FROM {self._unnest()}" + tail, self._arrays(rows))]
        if not returning:
            marks = ", ".join("?" for _ in columns)
            return [Step(head + f"VALUES ({marks})" + tail, rows, many=True)]
        per = max(1, _SQLITE_PARAMETERS // len(columns))
        row = "(" + ", ".join("?" for _ in columns) + ")"
        return [
            Step(
                head + "VALUES " + ", ".join([row] * len(rows[i : i + per])) + tail,
                [value for r in rows[i : i + per] for value in r],
            )
            for i in range(0, len(rows), per)
        ]

    def delete_empty(self, dialect: str, keys: Sequence[Sequence[Any]]) -> Step:
        """Delete the rows of these keys whose counts are all zero."""
        empty = " AND ".join(f"{c} = 0" for c in self.counts)
        if dialect == "postgresql":
            return Step(
                f"DELETE FROM {self.name} WHERE ({', '.join(self.keys)}) IN "
                f"(SELECT * FROM {self._unnest(len(self.keys))}) AND {empty}",
                self._arrays(keys, len(self.keys)),
            )
        match = " AND ".join(f"{k} = ?" for k in self.keys)
        return Step(f"DELETE FROM {self.name} WHERE {match} AND {empty}", keys, many=True)

    def _unnest(self, width: int | None = None) -> str:
        types = self.types[:width] if width else self.types
        return "unnest(" + ", ".join(f"CAST(? AS {t}[])" for t in types) + ")"

    def _arrays(self, rows: Sequence[Sequence[Any]], width: int | None = None) -> list[list[Any]]:
        return [[r[i] for r in rows] for i in range(width or len(self.types))]


# SQLite's limit on parameters per statement is 32,766 (3.32 and later).
_SQLITE_PARAMETERS = 30_000
_PEOPLE = _Table(
    "tally_round_people",
    ("round_id", "community_id", "resident"),
    ("n", "votes"),
    ("bigint", "bigint", "text", "bigint", "bigint"),
)
_ACTIVITY = _Table(
    "tally_activity",
    ("community_id", "resident", "hour"),
    ("n",),
    ("bigint", "text", "bigint", "bigint"),
)
_ARRIVALS = _Table(
    "tally_arrivals",
    ("hour", "community_id", "gap", "slot"),
    ("n",),
    ("bigint", "bigint", "integer", "integer", "bigint"),
)
_TOTALS = _Table(
    "tally_round_totals",
    ("round_id", "community_id", "slot"),
    ("people", "voters"),
    ("bigint", "bigint", "integer", "bigint", "bigint"),
)
_ANSWERS = _Table(
    "tally_answers",
    ("round_id", "community_id", "hour", "channel", "slot"),
    ("answers", "untagged"),
    ("bigint", "bigint", "bigint", "text", "integer", "bigint", "bigint"),
)
_THEMES = _Table(
    "tally_themes",
    ("round_id", "community_id", "hour", "theme_id", "kind", "slot"),
    ("answers", "score_micros"),
    ("bigint", "bigint", "bigint", "text", "text", "integer", "bigint", "bigint"),
)
_VOTES = _Table(
    "tally_votes",
    ("round_id", "community_id", "option_index", "hour", "slot"),
    ("votes",),
    ("bigint", "bigint", "integer", "bigint", "integer", "bigint"),
)


def _counter_steps(
    dialect: str, slot: int, counters: Sequence[tuple[_Table, dict[Any, list[int]]]]
) -> list[Step]:
    return [
        step
        for table, changes in counters
        if changes
        for step in table.upsert(
            dialect, [(*k, slot, *changes[k]) for k in sorted(changes)], returning=False
        )
    ]


def _together(steps: Sequence[Step], select: str = "SELECT 1 AS done") -> Step:
    """PostgreSQL: several statements as data-modifying WITH queries of one (one round trip;
    each runs, in an order that depends only on the statement's text, so all transactions
    lock rows in the same order)."""
    return Step(
        "WITH " + ", ".join(f"w{i} AS ({step.sql})" for i, step in enumerate(steps)) + " " + select,
        [value for step in steps for value in step.params],
    )


def _writes(p: Pending, dialect: str, slot: int) -> Steps[None]:
    """The statements that write `p` (run by Tx.run_steps: SQLite runs them in one hop).

    Residents first: their tally_round_people and tally_activity rows, whose new counts come
    back and tell which residents came to or left a round and which active hours began or
    ended. Only a resident with such an hour needs its neighbouring hours (for
    tally_arrivals): on PostgreSQL they are read in a later statement than the one that
    took the resident's lock, so a second transaction changing the same resident waits, and
    then sees this one's hours. The counters every writer shares come last, each table's
    rows in key order. On PostgreSQL an answer from a resident already active in its hour
    costs one round trip; one who is new to the hour or to the round, two or three.
    """
    people = {k: d for k, d in p.people.items() if any(d)}
    activity = {k: d for k, d in p.activity.items() if d}
    people_rows = [(*k, *people[k]) for k in sorted(people)]
    activity_rows = [(*k, activity[k]) for k in sorted(activity)]
    counters: list[tuple[_Table, dict[Any, list[int]]]] = [
        (_ANSWERS, {k: d for k, d in p.answers.items() if any(d)}),
        (_THEMES, {k: d for k, d in p.themes.items() if any(d)}),
        (_VOTES, {k: [n] for k, n in p.votes.items() if n}),
    ]
    returned: list[Row] = []
    if dialect == "postgresql":
        # Both upserts, the residents' locks (two transactions changing one resident's hours
        # at once would each compute gaps without the other's: they take turns, in one
        # order, so never in a cycle), and the counters that need nothing back.
        (people_sql,) = _PEOPLE.upsert(dialect, people_rows, returning=True)
        (activity_sql,) = _ACTIVITY.upsert(dialect, activity_rows, returning=True)
        locks = sorted(
            {_lock_id(c, r) for c, r, _ in activity} | {_lock_id(c, r) for _, c, r in people}
        )
        # A lock per resident, but not thousands (a bulk load, retention): the server's lock
        # table is small. Every writer holds the schema's tally lock shared, and one that
        # changes many residents holds it alone instead. It comes first in the statement,
        # then the rows, then the residents' locks: one order for all, so never a cycle.
        many = len(locks) > _MOST_LOCKS
        whole = "pg_advisory_xact_lock" if many else "pg_advisory_xact_lock_shared"
        early = [people_sql, activity_sql, *_counter_steps(dialect, slot, counters)]
        step = _together(
            early,
            "SELECT 'g' AS t, CAST(NULL AS BIGINT) AS round_id, CAST(NULL AS BIGINT) AS "
            "community_id, CAST(NULL AS TEXT) AS resident, CAST(NULL AS BIGINT) AS hour, "
            f"(SELECT count({whole}({_TALLY_LOCK}, hashtext(current_schema())))) AS n, "
            "CAST(NULL AS BIGINT) AS votes "
            "UNION ALL SELECT 'p', round_id, community_id, resident, NULL, n, votes FROM w0 "
            "UNION ALL SELECT 'a', NULL, community_id, resident, hour, n, NULL FROM w1 "
            "UNION ALL SELECT 'l', NULL, NULL, NULL, NULL, (SELECT count(pg_advisory_xact_lock(k)) "
            "FROM (SELECT k FROM unnest(CAST(? AS BIGINT[])) AS k ORDER BY k OFFSET 0) AS l), "
            "NULL",
        )
        returned = yield Step(step.sql, [*step.params, [] if many else locks])
    else:
        for step in _PEOPLE.upsert(dialect, people_rows, returning=True):
            returned += [{"t": "p", **r} for r in (yield step)]
        for step in _ACTIVITY.upsert(dialect, activity_rows, returning=True):
            returned += [{"t": "a", **r} for r in (yield step)]
        for step in _counter_steps(dialect, slot, counters):
            yield step
    totals: dict[tuple[int, int], list[int]] = {}
    gone: list[tuple[int, int, str]] = []
    turned: dict[tuple[int, str], dict[int, int]] = {}
    emptied: list[tuple[int, str, int]] = []
    for r in returned:
        if r["t"] == "p":
            key = (int(r["round_id"]), int(r["community_id"]), str(r["resident"]))
            n, votes = int(r["n"]), int(r["votes"])
            dn, dv = people[key]
            if n < 0 or votes < 0:
                raise ValueError(f"tally_round_people would go negative in round {key[0]}")
            came, voted = int(n > 0) - int(n - dn > 0), int(votes > 0) - int(votes - dv > 0)
            if came or voted:
                _add(totals, key[:2], came, voted)
            if n == 0:
                gone.append(key)
        elif r["t"] == "a":
            community, resident, hour, n = (
                int(r["community_id"]),
                str(r["resident"]),
                int(r["hour"]),
                int(r["n"]),
            )
            if n < 0:
                raise ValueError(f"tally_activity would go negative at hour {hour}")
            if (n > 0) != (n - activity[(community, resident, hour)] > 0):
                turned.setdefault((community, resident), {})
            if n == 0:
                emptied.append((community, resident, hour))
    arrivals: dict[tuple[int, int, int], int] = {}
    if turned:
        for (community, resident, hour), delta in activity.items():
            if (community, resident) in turned:
                turned[(community, resident)][hour] = delta
        residents = sorted(turned)
        hours = [hour for changes in turned.values() for hour in changes]
        low, high = min(hours) - GAP_CAP, max(hours) + GAP_CAP
        stored: dict[tuple[int, str], dict[int, int]] = {key: {} for key in residents}
        for step in _read_hours(dialect, residents, low, high):
            for r in (yield step):
                if int(r["n"]) > 0:
                    who = (int(r["community_id"]), str(r["resident"]))
                    stored[who][int(r["hour"])] = int(r["n"])
        for who in residents:
            # What was stored before this transaction's changes (which the read includes).
            before = dict(stored[who])
            for hour, delta in turned[who].items():
                n = before.get(hour, 0) - delta
                if n > 0:
                    before[hour] = n
                else:
                    before.pop(hour, None)
            for (hour, gap), n in arrival_changes(before, turned[who])[0].items():
                _add1(arrivals, (hour, who[0], gap), n)
    late: list[tuple[_Table, dict[Any, list[int]]]] = [
        (_ARRIVALS, {k: [n] for k, n in arrivals.items() if n}),
        (_TOTALS, {k: d for k, d in totals.items() if any(d)}),
    ]
    deletes: list[tuple[_Table, list[tuple[Any, ...]]]] = [(_PEOPLE, gone), (_ACTIVITY, emptied)]
    deletes += [
        (t, [(*k, slot) for k in sorted(c) if min(c[k]) < 0]) for t, c in [*counters, *late]
    ]
    erase = [table.delete_empty(dialect, empty) for table, empty in deletes if empty]
    for steps in (_counter_steps(dialect, slot, late), erase):
        if dialect == "postgresql" and len(steps) > 1:
            yield _together(steps)
        else:
            for step in steps:
                yield step


def _read_hours(
    dialect: str, residents: Sequence[tuple[int, str]], low: int, high: int
) -> list[Step]:
    """Statements reading the stored active hours in [low, high] of some residents."""
    if dialect == "postgresql":
        return [
            Step(
                "SELECT a.community_id, a.resident, a.hour, a.n FROM "
                "unnest(CAST(? AS BIGINT[]), CAST(? AS TEXT[])) AS k(community_id, resident) "
                "JOIN tally_activity a ON a.community_id = k.community_id "
                "AND a.resident = k.resident AND a.hour >= ? AND a.hour <= ?",
                ([c for c, _ in residents], [r for _, r in residents], low, high),
            )
        ]
    steps = []
    for start in range(0, len(residents), _KEYS_PER_READ):
        chunk = residents[start : start + _KEYS_PER_READ]
        values = ", ".join(["(?, ?)"] * len(chunk))
        steps.append(
            Step(
                f"SELECT a.community_id, a.resident, a.hour, a.n FROM (VALUES {values}) AS k "
                "JOIN tally_activity a ON a.community_id = k.column1 AND a.resident = k.column2 "
                "AND a.hour >= ? AND a.hour <= ?",
                [value for key in chunk for value in key] + [low, high],
            )
        )
    return steps


def _lock_id(community_id: int, resident: str) -> int:
    digest = hashlib.blake2b(f"{community_id}:{resident}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


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

"""The report tallies (migration 0011) stay equal to a count of the stored rows from scratch,
whatever mix of writes came before, on every backend (fixtures: tests/storage/conftest.py).

Each test drives the repository with a seeded random mix of what the bot does — answers
stored whole or tagged afterwards (the ingest path), duplicates, re-tags, edits, hiding, votes
cast and changed, /forget, retention, a transaction that fails — then recounts every tally
from `answers`, `answer_themes` and `votes` in Python and compares; and compares what reports
read (rounds, and time windows that start and end anywhere, not only on the hour) with the
same brute-force count.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.models import NewAnswer, TagRecord
from storage.backends.base import Tx
from storage.migrations import _statements, available
from storage.repository import Repository, Scope, Session
from storage.repository.tallies import GAP_CAP

T0 = datetime(2025, 3, 3, 0, 0, tzinfo=UTC)
THEMES = [("parking", "domain"), ("noise", "domain"), ("voice", "principle")]
RESIDENTS = [f"{i:032x}" for i in range(7)]
SPAN = timedelta(days=10)


class Boom(Exception):
    """Raised inside a transaction to roll it back."""


def _moment(rng: random.Random) -> datetime:
    """A time in the span: often exactly on an hour, else anywhere (sub-second too)."""
    hours = rng.randrange(int(SPAN.total_seconds() // 3600))
    if rng.random() < 0.2:
        return T0 + timedelta(hours=hours)
    return T0 + timedelta(hours=hours, seconds=rng.uniform(0, 3600))


def _tags(rng: random.Random) -> list[TagRecord]:
    return [
        TagRecord(
            theme_id=t, kind=k, score=round(rng.random(), rng.choice((1, 3, 9))), evidence=[t]
        )
        for t, k in rng.sample(THEMES, rng.choice((0, 0, 1, 1, 2)))
    ]


class World:
    """Communities, rounds and a random stream of writes through the repository."""

    def __init__(self, repo: Repository, seed: int) -> None:
        self.repo = repo
        self.rng = random.Random(seed)
        self.communities: list[int] = []
        self.rounds: dict[int, list[int]] = {}
        self.rating = 0
        self.serial = 0

    async def setup(self) -> None:
        async with self.repo.transaction() as session:
            for i, name in enumerate(("碧海社区", "会展城社区", "西乡社区")):
                self.communities.append((await session.set_community(-100 - i, name, T0))[0].id)
            for kind, members in (
                ("text", self.communities),
                ("text", self.communities[:2]),
                ("rating", self.communities),
            ):
                round_ = await session.add_round(
                    kind=kind,  # type: ignore[arg-type]
                    state="open",
                    question=f"{kind}?",
                    community_ids=members,
                    opens_at=T0,
                    closes_at=T0 + SPAN,
                    reminder_at=None,
                    created_by="organiser",
                    at=T0,
                )
                self.rounds[round_.id] = list(members)
                if kind == "rating":
                    self.rating = round_.id

    def _new(self, themes: bool = True) -> NewAnswer:
        rng = self.rng
        round_id = rng.choice([r for r in self.rounds if r != self.rating])
        self.serial += 1
        text = f"答复{rng.randrange(40)}"
        return NewAnswer(
            round_id=round_id,
            community_id=rng.choice(self.rounds[round_id]),
            resident=rng.choice(RESIDENTS),
            # Now and then a message delivered twice (same source) or said twice (same text).
            source=f"s{rng.randrange(self.serial + 1) if rng.random() < 0.1 else self.serial}",
            via="reply",
            text=text,
            text_hash=text,
            at=_moment(rng),
            themes=_tags(rng) if themes else [],
            channel=rng.choice(("telegram", "telegram", "web")),
        )

    async def _some_answer(self, session: Session) -> int | None:
        ids = [a.id for a in await session.list_answers(include_hidden=True)]
        return self.rng.choice(ids) if ids else None

    async def step(self, session: Session) -> None:
        """One write, chosen at random."""
        rng = self.rng
        action = rng.choices(
            ["store", "ingest", "tag_later", "retag", "edit", "hide", "vote", "forget", "purge"],
            weights=[8, 6, 2, 3, 2, 2, 4, 1, 1],
        )[0]
        if action == "store":
            await session.add_answers([self._new() for _ in range(rng.randint(1, 4))])
        elif action == "ingest":
            # As bot/core/answers.py: stored untagged, tagged in the same transaction.
            batch = [self._new(themes=False) for _ in range(rng.randint(1, 4))]
            ids = await session.add_answers(batch)
            await session.add_answer_themes(
                [(i, a, _tags(rng)) for i, a in zip(ids, batch, strict=True) if i is not None]
            )
        elif action == "tag_later":
            answer_id = await self._some_answer(session)
            if (
                answer_id is not None
                and not (await session.get_answer_themes([answer_id]))[answer_id]
            ):
                await session.add_answer_themes([(answer_id, self._new(), _tags(rng))])
        elif action == "retag":
            answer_id = await self._some_answer(session)
            if answer_id is not None:
                await session.set_answer_themes(answer_id, _tags(rng))
        elif action == "edit":
            answer_id = await self._some_answer(session)
            if answer_id is not None:
                text = f"改{rng.randrange(40)}"
                await session.set_answer_text(answer_id, text, text, _moment(rng), _tags(rng))
        elif action == "hide":
            answer_id = await self._some_answer(session)
            if answer_id is not None:
                await session.set_answer_hidden(answer_id, "organiser", T0)
        elif action == "vote":
            round_id = rng.choice(list(self.rounds))
            options = rng.sample(range(1, 6), rng.choice((0, 1, 1, 2)))
            await session.set_votes(
                round_id,
                rng.choice(self.rounds[round_id]),
                rng.choice(RESIDENTS),
                options,
                _moment(rng),
                rng.choice(("telegram", "web")),
            )
        elif action == "forget":
            await session.delete_resident_data(rng.choice(RESIDENTS))
        else:
            await session.delete_answers_before(T0 + rng.uniform(0, 0.3) * SPAN)

    async def run(self, transactions: int) -> None:
        """Random writes, one to five per transaction; some read a report midway (the
        tallies are written before it reads), some fail and roll back."""
        for _ in range(transactions):
            failing = self.rng.random() < 0.08
            try:
                async with self.repo.transaction() as session:
                    for _ in range(self.rng.randint(1, 5)):
                        await self.step(session)
                        if self.rng.random() < 0.15:
                            await session.count_participants(Scope(round_ids=list(self.rounds)))
                    if failing:
                        raise Boom
            except Boom:
                pass


async def _raw(tx: Tx) -> tuple[list[dict[str, Any]], dict[int, list[Any]], list[dict[str, Any]]]:
    answers = await tx.fetchall(
        "SELECT id, round_id, community_id, resident, created_at, channel, hidden FROM answers"
    )
    themes: dict[int, list[Any]] = defaultdict(list)
    for r in await tx.fetchall("SELECT answer_id, theme_id, kind, score FROM answer_themes"):
        themes[r["answer_id"]].append(r)
    votes = await tx.fetchall(
        "SELECT round_id, community_id, resident, option_index, created_at, channel FROM votes"
    )
    return answers, themes, votes


def _hour(ts: float) -> int:
    return math.floor(ts / 3600)


def _recount(
    answers: list[dict[str, Any]], themes: dict[int, list[Any]], votes: list[dict[str, Any]]
) -> dict[str, Counter[tuple[Any, ...]]]:
    """Every tally, counted from scratch in Python (independently of the repository)."""
    out: dict[str, Counter[tuple[Any, ...]]] = defaultdict(Counter)
    events = []
    for a in answers:
        if a["hidden"]:
            continue
        hour = _hour(a["created_at"])
        key = (a["round_id"], a["community_id"], hour, a["channel"])
        out["answers"][key] += 1
        if not themes.get(a["id"]):
            out["untagged"][key] += 1
        for t in themes.get(a["id"], []):
            theme_key = (a["round_id"], a["community_id"], hour, t["theme_id"], t["kind"])
            out["themes"][theme_key] += 1
            out["score_micros"][theme_key] += math.floor(t["score"] * 1_000_000 + 0.5)
        events.append((a["round_id"], a["community_id"], a["resident"], hour))
    for v in votes:
        hour = _hour(v["created_at"])
        out["votes"][(v["round_id"], v["community_id"], v["option_index"], hour)] += 1
        events.append((v["round_id"], v["community_id"], v["resident"], hour))
        for c in (v["community_id"], 0):
            out["round_voting"][(v["round_id"], c, v["resident"])] += 1
    for round_id, community_id, resident, hour in events:
        for c in (community_id, 0):
            out["round_people"][(round_id, c, resident)] += 1
            out["activity"][(c, resident, hour)] += 1
    for round_id, c, _ in +out["round_people"]:
        out["round_totals"][(round_id, c)] += 1
    for round_id, c, _ in +out["round_voting"]:
        out["round_voters"][(round_id, c)] += 1
    hours: dict[tuple[int, str], list[int]] = defaultdict(list)
    for c, resident, hour in sorted(out["activity"]):
        hours[(c, resident)].append(hour)
    for (c, _), active in hours.items():
        for i, hour in enumerate(active):
            gap = GAP_CAP if i == 0 else min(hour - active[i - 1], GAP_CAP)
            out["arrivals"][(hour, c, gap)] += 1
    return {name: +counter for name, counter in out.items()}


async def _stored(tx: Tx) -> dict[str, Counter[tuple[Any, ...]]]:
    """Every tally as stored, summed over slots (zero sums dropped)."""
    out: dict[str, Counter[tuple[Any, ...]]] = defaultdict(Counter)
    queries = {
        "answers": "SELECT round_id, community_id, hour, channel, answers AS n FROM tally_answers",
        "untagged": "SELECT round_id, community_id, hour, channel, untagged AS n "
        "FROM tally_answers",
        "themes": "SELECT round_id, community_id, hour, theme_id, kind, answers AS n "
        "FROM tally_themes",
        "score_micros": "SELECT round_id, community_id, hour, theme_id, kind, score_micros AS n "
        "FROM tally_themes",
        "votes": "SELECT round_id, community_id, option_index, hour, votes AS n FROM tally_votes",
        "round_people": "SELECT round_id, community_id, resident, n FROM tally_round_people",
        "round_voting": "SELECT round_id, community_id, resident, votes AS n "
        "FROM tally_round_people",
        "round_totals": "SELECT round_id, community_id, people AS n FROM tally_round_totals",
        "round_voters": "SELECT round_id, community_id, voters AS n FROM tally_round_totals",
        "activity": "SELECT community_id, resident, hour, n FROM tally_activity",
        "arrivals": "SELECT hour, community_id, gap, n FROM tally_arrivals",
    }
    for name, sql in queries.items():
        for r in await tx.fetchall(sql):
            n = int(r.pop("n"))
            out[name][tuple(r.values())] += n
    # Residents' rows are deleted when their count reaches zero (nothing of a forgotten
    # resident stays), and never go below it.
    for table in ("tally_round_people", "tally_activity"):
        assert not await tx.fetchall(f"SELECT * FROM {table} WHERE n <= 0"), table
    return {name: Counter({k: n for k, n in c.items() if n}) for name, c in out.items()}


async def _assert_tallies_exact(repo: Repository) -> None:
    async with repo.transaction() as session:
        expected = _recount(*await _raw(session.tx))
        stored = await _stored(session.tx)
    for name in sorted(set(expected) | set(stored)):
        assert stored.get(name, Counter()) == expected.get(name, Counter()), name


def _brute(
    answers: list[dict[str, Any]],
    themes: dict[int, list[Any]],
    votes: list[dict[str, Any]],
    scope: Scope,
) -> dict[str, Any]:
    """What a report over `scope` should say, from the stored rows."""

    def within(row: dict[str, Any]) -> bool:
        if scope.round_ids is not None and row["round_id"] not in scope.round_ids:
            return False
        if scope.community_ids is not None and row["community_id"] not in scope.community_ids:
            return False
        if scope.since is not None and row["created_at"] < scope.since.timestamp():
            return False
        return scope.until is None or row["created_at"] < scope.until.timestamp()

    seen = [a for a in answers if not a["hidden"] and within(a)]
    cast = [v for v in votes if within(v)]
    per_community: Counter[int] = Counter(a["community_id"] for a in seen)
    pairs = {(a["community_id"], a["resident"]) for a in seen} | {
        (v["community_id"], v["resident"]) for v in cast
    }
    theme_counts: Counter[tuple[int, str, str]] = Counter(
        (a["community_id"], t["theme_id"], t["kind"]) for a in seen for t in themes.get(a["id"], [])
    )
    return {
        "answers": dict(per_community),
        "channels": dict(Counter(a["channel"] for a in seen)),
        "untagged": dict(Counter(a["community_id"] for a in seen if not themes.get(a["id"]))),
        "people": dict(Counter(c for c, _ in pairs)),
        "overall": len({r for _, r in pairs}),
        "themes": dict(theme_counts),
    }


async def _report(session: Session, scope: Scope) -> dict[str, Any]:
    people, overall = await session.count_participants(scope)
    themes = await session.count_themes(scope)
    return {
        "answers": await session.count_visible_answers(scope),
        "channels": await session.count_answers_by_channel(scope),
        "untagged": await session.count_untagged_answers(scope),
        "people": people,
        "overall": overall,
        "themes": {(c, t.theme_id, t.kind): t.count for c, ts in themes.items() for t in ts},
    }


def _scopes(world: World, rng: random.Random, times: list[float]) -> list[Scope]:
    scopes = [Scope(round_ids=[r]) for r in world.rounds]
    scopes += [
        Scope(round_ids=list(world.rounds)),
        Scope(round_ids=[next(iter(world.rounds))], community_ids=world.communities[:1]),
        Scope(round_ids=list(world.rounds)[:2], community_ids=world.communities[:2]),
    ]
    for _ in range(14):
        since = _moment(rng) - timedelta(days=2)
        length = rng.choice(
            (timedelta(days=7), timedelta(hours=rng.uniform(0, 200)), timedelta(minutes=50))
        )
        ids = rng.choice((None, None, world.communities[:1], world.communities[1:]))
        scopes.append(Scope(since=since, until=since + length, community_ids=ids))
    # Windows that start or end exactly at a stored answer's time, or just after it, in the
    # middle of its hour: the partial hours at the ends decide whether it counts.
    for _ in range(14):
        start, stop = sorted(rng.sample(times, 2))
        since = datetime.fromtimestamp(start + rng.choice((0, 0.001)), tz=UTC)
        until = datetime.fromtimestamp(stop + rng.choice((0, 0.001)), tz=UTC)
        if until - since > timedelta(days=8):
            since = until - rng.choice((timedelta(days=7), timedelta(hours=5)))
        scopes.append(Scope(since=since, until=until))
    # On the hour at both ends; a window longer than the tallies' gaps reach (counted from
    # the stored rows); the whole span.
    scopes += [
        Scope(since=T0 + timedelta(days=2), until=T0 + timedelta(days=9)),
        Scope(since=T0, until=T0 + SPAN),
        Scope(since=T0 - timedelta(days=1), until=T0 + SPAN + timedelta(days=1)),
    ]
    return scopes


@pytest.mark.parametrize("seed", [1, 2])
async def test_tallies_equal_a_recount_after_mixed_writes(repo: Repository, seed: int) -> None:
    """After stores, ingest-path tagging, duplicates, re-tags, edits, hiding, votes, /forget,
    retention and rolled-back transactions, every tally equals a count from scratch."""
    world = World(repo, seed)
    await world.setup()
    for _ in range(4):
        await world.run(transactions=12)
        await _assert_tallies_exact(repo)


async def test_reports_read_from_tallies_equal_brute_force_counts(repo: Repository) -> None:
    """Answers, channels, untagged answers, themes and distinct participants (per community
    and overall) of rounds and of time windows starting and ending at any second equal a
    brute-force count of the stored rows."""
    world = World(repo, 3)
    await world.setup()
    await world.run(transactions=50)
    rng = random.Random(4)
    async with repo.transaction() as session:
        raw = await _raw(session.tx)
        times = [a["created_at"] for a in raw[0]] + [v["created_at"] for v in raw[2]]
        for scope in _scopes(world, rng, times):
            assert await _report(session, scope) == _brute(*raw, scope), scope
        _, _, votes = raw
        for round_id in world.rounds:
            cast = [v for v in votes if v["round_id"] == round_id]
            voters = Counter(c for c, _ in {(v["community_id"], v["resident"]) for v in cast})
            assert await session.count_voters(round_id) == dict(voters)
            options = Counter((v["community_id"], v["option_index"]) for v in cast)
            counted = {
                (o.community_id, o.option_index): o.votes
                for o in await session.count_votes(round_id)
            }
            assert counted == dict(options)
        for _ in range(10):
            since = _moment(rng) - timedelta(days=3)
            until = since + timedelta(days=rng.choice((1, 7)), seconds=rng.uniform(0, 9999))
            expected = sorted(
                {
                    v["round_id"]
                    for v in votes
                    if since.timestamp() <= v["created_at"] < until.timestamp()
                }
            )
            assert await session.list_voted_round_ids(since, until) == expected


async def test_forget_leaves_no_pseudonym_in_the_tallies(repo: Repository) -> None:
    """/forget removes every tally row that names the resident."""
    world = World(repo, 5)
    await world.setup()
    await world.run(transactions=30)
    async with repo.transaction() as session:
        for resident in RESIDENTS:
            await session.delete_resident_data(resident)
    async with repo.transaction() as session:
        for table in ("tally_round_people", "tally_activity"):
            assert await session.tx.fetchall(f"SELECT * FROM {table}") == [], table
    await _assert_tallies_exact(repo)


async def test_migration_back_fill_equals_the_recount(repo: Repository) -> None:
    """Migration 0011's statements that fill the tallies from stored rows give what the
    repository keeps up write by write (here: after emptying them)."""
    world = World(repo, 6)
    await world.setup()
    await world.run(transactions=30)
    sql = next(text for version, _, text in available() if version == 11)
    async with repo.transaction() as session:
        before = await _stored(session.tx)
        for table in (
            "tally_answers",
            "tally_themes",
            "tally_votes",
            "tally_round_people",
            "tally_round_totals",
            "tally_activity",
            "tally_arrivals",
        ):
            await session.tx.execute(f"DELETE FROM {table}")
        for statement in _statements(sql, session.tx.dialect):
            if statement.startswith("INSERT"):
                await session.tx.execute(statement)
        after = await _stored(session.tx)
    assert after == before
    await _assert_tallies_exact(repo)


def test_arrival_changes_follow_the_successor() -> None:
    """Adding an hour between two active hours splits the later one's gap; removing it joins
    them again (the pure bookkeeping behind tally_arrivals)."""
    from storage.repository.tallies import arrival_changes

    changes, gone = arrival_changes({10: 1, 20: 2}, {15: 1})
    assert changes == {(15, 5): 1, (20, 10): -1, (20, 5): 1} and gone == []
    changes, gone = arrival_changes({10: 1, 15: 1, 20: 2}, {15: -1})
    assert changes == {(15, 5): -1, (20, 5): -1, (20, 10): 1} and gone == [15]
    changes, gone = arrival_changes({20: 1}, {20: 1})
    assert changes == {} and gone == []
    with pytest.raises(ValueError):
        arrival_changes({20: 1}, {20: -2})


async def test_concurrent_writers_keep_the_tallies_exact(repo: Repository) -> None:
    """Many transactions at once storing, hiding and voting for the same two residents in
    different hours (PostgreSQL runs them concurrently: each resident's hours are changed by
    one transaction at a time) leave the tallies equal to a recount."""
    world = World(repo, 7)
    await world.setup()
    rng = random.Random(8)
    # One round per writer of a wave: a resident's row of a round (tally_round_people) would
    # already make two transactions of one round take turns.
    async with repo.transaction() as session:
        rounds = [
            (
                await session.add_round(
                    kind="text",
                    state="open",
                    question=f"第{i}轮",
                    community_ids=world.communities,
                    opens_at=T0,
                    closes_at=T0 + SPAN,
                    reminder_at=None,
                    created_by="organiser",
                    at=T0,
                )
            ).id
            for i in range(10)
        ]
    # All commit together: their tallies are written at once, each resident's hours by
    # several transactions (SQLite runs them one after another anyway).
    together = asyncio.Barrier(10)  # the pool holds 10 connections: 4 waves of 10

    async def writer(n: int) -> None:
        async with repo.transaction() as session:
            answers = [
                NewAnswer(
                    round_id=rounds[n % 10],
                    community_id=world.communities[n % 2],
                    resident=RESIDENTS[n % 2],
                    source=f"c{n}-{i}",
                    via="reply",
                    text=f"并发{n}-{i}",
                    text_hash=f"并发{n}-{i}",
                    at=T0 + timedelta(hours=rng.randrange(60), seconds=n),
                    themes=_tags(rng),
                )
                for i in range(3)
            ]
            ids = await session.add_answers(answers)
            await asyncio.sleep(0)
            if n % 3 == 0 and ids[0] is not None:
                await session.set_answer_hidden(ids[0], "organiser", T0)
            if n < 2:  # (one vote each: votes of one resident at once would clash on its key)
                await session.set_votes(
                    world.rating, world.communities[0], RESIDENTS[n], [1 + n % 5], answers[1].at
                )
            if repo.backend.dialect == "postgresql":
                await together.wait()

    await asyncio.gather(*(writer(n) for n in range(40)))
    await _assert_tallies_exact(repo)


async def test_a_write_of_many_residents_beside_small_ones(repo: Repository) -> None:
    """One transaction storing answers of 600 residents (a bulk load; on PostgreSQL it locks
    the tallies as a whole instead of each resident) while small writers store answers of
    some of the same residents keeps the tallies exact."""
    world = World(repo, 9)
    await world.setup()
    round_id = next(iter(world.rounds))
    many = [f"{i:032x}" for i in range(100, 700)]

    def answer(resident: str, n: int, hour: int) -> NewAnswer:
        return NewAnswer(
            round_id=round_id,
            community_id=world.communities[n % 3],
            resident=resident,
            source=f"m{resident}-{n}",
            via="reply",
            text=f"很多{n}",
            text_hash=f"很多{n}",
            at=T0 + timedelta(hours=hour, minutes=n % 60),
            themes=[],
        )

    async def bulk() -> None:
        async with repo.transaction() as session:
            await session.add_answers([answer(r, i, i % 50) for i, r in enumerate(many)])

    async def small(n: int) -> None:
        async with repo.transaction() as session:
            await session.add_answers([answer(many[n * 7], 1000 + n, 60 - n)])

    await asyncio.gather(bulk(), *(small(n) for n in range(8)))
    await _assert_tallies_exact(repo)


async def test_emerging_terms_sample_is_the_hashed_selection(repo: Repository) -> None:
    """The sample of answer texts (every k-th by a hash of the id, newest first) is the same
    selection whether k is a multiple of the stride (read from the partial indexes) or not,
    for rounds and time windows, with a community filter and hidden answers left out."""
    world = World(repo, 10)
    await world.setup()
    await world.run(transactions=60)
    async with repo.transaction() as session:
        stored = await session.tx.fetchall(
            "SELECT id, round_id, community_id, created_at, hidden, text FROM answers"
        )
        scopes = [
            Scope(round_ids=[next(iter(world.rounds))]),
            Scope(round_ids=list(world.rounds), community_ids=world.communities[:1]),
            Scope(since=T0 + timedelta(days=1), until=T0 + timedelta(days=8, minutes=7)),
            Scope(since=T0, until=T0 + SPAN, community_ids=world.communities[1:]),
        ]
        for scope in scopes:
            for every in (1, 3, 16, 32):
                expected = [
                    r["text"]
                    for r in sorted(stored, key=lambda r: -r["id"])
                    if not r["hidden"]
                    and (scope.round_ids is None or r["round_id"] in scope.round_ids)
                    and (scope.community_ids is None or r["community_id"] in scope.community_ids)
                    and (scope.since is None or r["created_at"] >= scope.since.timestamp())
                    and (scope.until is None or r["created_at"] < scope.until.timestamp())
                    and ((r["id"] * 2654435761) % 4294967296) % every == 0
                ][:5]
                got = await session.list_answer_texts(scope, limit=5, every=every)
                assert got == expected, (scope, every)

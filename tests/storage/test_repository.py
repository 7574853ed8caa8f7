"""The repository contract, run against every backend (see conftest: SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest

from bot.core.models import NewAnswer, TagRecord
from storage.backends.factory import backend_for
from storage.migrations import _statements, available, current_version, migrate
from storage.repository import NameTaken, Repository, Scope, Session

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def tag(theme: str, score: float = 1.0, kind: str = "domain") -> TagRecord:
    """A theme tag with one word of evidence."""
    return TagRecord(theme_id=theme, kind=kind, score=score, evidence=[f"{theme}词"])


async def community(session: Session, chat_id: int, name: str) -> int:
    """Register a community and return its id."""
    found, _created = await session.set_community(chat_id, name, T0)
    return found.id


async def text_round(
    session: Session, community_ids: list[int], *, start: datetime = T0, **kwargs: object
) -> int:
    """Store a text round for these communities, created and open from `start` for two hours
    (`kwargs` change any of add_round's values), and return its id."""
    values: dict[str, object] = {
        "kind": "text",
        "state": "open",
        "question": "我们社区最需要改进什么？",
        "community_ids": community_ids,
        "opens_at": start,
        "closes_at": start + timedelta(hours=2),
        "reminder_at": None,
        "created_by": "organiser",
        "at": start,
    }
    values.update(kwargs)
    created = await session.add_round(**values)  # type: ignore[arg-type]
    return created.id


async def answer(
    session: Session,
    round_id: int,
    community_id: int,
    resident: str,
    text: str,
    *,
    at: datetime = T0,
    themes: list[TagRecord] | None = None,
    source: str | None = None,
) -> int | None:
    """Store an answer (source defaults to one derived from resident and text)."""
    return await session.add_answer(
        NewAnswer(
            round_id=round_id,
            community_id=community_id,
            resident=resident,
            source=source or f"g:{resident}:{text}",
            via="reply",
            text=text,
            text_hash=str(hash(text)),
            at=at,
            themes=themes or [],
        )
    )


class TestMigrations:
    """Schema versions, on every backend."""

    async def test_migrations_are_applied_once(self, repo: Repository) -> None:
        """Opening a migrated database again applies nothing and keeps the latest version."""
        assert await migrate(repo.backend) == []
        async with repo.backend.transaction() as tx:
            assert await current_version(tx) == available()[-1][0]

    async def test_theme_rows_get_their_answers_scope(self, storage_url: str) -> None:
        """Upgrading from version 1 copies each answer's round, community, time and visibility
        into its theme rows, so theme counts stay what they were."""
        backend = backend_for(storage_url)
        await backend.open()
        try:
            async with backend.transaction() as tx:
                await current_version(tx)
                for statement in _statements(available()[0][2], backend.dialect):
                    await tx.execute(statement)
                await tx.execute("INSERT INTO schema_version (version) VALUES (1)")
            async with backend.transaction() as tx:
                session = Session(tx)
                a = await community(session, -100, "A")
                # Version 1's columns only: today's repository writes columns added since.
                rid = await tx.fetchval(
                    "INSERT INTO rounds (kind, state, question, opens_at, closes_at, "
                    "created_by, created_at) VALUES ('text', 'open', '问', 1.0, 9.0, 'o', 1.0) "
                    "RETURNING id"
                )
                await tx.execute(
                    "INSERT INTO round_communities (round_id, community_id) VALUES (?, ?)",
                    (rid, a),
                )
                await tx.execute(
                    "INSERT INTO answers (round_id, community_id, resident, source, via, text, "
                    "text_hash, created_at, updated_at, hidden) VALUES "
                    "(?, ?, 'r1', 's1', 'reply', '一', 'h1', 5.0, 5.0, 0), "
                    "(?, ?, 'r2', 's2', 'reply', '二', 'h2', 6.0, 6.0, 1)",
                    (rid, a, rid, a),
                )
                await tx.execute(
                    "INSERT INTO answer_themes (answer_id, theme_id, kind, score, evidence) "
                    "SELECT id, 'parking', 'domain', 1.0, '[]' FROM answers"
                )
            assert await migrate(backend) == [v for v, _, _ in available()[1:]]
            async with backend.transaction() as tx:
                rows = await tx.fetchall(
                    "SELECT round_id, community_id, created_at, hidden FROM answer_themes "
                    "ORDER BY answer_id"
                )
                assert rows == [
                    {"round_id": rid, "community_id": a, "created_at": 5.0, "hidden": 0},
                    {"round_id": rid, "community_id": a, "created_at": 6.0, "hidden": 1},
                ]
                themes = await Session(tx).count_themes(Scope(round_ids=[rid]))
                assert [(t.theme_id, t.count) for t in themes[a]] == [("parking", 1)]
        finally:
            await backend.close()


class TestTransactions:
    """Commit and rollback."""

    async def test_error_rolls_back_everything(self, repo: Repository) -> None:
        """A transaction that raises leaves no trace of its writes."""
        with pytest.raises(RuntimeError):
            async with repo.transaction() as session:
                await community(session, -100, "碧海社区")
                raise RuntimeError("boom")
        async with repo.transaction() as session:
            assert await session.list_communities() == []

    async def test_unicode_round_trip(self, repo: Repository) -> None:
        """Chinese text, emoji and quotes come back exactly as stored."""
        text = "停车位太少了😡 \"真的\" '很难' ？"
        async with repo.transaction() as session:
            cid = await community(session, -100, "碧海社区")
            rid = await text_round(session, [cid], question=text)
            await answer(session, rid, cid, "r1", text)
        async with repo.transaction() as session:
            assert (await session.get_round(rid)).question == text  # type: ignore[union-attr]
            (stored,) = await session.list_answers()
        assert stored.text == text


class TestProcessedUpdates:
    """The idempotency ledger."""

    async def test_an_update_is_claimed_once(self, repo: Repository) -> None:
        """The second claim of an update id reports it was already processed."""
        async with repo.transaction() as session:
            assert await session.add_processed_update(7, T0)
            assert not await session.add_processed_update(7, T0)
            assert await session.is_update_processed(7)
            assert not await session.is_update_processed(8)

    async def test_old_update_ids_are_forgotten(self, repo: Repository) -> None:
        """Purging before a time deletes only older update ids."""
        async with repo.transaction() as session:
            await session.add_processed_update(1, T0)
            await session.add_processed_update(2, T0 + timedelta(days=3))
            assert await session.delete_processed_updates_before(T0 + timedelta(days=1)) == 1
            assert not await session.is_update_processed(1)
            assert await session.is_update_processed(2)

    async def test_dead_letter_is_kept_once(self, repo: Repository) -> None:
        """A failed update is stored whole, and storing it again changes nothing."""
        async with repo.transaction() as session:
            await session.add_dead_letter(5, '{"update_id": 5}', "boom", T0)
            await session.add_dead_letter(5, '{"update_id": 5}', "again", T0)
            rows = await session.tx.fetchall("SELECT update_id, payload, error FROM dead_letters")
        assert rows == [{"update_id": 5, "payload": '{"update_id": 5}', "error": "boom"}]


class TestCommunities:
    """Registering, renaming, deactivating and migrating communities."""

    async def test_register_and_rename(self, repo: Repository) -> None:
        """A chat registers once; registering it again renames it."""
        async with repo.transaction() as session:
            first, created = await session.set_community(-100, "碧海社区", T0)
            again, created_again = await session.set_community(-100, "碧海新区", T0)
            assert created and not created_again
            assert again.id == first.id and again.name == "碧海新区"
            assert await session.get_community_by_name("碧海社区") is None

    async def test_name_taken_by_another_chat(self, repo: Repository) -> None:
        """A name already used by another chat is refused."""
        async with repo.transaction() as session:
            await session.set_community(-100, "碧海社区", T0)
            with pytest.raises(NameTaken):
                await session.set_community(-200, "碧海社区", T0)

    async def test_active_and_migration(self, repo: Repository) -> None:
        """Deactivated communities drop out of active lists; a migrated chat keeps its id."""
        async with repo.transaction() as session:
            cid = await community(session, -100, "碧海社区")
            await community(session, -200, "会展城")
            assert await session.set_community_active(-200, False)
            assert not await session.set_community_active(-999, False)
            assert [c.name for c in await session.list_communities(active_only=True)] == [
                "碧海社区"
            ]
            assert await session.set_community_chat(-100, -1001)
            moved = await session.get_community_by_chat(-1001)
            assert moved is not None and moved.id == cid

    async def test_migration_onto_a_chat_already_registered(self, repo: Repository) -> None:
        """A group whose supergroup was registered as a community of its own before the move
        was learnt cannot follow it there (one community per chat): it is left inactive, so
        that nothing is sent to its dead id any more, and the other community is untouched."""
        async with repo.transaction() as session:
            await community(session, -100, "碧海社区")
            await community(session, -1001, "碧海社区新群")
            assert not await session.set_community_chat(-100, -1001)
            old = await session.get_community_by_name("碧海社区")
            new = await session.get_community_by_chat(-1001)
        assert old is not None and (old.chat_id, old.active) == (-100, False)
        assert new is not None and (new.name, new.active) == ("碧海社区新群", True)

    async def test_chat_migrations_are_remembered_once(self, repo: Repository) -> None:
        """Each upgrade is kept (old id -> new id); learning it again changes nothing."""
        async with repo.transaction() as session:
            assert await session.list_chat_migrations() == {}
            assert await session.add_chat_migration(-100, -1001, T0)
            assert not await session.add_chat_migration(-100, -1001, T0)
            assert await session.add_chat_migration(-200, -1002, T0)
            assert await session.list_chat_migrations() == {-100: -1001, -200: -1002}


class TestRounds:
    """Round storage and guarded transitions."""

    async def test_add_and_list(self, repo: Repository) -> None:
        """A poll round keeps its options and flags; lists filter by community and state."""
        async with repo.transaction() as session:
            a = await community(session, -100, "A")
            b = await community(session, -200, "B")
            poll = await text_round(
                session,
                [a, b],
                kind="poll",
                options=["是", "否"],
                multi=True,
                anonymous=True,
                cron="0 9 * * mon",
            )
            only_b = await text_round(session, [b], state="scheduled", opens_at=T0 + timedelta(1))
            found = await session.get_round(poll)
            assert found is not None
            assert found.options == ["是", "否"] and found.multi and found.anonymous
            assert found.cron == "0 9 * * mon" and found.opens_at == T0
            assert [r.id for r in await session.list_rounds(community_id=a)] == [poll]
            assert [r.id for r in await session.list_rounds(states=["scheduled"])] == [only_b]
            assert [r.id for r in await session.list_rounds(limit=1)] == [only_b]
            assert [r.id for r in await session.list_rounds(since=T0 + timedelta(hours=1))] == [
                only_b
            ]
            names = [c.name for c in await session.list_round_communities(poll)]
            assert names == ["A", "B"]

    async def test_transition_happens_once(self, repo: Repository) -> None:
        """A state change from an expected state succeeds once and stamps the time."""
        async with repo.transaction() as session:
            cid = await community(session, -100, "A")
            rid = await text_round(session, [cid], state="scheduled")
            at = T0 + timedelta(minutes=1)
            assert await session.set_round_state(rid, "open", at, expect="scheduled")
            assert not await session.set_round_state(rid, "open", at, expect="scheduled")
            found = await session.get_round(rid)
            assert found is not None and found.state == "open" and found.opened_at == at

    async def test_due_rounds(self, repo: Repository) -> None:
        """Due rounds are those to open, remind or close, each when its time comes."""
        async with repo.transaction() as session:
            cid = await community(session, -100, "A")
            later = await text_round(
                session, [cid], state="scheduled", opens_at=T0 + timedelta(hours=1)
            )
            reminding = await text_round(session, [cid], reminder_at=T0 + timedelta(minutes=30))
            assert await session.list_due_rounds(T0) == []
            due = await session.list_due_rounds(T0 + timedelta(minutes=45))
            assert [r.id for r in due] == [reminding]
            await session.clear_round_reminder(reminding)
            due = await session.list_due_rounds(T0 + timedelta(hours=1))
            assert [r.id for r in due] == [later]
            await session.set_round_closes_at(reminding, T0 + timedelta(minutes=5))
            due = await session.list_due_rounds(T0 + timedelta(minutes=10))
            assert [r.id for r in due] == [reminding]
            assert [r.id for r in await session.list_open_rounds_for(cid, "text")] == [reminding]
            assert await session.list_open_rounds_for(cid, "poll") == []


class TestPosts:
    """The outbox."""

    async def test_posts_owed_once_and_marked_sent(self, repo: Repository) -> None:
        """A post is owed once per transition; once sent it leaves the unsent list."""
        async with repo.transaction() as session:
            a = await community(session, -100, "A")
            b = await community(session, -200, "B")
            rid = await text_round(session, [a, b])
            await session.add_posts(rid, "open", [a, b])
            await session.add_posts(rid, "open", [a, b])
            await session.add_posts(rid, "close", [a])
            unsent = await session.list_unsent_posts()
            assert [(p.purpose, p.community_name) for p in unsent] == [
                ("open", "A"),
                ("open", "B"),
                ("close", "A"),
            ]
            await session.set_post_sent(rid, a, "open", T0, 41, "poll-1")
            assert len(await session.list_unsent_posts()) == 2
            by_message = await session.get_post_by_message(-100, 41)
            assert by_message is not None and by_message.purpose == "open"
            by_poll = await session.get_post_by_poll("poll-1")
            assert by_poll is not None and by_poll.sent_at == T0
            assert [p.community_name for p in await session.list_posts(rid, "open")] == ["A", "B"]

    async def test_an_opening_post_is_in_flight_only_while_being_sent(
        self, repo: Repository
    ) -> None:
        """Started and not stored: in flight, for a round opened since the time asked about;
        a post whose send failed long ago (waiting for its retry) is not, nor one stored."""
        async with repo.transaction() as session:
            a = await community(session, -100, "A")
            rid = await text_round(session, [a], state="scheduled")
            assert await session.set_round_state(rid, "open", T0, expect="scheduled")
            await session.add_posts(rid, "open", [a])
            before = T0 - timedelta(minutes=2)
            assert not await session.round_post_in_flight(("text",), before, -100)
            await session.add_post_attempt(rid, a, "open")
            assert await session.round_post_in_flight(("text",), before, -100)
            assert not await session.round_post_in_flight(("text",), before, -200)
            assert not await session.round_post_in_flight(("poll",), before)
            later = T0 + timedelta(minutes=1)
            assert not await session.round_post_in_flight(("text",), later, -100)
            await session.set_post_sent(rid, a, "open", T0, 41, None)
            assert not await session.round_post_in_flight(("text",), before, -100)

    async def test_a_rounds_forum_topic_goes_with_its_posts(self, repo: Repository) -> None:
        """The topic a round was put to in one community's group reaches that community's
        posts; the other community's posts go to its main thread."""
        async with repo.transaction() as session:
            a = await community(session, -100, "A")
            b = await community(session, -200, "B")
            rid = await text_round(session, [a, b], topics={a: 7})
            await session.add_posts(rid, "open", [a, b])
            unsent = await session.list_unsent_posts()
            assert [(p.community_name, p.topic) for p in unsent] == [("A", 7), ("B", None)]
            assert await session.get_round_topics(rid) == {a: 7}

    async def test_posts_to_inactive_communities_wait(self, repo: Repository) -> None:
        """Posts for an inactive community are not listed as sendable."""
        async with repo.transaction() as session:
            a = await community(session, -100, "A")
            rid = await text_round(session, [a])
            await session.add_posts(rid, "open", [a])
            await session.set_community_active(-100, False)
            assert await session.list_unsent_posts() == []

    async def test_the_report_is_owed_whatever_its_community(self, repo: Repository) -> None:
        """The organisers' report stays sendable when the community it is keyed by is inactive
        (it goes to the organisers' private chats, not to the group)."""
        async with repo.transaction() as session:
            a = await community(session, -100, "A")
            rid = await text_round(session, [a])
            await session.add_posts(rid, "close", [a])
            await session.add_posts(rid, "report", [a])
            await session.set_community_active(-100, False)
            assert [p.purpose for p in await session.list_unsent_posts()] == ["report"]


class TestAnswers:
    """Answers, their themes, moderation, deletion and retention."""

    async def test_duplicates_are_not_stored(self, repo: Repository) -> None:
        """The same message, or the same text from the same resident, is stored once."""
        async with repo.transaction() as session:
            cid = await community(session, -100, "A")
            rid = await text_round(session, [cid])
            first = await answer(session, rid, cid, "r1", "停车难", themes=[tag("parking")])
            assert first is not None
            assert await answer(session, rid, cid, "r1", "停车难", source="other") is None
            assert await answer(session, rid, cid, "r2", "别的", source="g:r1:停车难") is None
            assert await answer(session, rid, cid, "r2", "停车难") is not None
            stored = await session.get_answer_by_source("g:r1:停车难")
            assert stored is not None and stored.id == first

    async def test_a_batch_is_stored_with_its_duplicates_marked(self, repo: Repository) -> None:
        """add_answers stores 250 answers (several INSERT statements) with their themes and
        gives None, in place, for each repeat: of an earlier answer or of one in the batch."""

        def new(i: int, resident: str, text: str) -> NewAnswer:
            return NewAnswer(
                round_id=rid,
                community_id=cid,
                resident=resident,
                source=f"g:-100:{i}",
                via="reply",
                text=text,
                text_hash=f"h-{text}",
                at=T0,
                themes=[tag("parking", 0.5)] if i % 2 else [],
            )

        async with repo.transaction() as session:
            cid = await community(session, -100, "A")
            rid = await text_round(session, [cid])
            earlier = await session.add_answer(new(-1, "r0", "停车难"))
            batch = [new(i, f"r{i}", f"第{i}条") for i in range(250)]
            batch[3] = new(3, "r0", "停车难")  # r0 said this before the batch
            batch[200] = new(200, "r7", "第7条")  # r7 says answer 7 again within the batch
            ids = await session.add_answers(batch)
            assert earlier is not None and ids[3] is None and ids[200] is None
            stored = [i for i in ids if i is not None]
            assert len(stored) == 248 == len(set(stored)) and earlier not in stored
            answers = await session.list_answers(limit=1000)
            assert len(answers) == 249
            by_id = {a.id: a for a in answers}
            assert by_id[ids[9] or 0].text == "第9条"
            assert [t.theme_id for t in by_id[ids[9] or 0].themes] == ["parking"]
            assert by_id[ids[8] or 0].themes == []
            counts = await session.count_themes(Scope(round_ids=[rid]))
            # 125 odd answers of the batch, less the repeat at 3, plus the earlier one (-1).
            assert counts[cid][0].count == 125

    async def test_themes_are_replaced_on_edit(self, repo: Repository) -> None:
        """Editing an answer replaces its text and themes, unless it duplicates another."""
        async with repo.transaction() as session:
            cid = await community(session, -100, "A")
            rid = await text_round(session, [cid])
            one = await answer(session, rid, cid, "r1", "停车难", themes=[tag("parking")])
            await answer(session, rid, cid, "r1", "垃圾多")
            assert one is not None
            assert not await session.set_answer_text(one, "垃圾多", str(hash("垃圾多")), T0, [])
            later = T0 + timedelta(minutes=1)
            assert await session.set_answer_text(
                one, "绿化少", "h-green", later, [tag("green", 0.5), tag("env", 0.9)]
            )
            (edited,) = await session.list_answers(resident="r1", limit=1)
            assert edited.text == "绿化少" and edited.updated_at == later
            assert [t.theme_id for t in edited.themes] == ["env", "green"]
            assert edited.themes[0].evidence == ["env词"]

    async def test_hide_forget_and_retention(self, repo: Repository) -> None:
        """Hidden answers drop out of lists; /forget and retention delete answers and votes."""
        async with repo.transaction() as session:
            cid = await community(session, -100, "A")
            rid = await text_round(session, [cid])
            old = await answer(session, rid, cid, "r1", "旧的", themes=[tag("x")])
            new = T0 + timedelta(days=10)
            await answer(session, rid, cid, "r2", "新的", at=new)
            await answer(session, rid, cid, "r3", "隐藏", at=new)
            await session.set_votes(rid, cid, "r2", [1], new)
            await session.set_private_session("r2", rid, cid, new)
            hidden = await session.get_answer_by_source("g:r3:隐藏")
            assert hidden is not None
            assert await session.set_answer_hidden(hidden.id, "organiser", new)
            assert not await session.set_answer_hidden(hidden.id, "organiser", new)
            assert [a.text for a in await session.list_answers()] == ["旧的", "新的"]
            assert len(await session.list_answers(include_hidden=True)) == 3
            between = await session.list_answers_between(new, new + timedelta(1))
            assert [a.text for a in between] == ["新的"]
            assert await session.delete_answers_before(T0 + timedelta(days=1)) == 1
            assert old is not None
            assert (
                await session.tx.fetchall("SELECT * FROM answer_themes WHERE answer_id = ?", (old,))
                == []
            )
            assert await session.delete_resident_data("r2") == (1, 1)
            assert await session.get_private_session("r2") is None
            assert await session.list_resident_votes("r2") == []


class TestVotesAndAggregates:
    """Votes, poll tallies and the report aggregates."""

    async def test_votes_replace_and_tallies(self, repo: Repository) -> None:
        """A new choice replaces the old; anonymous tallies count per community."""
        async with repo.transaction() as session:
            a = await community(session, -100, "A")
            b = await community(session, -200, "B")
            rid = await text_round(session, [a, b], kind="poll", options=["x", "y", "z"])
            await session.set_votes(rid, a, "r1", [0, 2], T0)
            await session.set_votes(rid, a, "r1", [1], T0)
            await session.set_votes(rid, a, "r2", [1], T0)
            await session.set_votes(rid, a, "r3", [], T0)
            assert await session.list_resident_votes("r1") == [(rid, 1)]
            await session.add_posts(rid, "open", [b])
            await session.set_post_sent(rid, b, "open", T0, 9, "poll-b")
            await session.set_poll_tally("poll-b", [3, 0, 1], 4)
            await session.set_poll_tally("poll-b", [4, 0, 1], 5)
            counted = await session.count_votes(rid)
            votes = {(v.community_id, v.option_index): v.votes for v in counted}
            assert votes == {(a, 1): 2, (b, 0): 4, (b, 1): 0, (b, 2): 1}
            assert await session.count_voters(rid) == {a: 2, b: 5}

    async def test_poll_totals_from_an_older_update_are_ignored(self, repo: Repository) -> None:
        """Anonymous poll totals arriving out of order (a retried webhook delivery after later
        ones) leave the later totals; the final totals of closing (no update) always count."""
        async with repo.transaction() as session:
            a = await community(session, -100, "A")
            rid = await text_round(session, [a], kind="poll", options=["x", "y"])
            await session.add_posts(rid, "open", [a])
            await session.set_post_sent(rid, a, "open", T0, 9, "poll-a")
            assert await session.set_poll_tally("poll-a", [7, 3], 10, update_id=40)
            assert not await session.set_poll_tally("poll-a", [1, 0], 1, update_id=31)
            counted = {v.option_index: v.votes for v in await session.count_votes(rid)}
            assert counted == {0: 7, 1: 3}
            assert await session.count_voters(rid) == {a: 10}
            assert await session.set_poll_tally("poll-a", [8, 3], 11, update_id=41)
            assert await session.set_poll_tally("poll-a", [8, 4], 12)  # closing: final
            assert not await session.set_poll_tally("poll-a", [0, 0], 0, update_id=39)
            counted = {v.option_index: v.votes for v in await session.count_votes(rid)}
            assert counted == {0: 8, 1: 4}
            assert await session.count_voters(rid) == {a: 12}

    async def test_counts_themes_and_quotes(self, repo: Repository) -> None:
        """Aggregates count visible answers per community, people, themes and best quotes."""
        async with repo.transaction() as session:
            a = await community(session, -100, "A")
            b = await community(session, -200, "B")
            rid = await text_round(session, [a, b])
            await answer(session, rid, a, "r1", "一", themes=[tag("parking", 0.9)])
            await answer(session, rid, a, "r1", "二", themes=[tag("parking", 0.5), tag("green")])
            await answer(session, rid, b, "r2", "三", themes=[tag("green", 0.7)])
            await session.set_votes(rid, b, "r3", [1], T0)
            scope = Scope(round_ids=[rid])
            assert await session.count_visible_answers(scope) == {a: 2, b: 1}
            assert await session.count_participants(scope) == ({a: 1, b: 2}, 3)
            assert await session.count_visible_answers(Scope(round_ids=[])) == {}
            assert await session.count_visible_answers(Scope(community_ids=[b])) == {b: 1}
            later = Scope(since=T0 + timedelta(seconds=1))
            assert await session.count_visible_answers(later) == {}
            themes = await session.count_themes(scope)
            assert {(t.theme_id, t.count) for t in themes[a]} == {("parking", 2), ("green", 1)}
            quotes = await session.list_quote_candidates(scope, ["parking", "green"], per_theme=1)
            assert [(q.theme_id, q.text) for q in quotes] == [("green", "二"), ("parking", "一")]
            assert await session.list_answer_texts(scope, limit=2) == ["三", "二"]

    async def test_aggregates_follow_hiding_retagging_and_windows(self, repo: Repository) -> None:
        """Theme counts and quotes drop a hidden answer and follow a re-tag, in round and time
        scopes alike; a resident in two communities is one participant overall."""
        async with repo.transaction() as session:
            a = await community(session, -100, "A")
            b = await community(session, -200, "B")
            rid = await text_round(session, [a, b])
            first = await answer(session, rid, a, "r1", "一", themes=[tag("parking", 0.9)])
            later = T0 + timedelta(hours=1)
            second = await answer(session, rid, b, "r1", "二", at=later, themes=[tag("green")])
            await session.set_votes(rid, b, "r2", [1], later)
            assert first is not None and second is not None
            window = Scope(since=later, until=later + timedelta(hours=1))
            for scope in (Scope(round_ids=[rid]), Scope(since=T0, until=later + timedelta(1))):
                assert await session.count_participants(scope) == ({a: 1, b: 2}, 2)
            assert await session.count_participants(window) == ({b: 2}, 2)
            assert await session.set_answer_hidden(first, "organiser", T0)
            await session.set_answer_themes(second, [tag("parking", 0.5), tag("green", 0.4)])
            for scope in (Scope(round_ids=[rid]), window, Scope(community_ids=[b])):
                themes = await session.count_themes(scope)
                assert {(t.theme_id, t.count) for t in themes[b]} == {("parking", 1), ("green", 1)}
                assert a not in themes
                quotes = await session.list_quote_candidates(scope, ["parking", "green"])
                assert [(q.theme_id, q.answer_id) for q in quotes] == [
                    ("green", second),
                    ("parking", second),
                ]
            assert await session.count_themes(Scope(since=T0, until=later)) == {}

    async def test_score_sums_are_exact_in_every_kind_of_scope(self, repo: Repository) -> None:
        """Ten answers scored 0.1 sum to exactly 1.0 whichever way the scope is counted (round
        tallies, a time window, or neither): the sums are integer millionths, not float sums
        whose last digit depends on the order the database reads the rows."""
        async with repo.transaction() as session:
            a = await community(session, -100, "A")
            rid = await text_round(session, [a])
            for i in range(10):
                await answer(session, rid, a, f"r{i}", f"{i}", themes=[tag("parking", 0.1)])
            window = Scope(since=T0 - timedelta(hours=1), until=T0 + timedelta(hours=1))
            for scope in (Scope(round_ids=[rid]), window, Scope(community_ids=[a])):
                [parking] = (await session.count_themes(scope))[a]
                assert (parking.count, parking.score_sum) == (10, 1.0), scope


class TestModelsDigestsSessions:
    """Learned models (binary), digest periods and private answering sessions."""

    async def test_model_blob_round_trip(self, repo: Repository) -> None:
        """A stored model comes back byte for byte, and storing again replaces it."""
        blob = bytes(range(256)) * 4
        async with repo.transaction() as session:
            assert await session.get_model("tagger") is None
            await session.set_model("tagger", b"old", T0)
            await session.set_model("tagger", blob, T0)
            assert await session.get_model("tagger") == blob

    async def test_digest_period_claimed_once(self, repo: Repository) -> None:
        """A digest period is claimed once and stays unsent until marked sent."""
        async with repo.transaction() as session:
            assert await session.add_digest_period(T0)
            assert not await session.add_digest_period(T0)
            assert await session.list_unsent_digests() == [T0]
            await session.set_digest_sent(T0, T0)
            assert await session.list_unsent_digests() == []

    async def test_digest_delivery_per_chat(self, repo: Repository) -> None:
        """Each staff chat is owed a period's digest once; its progress, failed attempts with
        their retry time, and its end (sent or refused) are kept per chat."""
        later = T0 + timedelta(minutes=5)
        async with repo.transaction() as session:
            await session.add_digest_period(T0)
            await session.add_digest_deliveries(T0, [-1, -2, -3])
            await session.set_digest_parts_sent(T0, -1, 2)
            assert await session.set_digest_delivery_failed(T0, -1, later) == 1
            assert await session.set_digest_delivery_failed(T0, -1, later) == 2
            await session.add_digest_deliveries(T0, [-1, -2, -3])  # owed once: rows kept
            await session.set_digest_delivery_done(T0, -2, "sent", later)
            await session.set_digest_delivery_done(T0, -3, "refused", later)
            rows = await session.list_digest_deliveries(T0)
        assert [
            (d.chat_id, d.parts_sent, d.attempts, d.retry_at, d.done_at, d.outcome) for d in rows
        ] == [
            (-3, 0, 0, None, later, "refused"),
            (-2, 0, 0, None, later, "sent"),
            (-1, 2, 2, later, None, None),
        ]

    async def test_digest_delivery_follows_a_migrated_chat(self, repo: Repository) -> None:
        """A staff chat's delivery moves to its supergroup with the parts it already has (its
        history moves with it); if the new id was owed the digest too, the row that got
        further is kept, so the chat gets each part once."""
        later = T0 + timedelta(minutes=5)
        async with repo.transaction() as session:
            await session.add_digest_period(T0)
            await session.add_digest_deliveries(T0, [-1, -2, -20, -3, -30])
            await session.set_digest_parts_sent(T0, -1, 1)
            await session.set_digest_delivery_failed(T0, -1, later)
            moved = await session.set_digest_delivery_chat(T0, -1, -10)
            # Both ids owed: the old one had two parts, the new one none.
            await session.set_digest_parts_sent(T0, -2, 2)
            merged = await session.set_digest_delivery_chat(T0, -2, -20)
            # Both ids owed: the new one already has it all.
            await session.set_digest_delivery_done(T0, -30, "sent", later)
            kept = await session.set_digest_delivery_chat(T0, -3, -30)
            # Nothing owed under the old id: nothing moves.
            assert await session.set_digest_delivery_chat(T0, -4, -40) is None
            rows = await session.list_digest_deliveries(T0)
        assert moved is not None and (moved.chat_id, moved.parts_sent, moved.attempts) == (
            -10,
            1,
            1,
        )
        assert merged is not None and (merged.chat_id, merged.parts_sent) == (-20, 2)
        assert kept is not None and (kept.chat_id, kept.outcome) == (-30, "sent")
        assert [(d.chat_id, d.parts_sent, d.outcome) for d in rows] == [
            (-30, 0, "sent"),
            (-20, 2, None),
            (-10, 1, None),
        ]

    async def test_private_sessions(self, repo: Repository) -> None:
        """A resident answers one round privately at a time, until the session is ended."""
        async with repo.transaction() as session:
            cid = await community(session, -100, "A")
            one = await text_round(session, [cid])
            two = await text_round(session, [cid])
            await session.set_private_session("r1", one, cid, T0)
            await session.set_private_session("r1", two, cid, T0)
            assert await session.get_private_session("r1") == (two, cid)
            await session.delete_private_session("r1")
            assert await session.get_private_session("r1") is None


class TestTextOrder:
    """Lists ordered by a name sort by code point on every backend, whatever the PostgreSQL
    database's own collation: reports, digests and exports list communities and themes in
    the same order whichever backend they were read from."""

    NAMES: ClassVar[list[str]] = ["Bihai", "bihai 东区", "会展城社区", "碧海社区"]

    async def test_names_and_theme_ids_sort_by_code_point(self, zh_sorted_url: str) -> None:
        """On a PostgreSQL database created with a Chinese (pinyin, case-blind) collation,
        communities once came out 碧海 before 会展城 and a theme `Parking` after `noise`,
        while SQLite listed them by code point: every report read from PostgreSQL listed its
        communities in another order."""
        repo = Repository.from_url(zh_sorted_url)
        await repo.open()
        try:
            async with repo.transaction() as session:
                ids = [
                    await community(session, -100 - i, name)
                    for i, name in enumerate(reversed(self.NAMES))
                ]
                rid = await text_round(session, ids)
                await session.add_posts(rid, "open", ids)
                themes = [tag("noise"), tag("Parking"), tag("rule_of_law"), tag("rule1")]
                await answer(session, rid, ids[0], "r1", "停车难，晚上很吵", themes=themes)
            async with repo.transaction() as session:
                assert [c.name for c in await session.list_communities()] == self.NAMES
                assert [c.name for c in await session.list_round_communities(rid)] == self.NAMES
                posts = await session.list_posts(rid, "open")
                by_id = {c.id: c.name for c in await session.list_communities()}
                assert [by_id[p.community_id] for p in posts] == self.NAMES
                (stored,) = await session.list_answers(include_hidden=True)
                assert [t.theme_id for t in stored.themes] == sorted(t.theme_id for t in themes)
        finally:
            await repo.close()

"""Answers never land in a closed round, and erasure reaches the dead letters too.

Run on every backend (the `repo` fixture of tests/storage/conftest.py).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from storage.migrations import migrate
from storage.repository import Repository
from storage.repository.refusals import private_chat_key
from tests.storage.test_repository import answer, text_round

T0 = datetime(2026, 5, 1, 9, tzinfo=UTC)


async def _open_round(repo: Repository) -> int:
    """碧海社区 (chat -100) registered at T0 and a text round open for an hour from T0; returns
    the round's id."""
    async with repo.transaction() as session:
        found, _ = await session.set_community(-100, "碧海社区", T0)
        return await text_round(session, [found.id], start=T0, closes_at=T0 + timedelta(hours=1))


async def test_lock_open_round_sees_the_state(repo: Repository) -> None:
    """lock_open_round is true for an open round and false once it is closed."""
    round_id = await _open_round(repo)
    async with repo.transaction() as session:
        assert await session.lock_open_round(round_id)
        assert not await session.lock_open_round(round_id + 1000)
    async with repo.transaction() as session:
        assert await session.set_round_state(round_id, "closed", T0, expect="open")
    async with repo.transaction() as session:
        assert not await session.lock_open_round(round_id)


async def test_a_close_waits_for_an_answer_that_saw_the_round_open(repo: Repository) -> None:
    """While an answer's transaction holds the round open, a close cannot slip in before it
    commits: the close happens after, so the answer belongs to the open round."""
    round_id = await _open_round(repo)
    order: list[str] = []
    checked = asyncio.Event()

    async def answer() -> None:
        async with repo.transaction() as session:
            assert await session.lock_open_round(round_id)
            checked.set()
            await asyncio.sleep(0.3)  # the close is attempted meanwhile
            order.append("answer committed")

    async def close() -> None:
        await checked.wait()
        async with repo.transaction() as session:
            await session.set_round_state(round_id, "closed", T0, expect="open")
        order.append("close committed")

    await asyncio.gather(answer(), close())
    assert order == ["answer committed", "close committed"]


async def test_forget_and_retention_delete_dead_letters(repo: Repository) -> None:
    """/forget deletes the resident's dead letters, retention deletes old ones; others stay."""

    def letter(who: str) -> str:
        return json.dumps(
            {"message": {"from": {"pseudonym": who}, "text": "电梯坏了"}}, ensure_ascii=False
        )

    async with repo.transaction() as session:
        await session.add_dead_letter(1, letter("a" * 32), "failed", T0)
        await session.add_dead_letter(2, letter("b" * 32), "failed", T0 + timedelta(days=30))
        await session.add_dead_letter(3, letter("c" * 32), "failed", T0 + timedelta(days=30))
    async with repo.transaction() as session:
        await session.delete_resident_data("b" * 32)
        await session.delete_answers_before(T0 + timedelta(days=1))
    async with repo.transaction() as session:
        rows = await session.tx.fetchall("SELECT update_id FROM dead_letters ORDER BY update_id")
    assert [r["update_id"] for r in rows] == [3]


async def test_stray_poll_votes_keep_the_last_and_go_with_forget_and_retention(
    repo: Repository,
) -> None:
    """A stray poll vote keeps each resident's last word in that poll; /forget deletes the
    resident's, retention the old ones, and taking a poll's votes deletes them."""
    async with repo.transaction() as session:
        await session.add_stray_poll_vote("p1", "a" * 32, [0], T0 + timedelta(days=30))
        await session.add_stray_poll_vote("p1", "a" * 32, [1], T0 + timedelta(days=29))  # older
        await session.add_stray_poll_vote("p1", "b" * 32, [], T0 + timedelta(days=31))
        await session.add_stray_poll_vote("p1", "c" * 32, [0, 2], T0)
        await session.add_stray_poll_vote("p2", "b" * 32, [1], T0 + timedelta(days=30))
    async with repo.transaction() as session:
        await session.delete_resident_data("c" * 32)
        await session.add_stray_poll_vote("p2", "d" * 32, [1], T0)
        await session.delete_answers_before(T0 + timedelta(days=1))
    async with repo.transaction() as session:
        taken = await session.take_stray_poll_votes("p1")
        again = await session.take_stray_poll_votes("p1")
        left = await session.take_stray_poll_votes("p2")
    assert taken == [
        ("a" * 32, [0], T0 + timedelta(days=30)),
        ("b" * 32, [], T0 + timedelta(days=31)),
    ]
    assert again == [] and left == [("b" * 32, [1], T0 + timedelta(days=30))]


async def test_retention_deletes_old_private_sessions(repo: Repository) -> None:
    """A private session outlives its round's closing (to tell the resident it closed), but
    not the retention period."""
    round_id = await _open_round(repo)
    async with repo.transaction() as session:
        community = await session.get_community_by_chat(-100)
        assert community is not None
        await session.set_private_session("a" * 32, round_id, community.id, T0)
        await session.set_private_session("b" * 32, round_id, community.id, T0 + timedelta(days=30))
    async with repo.transaction() as session:
        await session.delete_answers_before(T0 + timedelta(days=1))
    async with repo.transaction() as session:
        assert await session.get_private_session("a" * 32) is None
        assert await session.get_private_session("b" * 32) == (round_id, community.id)


async def test_deleting_labelled_answers_marks_the_models_learned_from_them(
    repo: Repository,
) -> None:
    """/forget and retention count a deletion that took a labelled answer away; a model
    stored with an older count is reported as learned before it, until stored again. A
    deletion of unlabelled or only skipped answers counts nothing."""
    round_id = await _open_round(repo)
    later = T0 + timedelta(days=30)
    async with repo.transaction() as session:
        community = await session.get_community_by_chat(-100)
        assert community is not None
        ids: dict[str, int] = {}
        for who, text, at in [
            ("labelled", "路灯坏了", T0),
            ("skipped", "随便说说", later),
            ("unlabelled", "没人标注", later),
            ("old", "很久以前的回答", T0),
            ("kept", "垃圾分类要公开", later),
        ]:
            stored = await answer(session, round_id, community.id, who, text, at=at)
            assert stored is not None
            ids[who] = stored
        await session.set_label(ids["labelled"], "o", ["transparency"], T0)
        await session.set_label(ids["skipped"], "o", [], T0, skipped=True)
        await session.set_label(ids["old"], "o", ["participation"], T0)
        await session.set_label(ids["kept"], "o", ["transparency"], T0)
        assert await session.count_label_erasures() == 0
        await session.set_model("principles", b"p", T0, erasures=0)
        await session.set_model("domains", b"d", T0, erasures=0)
        await session.set_model("tagger", b"t", T0)  # not learned from labels
    names = ["domains", "principles"]

    async def stale() -> tuple[int, list[str]]:
        async with repo.transaction() as session:
            return (
                await session.count_label_erasures(),
                await session.models_learned_before_erasure(names),
            )

    async with repo.transaction() as session:
        await session.delete_resident_data("unlabelled")
        await session.delete_resident_data("skipped")
    assert await stale() == (0, [])
    async with repo.transaction() as session:
        await session.delete_resident_data("labelled")
    assert await stale() == (1, names)
    async with repo.transaction() as session:
        await session.set_model("principles", b"p2", T0, erasures=1)
        assert not await session.delete_model("domains", learned_before=0)
    assert await stale() == (1, ["domains"])
    async with repo.transaction() as session:
        assert await session.delete_model("domains", learned_before=1)
    assert await stale() == (1, [])
    async with repo.transaction() as session:
        await session.delete_answers_before(T0 + timedelta(days=1))  # "old", labelled
    assert await stale() == (2, ["principles"])
    async with repo.transaction() as session:
        assert [text for _, text, _ in await session.list_labels()] == ["垃圾分类要公开"]
        assert await session.get_model("tagger") == b"t"


async def test_models_learned_before_the_upgrade_are_kept(repo: Repository) -> None:
    """Migration 0015 marks no model stored before it: one `minyi learn` made from a file has
    no kept rows to be learned from again, and relearning would undo it."""
    for model in [True, False]:
        async with repo.backend.transaction() as tx:
            await tx.execute("DROP TABLE label_erasures")
            await tx.execute("DELETE FROM learned_models")
            await tx.execute("ALTER TABLE learned_models DROP COLUMN erasures")
            # Later migrations, undone so that they apply again after 0015.
            await tx.execute("DROP TABLE organiser_languages")  # 0016
            await tx.execute("ALTER TABLE round_communities DROP COLUMN topic")  # 0017
            await tx.execute("DROP TABLE chat_migrations")  # 0018
            await tx.execute("DROP TABLE IF EXISTS flood_windows")  # 0019, PostgreSQL's only
            await tx.execute("DROP TABLE missed_reports")  # 0020
            await tx.execute("DROP TABLE label_claims")  # 0020
            await tx.execute("DROP TABLE deleted_sources")  # 0021
            await tx.execute("DROP TABLE stray_poll_votes")  # 0023
            await tx.execute("ALTER TABLE digest_deliveries DROP COLUMN part_started")  # 0023
            await tx.execute("DELETE FROM schema_version WHERE version >= 15")
            if model:
                await tx.execute(
                    "INSERT INTO learned_models (name, data, created_at) VALUES (?, ?, ?)",
                    ("principles", b"old", T0.timestamp()),
                )
        assert 15 in await migrate(repo.backend)
        async with repo.transaction() as session:
            stale = await session.models_learned_before_erasure(["principles", "domains"])
        assert stale == []


async def test_editing_a_labelled_answer_marks_the_models_learned_from_it(
    repo: Repository,
) -> None:
    """An edit takes the old text of a labelled answer away as a deletion does: it is counted
    (the models learn again); an edit of an unlabelled or skipped answer, or one that leaves
    the text as it was, counts nothing."""
    round_id = await _open_round(repo)
    async with repo.transaction() as session:
        community = await session.get_community_by_chat(-100)
        assert community is not None
        ids: dict[str, int] = {}
        for who, text in [("labelled", "赵某家的路灯坏了"), ("skipped", "随便"), ("plain", "没人")]:
            stored = await answer(session, round_id, community.id, who, text, at=T0)
            assert stored is not None
            ids[who] = stored
        await session.set_label(ids["labelled"], "o", ["transparency"], T0)
        await session.set_label(ids["skipped"], "o", [], T0, skipped=True)
        await session.set_model("principles", b"p", T0, erasures=0)
    later = T0 + timedelta(hours=1)
    async with repo.transaction() as session:
        assert await session.set_answer_text(ids["plain"], "改了", "h1", later, [])
        assert await session.set_answer_text(ids["skipped"], "也改了", "h2", later, [])
        assert await session.set_answer_text(ids["labelled"], "赵某家的路灯坏了", "h3", later, [])
        assert await session.count_label_erasures() == 0
        assert await session.set_answer_text(ids["labelled"], "我家的路灯坏了", "h4", later, [])
        assert await session.count_label_erasures() == 1
        assert await session.models_learned_before_erasure(["principles"]) == ["principles"]


async def test_forget_and_retention_delete_refusal_counts(repo: Repository) -> None:
    """A private chat's refusal count (kept under a number made from its person's pseudonym)
    goes with their /forget, and any count older than the retention cut-off goes with the
    purge; a group's count of now stays."""
    minute = int(T0.timestamp() // 60)
    alice, bob = private_chat_key("a" * 32), private_chat_key("b" * 32)
    async with repo.transaction() as session:
        await session.count_refusal(alice, minute + 60 * 24 * 30)
        await session.count_refusal(bob, minute)
        await session.count_refusal(-100, minute + 60 * 24 * 30)
    async with repo.transaction() as session:
        await session.delete_resident_data("a" * 32)
        await session.delete_answers_before(T0 + timedelta(days=1))
    async with repo.transaction() as session:
        rows = await session.tx.fetchall("SELECT chat_id FROM refusal_counts")
    assert [r["chat_id"] for r in rows] == [-100]


async def test_retention_deletes_the_moderation_log_of_the_answers_it_deletes(
    repo: Repository,
) -> None:
    """Which organiser hid which answer goes with the retention purge once as old as the
    answers it deletes; a recent hiding stays."""
    round_id = await _open_round(repo)
    async with repo.transaction() as session:
        community = await session.get_community_by_chat(-100)
        assert community is not None
        old = await answer(session, round_id, community.id, "a" * 32, "广告", at=T0)
        new = await answer(
            session, round_id, community.id, "b" * 32, "广告二", at=T0 + timedelta(days=30)
        )
        assert old is not None and new is not None
        await session.set_answer_hidden(old, "o" * 32, T0)
        await session.set_answer_hidden(new, "o" * 32, T0 + timedelta(days=30))
    async with repo.transaction() as session:
        await session.delete_answers_before(T0 + timedelta(days=1))
    async with repo.transaction() as session:
        assert await session.list_moderation_log() == [(new, "hide", "o" * 32)]


async def test_ended_label_claims_are_deleted(repo: Repository) -> None:
    """An organiser's claim on the answer their /label card showed stays after it ended until
    they label again; the purge deletes ended claims (who looked at which answer, when) and
    keeps one that still holds."""
    round_id = await _open_round(repo)
    async with repo.transaction() as session:
        community = await session.get_community_by_chat(-100)
        assert community is not None
        first = await answer(session, round_id, community.id, "a" * 32, "路灯坏了")
        second = await answer(session, round_id, community.id, "b" * 32, "垃圾太多")
        assert first is not None and second is not None
        assert await session.claim_label(first, "o" * 32, T0, T0 + timedelta(minutes=10))
        assert await session.claim_label(second, "p" * 32, T0, T0 + timedelta(hours=2))
    async with repo.transaction() as session:
        await session.delete_expired_label_claims(T0 + timedelta(hours=1))
    async with repo.transaction() as session:
        rows = await session.tx.fetchall("SELECT answer_id, labeller FROM label_claims")
    assert [(r["answer_id"], r["labeller"]) for r in rows] == [(second, "p" * 32)]


async def test_deleted_answers_of_open_rounds_are_remembered_until_their_round_closes(
    repo: Repository,
) -> None:
    """/forget and retention remember the messages of the answers they delete from an open
    round (an edit of one must store nothing), not from a closed one, by digest only; the purge
    forgets them once the round closed."""
    round_id = await _open_round(repo)
    async with repo.transaction() as session:
        community = await session.get_community_by_chat(-100)
        assert community is not None
        closed = await text_round(session, [community.id], start=T0)
        await answer(session, round_id, community.id, "a" * 32, "路灯坏了", source="g:-100:7")
        await answer(session, closed, community.id, "a" * 32, "太吵", source="g:-100:8")
        await answer(
            session, round_id, community.id, "b" * 32, "垃圾", at=T0, source=f"p:{'b' * 32}:3"
        )
        await answer(session, round_id, community.id, "c" * 32, "停车", at=T0 + timedelta(days=30))
        assert await session.set_round_state(closed, "closed", T0, expect="open")
    async with repo.transaction() as session:
        await session.delete_resident_data("a" * 32)
        await session.delete_answers_before(T0 + timedelta(days=1))
    async with repo.transaction() as session:
        assert await session.answer_was_deleted("g:-100:7")
        assert await session.answer_was_deleted(f"p:{'b' * 32}:3")
        assert not await session.answer_was_deleted("g:-100:8")
        rows = await session.tx.fetchall("SELECT source FROM deleted_sources")
        assert len(rows) == 2 and all("b" * 32 not in r["source"] for r in rows)
    async with repo.transaction() as session:
        assert await session.set_round_state(round_id, "closed", T0, expect="open")
        await session.delete_deleted_sources_of_closed_rounds()
    async with repo.transaction() as session:
        assert not await session.answer_was_deleted("g:-100:7")


async def test_retention_deletes_missed_reports_of_rounds_closed_before_it(
    repo: Repository,
) -> None:
    """A close report an organiser could not be sent is kept under their pseudonym until they
    open a private chat; once its round closed before the retention cut-off (its answers
    are deleted too) it goes; one of a round closed since stays."""
    old = await _open_round(repo)
    async with repo.transaction() as session:
        community = await session.get_community_by_chat(-100)
        assert community is not None
        new = await text_round(session, [community.id], start=T0 + timedelta(days=30))
        assert await session.set_round_state(old, "closed", T0, expect="open")
        later = T0 + timedelta(days=30, hours=1)
        assert await session.set_round_state(new, "closed", later, expect="open")
        await session.add_missed_report("o" * 32, old)
        await session.add_missed_report("o" * 32, new)
    async with repo.transaction() as session:
        await session.delete_answers_before(T0 + timedelta(days=1))
    async with repo.transaction() as session:
        rows = await session.tx.fetchall("SELECT round_id FROM missed_reports")
    assert [r["round_id"] for r in rows] == [new]


async def test_forget_and_retention_delete_digest_deliveries_of_sent_periods(
    repo: Repository,
) -> None:
    """A staff member's private chat (kept under a number made from their pseudonym) loses its
    deliveries of digests already sent with their /forget, keeping one still being sent (or
    it would be sent again); retention deletes deliveries of digests sent before its cut-off."""
    me, group = private_chat_key("a" * 32), -300
    old, sent, sending = T0, T0 + timedelta(days=30), T0 + timedelta(days=37)
    async with repo.transaction() as session:
        for period in (old, sent, sending):
            await session.add_digest_period(period)
            await session.add_digest_deliveries(period, [me, group])
        await session.set_digest_sent(old, old)
        await session.set_digest_sent(sent, sent)
    async with repo.transaction() as session:
        await session.delete_resident_data("a" * 32)
        await session.delete_answers_before(T0 + timedelta(days=1))
    async with repo.transaction() as session:
        rows = await session.tx.fetchall(
            "SELECT period_start, chat_id FROM digest_deliveries ORDER BY period_start, chat_id"
        )
    assert [(r["period_start"], r["chat_id"]) for r in rows] == [
        (sent.timestamp(), group),
        (sending.timestamp(), group),
        (sending.timestamp(), me),
    ]

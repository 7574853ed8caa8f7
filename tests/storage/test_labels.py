"""Organisers' labels in storage, on every backend (the `repo` fixture)."""

from __future__ import annotations

from datetime import timedelta

from storage.repository import Repository
from tests.storage.test_closing_and_erasure import T0, _open_round
from tests.storage.test_repository import answer


async def test_a_skip_keeps_themes_given_and_hidden_answers_leave_the_visible_labels(
    repo: Repository,
) -> None:
    """A skip stored after another organiser's themes leaves those themes; themes replace a
    skip and other themes. Labels of hidden answers stay for learning but not for reports."""
    round_id = await _open_round(repo)
    async with repo.transaction() as session:
        community = await session.get_community_by_chat(-100)
        assert community is not None
        first = await answer(session, round_id, community.id, "a", "物业费账目不公开", at=T0)
        second = await answer(session, round_id, community.id, "b", "停车位太少", at=T0)
        assert first is not None and second is not None
        await session.set_label(first, "甲", ["transparency"], T0)
        await session.set_label(first, "乙", [], T0, skipped=True)
        await session.set_label(second, "乙", [], T0, skipped=True)
        await session.set_label(second, "甲", ["urban_rural_construction"], T0)
    async with repo.transaction() as session:
        assert await session.count_labels() == 2
        assert [themes for _, _, themes in await session.list_labels()] == [
            ["transparency"],
            ["urban_rural_construction"],
        ]
        await session.set_label(first, "乙", ["accountability"], T0)
        assert await session.set_answer_hidden(second, "甲", T0)
    async with repo.transaction() as session:
        assert [(i, t) for i, _, t in await session.list_labels()] == [
            (first, ["accountability"]),
            (second, ["urban_rural_construction"]),
        ]
        assert [i for i, _, _ in await session.list_labels(visible=True)] == [first]


async def test_a_label_claim_keeps_an_answer_from_other_labellers_until_it_expires(
    repo: Repository,
) -> None:
    """An answer claimed by one labeller is not listed for another, nor claimed by them, until
    the claim expires; the holder renews it, and a new claim ends their claim elsewhere."""
    round_id = await _open_round(repo)
    later, much_later = T0 + timedelta(minutes=1), T0 + timedelta(minutes=10)
    async with repo.transaction() as session:
        community = await session.get_community_by_chat(-100)
        assert community is not None
        first = await answer(session, round_id, community.id, "a", "物业费账目不公开", at=T0)
        second = await answer(session, round_id, community.id, "b", "停车位太少", at=T0)
        assert first is not None and second is not None
        assert await session.claim_label(first, "甲", T0, T0 + timedelta(minutes=5))
    async with repo.transaction() as session:
        assert not await session.claim_label(first, "乙", later, later + timedelta(minutes=5))
        listed = await session.list_unlabelled_answers(10, labeller="乙", at=later)
        assert [i for i, _ in listed] == [second]
        mine = await session.list_unlabelled_answers(10, labeller="甲", at=later)
        assert [i for i, _ in mine] == [second, first]
        assert await session.claim_label(first, "甲", later, later + timedelta(minutes=5))
    async with repo.transaction() as session:
        assert await session.claim_label(first, "乙", much_later, much_later + timedelta(minutes=5))
        assert await session.claim_label(
            second, "乙", much_later, much_later + timedelta(minutes=5)
        )
        # 乙's card moved on: their claim on `first` ended.
        assert [
            i for i, _ in await session.list_unlabelled_answers(10, labeller="甲", at=much_later)
        ] == [first]

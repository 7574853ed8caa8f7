"""Withdrawing a vote from a web page (SPEC §11: web answers go through the same core as
Telegram answers, where a resident may take back a native poll vote while it is open)."""

from __future__ import annotations

import pytest

from tests.bot.web.world import WebWorld


@pytest.mark.parametrize(
    ("kind", "options"),
    [("poll", ["停车", "垃圾分类", "电梯"]), ("priorities", None)],
)
async def test_a_poll_or_priorities_vote_can_be_withdrawn_from_its_page(
    world: WebWorld, kind: str, options: list[str] | None
) -> None:
    """A resident who voted sees a withdraw button; pressing it removes their vote, and the
    page then offers the vote form again, with nothing counted."""
    round_ = await world.open_round(kind, "哪一项最要紧？", options, multi=True)
    phone = await world.browser()
    path = world.path(round_)
    page = await phone.get(path)
    voted = await phone.post(path, {**page.form("vote"), "option": ["0", "1"]})
    assert "已记录你的选择" in voted.text, voted.text
    withdrawn = await phone.post(path, voted.form("retract"))
    assert withdrawn.status == 200 and "已撤回你的投票" in withdrawn.text, withdrawn.text
    assert "你现在的选择" not in withdrawn.text
    async with world.core.repo.transaction() as session:
        assert await session.count_votes(round_.id) == []
        assert await session.count_voters(round_.id) == {}


async def test_a_rating_offers_no_withdraw_button(world: WebWorld) -> None:
    """A rating is changed, not withdrawn (as with its Telegram buttons): no such form."""
    round_ = await world.open_round("rating", "你对小区安全满意吗？")
    phone = await world.browser()
    path = world.path(round_)
    page = await phone.get(path)
    rated = await phone.post(path, {**page.form("vote"), "value": "4"})
    assert "你现在的选择：4" in rated.text
    assert 'value="retract"' not in rated.html

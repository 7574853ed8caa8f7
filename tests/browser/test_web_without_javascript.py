"""The web answer pages in a Chromium with JavaScript switched off (SPEC §11: plain HTML and
CSS, works without JavaScript, no assets from other sites)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest_asyncio

from tests.bot.web.world import web_world
from tests.browser.conftest import chromium_page
from tests.browser.test_web_pages import PHONE, with_cjk_font


@pytest_asyncio.fixture
async def page(tmp_path: Path) -> AsyncIterator[Any]:
    """A phone-sized page of a fresh headless Chromium that runs no JavaScript."""
    async with chromium_page(
        viewport=PHONE,
        is_mobile=True,
        locale="zh-CN",
        java_script_enabled=False,
        env=with_cjk_font(tmp_path),
    ) as opened:
        yield opened


async def test_answering_voting_and_withdrawing_need_no_javascript(
    page: Any, tmp_path: Path
) -> None:
    """Without JavaScript a resident answers a text round, ticks two principles of a
    priorities round, then withdraws that vote; every request the browser makes goes to the
    pages' own address."""
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    async with web_world(tmp_path) as world:
        text_round = await world.open_round("text", "你希望社区先解决哪件事？")
        await page.goto(world.base + world.path(text_round))
        await page.fill("textarea[name=text]", "楼道的灯坏了很久，希望尽快修好。")
        await page.get_by_role("button", name="提交").click()
        await page.get_by_text("已收到你的回答").wait_for()

        priorities = await world.open_round("priorities", "哪几项最要紧？", multi=True)
        await page.goto(world.base + world.path(priorities))
        await page.get_by_text("参与", exact=True).click()
        await page.get_by_text("透明", exact=True).click()
        await page.get_by_role("button", name="投票").click()
        await page.get_by_text("你现在的选择：参与、透明").wait_for()
        async with world.core.repo.transaction() as session:
            assert await session.count_voters(priorities.id) == {world.communities[0].id: 1}

        await page.get_by_role("button", name="撤回我的投票").click()
        await page.get_by_text("已撤回你的投票").wait_for()
        async with world.core.repo.transaction() as session:
            assert await session.count_votes(priorities.id) == []
            answers = await session.list_answers(round_ids=[text_round.id])
        assert [a.channel for a in answers] == ["web"]
        own = urlsplit(world.base).netloc
    assert requested and {urlsplit(u).netloc for u in requested} == {own}, requested

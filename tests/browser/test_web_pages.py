"""The web answer pages in headless Chromium at a phone's width (360 px), opened from the
address a QR card decodes to.

Screenshots go to $MINYI_SCREENSHOTS (default: the test's temporary folder).
"""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
import zxingcpp
from PIL import Image

from bot.core.rounds import close_round
from bot.render.chart import cjk_font_path
from bot.web.qr import round_cards
from tests.bot.web.world import web_world
from tests.browser.conftest import chromium_page
from tests.browser.test_sandbox import screens_dir

PHONE: Any = {"width": 360, "height": 740}  # playwright's ViewportSize


def with_cjk_font(tmp_path: Path) -> dict[str, str]:
    """The environment of a Chromium that has a Chinese font.

    The pages load no font (a phone has its own CJK fonts); a test machine may have none, so
    fontconfig is pointed at the project's Noto Sans CJK for this browser only."""
    fonts = tmp_path / "fonts.conf"
    fonts.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f'<dir>{cjk_font_path().parent}</dir><include ignore_missing="yes">/etc/fonts/fonts.conf'
        "</include></fontconfig>",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(fonts)}


@pytest_asyncio.fixture
async def page(tmp_path: Path) -> AsyncIterator[Any]:
    """A 360-px page of a fresh headless Chromium that has a Chinese font (`with_cjk_font`)."""
    async with chromium_page(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        env=with_cjk_font(tmp_path),
    ) as opened:
        yield opened


async def _fits(page: Any, viewport: int = PHONE["width"]) -> None:
    """Nothing on the page is wider than the phone (no sideways scrolling)."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport, f"the page is {width}px wide"


async def test_a_resident_answers_votes_and_rates_on_a_phone(page: Any, tmp_path: Path) -> None:
    """From the QR code's address a resident answers a text round, votes in a poll, changes a
    rating and, after closing, reads the poll's summary; the browser reports no blocked style
    (the Content-Security-Policy allows the page's own) and nothing is wider than 360 px."""
    screens = screens_dir(tmp_path)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: refused.append(str(error)))
    async with web_world(tmp_path) as world:
        text_round = await world.open_round("text", "在智慧社区里，你心目中的“好治理”是什么样的？")
        cards = await round_cards(world.core, world.options, text_round.id)
        (screens / "web-qr-card.png").write_bytes(cards[0].png)
        url = zxingcpp.read_barcodes(Image.open(io.BytesIO(cards[0].png)))[0].text
        await page.goto(url)
        await page.locator("h1", has_text="好治理").wait_for()
        await _fits(page)
        await page.screenshot(path=str(screens / "web-text-empty.png"), full_page=True)
        await page.fill("textarea[name=text]", "电梯坏了一个星期都没人管，物业应该及时回应。")
        await page.get_by_role("button", name="提交").click()
        await page.get_by_role("status").filter(has_text="已收到你的回答").wait_for()
        await _fits(page)
        await page.screenshot(path=str(screens / "web-text-done.png"), full_page=True)

        poll = await world.open_round("poll", "最需要改进的是？", ["停车", "垃圾分类", "电梯维修"])
        poll_url = world.base + world.path(poll)
        await page.goto(poll_url)
        await page.get_by_text("垃圾分类").click()
        await page.get_by_role("button", name="投票").click()
        await page.get_by_text("你现在的选择：垃圾分类").wait_for()
        await page.screenshot(path=str(screens / "web-poll-voted.png"), full_page=True)

        rating = await world.open_round("rating", "你对小区的安全满意吗？")
        await page.goto(world.base + world.path(rating))
        await page.locator(".rating label", has_text="2").click()
        await page.get_by_role("button", name="提交评分").click()
        await page.get_by_text("你现在的选择：2").wait_for()
        await page.locator(".rating label", has_text="4").click()
        await page.get_by_role("button", name="提交评分").click()
        await page.get_by_text("你现在的选择：4").wait_for()
        await _fits(page)
        await page.screenshot(path=str(screens / "web-rating-changed.png"), full_page=True)
        async with world.core.repo.transaction() as session:
            votes = await session.count_votes(rating.id)
        assert [(v.option_index, v.votes) for v in votes] == [(4, 1)]

        await close_round(world.core, poll.id)
        await page.goto(poll_url)
        await page.get_by_text("投票人数：1").wait_for()
        await page.get_by_text("垃圾分类 · 1 (100%)").wait_for()
        await _fits(page)
        await page.screenshot(path=str(screens / "web-poll-closed.png"), full_page=True)
    assert not refused, f"the browser refused or failed something: {refused}"


async def test_the_browser_refuses_a_form_posted_from_another_site(
    page: Any, tmp_path: Path
) -> None:
    """A page on another origin that auto-posts to a round stores nothing: the browser sends
    its Origin and Sec-Fetch-Site, and the SameSite cookie stays home."""
    async with web_world(tmp_path) as world:
        round_ = await world.open_round("text", "你希望社区怎样改进？")
        target = world.base + world.path(round_)
        await page.goto(target)  # the resident has visited: the browser holds a cookie
        evil = world.base.replace("127.0.0.1", "localhost") + "/evil"
        await page.route(
            evil,
            lambda route: route.fulfill(
                content_type="text/html",
                body=(
                    f'<form method="post" action="{target}"><input name="action" value="answer">'
                    '<input name="text" value="跨站伪造的回答"><button id="go">go</button></form>'
                ),
            ),
        )
        await page.goto(evil)
        async with page.expect_navigation():
            await page.click("#go")
        assert "跨站伪造的回答" not in await page.content()
        async with world.core.repo.transaction() as session:
            assert await session.list_answers(round_ids=[round_.id]) == []


_CONTRAST = """(e) => {
  const lum = (c) => {
    const [r, g, b] = c.match(/\\d+/g).slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(getComputedStyle(e).borderTopColor), lum("rgb(255, 255, 255)")];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


async def test_choices_are_named_groups_with_visible_edges_at_320px_and_200_percent(
    page: Any, tmp_path: Path
) -> None:
    """On the smallest phones (320 px) and at 200 % zoom (160 CSS px), a screen reader hears
    the question's prompt with each rating and poll choice (a named group, not a bare "3"),
    the keyboard picks a rating with the arrow keys, and the edges of the text box and the
    choices stand out from the white card (3:1, WCAG 1.4.11)."""
    screens = screens_dir(tmp_path)
    async with web_world(tmp_path) as world:
        rating = await world.open_round("rating", "你对小区的安全满意吗？")
        poll = await world.open_round("poll", "最需要改进的是？", ["停车", "垃圾分类"])
        text = await world.open_round("text", "你希望社区怎样改进？")
        for width in (320, 160):
            await page.set_viewport_size({"width": width, "height": 640})
            await page.goto(world.base + world.path(rating))
            group = page.get_by_role("group", name="请打分")
            await group.get_by_role("radio", name="3").wait_for()
            await _fits(page, width)
            await page.screenshot(path=str(screens / f"web-rating-{width}.png"), full_page=True)
        await page.get_by_role("radio", name="1").focus()
        await page.keyboard.press("ArrowRight")
        assert await page.get_by_role("radio", name="2").is_checked()
        edge = await page.locator(".rating span").first.evaluate(_CONTRAST)
        assert edge >= 3, f"the rating buttons' edges have contrast {edge:.2f}"
        await page.goto(world.base + world.path(poll))
        await (
            page.get_by_role("group", name="请选择一项")
            .get_by_role("radio", name="停车")
            .wait_for()
        )
        edge = await page.locator(".option").first.evaluate(_CONTRAST)
        assert edge >= 3, f"the poll options' edges have contrast {edge:.2f}"
        await page.goto(world.base + world.path(text))
        edge = await page.locator("textarea").first.evaluate(_CONTRAST)
        assert edge >= 3, f"the text box's edge has contrast {edge:.2f}"

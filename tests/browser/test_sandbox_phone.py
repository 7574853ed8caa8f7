"""The sandbox page as a newcomer meets it: the first steps beside the chats, a reply arrow in
sight, a group made in the page that residents are in, and a phone-sized screen (390 px) that
shows the chat list or one chat, never both squeezed side by side.

Screenshots go to $MINYI_SCREENSHOTS (default: the test's temporary folder).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from demo.sandbox import Sandbox
from tests.browser.conftest import chromium_page
from tests.browser.test_sandbox import SandboxPage, screens_dir

QUESTION = "小区的线上服务哪里最需要改进？"
ANSWER = "报修要有回应，电梯坏了一个星期都没人管。"
PHONE = {"width": 390, "height": 844}

# How far the page reaches past the right edge of the window (0: nothing to scroll sideways).
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest_asyncio.fixture
async def phone() -> AsyncIterator[Any]:
    """A page of a fresh headless Chromium profile at a phone's size, with touch."""
    async with chromium_page(viewport=PHONE, has_touch=True, locale="zh-CN") as opened:
        errors: list[str] = []
        opened.on("pageerror", lambda error: errors.append(str(error)))
        yield opened
        assert not errors, f"the page raised JavaScript errors: {errors}"


async def width_of(page: Any, selector: str) -> float:
    box = await page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not shown"
    return float(box["width"])


async def test_on_a_phone_the_list_and_a_chat_take_the_screen_in_turn(
    sandbox: Sandbox, phone: Any, tmp_path: Path
) -> None:
    """At 390 px the chat list fills the screen; a chat opened from it does too, with a back
    button that counts what is unread elsewhere; a resident answers by tapping the arrow."""
    ui = SandboxPage(phone, sandbox, screens_dir(tmp_path))
    await ui.open()
    await ui.be("李娜（社区工作者）")
    assert await width_of(phone, "#sidebar") >= PHONE["width"] - 2
    assert not await phone.locator("#chat").is_visible()
    assert await phone.evaluate(OVERFLOW) <= 0
    await ui.shot("sandbox-phone-list.png")

    await ui.chat("碧海社区居民群")
    assert not await phone.locator("#sidebar").is_visible()
    assert await width_of(phone, "#chat") >= PHONE["width"] - 2
    assert await width_of(phone, "#text") >= 200, "the message box is too narrow to type in"
    await ui.write(f"/ask 2h {QUESTION}")
    round_post = ui.bot_says("社区征询 #1", QUESTION)
    await round_post.wait_for()
    assert await phone.evaluate(OVERFLOW) <= 0
    await ui.shot("sandbox-phone-chat.png")

    await phone.click("#back")
    await phone.locator("#sidebar").wait_for()
    await ui.be("王阿姨")
    await ui.chat("碧海社区居民群")
    # No hover on a phone: the arrow must be there to tap.
    arrow = round_post.locator(".reply-btn")
    assert await arrow.evaluate("b => getComputedStyle(b).visibility") == "visible"
    await arrow.tap()
    await phone.locator("#reply-bar").wait_for()
    await ui.write(ANSWER)
    await ui.shot("sandbox-phone-answered.png")

    await phone.click("#back")
    await ui.be("李娜（社区工作者）")
    await ui.chat("碧海社区居民群")
    await ui.write("/close 1")
    await ui.bot_says("征询 #1 已结束").wait_for()
    # The report went to the organiser's private chat, out of sight behind the back button.
    await phone.locator("#back", has_text="(1)").wait_for()
    await phone.click("#back")
    await ui.chat("私聊")
    await ui.bot_says("征询报告 #1", "参与居民：1 · 回答：1").wait_for()
    await ui.shot("sandbox-phone-report.png")


async def test_first_steps_stay_in_sight_until_closed_and_the_round_can_be_replied_to(
    sandbox: Sandbox, page: Any, tmp_path: Path
) -> None:
    """A newcomer sees the four steps (Chinese and English) without reading any docs; once
    closed they stay closed after a reload. The bot's round message shows its reply arrow
    without hovering it."""
    ui = SandboxPage(page, sandbox, screens_dir(tmp_path))
    await ui.open()
    guide = page.locator("#guide")
    assert await guide.evaluate("d => d.open")
    steps = guide.locator("li")
    assert await steps.count() == 4
    text = await guide.inner_text()
    for words in ("/ask", "我是", "网页答题", "/close 1", "reply", "web page", "private chat"):
        assert words in text, f"the first steps do not mention {words!r}"

    await ui.be("李娜（社区工作者）")
    await ui.chat("碧海社区居民群")
    await ui.write(f"/ask 2h {QUESTION}")
    round_post = ui.bot_says("社区征询 #1", QUESTION)
    await round_post.wait_for()
    await page.mouse.move(0, 0)
    arrow = round_post.locator(".reply-btn")
    assert await arrow.evaluate("b => getComputedStyle(b).visibility") == "visible"
    assert float(await arrow.evaluate("b => getComputedStyle(b).opacity")) >= 0.5
    await ui.shot("sandbox-first-steps.png")

    await guide.locator("summary").click()
    # The page remembers the choice when the list closes (an event after the click).
    await page.wait_for_function("() => localStorage.getItem('sandbox-guide') === 'closed'")
    await page.reload()
    await page.locator(".chat-item").first.wait_for()
    assert not await page.locator("#guide").evaluate("d => d.open")


async def test_a_group_made_in_the_page_has_the_residents_and_nothing_ticked_is_said(
    sandbox: Sandbox, page: Any, tmp_path: Path
) -> None:
    """A new group holds everyone in the sandbox, so a resident can answer there at once; a
    multiple-choice vote sent with nothing ticked says so instead of doing nothing."""
    ui = SandboxPage(page, sandbox, screens_dir(tmp_path))
    await ui.open()
    await ui.be("李娜（社区工作者）")

    async def give_title(dialog: Any) -> None:
        await dialog.accept("花果园社区居民群")

    page.once("dialog", give_title)
    await page.click("#new-group")
    await page.locator("#chat-title", has_text="花果园社区居民群").wait_for()
    await page.locator(".service", has_text="王阿姨").wait_for()
    await ui.write("/community 花果园社区")
    await ui.bot_says("已登记为社区“花果园社区”").wait_for()
    await ui.write("/priorities 2h 你最希望社区做好哪几项？")
    await ui.bot_says("优先").wait_for()

    await ui.be("王阿姨")
    await ui.chat("花果园社区居民群")
    vote = page.locator(".poll .vote")
    await vote.click()
    await page.locator("#toast", has_text="先勾选至少一项").wait_for()
    await page.locator(".poll label.poll-option").first.click()
    await vote.click()
    await page.locator(".poll-result.chosen").first.wait_for()

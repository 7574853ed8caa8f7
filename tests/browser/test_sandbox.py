"""The sandbox page in headless Chromium: organisers and residents use the real bot through it.

Screenshots go to $MINYI_SCREENSHOTS (default: the test's temporary folder).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from demo.sandbox import Sandbox

QUESTION = "在智慧社区里，你心目中的“好治理”是什么样的？"
ANSWER_WANG = "有事能找到人，报修了要有回应。电梯坏了一个星期都没人管，这不行。"
ANSWER_ZHANG = "人脸识别门禁收集的数据存在哪里、谁能看，应该公开透明。"


class SandboxPage:
    """The page, acting as the people of the sandbox the way a person would."""

    def __init__(self, page: Any, sandbox: Sandbox, screens: Path) -> None:
        self.page = page
        self.sandbox = sandbox
        self.screens = screens

    async def open(self) -> None:
        """Load the page and wait for its chat list."""
        await self.page.goto(self.sandbox.url)
        await self.page.locator(".chat-item").first.wait_for()

    async def be(self, name: str) -> None:
        """Pick who we are in the "I am" list."""
        user = next(u for u in self.sandbox.bot.emulator.users.values() if u.first_name == name)
        await self.page.select_option("#who", str(user.id))
        chosen = self.page.locator(f'#who option[value="{user.id}"]:checked')
        await chosen.wait_for(state="attached")

    async def chat(self, title: str) -> None:
        """Open a chat from the list."""
        await self.page.locator(".chat-item", has_text=title).click()
        await self.page.locator("#chat-title", has_text=title).wait_for()

    async def write(self, text: str) -> None:
        """Type a message (or command) and press Enter."""
        await self.page.fill("#text", text)
        await self.page.press("#text", "Enter")
        await self.page.locator(".msg.mine", has_text=text[:20]).last.wait_for()

    def bot_says(self, *parts: str) -> Any:
        """The latest bot message in the open chat containing every one of `parts`."""
        found = self.page.locator(".msg.bot")
        for part in parts:
            found = found.filter(has_text=part)
        return found.last

    async def reply(self, message: Any, text: str) -> None:
        """Reply to a message: hover it, press its reply arrow, type, Enter."""
        await message.hover()
        await message.locator(".reply-btn").click()
        await self.page.locator("#reply-bar").wait_for()
        await self.write(text)

    async def shot(self, name: str) -> None:
        """Save a screenshot (fonts loaded first, so Chinese is drawn)."""
        await self.page.evaluate("document.fonts.ready")
        await self.page.screenshot(path=str(self.screens / name))


def screens_dir(tmp_path: Path) -> Path:
    """Where screenshots go."""
    folder = Path(os.environ.get("MINYI_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_organiser_asks_residents_answer_and_vote_and_the_report_appears(
    sandbox: Sandbox, page: Any, tmp_path: Path
) -> None:
    """/ask, two residents' replies, a poll vote and /report all go through the page's controls."""
    ui = SandboxPage(page, sandbox, screens_dir(tmp_path))
    await ui.open()
    await ui.be("李娜（社区工作者）")
    await ui.chat("碧海社区居民群")
    await page.locator("#role", has_text="组织者").wait_for()
    await ui.shot("01-organiser-first-look.png")

    await ui.write(f"/ask 2h {QUESTION}")
    round_post = ui.bot_says("社区征询 #1", QUESTION)
    await round_post.wait_for()
    await ui.bot_says("第 1 轮征询已开始").wait_for()

    await ui.be("王阿姨")
    await ui.reply(round_post, ANSWER_WANG)
    await ui.be("张伟")
    await ui.reply(round_post, ANSWER_ZHANG)
    # The reply shows the round it answers, as Telegram shows a quoted message.
    await page.locator(".msg.mine .quote", has_text="社区征询 #1").wait_for()
    await ui.shot("02-resident-replied.png")

    await ui.be("李娜（社区工作者）")
    await ui.write("/poll 2h 哪一条原则最重要？ | 居民参与 | 公开透明 | 及时回应")
    poll = page.locator(".poll", has_text="哪一条原则最重要")
    await poll.wait_for()
    await ui.be("王阿姨")
    await poll.locator("button.poll-option", has_text="公开透明").click()
    await poll.locator(".poll-result.chosen", has_text="公开透明").wait_for()
    await poll.locator(".foot", has_text="1 人投票").wait_for()

    await ui.be("李娜（社区工作者）")
    await ui.write("/close 1")
    await ui.bot_says("征询 #1 已结束").wait_for()
    await ui.write("/close 2")
    await poll.locator(".kind", has_text="已结束").wait_for()
    await ui.write("/report 1")
    report = ui.bot_says("征询报告 #1", "参与居民：2 · 回答：2")
    await report.wait_for()
    await report.scroll_into_view_if_needed()
    await ui.write("/report 2")
    await ui.bot_says("征询报告 #2", "投票人数：1").wait_for()
    await ui.shot("03-report-in-group.png")

    async with sandbox.bot.core.repo.transaction() as session:
        stored = sorted(a.text for a in await session.list_answers(round_ids=[1]))
    assert stored == sorted([ANSWER_WANG, ANSWER_ZHANG])


async def test_private_answer_rating_buttons_and_digest_chart_in_the_page(
    sandbox: Sandbox, page: Any, tmp_path: Path
) -> None:
    """A start link opens the private chat, a rating button answers, /digest shows chart and CSV."""
    ui = SandboxPage(page, sandbox, screens_dir(tmp_path))
    await ui.open()
    await ui.be("李娜（社区工作者）")
    await ui.chat("私聊")
    await page.locator('[data-testid="welcome"]', has_text="组织者").wait_for()
    await ui.write(f"/ask all 2h {QUESTION}")
    await ui.bot_says("第 1 轮征询已开始").wait_for()
    await ui.write("/rate all 2h 你给社区的线上服务打几分？")
    await ui.bot_says("第 2 轮征询已开始").wait_for()

    await ui.be("梁浩")
    await ui.chat("会展城社区业主群")
    link = ui.bot_says("社区征询 #1").locator("a[data-link*='start=']")
    await link.click()
    await page.locator("#chat-title", has_text="私聊").wait_for()
    await ui.bot_says("你正在私下回答征询 #1").wait_for()
    await ui.write("希望社区议事可以线上参与，年轻人白天上班没法去开会。")
    await ui.bot_says("已收到你对征询 #1 的回答").wait_for()

    await ui.be("Emma Lewis")
    await ui.chat("会展城社区业主群")
    rating = ui.bot_says("社区评分 #2")
    await rating.locator("button.inline-btn", has_text="4").click()
    await page.locator("#toast", has_text="Your rating is recorded: 4").wait_for()
    await ui.shot("04-resident-rated.png")

    await ui.be("李娜（社区工作者）")
    await ui.chat("私聊")
    await ui.write("/close 1")
    await ui.bot_says("征询报告 #1", "参与居民：1").wait_for()
    await ui.write("/close 2")
    await ui.bot_says("征询报告 #2", "平均分：4").wait_for()
    await ui.write("/digest")
    chart = page.locator(".msg.bot img.photo").last
    await chart.wait_for()
    await page.wait_for_function(
        "() => [...document.querySelectorAll('.msg.bot img.photo')].some("
        "img => img.complete && img.naturalWidth > 200)"
    )
    await page.locator(".msg.bot a.document", has_text="minyi-digest").wait_for()
    await chart.scroll_into_view_if_needed()
    await ui.shot("05-digest-chart.png")


async def test_a_resident_cannot_open_a_round_from_the_page(
    sandbox: Sandbox, page: Any, tmp_path: Path
) -> None:
    """A resident's /ask typed in the page is refused by the bot and opens no round."""
    ui = SandboxPage(page, sandbox, screens_dir(tmp_path))
    await ui.open()
    await ui.be("王阿姨")
    await ui.chat("碧海社区居民群")
    await page.locator("#role", has_text="居民").wait_for()
    await ui.write(f"/ask 2h {QUESTION}")
    await ui.bot_says("只有组织者").wait_for()
    async with sandbox.bot.core.repo.transaction() as session:
        assert await session.list_rounds() == []


async def test_new_group_and_new_resident_from_the_sidebar(
    sandbox: Sandbox, page: Any, tmp_path: Path
) -> None:
    """An organiser makes and registers a group; a resident added in the page joins the groups."""
    ui = SandboxPage(page, sandbox, screens_dir(tmp_path))
    await ui.open()
    await ui.be("李娜（社区工作者）")

    async def give_title(dialog: Any) -> None:
        await dialog.accept("花果园社区居民群")

    page.once("dialog", give_title)
    await page.click("#new-group")
    await page.locator("#chat-title", has_text="花果园社区居民群").wait_for()
    assert (await page.input_value("#text")).startswith("/community")
    await ui.write("/community 花果园社区")
    await ui.bot_says("已登记为社区“花果园社区”").wait_for()

    await page.click("#add-person summary")
    await page.fill("#person-name", "陈阿婆")
    await page.select_option("#person-lang", "zh-hant")
    await page.click("#person-form button[type=submit]")
    await page.locator("#role", has_text="居民").wait_for()
    await page.locator("#who option:checked", has_text="陈阿婆").wait_for(state="attached")
    await ui.chat("花果园社区居民群")
    await page.locator(".service", has_text="陈阿婆").wait_for()
    async with sandbox.bot.core.repo.transaction() as session:
        names = {c.name for c in await session.list_communities()}
    assert "花果园社区" in names


# Widths in CSS pixels of each "I am" option's text in the list's own font, and of the room the
# closed list gives its text (its content box less the arrow's share).
MEASURE_OPTIONS = """() => {
  const select = document.querySelector('#who');
  const style = getComputedStyle(select);
  const context = document.createElement('canvas').getContext('2d');
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = select.clientWidth - parseFloat(style.paddingLeft)
    - parseFloat(style.paddingRight) - 24;
  return [...select.options].map((o) => [o.text, context.measureText(o.text).width, room]);
}"""


async def test_hint_count_dropdown_names_and_times_in_the_bots_zone(
    sandbox: Sandbox, page: Any, tmp_path: Path
) -> None:
    """The `/ask all` chip counts the communities there are (2, then 3 after one is registered),
    no name in the "I am" list is cut off, and bubble times are the bot's (+08:00), labelled,
    although the browser runs in New York."""
    ui = SandboxPage(page, sandbox, screens_dir(tmp_path))
    await ui.open()
    await ui.be("李娜（社区工作者）")
    await ui.chat("私聊")
    await page.locator("button.hint", has_text="/ask all 2 个社区一起问").wait_for()

    options = await page.evaluate(MEASURE_OPTIONS)
    assert options, "the 'I am' list has no names to measure"
    for text, width, room in options:
        assert width <= room, f"{text!r} needs {width:.0f}px, the list shows {room:.0f}px"

    await ui.write("/rounds")
    zone = ZoneInfo("Asia/Shanghai")
    stored = sandbox.bot.emulator.private_chat(sandbox.bot.organiser)
    last = max(m.payload["date"] for m in sandbox.bot.emulator.chats[stored.id].messages.values())
    expected = datetime.fromtimestamp(last, zone).strftime("%H:%M") + " +08:00"
    await page.locator(".msg .meta", has_text=expected).last.wait_for()
    await ui.shot("06-private-chat-times.png")

    async def give_title(dialog: Any) -> None:
        await dialog.accept("花果园社区居民群")

    page.once("dialog", give_title)
    await page.click("#new-group")
    await page.locator("#chat-title", has_text="花果园社区居民群").wait_for()
    await ui.write("/community 花果园社区")
    await ui.bot_says("已登记为社区“花果园社区”").wait_for()
    await ui.chat("私聊")
    await page.locator("button.hint", has_text="/ask all 3 个社区一起问").wait_for()
    await ui.shot("07-three-communities-chip.png")

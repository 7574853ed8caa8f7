"""The sandbox lists the web answer pages beside the chat: a resident can answer a round in
the chat or on its web page, and the organiser's report counts both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from demo.sandbox import Sandbox
from tests.browser.test_sandbox import SandboxPage, screens_dir

QUESTION = "小区的线上服务哪里最需要改进？"
IN_CHAT = "报修要有回应，电梯坏了一个星期都没人管。"
ON_WEB = "希望网上办事也保留人工窗口，老人不会用手机。"


async def test_a_resident_answers_in_the_chat_and_another_on_the_listed_web_page(
    sandbox: Sandbox, page: Any, tmp_path: Path
) -> None:
    """Once /ask opened a round, the side panel links each community's web page; an answer
    sent there (in a new tab) and one sent in the chat both count in /report."""
    ui = SandboxPage(page, sandbox, screens_dir(tmp_path))
    await ui.open()
    panel = page.locator("#web-pages")
    assert not await panel.is_visible(), "no open round: no page to list yet"
    await ui.be("李娜（社区工作者）")
    await ui.chat("碧海社区居民群")
    await ui.write(f"/ask 2h {QUESTION}")
    round_post = ui.bot_says("社区征询 #1", QUESTION)
    await round_post.wait_for()
    link = panel.locator("a", has_text="#1 碧海社区")
    await link.wait_for()
    await ui.shot("sandbox-web-pages-listed.png")

    await ui.be("王阿姨")
    await ui.reply(round_post, IN_CHAT)

    async with page.context.expect_page() as opened:
        await link.click()
    web = await opened.value
    await web.wait_for_load_state()
    assert QUESTION in await web.locator("h1").inner_text()
    await web.fill("textarea[name=text]", ON_WEB)
    await web.locator("button", has_text="提交").click()
    await web.locator(".flash", has_text="已收到你的回答").wait_for()
    await web.close()

    await ui.be("李娜（社区工作者）")
    await ui.write("/report 1")
    await ui.bot_says("征询报告 #1", "参与居民：2 · 回答：2", "来自网页：1").wait_for()
    async with sandbox.bot.core.repo.transaction() as session:
        stored = {a.text: a.channel for a in await session.list_answers(round_ids=[1])}
    assert stored == {IN_CHAT: "telegram", ON_WEB: "web"}
